"""The catalogue table: how procedures, agencies and the search feed are stored.

Items (``pk`` / ``sk``):
- ``PROC#<code>`` / ``CURRENT``: the public record (published or abolished). When published
  and failing the full-online test it sits in ``gsi2`` under ``AUDIT#service-level``.
- ``PROC#<code>`` / ``DRAFT``: the pending draft.
- ``PROC#<code>`` / ``V#<version>``: every published version, kept for the history.
- ``PROC#<code>`` / ``SEARCH``: the compact search document of a published procedure, in
  ``gsi1`` under ``SEARCH#<shard>`` so a container can load the whole index in parallel.
- ``NAME#<level>#<hash>`` / ``NAME``: which code owns a folded name at an agency level.
- ``CATALOGUE`` / ``GENERATION``: bumped by every publication or abolition, so a search
  container knows with one read whether its index is stale.
- ``CHANGES`` / ``<time>#<code>#<version>``: the search feed, one item per change, kept a
  day (TTL); also the outbox of procedure-change messages while in ``gsi1`` under ``OUTBOX``.
- ``SEARCH_SNAPSHOT`` / ``HEAD``: which search snapshot is current: its id, how many parts,
  the generation and feed moment it covers, and the one before it.
- ``SNAPSHOT#<id>#<n>`` / ``PART``: part ``n`` of a snapshot, every published search
  document (and what was abolished) as compressed JSON, under 350 KB each; a new container
  reads these few items instead of the whole of ``gsi1``. Each part is its own partition,
  so containers starting at once spread over the table's partitions.
- ``SEARCH_SNAPSHOT`` / ``DELTA#<id>``: the changes published or abolished since snapshot
  ``<id>`` was written, appended by each publication and abolition right after it commits.
- ``AGENCY#<id>`` / ``AGENCY``: an agency, listed through ``gsi1`` (``AGENCIES``) and by
  parent through ``gsi2`` (``CHILDREN#<parent>``).

Other services read the public record and the agencies through ``core.catalogue_view``, whose
``procedure_key`` and ``agency_key`` this module builds those items' keys with, so the
layout they rely on is written once.
"""

from __future__ import annotations

import json
import uuid
import zlib
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from boto3.dynamodb.conditions import Key
from boto3.dynamodb.types import Binary
from botocore.exceptions import ClientError

from services.catalogue.audit import full_online_gaps
from services.catalogue.domain import (
    Fee,
    ProcedureContent,
    ProcedureRecord,
    ProcedureState,
    RequiredDocument,
    name_key,
)
from services.catalogue.search_index import SearchDoc
from services.core import aws, dynamo
from services.core.catalogue_view import agency_key, procedure_key
from services.core.settings import get_settings

CHANGE_RETENTION = timedelta(days=1)
_AUDIT_PARTITION = "AUDIT#service-level"
_OUTBOX_PARTITION = "OUTBOX"
_AGENCIES_PARTITION = "AGENCIES"


def _table() -> Any:
    return aws.table(get_settings().catalogue_table)


def _procedure_item(code: str, sk: str) -> dict[str, str]:
    """The key of one of ``code``'s items: its partition is the public record's."""
    return {"pk": procedure_key(code)["pk"], "sk": sk}


_CURRENT = procedure_key("")["sk"]  # the public record's sort key, as the view reads it


def _children_partition(parent_id: str) -> str:
    return f"CHILDREN#{parent_id}"


def shard_of(code: str) -> int:
    return dynamo.shard_of(code, get_settings().search_shards)


# -- records <-> items ---------------------------------------------------------------------
def content_item(content: ProcedureContent) -> dict[str, Any]:
    """The declared fields as an item holds them: lists, and fees and documents as maps."""
    return {
        name: list(value) if isinstance(value, tuple) else value
        for name, value in content.as_dict().items()
    }


def content_from(item: dict[str, Any]) -> ProcedureContent:
    """The declared fields of a (plain) item; lists an older item lacks are empty."""
    return ProcedureContent(
        name=item["name"],
        field=item["field"],
        agency_ids=tuple(item["agency_ids"]),
        agency_level=item["agency_level"],
        service_level=item["service_level"],
        processing_days=item["processing_days"],
        fees=tuple(Fee(fee["name"], fee["amount_vnd"]) for fee in item.get("fees", [])),
        documents=tuple(
            RequiredDocument(doc["name"], doc["copies"], bool(doc.get("original_required")))
            for doc in item.get("documents", [])
        ),
        legal_bases=tuple(item.get("legal_bases", [])),
        result=item["result"],
        online_payment=bool(item["online_payment"]),
        e_result=bool(item["e_result"]),
    )


def record_item(record: ProcedureRecord, sk: str) -> dict[str, Any]:
    item: dict[str, Any] = {
        **_procedure_item(record.code, sk),
        "code": record.code,
        **content_item(record.content),
        "status": record.status,
        "version": record.version,
        "updated_at": dynamo.iso(record.updated_at),
        "content_hash": record.content_hash(),
    }
    for name, value in (
        ("published_at", dynamo.iso(record.published_at)),
        ("abolished_at", dynamo.iso(record.abolished_at)),
        ("abolition_reason", record.abolition_reason),
    ):
        if value is not None:
            item[name] = value
    return item


def record_from(item: dict[str, Any]) -> ProcedureRecord:
    plain = dynamo.plain(item)
    return ProcedureRecord(
        code=plain["code"],
        content=content_from(plain),
        status=plain["status"],
        version=plain["version"],
        updated_at=datetime.fromisoformat(plain["updated_at"]),
        published_at=dynamo.moment(plain.get("published_at")),
        abolished_at=dynamo.moment(plain.get("abolished_at")),
        abolition_reason=plain.get("abolition_reason"),
    )


def search_doc(record: ProcedureRecord) -> SearchDoc:
    content = record.content
    return SearchDoc(
        code=record.code,
        name=content.name,
        field=content.field,
        service_level=content.service_level,
        agency_ids=content.agency_ids,
        agency_level=content.agency_level,
        processing_days=content.processing_days,
        fee_total_vnd=record.fee_total_vnd,
        version=record.version,
    )


def _doc_item(doc: SearchDoc) -> dict[str, Any]:
    return {
        "code": doc.code,
        "name": doc.name,
        "field": doc.field,
        "service_level": doc.service_level,
        "agency_ids": list(doc.agency_ids),
        "agency_level": doc.agency_level,
        "processing_days": doc.processing_days,
        "fee_total_vnd": doc.fee_total_vnd,
        "version": doc.version,
    }


def doc_from(item: dict[str, Any]) -> SearchDoc:
    plain = dynamo.plain(item)
    return SearchDoc(
        code=plain["code"],
        name=plain["name"],
        field=plain["field"],
        service_level=plain["service_level"],
        agency_ids=tuple(plain["agency_ids"]),
        agency_level=plain["agency_level"],
        processing_days=plain["processing_days"],
        fee_total_vnd=plain["fee_total_vnd"],
        version=plain["version"],
    )


def current_item(record: ProcedureRecord) -> dict[str, Any]:
    item = record_item(record, _CURRENT)
    gaps = full_online_gaps(record.content) if record.status == "published" else []
    if gaps:
        item.update(
            gsi2pk=_AUDIT_PARTITION, gsi2sk=record.code, audit_reasons=[gap.code for gap in gaps]
        )
    return item


def search_item(record: ProcedureRecord) -> dict[str, Any]:
    return {
        **_procedure_item(record.code, "SEARCH"),
        "gsi1pk": f"SEARCH#{shard_of(record.code)}",
        "gsi1sk": record.code,
        **_doc_item(search_doc(record)),
    }


# -- reads ---------------------------------------------------------------------------------
def load_state(code: str) -> ProcedureState:
    """The public record and the draft of ``code`` in one strongly consistent query."""
    # CURRENT and DRAFT sort next to each other (the versions are V#..., the search
    # document SEARCH): one query between them reads both and nothing else.
    response = _table().query(
        KeyConditionExpression=Key("pk").eq(procedure_key(code)["pk"])
        & Key("sk").between(_CURRENT, "DRAFT"),
        ConsistentRead=True,
    )
    by_sk = {item["sk"]: item for item in response["Items"]}
    return ProcedureState(
        current=record_from(by_sk[_CURRENT]) if _CURRENT in by_sk else None,
        draft=record_from(by_sk["DRAFT"]) if "DRAFT" in by_sk else None,
    )


def load_states(codes: Iterable[str]) -> dict[str, ProcedureState]:
    """The public record and draft of each of ``codes``, strongly consistent, in batches:
    what a bulk import reads instead of one query per procedure."""
    wanted = list(dict.fromkeys(codes))
    by_code: dict[str, dict[str, ProcedureRecord]] = {code: {} for code in wanted}
    keys = [_procedure_item(code, sk) for code in wanted for sk in (_CURRENT, "DRAFT")]
    client = aws.dynamodb_client()
    table = get_settings().catalogue_table
    for start in range(0, len(keys), 100):
        request: dict[str, Any] = {
            table: {"Keys": keys[start : start + 100], "ConsistentRead": True}
        }
        while request:
            response = client.batch_get_item(RequestItems=request)
            for item in response["Responses"].get(table, []):
                record = record_from(item)
                by_code[record.code][item["sk"]] = record
            request = response.get("UnprocessedKeys") or {}
    return {
        code: ProcedureState(current=found.get(_CURRENT), draft=found.get("DRAFT"))
        for code, found in by_code.items()
    }


def public_records_in(segment: int, segments: int) -> Iterator[ProcedureRecord]:
    """Every public record (published or abolished) of one segment of a parallel scan
    (``portal reports rebuild``)."""
    for item in dynamo.scan_segment(_table(), segment, segments, _CURRENT):
        yield record_from(item)


def load_current(code: str) -> ProcedureRecord | None:
    item = _table().get_item(Key=procedure_key(code)).get("Item")
    return record_from(item) if item else None


def _query_page(
    *,
    pk: str,
    index: str | None = None,
    sk_prefix: str | None = None,
    limit: int,
    start: dict[str, Any] | None,
    forward: bool = True,
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    key_name = "gsi1pk" if index == "gsi1" else "gsi2pk" if index == "gsi2" else "pk"
    sk_name = {"gsi1pk": "gsi1sk", "gsi2pk": "gsi2sk"}.get(key_name, "sk")
    condition: Any = Key(key_name).eq(pk)
    if sk_prefix:
        condition = condition & Key(sk_name).begins_with(sk_prefix)
    kwargs: dict[str, Any] = {
        "KeyConditionExpression": condition,
        "Limit": limit,
        "ScanIndexForward": forward,
    }
    if index:
        kwargs["IndexName"] = index
    if start:
        kwargs["ExclusiveStartKey"] = start
    response = _table().query(**kwargs)
    return [dynamo.plain(i) for i in response["Items"]], response.get("LastEvaluatedKey")


def versions_page(
    code: str,
    limit: int,
    start: dict[str, Any] | None,
) -> tuple[list[ProcedureRecord], dict[str, Any] | None]:
    items, last = _query_page(
        pk=procedure_key(code)["pk"], sk_prefix="V#", limit=limit, start=start, forward=False
    )
    return [record_from(item) for item in items], last


def audit_page(
    limit: int, start: dict[str, Any] | None
) -> tuple[list[ProcedureRecord], dict[str, Any] | None]:
    """Published procedures declared fully online that fail the test, by code."""
    items, last = _query_page(pk=_AUDIT_PARTITION, index="gsi2", limit=limit, start=start)
    return [record_from(item) for item in items], last


def agencies_page(
    limit: int, start: dict[str, Any] | None
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Every agency, by id."""
    return _query_page(pk=_AGENCIES_PARTITION, index="gsi1", limit=limit, start=start)


def children_page(
    parent_id: str, limit: int, start: dict[str, Any] | None
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """The agencies directly under ``parent_id``, by id."""
    return _query_page(pk=_children_partition(parent_id), index="gsi2", limit=limit, start=start)


def name_owner(key: str) -> str | None:
    item = (
        _table().get_item(Key={"pk": f"NAME#{key}", "sk": "NAME"}, ConsistentRead=True).get("Item")
    )
    return str(item["code"]) if item else None


@dataclass(frozen=True, slots=True)
class Generation:
    epoch: str | None
    number: int


def generation() -> Generation:
    item = (
        _table()
        .get_item(Key={"pk": "CATALOGUE", "sk": "GENERATION"}, ConsistentRead=True)
        .get("Item")
    )
    if not item:
        return Generation(None, 0)
    return Generation(str(item["epoch"]), int(item["generation"]))


def _shard_docs(shard: int) -> list[SearchDoc]:
    docs: list[SearchDoc] = []
    start: dict[str, Any] | None = None
    while True:
        kwargs: dict[str, Any] = {
            "TableName": get_settings().catalogue_table,
            "IndexName": "gsi1",
            "KeyConditionExpression": Key("gsi1pk").eq(f"SEARCH#{shard}"),
        }
        if start:
            kwargs["ExclusiveStartKey"] = start
        # The client, unlike a resource, is safe to share across the loader's threads.
        response = aws.dynamodb_client().query(**kwargs)
        docs.extend(doc_from(item) for item in response["Items"])
        start = response.get("LastEvaluatedKey")
        if not start:
            return docs


def all_search_docs() -> Iterator[SearchDoc]:
    """Every published procedure's search document, the shards read in parallel."""
    shards = range(get_settings().search_shards)
    with ThreadPoolExecutor(max_workers=8) as pool:
        for docs in pool.map(_shard_docs, shards):
            yield from docs


def _feed_key(now: datetime, record: ProcedureRecord) -> str:
    # The stored (UTC) time first, so that the feed's order is the order of the changes.
    return f"{dynamo.iso(now)}#{record.code}#{record.version:010d}"


def _feed_time(key: str) -> datetime:
    return datetime.fromisoformat(key.split("#", 1)[0])


@dataclass(frozen=True, slots=True)
class Change:
    """One publication (with the new search document) or abolition (``doc`` None)."""

    at: datetime
    code: str
    version: int
    doc: SearchDoc | None


def changes_since(moment: datetime) -> list[Change]:
    """The feed's changes made after ``moment``, oldest first."""
    found: list[Change] = []
    start: dict[str, Any] | None = None
    while True:
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": Key("pk").eq("CHANGES") & Key("sk").gt(dynamo.iso(moment)),
            "ConsistentRead": True,
        }
        if start:
            kwargs["ExclusiveStartKey"] = start
        response = _table().query(**kwargs)
        for item in response["Items"]:
            plain = dynamo.plain(item)
            found.append(_change_of(plain, _feed_time(plain["sk"])))
        start = response.get("LastEvaluatedKey")
        if not start:
            return found


# -- the search snapshot -------------------------------------------------------------------
_SNAPSHOT_HEAD = {"pk": "SEARCH_SNAPSHOT", "sk": "HEAD"}
_SNAPSHOT_PART_BYTES = 350_000  # an item holds at most 400 KB
_SNAPSHOT_FORMAT = 1


@dataclass(frozen=True, slots=True)
class SnapshotHead:
    """Which snapshot is current, and what it covers: every change up to ``generation``,
    and every change in the feed up to ``replay_from``."""

    snapshot_id: str
    parts: int
    epoch: str
    generation: int
    replay_from: datetime
    written_at: datetime
    previous: tuple[str, int] | None


@dataclass(frozen=True, slots=True)
class Snapshot:
    head: SnapshotHead
    docs: list[SearchDoc]
    removed: dict[str, int]  # abolished codes and the version that abolished them
    since: list[Change]  # what publications noted since it was written, in their order


_DELTA_CAP = 400  # changes; a snapshot is rewritten long before (search.py)


def _part_key(snapshot_id: str, part: int) -> dict[str, str]:
    return {"pk": f"SNAPSHOT#{snapshot_id}#{part}", "sk": "PART"}


def _delta_key(snapshot_id: str) -> dict[str, str]:
    return {"pk": _SNAPSHOT_HEAD["pk"], "sk": f"DELTA#{snapshot_id}"}


def _change_of(item: dict[str, Any], at: datetime) -> Change:
    return Change(
        at, item["code"], item["version"], doc_from(item["doc"]) if "doc" in item else None
    )


def note_change(record: ProcedureRecord, now: datetime) -> bool:
    """Add the change that made ``record`` to the current snapshot's delta, so that a new
    container sees it without reading the feed; False when there is no snapshot or its
    delta is full (a new container then replays the feed)."""
    head = snapshot_head()
    if head is None:
        return False
    entry: dict[str, Any] = {"code": record.code, "version": record.version, "at": dynamo.iso(now)}
    if record.status == "published":
        entry["doc"] = _doc_item(search_doc(record))
    # Each change as one JSON string: a list of maps costs more to read, per attribute.
    text = json.dumps(entry, ensure_ascii=False, separators=(",", ":"))
    try:
        _table().update_item(
            Key=_delta_key(head.snapshot_id),
            UpdateExpression="SET changes = list_append(if_not_exists(changes, :none), :one)",
            ConditionExpression="attribute_not_exists(changes) OR size(changes) < :cap",
            ExpressionAttributeValues={":none": [], ":one": [text], ":cap": _DELTA_CAP},
        )
    except ClientError as error:
        if dynamo.condition_failed(error):
            return False
        raise
    return True


def snapshot_head() -> SnapshotHead | None:
    item = _table().get_item(Key=_SNAPSHOT_HEAD, ConsistentRead=True).get("Item")
    if not item or int(item.get("format", 0)) != _SNAPSHOT_FORMAT:
        return None
    plain = dynamo.plain(item)
    previous = plain.get("previous_id")
    return SnapshotHead(
        snapshot_id=plain["snapshot_id"],
        parts=plain["parts"],
        epoch=plain["epoch"],
        generation=plain["generation"],
        replay_from=datetime.fromisoformat(plain["replay_from"]),
        written_at=datetime.fromisoformat(plain["written_at"]),
        previous=(previous, plain["previous_parts"]) if previous else None,
    )


def _read_parts(keys: list[dict[str, str]], consistent: bool) -> dict[str, bytes]:
    table = get_settings().catalogue_table
    found: dict[str, bytes] = {}
    client = aws.dynamodb_client()
    for start in range(0, len(keys), 100):
        request: dict[str, Any] = {
            table: {"Keys": keys[start : start + 100], "ConsistentRead": consistent}
        }
        while request:
            response = client.batch_get_item(RequestItems=request)
            for item in response["Responses"].get(table, []):
                found[item["pk"]] = bytes(item["data"].value)
            request = response.get("UnprocessedKeys") or {}
    return found


def load_snapshot(head: SnapshotHead) -> Snapshot | None:
    """The snapshot ``head`` names; None if its parts are gone (a newer one replaced it)."""
    keys = [_part_key(head.snapshot_id, n) for n in range(head.parts)]
    # Parts never change once written: an eventually consistent read returns a part whole
    # or not at all, and only a part written a moment ago needs the strong read.
    found = _read_parts(keys, consistent=False)
    missing = [key for key in keys if key["pk"] not in found]
    if missing:
        found.update(_read_parts(missing, consistent=True))
    if any(key["pk"] not in found for key in keys):
        return None
    delta = _table().get_item(Key=_delta_key(head.snapshot_id), ConsistentRead=True).get("Item")
    entries = [json.loads(text) for text in (delta or {}).get("changes", [])]
    since = [_change_of(entry, datetime.fromisoformat(entry["at"])) for entry in entries]
    payload = json.loads(zlib.decompress(b"".join(found[key["pk"]] for key in keys)))
    docs = [
        SearchDoc(code, name, field, level, tuple(agencies), agency_level, days, fee, version)
        for code, name, field, level, agencies, agency_level, days, fee, version in payload["docs"]
    ]
    return Snapshot(head, docs, payload["removed"], since)


def _snapshot_blob(docs: Iterable[SearchDoc], removed: dict[str, int]) -> bytes:
    rows = [
        [
            d.code,
            d.name,
            d.field,
            d.service_level,
            list(d.agency_ids),
            d.agency_level,
            d.processing_days,
            d.fee_total_vnd,
            d.version,
        ]
        for d in docs
    ]
    text = json.dumps({"docs": rows, "removed": removed}, ensure_ascii=False, separators=(",", ":"))
    return zlib.compress(text.encode(), 6)


def _delete_parts(snapshot_id: str, parts: int) -> None:
    with _table().batch_writer() as batch:
        for n in range(parts):
            batch.delete_item(Key=_part_key(snapshot_id, n))
        batch.delete_item(Key=_delta_key(snapshot_id))


def save_snapshot(
    docs: Iterable[SearchDoc],
    removed: dict[str, int],
    *,
    epoch: str,
    generation: int,
    replay_from: datetime,
    now: datetime,
    replacing: SnapshotHead | None,
) -> SnapshotHead | None:
    """Write a new snapshot and make it current, unless another writer replaced
    ``replacing`` first (then None, and nothing of this one is left). The snapshot before
    ``replacing`` is deleted; ``replacing`` itself stays for containers reading it now."""
    blob = _snapshot_blob(docs, removed)
    snapshot_id = uuid.uuid4().hex
    chunks = [
        blob[start : start + _SNAPSHOT_PART_BYTES]
        for start in range(0, len(blob), _SNAPSHOT_PART_BYTES)
    ]
    with _table().batch_writer() as batch:
        for n, chunk in enumerate(chunks):
            batch.put_item(Item={**_part_key(snapshot_id, n), "data": Binary(chunk)})
    head = SnapshotHead(
        snapshot_id=snapshot_id,
        parts=len(chunks),
        epoch=epoch,
        generation=generation,
        replay_from=replay_from,
        written_at=now,
        previous=(replacing.snapshot_id, replacing.parts) if replacing else None,
    )
    item: dict[str, Any] = {
        **_SNAPSHOT_HEAD,
        "format": _SNAPSHOT_FORMAT,
        "snapshot_id": snapshot_id,
        "parts": len(chunks),
        "bytes": len(blob),
        "epoch": epoch,
        "generation": generation,
        "replay_from": dynamo.iso(replay_from),
        "written_at": dynamo.iso(now),
    }
    if head.previous:
        item.update(previous_id=head.previous[0], previous_parts=head.previous[1])
    try:
        if replacing is None:
            # A head of another format is an older release's: it is replaced, not read.
            _table().put_item(
                Item=item,
                ConditionExpression="attribute_not_exists(pk) OR #format <> :format",
                ExpressionAttributeNames={"#format": "format"},
                ExpressionAttributeValues={":format": _SNAPSHOT_FORMAT},
            )
        else:
            _table().put_item(
                Item=item,
                ConditionExpression="snapshot_id = :seen",
                ExpressionAttributeValues={":seen": replacing.snapshot_id},
            )
    except ClientError as error:
        if not dynamo.condition_failed(error):
            raise
        _delete_parts(snapshot_id, len(chunks))
        return None
    if replacing is not None and replacing.previous is not None:
        _delete_parts(*replacing.previous)
    return head


# -- writes --------------------------------------------------------------------------------
def _put(
    item: dict[str, Any], condition: str | None = None, values: dict[str, Any] | None = None
) -> dict[str, Any]:
    put: dict[str, Any] = {"TableName": get_settings().catalogue_table, "Item": item}
    if condition:
        put["ConditionExpression"] = condition
    if values:
        put["ExpressionAttributeValues"] = values
    return {"Put": put}


def _expect(operation: dict[str, Any], version: int | None) -> dict[str, Any]:
    """Make a Put or Delete conditional on its item being as we read it: absent, or at
    ``version``. Two writers racing on one procedure: the second gets a conflict."""
    body = next(iter(operation.values()))
    if version is None:
        body["ConditionExpression"] = "attribute_not_exists(pk)"
    else:
        body["ConditionExpression"] = "version = :seen"
        body["ExpressionAttributeValues"] = {":seen": version}
    return operation


def _unchanged(sk: str, code: str, version: int | None) -> dict[str, Any]:
    key = _procedure_item(code, sk)
    return _expect(
        {"ConditionCheck": {"TableName": get_settings().catalogue_table, "Key": key}}, version
    )


def _version(record: ProcedureRecord | None) -> int | None:
    return record.version if record is not None else None


def save_draft(state: ProcedureState, draft: ProcedureRecord) -> None:
    dynamo.transact(
        [
            _expect(_put(record_item(draft, "DRAFT")), _version(state.draft)),
            _unchanged(_CURRENT, draft.code, _version(state.current)),
        ]
    )


def change_item(record: ProcedureRecord, now: datetime) -> dict[str, Any]:
    """The feed (and outbox) item of the change that made ``record``: with its search
    document when published, without one when abolished."""
    change_key = _feed_key(now, record)
    change: dict[str, Any] = {
        "pk": "CHANGES",
        "sk": change_key,
        "code": record.code,
        "version": record.version,
        "status": record.status,
        "gsi1pk": _OUTBOX_PARTITION,
        "gsi1sk": change_key,
        "expires_at": int((now + CHANGE_RETENTION).timestamp()),
    }
    if record.status == "published":
        change["doc"] = _doc_item(search_doc(record))
    return change


def _change_ops(record: ProcedureRecord, now: datetime) -> list[dict[str, Any]]:
    bump = {
        "Update": {
            "TableName": get_settings().catalogue_table,
            "Key": {"pk": "CATALOGUE", "sk": "GENERATION"},
            "UpdateExpression": "ADD generation :one SET epoch = if_not_exists(epoch, :epoch)",
            "ExpressionAttributeValues": {":one": 1, ":epoch": uuid.uuid4().hex},
        }
    }
    return [_put(change_item(record, now)), bump]


def save_publication(
    state: ProcedureState, published: ProcedureRecord, *, claim_name: bool, now: datetime
) -> None:
    """Make ``published`` the public record in one transaction: history, search document,
    name claim, change feed and generation move together or not at all. The draft of
    ``state`` is consumed; without one (a bulk import publishes its line at once) the
    transaction holds only while no draft was saved meanwhile."""
    dynamo.transact(publication_operations(state, published, claim_name=claim_name, now=now))


def publication_operations(
    state: ProcedureState, published: ProcedureRecord, *, claim_name: bool, now: datetime
) -> list[dict[str, Any]]:
    """The items of :func:`save_publication`'s transaction (what the import benchmark
    commits bare, beside the import)."""
    code = published.code
    table = get_settings().catalogue_table
    draft = (
        _expect(
            {"Delete": {"TableName": table, "Key": _procedure_item(code, "DRAFT")}},
            state.draft.version,
        )
        if state.draft is not None
        else _unchanged("DRAFT", code, None)
    )
    operations = [
        _expect(_put(current_item(published)), _version(state.current)),
        draft,
        _put(record_item(published, f"V#{published.version:010d}")),
        _put(search_item(published)),
        *_change_ops(published, now),
    ]
    new_key = name_key(published)
    old_key = name_key(state.current) if state.current else None
    if claim_name:
        operations.append(
            _put(
                {"pk": f"NAME#{new_key}", "sk": "NAME", "code": code},
                "attribute_not_exists(pk) OR code = :code",
                {":code": code},
            )
        )
    if old_key and old_key != new_key:
        operations.append(_release_name(old_key, code))
    return operations


def _release_name(key: str, code: str) -> dict[str, Any]:
    return {
        "Delete": {
            "TableName": get_settings().catalogue_table,
            "Key": {"pk": f"NAME#{key}", "sk": "NAME"},
            "ConditionExpression": "attribute_not_exists(pk) OR code = :code",
            "ExpressionAttributeValues": {":code": code},
        }
    }


def save_abolition(state: ProcedureState, abolished: ProcedureRecord, now: datetime) -> None:
    assert state.current is not None
    table = get_settings().catalogue_table
    operations = [
        _expect(_put(current_item(abolished)), state.current.version),
        {"Delete": {"TableName": table, "Key": _procedure_item(abolished.code, "SEARCH")}},
        _put(record_item(abolished, f"V#{abolished.version:010d}")),
        _release_name(name_key(state.current), abolished.code),
        *_change_ops(abolished, now),
    ]
    dynamo.transact(operations)


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """A change not yet sent on the procedure-changes queue."""

    key: str
    code: str
    version: int
    status: str
    occurred_at: datetime
    item: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


def mark_relayed(entries: Iterable[OutboxEntry]) -> None:
    """Take ``entries`` out of the outbox. Each change item is written again without its
    outbox key, 25 to a request: a bulk import relays thousands. A change item never
    changes otherwise, so writing it whole loses nothing."""
    with _table().batch_writer() as batch:
        for entry in entries:
            kept = {k: v for k, v in entry.item.items() if k not in ("gsi1pk", "gsi1sk")}
            batch.put_item(Item=kept)


def pending_outbox(limit: int = 100) -> list[OutboxEntry]:
    """The oldest changes still waiting to be sent."""
    items, _ = _query_page(pk=_OUTBOX_PARTITION, index="gsi1", limit=limit, start=None)
    return [
        OutboxEntry(
            key=item["sk"],
            code=item["code"],
            version=item["version"],
            status=item["status"],
            occurred_at=_feed_time(item["sk"]),
            item=item,
        )
        for item in items
    ]


# -- agencies ------------------------------------------------------------------------------
def agency_item(agency: dict[str, Any]) -> dict[str, Any]:
    item = {
        **agency_key(agency["agency_id"]),
        "gsi1pk": _AGENCIES_PARTITION,
        "gsi1sk": agency["agency_id"],
        **agency,
    }
    if agency.get("parent_id"):
        item.update(gsi2pk=_children_partition(agency["parent_id"]), gsi2sk=agency["agency_id"])
    return {k: v for k, v in item.items() if v is not None}


def put_agency(agency_id: str, fields: dict[str, Any], updated_at: datetime) -> dict[str, Any]:
    """Write an agency (``fields``: name, level, parent_id, locality); the agency as kept."""
    agency = {"agency_id": agency_id, **fields, "updated_at": dynamo.iso(updated_at)}
    _table().put_item(Item=agency_item(agency))
    return agency


def get_agency(agency_id: str) -> dict[str, Any] | None:
    item = _table().get_item(Key=agency_key(agency_id)).get("Item")
    return dynamo.plain(item) if item else None


def existing_agencies(agency_ids: Iterable[str]) -> set[str]:
    keys = [agency_key(a) for a in dict.fromkeys(agency_ids)]
    found: set[str] = set()
    client = aws.dynamodb_client()
    table = get_settings().catalogue_table
    for start in range(0, len(keys), 100):
        request: dict[str, Any] = {
            table: {"Keys": keys[start : start + 100], "ProjectionExpression": "agency_id"}
        }
        while request:
            response = client.batch_get_item(RequestItems=request)
            found.update(str(i["agency_id"]) for i in response["Responses"].get(table, []))
            request = response.get("UnprocessedKeys") or {}
    return found


def decode_start(position: dict[str, Any]) -> dict[str, Any] | None:
    start = position.get("start")
    return start if isinstance(start, dict) else None
