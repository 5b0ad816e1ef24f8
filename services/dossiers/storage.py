"""The dossiers table.

Items (``pk`` / ``sk``):

- ``DOSSIER#<code>`` / ``DOSSIER`` (the key of ``core.dossier_view``): the dossier, its
  timeline (JSON), its applicant's pseudonym (``applicant_key``) and sealed contact. Its
  places in the indexes, every one by ``<due_at>#<code>`` within an agency's deadline week
  (ISO week in Vietnam time, ``2026-W48``):
  gsi1 ``A#<agency>#<week>`` (all its dossiers), gsi2 ``S<status>#<agency>#<week>`` (by
  status, two digits), and while overdue gsi3 ``L<0|1>#<agency>#<week>`` (1: an apology was
  issued). gsi4 holds it under ``DUE#<shard>`` by ``due_at`` while it is unfinished, running
  and not overdue (what the overdue sweep reads), or under ``OUTBOX#<shard>`` by
  ``status_at`` while ratings has not been sent its handled status. gsi5 holds it under
  ``CITIZEN#<applicant key>`` by ``<received_at>#<code>`` (an applicant's own, newest first).
- ``WEEKS#<agency>`` / ``<cell>#<week>``: how many dossiers each week of each list holds
  (``n``), so a list reads only weeks that hold any. A count is raised before the write
  that fills its week and lowered after the one that empties it: at worst it stays above
  what the week holds (a write that failed in between), never below, and a reader that
  finds such a week empty sets it right.
- ``DOSSIER#<code>`` / ``APOLOGY#<letter no>``: an apology letter; in gsi4 under
  ``OUTBOX#<shard>`` until its notification is sent.
- ``LETTERS#<agency>#<year>`` / ``COUNTER`` (the last number) and ``NO#<number>``: the
  letters' numbers, taken in the same transaction as the letter, without gaps.
- ``DOSSIER#<code>`` / ``RESULT#<result id>``: an electronic result and its state; in gsi4
  under ``OUTBOX#<shard>`` once offered, until the applicant is notified.
- ``RESULT#<sha256>`` / ``RESULT``: what the public verification answers.
- ``NOTIFY#<notification id>`` / ``NOTIFY``: the delivery record of one e-mail or SMS.

Dossier writes are single conditional puts on the version read, never transactions, so a
batch of 100 costs 100 writes issued in parallel plus a few counter updates.
"""

from __future__ import annotations

import base64
import heapq
import json
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any, TypeVar

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from services.core import aws, dynamo
from services.core.clock import VIETNAM_TZ
from services.core.dossier_view import dossier_key
from services.core.dynamo import iso, moment, plain
from services.core.settings import get_settings
from services.dossiers.domain import (
    FINISHED,
    Dossier,
    Letter,
    Result,
    SealedContact,
    Step,
)

SHARDS = 16
PARALLEL_WRITES = 16
REPAIR_AFTER = timedelta(minutes=5)
"""A week's count that has not moved for this long and whose week is empty is set to 0:
long enough that no write raising it is still on its way."""
KEPT = timedelta(days=3653)
"""How long a dossier, its letters and its results stay (TTL ``expires_at``): ten years from
the dossier's last change, as the results bucket keeps the documents (docs/dossiers.md)."""
MAX_FILTERED_READ = 500
"""A list with a filter no index serves reads at most this many dossiers per request, found
or not, and hands back a cursor to go on."""

Item = dict[str, Any]
T = TypeVar("T")


def table_name() -> str:
    return get_settings().dossiers_table


def table() -> Any:
    return aws.table(table_name())


def _client() -> Any:
    # The table resource's own client: it takes and answers plain Python values, as the
    # resource does, and, unlike a resource, may be shared by threads.
    return aws.dynamodb_client()


@cache
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=PARALLEL_WRITES, thread_name_prefix="dossiers")


def _parallel(call: Callable[[T], Any], items: Sequence[T]) -> list[Any]:
    if len(items) <= 1:
        return [call(item) for item in items]
    return list(_pool().map(call, items))


def _shard(code: str) -> int:
    return zlib.crc32(code.encode()) % SHARDS


def week_of(moment_: datetime) -> str:
    year, week, _ = moment_.astimezone(VIETNAM_TZ).isocalendar()
    return f"{year}-W{week:02d}"


def _order(when: datetime, code: str) -> str:
    return f"{iso(when)}#{code}"


def _expires(since: datetime) -> int:
    return int((since + KEPT).timestamp())


# -- the lists: cells ------------------------------------------------------------------------
# A cell is one list of an agency (all, one status, overdue with or without an apology); a
# dossier sits in one week of each cell it belongs to.
ALL = "A"
OVERDUE_CELLS = ("L0", "L1")
_INDEX_OF = {"A": "gsi1", "S": "gsi2", "L": "gsi3"}


def status_cell(status: int) -> str:
    return f"S{status:02d}"


def overdue_cell(apologised: bool) -> str:
    return f"L{1 if apologised else 0}"


def cells_of(dossier: Dossier) -> set[tuple[str, str]]:
    week = week_of(dossier.due_at)
    cells = {(ALL, week), (status_cell(dossier.status), week)}
    if dossier.overdue:
        cells.add((overdue_cell(dossier.apologies > 0), week))
    return cells


def weeks_key(agency_id: str, cell: str, week: str) -> dict[str, str]:
    return {"pk": f"WEEKS#{agency_id}", "sk": f"{cell}#{week}"}


CellCount = Counter[tuple[str, str, str]]  # (agency, cell, week) -> dossiers


def _moves(before: Dossier | None, after: Dossier) -> tuple[CellCount, CellCount]:
    old = cells_of(before) if before is not None else set()
    new = cells_of(after)
    entered: CellCount = Counter((after.agency_id, c, w) for c, w in new - old)
    left: CellCount = Counter((after.agency_id, c, w) for c, w in old - new)
    return entered, left


def _count(changes: CellCount, sign: int, now: datetime) -> None:
    def one(entry: tuple[tuple[str, str, str], int]) -> None:
        (agency, cell, week), n = entry
        table().update_item(
            Key=weeks_key(agency, cell, week),
            UpdateExpression="ADD n :n SET changed_at = :now",
            ExpressionAttributeValues={":n": sign * n, ":now": iso(now)},
        )

    _parallel(one, [(k, n) for k, n in changes.items() if n])


def _counted_writes(
    moves: list[tuple[Dossier | None, Dossier]], write: Callable[[], list[bool]], now: datetime
) -> list[bool]:
    """Run ``write`` (one answer per move) with the lists' counts kept at or above what
    their weeks hold: raised first, lowered (or the raise undone) once the write is known."""
    entering: CellCount = Counter()
    leaving: list[tuple[CellCount, CellCount]] = []
    for before, after in moves:
        entered, left = _moves(before, after)
        entering += entered
        leaving.append((entered, left))
    _count(entering, +1, now)
    # A write that raises may have landed or not: its counts stay raised, which is safe.
    written = write()
    lower: CellCount = Counter()
    for ok, (entered, left) in zip(written, leaving, strict=True):
        lower += left if ok else entered
    _count(lower, -1, now)
    return written


# -- the dossier item ------------------------------------------------------------------------
def _step(step: Step) -> dict[str, Any]:
    data: dict[str, Any] = {"at": iso(step.at), "status": step.status, "actor": step.actor}
    for name in ("official_id", "department", "note"):
        if getattr(step, name) is not None:
            data[name] = getattr(step, name)
    return data


# The dossier item is the attributes its indexes project (a summary, about 350 bytes) and
# one document holding all of it (``doc``: JSON, the timeline and the sealed contact
# included). A sync reads only ``doc``: one attribute value a dossier, not thirty, which is
# most of what reading 100 dossiers costs.
#
# The sweep and the outbox change two attributes in place without rewriting the document:
# ``overdue`` (set) and ``event_pending`` (removed), and they leave ``version`` as it is. A
# sync that read the document before them decides on the older values: it writes ``overdue``
# as it finds it at its own moment, may send ratings a handled status once more (ratings
# takes each once), and may raise a week's count that was raised already (too high, never
# too low). Answers read the attributes, which are always the latest.
_READ = "doc"
_KEY_BYTES = 2  # the packed contact starts with the length of the encrypted data key


def _pack(contact: SealedContact) -> bytes:
    return len(contact.data_key).to_bytes(_KEY_BYTES, "big") + contact.data_key + contact.blob


def _unpack(packed: bytes, digest: str) -> SealedContact:
    length = int.from_bytes(packed[:_KEY_BYTES], "big")
    key = packed[_KEY_BYTES : _KEY_BYTES + length]
    return SealedContact(blob=packed[_KEY_BYTES + length :], data_key=key, digest=digest)


def _document(dossier: Dossier, contact: SealedContact) -> str:
    return json.dumps(
        {
            "version": dossier.version,
            "overdue": dossier.overdue,
            "event_pending": dossier.event_pending,
            "contact": base64.b64encode(_pack(contact)).decode(),
            "dossier_code": dossier.dossier_code,
            "procedure_code": dossier.procedure_code,
            "procedure_name": dossier.procedure_name,
            "agency_id": dossier.agency_id,
            "channel": dossier.channel,
            "applicant_key": dossier.applicant_key,
            "received_at": iso(dossier.received_at),
            "original_due_at": iso(dossier.original_due_at),
            "promised_due_at": iso(dossier.promised_due_at),
            "status": dossier.status,
            "status_at": iso(dossier.status_at),
            "official_id": dossier.official_id,
            "completed_at": iso(dossier.completed_at),
            "returned_at": iso(dossier.returned_at),
            "digitized": dossier.digitized,
            "paid_online": dossier.paid_online,
            "paid_through_portal": dossier.paid_through_portal,
            "waiting_since": iso(dossier.waiting_since),
            "apologies": dossier.apologies,
            "timeline": [_step(s) for s in dossier.timeline],
            "contact_digest": contact.digest,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def dossier_item(dossier: Dossier, contact: SealedContact) -> Item:
    code, agency = dossier.dossier_code, dossier.agency_id
    week = week_of(dossier.due_at)
    order = _order(dossier.due_at, code)
    item: Item = {
        **dossier_key(code),
        # What the indexes project (the template's NonKeyAttributes) and the dossier view
        # reads; the rest is in the document.
        "dossier_code": code,
        "procedure_code": dossier.procedure_code,
        "procedure_name": dossier.procedure_name,
        "agency_id": agency,
        "channel": dossier.channel,
        "applicant_key": dossier.applicant_key,
        "status": dossier.status,
        "status_at": iso(dossier.status_at),
        "received_at": iso(dossier.received_at),
        "due_at": iso(dossier.due_at),
        "original_due_at": iso(dossier.original_due_at),
        "overdue": dossier.overdue,
        "apologies": dossier.apologies,
        "completed_at": iso(dossier.completed_at),
        "version": dossier.version,
        "event_pending": dossier.event_pending,
        "doc": _document(dossier, contact),
        "expires_at": _expires(max(dossier.received_at, dossier.status_at)),
        "gsi1pk": f"{ALL}#{agency}#{week}",
        "gsi1sk": order,
        "gsi2pk": f"{status_cell(dossier.status)}#{agency}#{week}",
        "gsi2sk": order,
        "gsi5pk": f"CITIZEN#{dossier.applicant_key}",
        "gsi5sk": _order(dossier.received_at, code),
    }
    if dossier.overdue:
        item["gsi3pk"] = f"{overdue_cell(dossier.apologies > 0)}#{agency}#{week}"
        item["gsi3sk"] = order
    if dossier.status not in FINISHED and not dossier.waiting and not dossier.overdue:
        item["gsi4pk"] = f"DUE#{_shard(code)}"
        item["gsi4sk"] = order
    elif dossier.event_pending is not None:
        item["gsi4pk"] = f"OUTBOX#{_shard(code)}"
        item["gsi4sk"] = _order(dossier.status_at, code)
    return {k: v for k, v in item.items() if v is not None}


def _steps(raw: list[dict[str, Any]]) -> tuple[Step, ...]:
    return tuple(
        Step(
            at=moment(s["at"]),  # type: ignore[arg-type]
            status=int(s["status"]),
            actor=str(s["actor"]),
            official_id=s.get("official_id"),
            department=s.get("department"),
            note=s.get("note"),
        )
        for s in raw
    )


def _optional_int(value: Any) -> int | None:
    return int(value) if value is not None else None


def _promised(item: Item) -> datetime | None:
    # An index holds ``due_at`` (the later of the two dates) but not the promised one.
    due, original = item.get("due_at"), item.get("original_due_at")
    return moment(due) if due and original and due != original else None


def dossier_from(item: Item) -> Dossier:
    """A dossier read back: whole (its document), or its summary from an index."""
    if "doc" in item:
        return _whole(item)
    return Dossier(
        dossier_code=str(item["dossier_code"]),
        procedure_code=str(item["procedure_code"]),
        procedure_name=str(item.get("procedure_name") or item["procedure_code"]),
        agency_id=str(item["agency_id"]),
        channel=str(item.get("channel", "online")),
        applicant_key="",
        received_at=moment(item["received_at"]),  # type: ignore[arg-type]
        original_due_at=moment(item.get("original_due_at") or item["due_at"]),  # type: ignore[arg-type]
        promised_due_at=_promised(item),
        status=int(item["status"]),
        status_at=moment(item.get("status_at") or item["received_at"]),  # type: ignore[arg-type]
        completed_at=moment(item.get("completed_at")),
        apologies=int(item.get("apologies", 0)),
        overdue=bool(item.get("overdue")),
        version=int(item.get("version", 0)),
    )


def _whole(item: Item) -> Dossier:
    doc = json.loads(str(item["doc"]))
    return Dossier(
        dossier_code=str(doc["dossier_code"]),
        procedure_code=str(doc["procedure_code"]),
        procedure_name=str(doc["procedure_name"]),
        agency_id=str(doc["agency_id"]),
        channel=str(doc["channel"]),
        applicant_key=str(doc["applicant_key"]),
        received_at=moment(doc["received_at"]),  # type: ignore[arg-type]
        original_due_at=moment(doc["original_due_at"]),  # type: ignore[arg-type]
        promised_due_at=moment(doc.get("promised_due_at")),
        status=int(doc["status"]),
        status_at=moment(doc["status_at"]),  # type: ignore[arg-type]
        official_id=doc.get("official_id"),
        completed_at=moment(doc.get("completed_at")),
        returned_at=moment(doc.get("returned_at")),
        digitized=doc.get("digitized"),
        paid_online=doc.get("paid_online"),
        paid_through_portal=bool(doc.get("paid_through_portal")),
        waiting_since=moment(doc.get("waiting_since")),
        apologies=int(doc.get("apologies", 0)),
        # Changed in place by the sweep and the outbox: the attributes when they were read
        # (an answer), else the document as the last sync wrote it (a sync's read).
        overdue=bool(item["overdue"] if "overdue" in item else doc.get("overdue")),
        event_pending=_optional_int(
            item.get("event_pending") if "version" in item else doc.get("event_pending")
        ),
        version=int(doc.get("version", 0)),
        timeline=_steps(doc.get("timeline") or []),
    )


def _sealed_from(item: Item) -> SealedContact:
    doc = json.loads(str(item["doc"]))
    return _unpack(base64.b64decode(doc["contact"]), str(doc.get("contact_digest", "")))


@dataclass(frozen=True, slots=True)
class Held:
    """A dossier as stored, with its sealed contact."""

    dossier: Dossier
    contact: SealedContact


def _held(item: Item) -> Held:
    return Held(dossier_from(item), _sealed_from(item))


def _bytes(value: Any) -> Any:
    # The client answers binary values as bytes; a Binary wrapper comes from the resource.
    return value.value if hasattr(value, "value") else value


def _plain_bytes(raw: dict[str, Any]) -> Item:
    return {k: _bytes(v) for k, v in raw.items()}


def load(code: str) -> Held | None:
    item = (
        table()
        .get_item(Key=dossier_key(code), ConsistentRead=True, ProjectionExpression=_READ)
        .get("Item")
    )
    return _held(_plain_bytes(item)) if item else None


def dossiers_in(segment: int, segments: int) -> Iterator[Dossier]:
    """Every dossier of one segment of a parallel scan (``portal reports rebuild``)."""
    for item in dynamo.scan_segment(table(), segment, segments, "DOSSIER"):
        yield dossier_from(_plain_bytes(item))


def load_many(codes: Iterable[str]) -> dict[str, Held]:
    """The dossiers of ``codes`` that exist, by code: one BatchGetItem per hundred."""
    wanted = list(dict.fromkeys(codes))
    found: dict[str, Held] = {}
    for start in range(0, len(wanted), 100):
        keys = [dossier_key(code) for code in wanted[start : start + 100]]
        request: dict[str, Any] = {
            table_name(): {"Keys": keys, "ConsistentRead": True, "ProjectionExpression": _READ}
        }
        while request:
            answer = _client().batch_get_item(RequestItems=request)
            for raw in answer["Responses"].get(table_name(), []):
                held = _held(_plain_bytes(raw))
                found[held.dossier.dossier_code] = held
            request = answer.get("UnprocessedKeys") or {}
    return found


@dataclass(frozen=True, slots=True)
class Write:
    """A dossier to write: as read (None: new) and as it is to be."""

    before: Dossier | None
    after: Dossier
    contact: SealedContact


def _put(write: Write) -> bool:
    request: dict[str, Any] = {
        "TableName": table_name(),
        "Item": dossier_item(write.after, write.contact),
    }
    if write.before is None:
        request["ConditionExpression"] = "attribute_not_exists(pk)"
    else:
        request["ConditionExpression"] = "version = :seen"
        request["ExpressionAttributeValues"] = {":seen": write.before.version}
    try:
        _client().put_item(**request)
    except ClientError as error:
        if dynamo.condition_failed(error):
            return False
        raise
    return True


def write_many(writes: Sequence[Write], now: datetime) -> list[bool]:
    """Each dossier written if it is still as read (new: not there), in parallel; False for
    those another write changed first. ``after.version`` must be ``before.version + 1``."""
    moves = [(w.before, w.after) for w in writes]
    return _counted_writes(moves, lambda: _parallel(_put, writes), now)


# -- reading lists ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Page:
    dossiers: list[Dossier]
    resume: dict[str, Any] | None
    """Where the next page starts (plain values, ready for a cursor), or None at the end."""


def _weeks(agency_id: str, cell: str, from_week: str | None) -> dict[str, tuple[int, str]]:
    """The weeks of a cell that hold dossiers (by its count), from ``from_week`` on."""
    condition: Any = Key("pk").eq(f"WEEKS#{agency_id}")
    if from_week:
        condition &= Key("sk").between(f"{cell}#{from_week}", f"{cell}#\uffff")
    else:
        condition &= Key("sk").begins_with(f"{cell}#")
    weeks: dict[str, tuple[int, str]] = {}
    kwargs: dict[str, Any] = {"KeyConditionExpression": condition}
    while True:
        answer = table().query(**kwargs)
        for item in answer["Items"]:
            count = int(item.get("n", 0))
            if count > 0:
                week = str(item["sk"]).removeprefix(f"{cell}#")
                weeks[week] = (count, str(item.get("changed_at", "")))
        if "LastEvaluatedKey" not in answer:
            return weeks
        kwargs["ExclusiveStartKey"] = answer["LastEvaluatedKey"]


def _repair(
    agency_id: str, cell: str, week: str, seen: int, changed_at: str, now: datetime
) -> None:
    """A count above zero for a week found empty: set to 0 if it has stood still long enough
    that no write raising it can still be on its way."""
    if changed_at and changed_at > (iso(now - REPAIR_AFTER) or ""):
        return
    dynamo.update_if(
        table(),
        weeks_key(agency_id, cell, week),
        UpdateExpression="SET n = :zero",
        ConditionExpression="n = :seen",
        ExpressionAttributeValues={":zero": 0, ":seen": seen},
    )


def _partition(cell: str, agency_id: str, week: str) -> tuple[str, str]:
    index = _INDEX_OF[cell[0]]
    return index, f"{cell}#{agency_id}#{week}"


def list_page(
    agency_id: str,
    cells: Sequence[str],
    limit: int,
    start: dict[str, Any] | None,
    keep: Callable[[Dossier], bool] | None,
    now: datetime,
) -> Page:
    """An agency's dossiers in ``cells``, soonest ``due_at`` first, ``limit`` at most.

    Reads the cells' week counts, then the weeks that hold dossiers, soonest first, one
    query per cell and week, merged in order, until the page is full. ``keep`` is a filter
    no cell serves: what it drops is read past, up to :data:`MAX_FILTERED_READ` a request.
    ``start`` is where the last page ended: ``{"week", "after"}``.
    """
    from_week = start["week"] if start else None
    by_cell = {cell: _weeks(agency_id, cell, from_week) for cell in cells}
    weeks = sorted({week for found in by_cell.values() for week in found})
    dossiers: list[Dossier] = []
    read = 0
    for week in weeks:
        after = start["after"] if start and week == start["week"] else None
        streams = []
        for cell, found in by_cell.items():
            if week not in found:
                continue
            budget = (limit - len(dossiers)) if keep is None else MAX_FILTERED_READ - read
            items = _query_week(cell, agency_id, week, after, budget)
            if not items and after is None:
                _repair(agency_id, cell, week, found[week][0], found[week][1], now)
            streams.append(items)
        for sort_key, item in heapq.merge(*streams, key=lambda pair: pair[0]):
            read += 1
            dossier = dossier_from(item)
            if keep is None or keep(dossier):
                dossiers.append(dossier)
            if len(dossiers) == limit or (keep is not None and read >= MAX_FILTERED_READ):
                return Page(dossiers, {"week": week, "after": sort_key})
    return Page(dossiers, None)


def _query_week(
    cell: str, agency_id: str, week: str, after: str | None, limit: int
) -> list[tuple[str, Item]]:
    index, partition = _partition(cell, agency_id, week)
    condition: Any = Key(f"{index}pk").eq(partition)
    if after:
        condition &= Key(f"{index}sk").gt(after)
    found: list[tuple[str, Item]] = []
    kwargs: dict[str, Any] = {"IndexName": index, "KeyConditionExpression": condition}
    while len(found) < limit:
        kwargs["Limit"] = limit - len(found)
        answer = table().query(**kwargs)
        found.extend((str(item[f"{index}sk"]), item) for item in answer["Items"])
        if "LastEvaluatedKey" not in answer:
            break
        kwargs["ExclusiveStartKey"] = answer["LastEvaluatedKey"]
    return found


def applicant_page(
    applicant_key: str, limit: int, start: dict[str, Any] | None
) -> tuple[list[Dossier], dict[str, Any] | None]:
    """An applicant's dossiers, newest first."""
    kwargs: dict[str, Any] = {
        "IndexName": "gsi5",
        "KeyConditionExpression": Key("gsi5pk").eq(f"CITIZEN#{applicant_key}"),
        "ScanIndexForward": False,
        "Limit": limit,
    }
    if start:
        kwargs["ExclusiveStartKey"] = start
    answer = table().query(**kwargs)
    dossiers = [dossier_from(item) for item in answer["Items"]]
    last = answer.get("LastEvaluatedKey")
    return dossiers, plain(last) if last and len(dossiers) == limit else None


# -- the overdue sweep -----------------------------------------------------------------------
def coming_due(now: datetime, limit: int = 200) -> list[Dossier]:
    """Dossiers whose ``due_at`` has passed and that are not marked overdue yet: only the
    shards of the due index, by due date, never the whole table."""

    def shard(n: int) -> list[Dossier]:
        answer = table().query(
            IndexName="gsi4",
            KeyConditionExpression=Key("gsi4pk").eq(f"DUE#{n}") & Key("gsi4sk").lt(f"{iso(now)}#"),
            Limit=limit,
        )
        return [dossier_from(item) for item in answer["Items"]]

    return [d for found in _parallel(shard, list(range(SHARDS))) for d in found]


def mark_overdue_many(moves: Sequence[tuple[Dossier, Dossier]], now: datetime) -> list[bool]:
    """Each dossier marked overdue if it is still at the version read: it leaves the due
    index and enters its overdue list. The version stays: see the dossier item."""

    def mark(move: tuple[Dossier, Dossier]) -> bool:
        before, after = move
        week = week_of(after.due_at)
        return dynamo.update_if(
            table(),
            dossier_key(after.dossier_code),
            UpdateExpression="SET overdue = :yes, gsi3pk = :late, gsi3sk = :order "
            "REMOVE gsi4pk, gsi4sk",
            ConditionExpression="version = :seen AND overdue = :no",
            ExpressionAttributeValues={
                ":yes": True,
                ":no": False,
                ":late": f"{overdue_cell(after.apologies > 0)}#{after.agency_id}#{week}",
                ":order": _order(after.due_at, after.dossier_code),
                ":seen": before.version,
            },
        )

    return _counted_writes(list(moves), lambda: _parallel(mark, list(moves)), now)


# -- the outbox: what is still to be sent ------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Pending:
    """Something waiting in the outbox: a dossier's handled status for ratings, an apology's
    notification, or a result's."""

    dossier_code: str
    kind: str  # "dossier", "apology" or "result"
    reference: str | None  # the letter number or the result id


def outbox(before: datetime, limit: int = 100) -> list[Pending]:
    def shard(n: int) -> list[Pending]:
        answer = table().query(
            IndexName="gsi4",
            KeyConditionExpression=Key("gsi4pk").eq(f"OUTBOX#{n}")
            & Key("gsi4sk").lt(f"{iso(before)}#"),
            Limit=limit,
        )
        return [_pending(item) for item in answer["Items"]]

    return [p for found in _parallel(shard, list(range(SHARDS))) for p in found]


def _pending(item: Item) -> Pending:
    code = str(item["pk"]).removeprefix("DOSSIER#")
    sort_key = str(item["sk"])
    if sort_key.startswith("APOLOGY#"):
        return Pending(code, "apology", sort_key.removeprefix("APOLOGY#"))
    if sort_key.startswith("RESULT#"):
        return Pending(code, "result", sort_key.removeprefix("RESULT#"))
    return Pending(code, "dossier", None)


def event_sent(code: str, status: int) -> bool:
    """Ratings was sent ``status``: out of the outbox, unless another status is pending
    now. No list changes, and the version stays: see the dossier item."""
    return dynamo.update_if(
        table(),
        dossier_key(code),
        UpdateExpression="REMOVE event_pending, gsi4pk, gsi4sk",
        ConditionExpression="event_pending = :status",
        ExpressionAttributeValues={":status": status},
    )


def write_one(before: Dossier, after: Dossier, contact: SealedContact, now: datetime) -> bool:
    """One dossier written if still at the version read (lists' counts kept)."""
    return write_many([Write(before, after, contact)], now)[0]


# -- apology letters -------------------------------------------------------------------------
def _letters_counter(agency_id: str, year: int) -> dict[str, str]:
    return {"pk": f"LETTERS#{agency_id}#{year}", "sk": "COUNTER"}


def letter_key(code: str, letter_no: str) -> dict[str, str]:
    return {"pk": f"DOSSIER#{code}", "sk": f"APOLOGY#{letter_no}"}


def last_letter_number(agency_id: str, year: int) -> int:
    item = table().get_item(Key=_letters_counter(agency_id, year), ConsistentRead=True)
    return int(item["Item"]["last"]) if "Item" in item else 0


def _letter_item(letter: Letter) -> Item:
    return {
        **letter_key(letter.dossier_code, letter.letter_no),
        "letter_no": letter.letter_no,
        "dossier_code": letter.dossier_code,
        "agency_id": letter.agency_id,
        "issued_at": iso(letter.issued_at),
        "reason": letter.reason,
        "old_due_at": iso(letter.old_due_at),
        "new_due_at": iso(letter.new_due_at),
        "official_id": letter.official_id,
        "expires_at": _expires(letter.issued_at),
        "gsi4pk": f"OUTBOX#{_shard(letter.dossier_code)}",
        "gsi4sk": _order(letter.issued_at, letter.dossier_code),
    }


def letter_from(item: Item) -> Letter:
    return Letter(
        letter_no=str(item["letter_no"]),
        dossier_code=str(item["dossier_code"]),
        agency_id=str(item["agency_id"]),
        issued_at=moment(item["issued_at"]),  # type: ignore[arg-type]
        reason=str(item["reason"]),
        old_due_at=moment(item["old_due_at"]),  # type: ignore[arg-type]
        new_due_at=moment(item["new_due_at"]),  # type: ignore[arg-type]
        official_id=str(item["official_id"]),
    )


def issue_letter(
    before: Dossier,
    after: Dossier,
    contact: SealedContact,
    letter: Letter,
    year: int,
    seen: int,
    now: datetime,
) -> None:
    """Take number ``seen + 1`` of the agency's year for ``letter`` and move the dossier's
    date, in one transaction: the counter moves only if no one took that number, and the
    dossier only if it is still as read. :class:`~services.core.dynamo.Conflict` if not."""
    name = table_name()
    counter: dict[str, Any] = {
        "TableName": name,
        "Key": _letters_counter(letter.agency_id, year),
        "UpdateExpression": "SET #last = :next",
        "ExpressionAttributeNames": {"#last": "last"},
        "ExpressionAttributeValues": {":next": seen + 1},
    }
    if seen == 0:
        counter["ConditionExpression"] = "attribute_not_exists(pk)"
    else:
        counter["ConditionExpression"] = "#last = :seen"
        counter["ExpressionAttributeValues"][":seen"] = seen
    operations = [
        {"Update": counter},
        {
            "Put": {
                "TableName": name,
                "Item": {
                    "pk": f"LETTERS#{letter.agency_id}#{year}",
                    "sk": f"NO#{seen + 1:06d}",
                    "letter_no": letter.letter_no,
                    "dossier_code": letter.dossier_code,
                    "issued_at": iso(letter.issued_at),
                },
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        },
        {
            "Put": {
                "TableName": name,
                "Item": _letter_item(letter),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        },
        {
            "Put": {
                "TableName": name,
                "Item": dossier_item(after, contact),
                "ConditionExpression": "version = :seen",
                "ExpressionAttributeValues": {":seen": before.version},
            }
        },
    ]

    refused: list[dynamo.Conflict] = []

    def write() -> list[bool]:
        try:
            dynamo.transact(operations)
        except dynamo.Conflict as conflict:
            refused.append(conflict)  # nothing of it landed: the counts are put back
            return [False]
        return [True]

    _counted_writes([(before, after)], write, now)
    if refused:
        raise refused[0]


def letter_notified(code: str, letter_no: str) -> None:
    table().update_item(
        Key=letter_key(code, letter_no),
        UpdateExpression="SET notified = :yes REMOVE gsi4pk, gsi4sk",
        ExpressionAttributeValues={":yes": True},
    )


@dataclass(frozen=True, slots=True)
class Whole:
    """Everything the table holds of one dossier: it, its letters and its results."""

    held: Held
    letters: list[Letter]
    results: list[Result]


def load_whole(code: str) -> Whole | None:
    """The dossier with its letters and results: one query of its partition."""
    kwargs: dict[str, Any] = {
        "KeyConditionExpression": Key("pk").eq(dossier_key(code)["pk"]),
        "ConsistentRead": True,
    }
    items: list[Item] = []
    while True:
        answer = table().query(**kwargs)
        items.extend(answer["Items"])
        if "LastEvaluatedKey" not in answer:
            break
        kwargs["ExclusiveStartKey"] = answer["LastEvaluatedKey"]
    held = None
    letters: list[Letter] = []
    results: list[Result] = []
    for raw in items:
        item = _plain_bytes(raw)
        sort_key = str(item["sk"])
        if sort_key == "DOSSIER":
            held = _held(item)
        elif sort_key.startswith("APOLOGY#"):
            letters.append(letter_from(item))
        elif sort_key.startswith("RESULT#"):
            results.append(result_from(item))
    if held is None:
        return None
    letters.sort(key=lambda letter: letter.issued_at)
    results.sort(key=lambda result: result.registered_at)
    return Whole(held, letters, results)


def load_letter(code: str, letter_no: str) -> Letter | None:
    item = table().get_item(Key=letter_key(code, letter_no)).get("Item")
    return letter_from(item) if item else None


def letter_waiting(code: str, letter_no: str) -> bool:
    item = table().get_item(Key=letter_key(code, letter_no), ConsistentRead=True).get("Item")
    return bool(item) and not item.get("notified")


# -- results ---------------------------------------------------------------------------------
def result_key(code: str, result_id: str) -> dict[str, str]:
    return {"pk": f"DOSSIER#{code}", "sk": f"RESULT#{result_id}"}


def _result_item(result: Result) -> Item:
    item: Item = {
        **result_key(result.dossier_code, result.result_id),
        "result_id": result.result_id,
        "dossier_code": result.dossier_code,
        "name": result.name,
        "content_type": result.content_type,
        "size": result.size,
        "sha256": result.sha256,
        "registered_at": iso(result.registered_at),
        "state": result.state,
        "checked_at": iso(result.checked_at),
        "version_id": result.version_id,
        "notified": result.notified or None,
        "expires_at": _expires(result.registered_at),
    }
    if result.offered and not result.notified:
        item["gsi4pk"] = f"OUTBOX#{_shard(result.dossier_code)}"
        item["gsi4sk"] = _order(result.checked_at or result.registered_at, result.dossier_code)
    return {k: v for k, v in item.items() if v is not None}


def result_from(item: Item) -> Result:
    return Result(
        result_id=str(item["result_id"]),
        dossier_code=str(item["dossier_code"]),
        name=str(item["name"]),
        content_type=str(item["content_type"]),
        size=int(item["size"]),
        sha256=str(item["sha256"]),
        registered_at=moment(item["registered_at"]),  # type: ignore[arg-type]
        state=str(item["state"]),
        checked_at=moment(item.get("checked_at")),
        version_id=item.get("version_id"),
        notified=bool(item.get("notified")),
    )


def put_result(result: Result) -> bool:
    return dynamo.put_if(table(), _result_item(result))


def load_result(code: str, result_id: str) -> Result | None:
    item = table().get_item(Key=result_key(code, result_id), ConsistentRead=True).get("Item")
    return result_from(item) if item else None


def save_result(before: Result, after: Result) -> bool:
    """``after`` written if the result is still in ``before``'s state."""
    try:
        table().put_item(
            Item=_result_item(after),
            ConditionExpression="attribute_exists(pk) AND #state = :seen",
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues={":seen": before.state},
        )
    except ClientError as error:
        if dynamo.condition_failed(error):
            return False
        raise
    return True


def verification_key(sha256: str) -> dict[str, str]:
    return {"pk": f"RESULT#{sha256}", "sk": "RESULT"}


def put_verification(sha256: str, facts: dict[str, Any], issued_at: datetime) -> bool:
    """What the public verification of ``sha256`` answers; the first issue is kept, as long
    as the document itself."""
    item = {**verification_key(sha256), **facts, "expires_at": _expires(issued_at)}
    return dynamo.put_if(table(), item)


def verification(sha256: str) -> dict[str, Any] | None:
    item = table().get_item(Key=verification_key(sha256)).get("Item")
    if not item:
        return None
    return {k: v for k, v in plain(item).items() if k not in ("pk", "sk", "expires_at")}


# -- notification deliveries -------------------------------------------------------------------
def _delivery_key(notification_id: str) -> dict[str, str]:
    return {"pk": f"NOTIFY#{notification_id}", "sk": "NOTIFY"}


DELIVERY_KEPT = timedelta(days=730)


def begin_delivery(
    notification_id: str, channel: str, kind: str, reference: str, now: datetime
) -> bool:
    """Record an attempt to send: True if this one may send, False if it was delivered
    already or another attempt is recorded (see :func:`delivery`)."""
    return dynamo.update_if(
        table(),
        _delivery_key(notification_id),
        UpdateExpression="SET #state = :sending, channel = :channel, about_kind = :kind, "
        "about = :reference, started_at = :now, expires_at = :expires ADD attempts :one",
        ConditionExpression="attribute_not_exists(pk) OR #state = :failed",
        ExpressionAttributeNames={"#state": "state"},
        ExpressionAttributeValues={
            ":sending": "sending",
            ":failed": "failed",
            ":channel": channel,
            ":kind": kind,
            ":reference": reference,
            ":now": iso(now),
            ":expires": int((now + DELIVERY_KEPT).timestamp()),
            ":one": 1,
        },
    )


def delivery(notification_id: str) -> dict[str, Any] | None:
    item = table().get_item(Key=_delivery_key(notification_id), ConsistentRead=True).get("Item")
    return plain(item) if item else None


def end_delivery(
    notification_id: str, state: str, now: datetime, provider_id: str | None = None
) -> None:
    """The attempt's outcome: ``delivered`` (with the provider's id), ``failed`` (nothing
    went out; it may be tried again) or ``uncertain``."""
    values: dict[str, Any] = {":state": state, ":now": iso(now)}
    expression = "SET #state = :state, ended_at = :now"
    if provider_id:
        expression += ", provider_message_id = :provider"
        values[":provider"] = provider_id
    table().update_item(
        Key=_delivery_key(notification_id),
        UpdateExpression=expression,
        ExpressionAttributeNames={"#state": "state"},
        ExpressionAttributeValues=values,
    )
