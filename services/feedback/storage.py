"""The feedback table.

Items (``pk`` / ``sk``):

- ``CASE#<tracking code>`` / ``CASE``: the case, its timeline (JSON) and the submitter's
  contact details encrypted with KMS (``contact``, bytes). While open it sits in an
  agency's work list, one partition per deadline week: gsi1 ``WORK#<agency>#<week>`` and
  gsi2 ``WORK#<agency>#<status>#<week>``, both by deadline. gsi3 holds it under ``DUE#<shard>``
  by deadline until it is overdue (the overdue sweep), once finished under
  ``CLOSE#<shard>`` by the day it closes, and before routing under ``UNROUTED#<shard>`` (a
  lost routing message is sent again).
- ``CASE#<tracking code>`` / ``UPLOADS``: the case's upload links that were not expired
  when last written (attachment id -> expiry), with a version for conditional writes.
- ``WEEKS#<agency>[#<status>]`` / ``<week>``: how many open cases each deadline week holds.
- ``SUBMITTER#<digest of a phone or e-mail>`` / ``<received at>#<code>``: recent cases of
  one submitter (30 days, TTL), for duplicates.
- ``ANSWERS`` / ``<published at>#<code>``: a published question and answer, redacted.
- ``STATS#<agency>#<period>`` / ``COUNTS``: counters per month, quarter and year.
- ``RATE#<what>#<digest>#<window>`` / ``COUNT``: anonymous intake counters, and wrong
  access keys per case (``RATE#key#<tracking code>#<window>``), with TTL.

A case changes by one transaction conditional on the version read, with its counters.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from services.core import aws, dynamo, periods
from services.core.clock import VIETNAM_TZ
from services.core.dynamo import iso, moment, plain, put_if, transact, update_if
from services.core.settings import get_settings
from services.feedback.domain import FINISHED, OPEN, Case, Step

SHARDS = 8
SUBMITTER_MEMORY = timedelta(days=30)


def table() -> Any:
    return aws.table(get_settings().feedback_table)


def _shard(code: str) -> int:
    return dynamo.shard_of(code, SHARDS)


def case_key(code: str) -> dict[str, str]:
    return {"pk": f"CASE#{code}", "sk": "CASE"}


# -- the case item ----------------------------------------------------------------------------
def case_item(case: Case, extra: dict[str, Any]) -> dict[str, Any]:
    """``extra``: what the domain does not hold (access digests, the encrypted contact)."""
    item: dict[str, Any] = {
        **case_key(case.tracking_code),
        **extra,
        "tracking_code": case.tracking_code,
        "title": case.title,
        "content": case.content,
        "channel": case.channel,
        "status": case.status,
        "received_at": iso(case.received_at),
        "published": case.published,
        "overdue": case.overdue,
        "version": case.version,
        "timeline": json.dumps([_step(s) for s in case.timeline], ensure_ascii=False),
    }
    for name, value in (
        ("procedure_code", case.procedure_code),
        ("agency_id", case.agency_id),
        ("respond_by", iso(case.respond_by)),
        ("answer_by", iso(case.answer_by)),
        ("answer", case.answer),
        ("duplicate_of", case.duplicate_of),
        ("kind", case.kind),
        ("field", case.procedure_field),
        ("dossier_code", case.dossier_code),
    ):
        if value is not None:
            item[name] = value
    deadline = case.deadline
    week = work_week(case)
    if week is not None and deadline is not None:
        order = f"{iso(deadline)}#{case.tracking_code}"
        item |= {
            "gsi1pk": f"WORK#{case.agency_id}#{week}",
            "gsi1sk": order,
            "gsi2pk": f"WORK#{case.agency_id}#{case.status}#{week}",
            "gsi2sk": order,
        }
        if not case.overdue:
            item |= {"gsi3pk": f"DUE#{_shard(case.tracking_code)}", "gsi3sk": order}
    elif case.status in FINISHED and "closes_at" in extra:
        item |= {
            "gsi3pk": f"CLOSE#{_shard(case.tracking_code)}",
            "gsi3sk": f"{extra['closes_at']}#{case.tracking_code}",
        }
    elif not extra.get("routed"):
        item |= {
            "gsi3pk": f"UNROUTED#{_shard(case.tracking_code)}",
            "gsi3sk": f"{iso(case.received_at)}#{case.tracking_code}",
        }
    return {k: v for k, v in item.items() if v is not None}


def work_week(case: Case) -> str | None:
    """The ISO week (Vietnam time) of an open case's deadline: its work-list partition. A
    week's partition stays small whatever an agency's backlog, so a page costs about the
    same at 100 or 100,000 open cases, and a small agency's page seldom needs a second
    week; ``WEEKS#<agency>`` counts what each week holds."""
    deadline = case.deadline
    if not case.agency_id or case.status not in OPEN or deadline is None:
        return None
    year, week, _ = deadline.astimezone(VIETNAM_TZ).isocalendar()
    return f"{year}-W{week:02d}"


def _week_counts(case: Case, delta: int) -> list[dict[str, Any]]:
    week = work_week(case)
    if week is None:
        return []
    return [
        {
            "Update": {
                "TableName": get_settings().feedback_table,
                "Key": {"pk": partition, "sk": week},
                "UpdateExpression": "ADD #open :delta",
                "ExpressionAttributeNames": {"#open": "open"},
                "ExpressionAttributeValues": {":delta": delta},
            }
        }
        for partition in (f"WEEKS#{case.agency_id}", f"WEEKS#{case.agency_id}#{case.status}")
    ]


def _step(step: Step) -> dict[str, Any]:
    data = asdict(step)
    data["at"] = iso(step.at)
    return {k: v for k, v in data.items() if v is not None}


def case_from(item: dict[str, Any]) -> Case:
    steps = tuple(
        Step(
            at=moment(s["at"]),  # type: ignore[arg-type]
            actor=s["actor"],
            action=s["action"],
            status=s["status"],
            note=s.get("note"),
            agency_id=s.get("agency_id"),
        )
        for s in json.loads(item.get("timeline") or "[]")
    )
    return Case(
        tracking_code=item["tracking_code"],
        title=item["title"],
        content=item["content"],
        channel=item["channel"],
        status=item["status"],
        received_at=moment(item["received_at"]),  # type: ignore[arg-type]
        procedure_code=item.get("procedure_code"),
        agency_id=item.get("agency_id"),
        respond_by=moment(item.get("respond_by")),
        answer_by=moment(item.get("answer_by")),
        answer=item.get("answer"),
        published=bool(item.get("published")),
        overdue=bool(item.get("overdue")),
        duplicate_of=item.get("duplicate_of"),
        kind=item.get("kind"),
        procedure_field=item.get("field"),
        dossier_code=item.get("dossier_code"),
        timeline=steps,
        version=int(item.get("version", 0)),
    )


EXTRA = (
    "key_digest",
    "owner",
    "contact",
    "submitter_digests",
    "routed",
    "closes_at",
    "requested_agency",
    "shown_title",
    "shown_content",
    "route_to",
)


def extra_of(item: dict[str, Any]) -> dict[str, Any]:
    return {name: item[name] for name in EXTRA if name in item}


def load(code: str) -> tuple[Case, dict[str, Any]] | None:
    item = table().get_item(Key=case_key(code), ConsistentRead=True).get("Item")
    if not item:
        return None
    extra = extra_of(item)
    if "contact" in extra:
        extra["contact"] = bytes(extra["contact"])
    return case_from(item), extra


def cases_in(segment: int, segments: int) -> Iterator[Case]:
    """Every case of one segment of a parallel scan (``portal reports rebuild``)."""
    for item in dynamo.scan_segment(table(), segment, segments, "CASE"):
        yield case_from(item)


# -- writes -----------------------------------------------------------------------------------
def create(case: Case, extra: dict[str, Any]) -> bool:
    """The case as received: not routed yet, so in no work list. False if a case with that
    tracking code exists already."""
    return put_if(table(), case_item(case, extra))


def _counter_updates(case: Case, adds: dict[str, int]) -> list[dict[str, Any]]:
    if not case.agency_id or not adds:
        return []
    names = {f"#c{i}": name for i, name in enumerate(adds)}
    values = {f":v{i}": value for i, value in enumerate(adds.values())}
    expression = "ADD " + ", ".join(f"#c{i} :v{i}" for i in range(len(adds)))
    return [
        {
            "Update": {
                "TableName": get_settings().feedback_table,
                "Key": {"pk": f"STATS#{case.agency_id}#{period}", "sk": "COUNTS"},
                "UpdateExpression": expression,
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values,
            }
        }
        for period in periods.containing(case.received_at)
    ]


def save(
    before: Case,
    after: Case,
    extra: dict[str, Any],
    *,
    counters: dict[str, int],
    uncount_agency: Case | None = None,
    uncount: dict[str, int] | None = None,
    also: list[dict[str, Any]] | None = None,
) -> None:
    """Write ``after`` if the case is still at ``before.version``, with its counters;
    :class:`~services.core.dynamo.Conflict` when it is not."""
    put = {
        "Put": {
            "TableName": get_settings().feedback_table,
            "Item": case_item(after, extra),
            "ConditionExpression": "version = :seen",
            "ExpressionAttributeValues": {":seen": before.version},
        }
    }
    operations = [put, *_counter_updates(after, counters)]
    if uncount_agency is not None and uncount:
        operations += _counter_updates(uncount_agency, uncount)
    moved = (before.agency_id, before.status, work_week(before)) != (
        after.agency_id,
        after.status,
        work_week(after),
    )
    if moved:
        operations += _week_counts(before, -1) + _week_counts(after, 1)
    operations += also or []
    transact(operations)


def submitter_items(digests: list[str], case: Case) -> list[dict[str, Any]]:
    expires = int((case.received_at + SUBMITTER_MEMORY).timestamp())
    return [
        {
            "Put": {
                "TableName": get_settings().feedback_table,
                "Item": {
                    "pk": f"SUBMITTER#{digest}",
                    "sk": f"{iso(case.received_at)}#{case.tracking_code}",
                    "tracking_code": case.tracking_code,
                    "title": case.title,
                    "content": case.content[:2000],
                    "expires_at": expires,
                },
            }
        }
        for digest in digests
    ]


@dataclass(frozen=True, slots=True, order=True)
class EarlierCase:
    """A case a submitter sent before, as much as finding a duplicate needs; ordered by
    when it came."""

    received_at: datetime
    tracking_code: str
    title: str
    content: str


def recent_of_submitter(digest: str, since: datetime) -> list[EarlierCase]:
    answer = table().query(
        KeyConditionExpression=Key("pk").eq(f"SUBMITTER#{digest}")
        & Key("sk").gte(iso(since) or ""),
        Limit=50,
    )
    return [
        EarlierCase(
            received_at=datetime.fromisoformat(str(item["sk"]).split("#", 1)[0]),
            tracking_code=str(item["tracking_code"]),
            title=str(item["title"]),
            content=str(item["content"]),
        )
        for item in answer["Items"]
    ]


def answer_item(
    case: Case, title: str, question: str, answer: str, now: datetime, search: str
) -> dict[str, Any]:
    """The public question and answer: ``title``, ``question`` and ``answer`` as redacted."""
    return {
        "Put": {
            "TableName": get_settings().feedback_table,
            "Item": {
                "pk": "ANSWERS",
                "sk": f"{iso(now)}#{case.tracking_code}",
                "tracking_code": case.tracking_code,
                "title": title,
                "question": question,
                "answer": answer,
                "agency_id": case.agency_id,
                "procedure_code": case.procedure_code,
                "answered_at": iso(now),
                "search": search,
            },
        }
    }


# -- reads ------------------------------------------------------------------------------------
def work_list(
    agency_id: str, status: str | None, limit: int, start: dict[str, Any] | None
) -> tuple[list[tuple[Case, str | None]], dict[str, Any] | None]:
    """Cases by deadline, each with its title as shown to those who do not handle it.

    Reads the agency's week counts (a few dozen small items), then the weeks that hold open
    cases, soonest first, until the page is full. ``start`` is where the last page ended:
    ``{"week", "key"}``, as the previous page answered it (plain values, ready for a cursor).
    """
    index = "gsi2" if status else "gsi1"
    prefix = f"WORK#{agency_id}#{status}" if status else f"WORK#{agency_id}"
    counts = f"WEEKS#{agency_id}#{status}" if status else f"WEEKS#{agency_id}"
    weeks = [
        str(item["sk"])
        for item in _all(Key("pk").eq(counts))
        if int(item.get("open", 0)) > 0 and (start is None or str(item["sk"]) >= start["week"])
    ]
    found: list[tuple[Case, str | None]] = []
    for week in weeks:
        kwargs: dict[str, Any] = {
            "IndexName": index,
            "KeyConditionExpression": Key(f"{index}pk").eq(f"{prefix}#{week}"),
            "Limit": limit - len(found),
        }
        if start is not None and week == start["week"] and start.get("key"):
            kwargs["ExclusiveStartKey"] = start["key"]
        answer = table().query(**kwargs)
        for item in answer["Items"]:
            found.append((case_from(item), item.get("shown_title")))
            if len(found) == limit:
                key = {k: item[k] for k in ("pk", "sk", f"{index}pk", f"{index}sk")}
                return found, {"week": week, "key": plain(key)}
    return found, None


def _all(condition: Any) -> list[dict[str, Any]]:
    kwargs: dict[str, Any] = {"KeyConditionExpression": condition}
    items: list[dict[str, Any]] = []
    while True:
        answer = table().query(**kwargs)
        items.extend(answer["Items"])
        if "LastEvaluatedKey" not in answer:
            return items
        kwargs["ExclusiveStartKey"] = answer["LastEvaluatedKey"]


def past_deadline(now: datetime) -> list[str]:
    """Open cases not yet marked overdue whose deadline has passed."""
    return _due("DUE", now)


def closing(now: datetime) -> list[str]:
    """Finished cases whose day to close has come."""
    return _due("CLOSE", now)


def unrouted(before: datetime) -> list[str]:
    """Cases not routed yet, received (or last asked about) before ``before``."""
    return _due("UNROUTED", before)


def _due(prefix: str, before: datetime, limit: int = 200) -> list[str]:
    """Tracking codes under ``prefix`` in gsi3 with their time before ``before``."""
    codes: list[str] = []
    for shard in range(SHARDS):
        answer = table().query(
            IndexName="gsi3",
            KeyConditionExpression=Key("gsi3pk").eq(f"{prefix}#{shard}")
            & Key("gsi3sk").lt(f"{iso(before)}#"),
            Limit=limit,
        )
        codes.extend(str(item["pk"]).removeprefix("CASE#") for item in answer["Items"])
    return codes


MAX_READ_PER_SEARCH = 500
"""A search reads at most this many answers per request, found or not, and hands back a
cursor to go on: an anonymous query that matches nothing costs a bounded read."""


def answers_page(
    words: list[str], limit: int, start: dict[str, Any] | None
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Newest first; with ``words``, those whose folded text holds every whole word. A filter
    reads past what it drops, so a page may take a few requests, up to a bounded read."""
    found: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {
        "KeyConditionExpression": Key("pk").eq("ANSWERS"),
        "ScanIndexForward": False,
    }
    if words:
        clauses = [f"contains(#search, :w{i})" for i in range(len(words))]
        kwargs["FilterExpression"] = " AND ".join(clauses)
        kwargs["ExpressionAttributeNames"] = {"#search": "search"}
        kwargs["ExpressionAttributeValues"] = {f":w{i}": f" {w} " for i, w in enumerate(words)}
    if start:
        kwargs["ExclusiveStartKey"] = start
    read = 0
    while read < MAX_READ_PER_SEARCH:
        # Unfiltered, never more than the page still needs; filtered, a bigger bite. Either
        # way the cursor is the last item shown, so nothing read past it is skipped.
        bite = limit - len(found) if not words else 100
        kwargs["Limit"] = min(bite, MAX_READ_PER_SEARCH - read)
        answer = table().query(**kwargs)
        read += int(answer.get("ScannedCount", len(answer["Items"])))
        for item in answer["Items"]:
            found.append(item)
            if len(found) == limit:
                return found, plain({"pk": item["pk"], "sk": item["sk"]})
        last = answer.get("LastEvaluatedKey")
        if not last:
            return found, None
        kwargs["ExclusiveStartKey"] = last
    read_to = kwargs.get("ExclusiveStartKey")
    return found, plain(read_to) if read_to else None


def stats(agency_id: str, period: str) -> dict[str, int]:
    item = table().get_item(Key={"pk": f"STATS#{agency_id}#{period}", "sk": "COUNTS"}).get("Item")
    return {k: int(v) for k, v in (item or {}).items() if k not in ("pk", "sk")}


def _rate_window(what: str, digest: str, window_seconds: int, now: datetime) -> tuple[Any, int]:
    """(the counter's key, when its window ends in epoch seconds) for ``now``."""
    window = int(now.timestamp()) // window_seconds
    return {"pk": f"RATE#{what}#{digest}#{window}", "sk": "COUNT"}, (window + 1) * window_seconds


def take_rate(what: str, digest: str, window_seconds: int, limit: int, now: datetime) -> int | None:
    """Count one more in the current window; the seconds until it ends when over ``limit``.

    Intake calls it from several threads at once, so it speaks through the DynamoDB client,
    which boto3 shares between threads, not through a table resource, which it does not."""
    key, ends = _rate_window(what, digest, window_seconds, now)
    try:
        aws.dynamodb_client().update_item(
            TableName=get_settings().feedback_table,
            Key=key,
            UpdateExpression="ADD #n :one SET expires_at = :ends",
            ConditionExpression="attribute_not_exists(#n) OR #n < :limit",
            ExpressionAttributeNames={"#n": "n"},
            ExpressionAttributeValues={":one": 1, ":limit": limit, ":ends": ends + 60},
        )
    except ClientError as error:
        if not dynamo.condition_failed(error):
            raise
        return max(1, ends - int(now.timestamp()))
    return None


def rate_spent(
    what: str, digest: str, window_seconds: int, limit: int, now: datetime
) -> int | None:
    """The seconds until the current window ends when it has counted ``limit`` already;
    None while it has not. Counts nothing."""
    key, ends = _rate_window(what, digest, window_seconds, now)
    item = table().get_item(Key=key, ConsistentRead=True).get("Item")
    if item is None or int(item.get("n", 0)) < limit:
        return None
    return max(1, ends - int(now.timestamp()))


def asked_routing(code: str, now: datetime) -> None:
    """Not due for another routing request before two minutes from ``now``; nothing to do
    when the case was routed meanwhile."""
    update_if(
        table(),
        case_key(code),
        UpdateExpression="SET gsi3sk = :next",
        ConditionExpression="begins_with(gsi3pk, :unrouted)",
        ExpressionAttributeValues={":next": f"{iso(now)}#{code}", ":unrouted": "UNROUTED#"},
    )


def _links_key(code: str) -> dict[str, str]:
    return {"pk": f"CASE#{code}", "sk": "UPLOADS"}


def upload_links(code: str) -> tuple[dict[str, int], int]:
    """The case's upload links that may still be unused (attachment id -> when the link
    expires, epoch seconds), and the version they were written at (0: none yet)."""
    item = table().get_item(Key=_links_key(code), ConsistentRead=True).get("Item")
    if not item:
        return {}, 0
    links = {str(k): int(v) for k, v in (item.get("links") or {}).items()}
    return links, int(item.get("version", 0))


def save_upload_links(code: str, links: dict[str, int], seen_version: int) -> bool:
    """Write the case's upload links if they are still at ``seen_version``; False when
    another request wrote them first. The item stays with its case (no TTL), so that its
    version only grows and a stale read can never match a newer write."""
    condition = "attribute_not_exists(version)" if seen_version == 0 else "version = :seen"
    values: dict[str, Any] = {":links": links, ":next": seen_version + 1}
    if seen_version:
        values[":seen"] = seen_version
    return update_if(
        table(),
        _links_key(code),
        UpdateExpression="SET links = :links, version = :next",
        ConditionExpression=condition,
        ExpressionAttributeValues=values,
    )
