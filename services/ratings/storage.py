"""The ratings table.

Items (``pk`` / ``sk``):

- ``DOSSIER#<code>`` / ``DOSSIER``: the dossier as its agency's one-stop system last told
  it; its status only moves forward.
- ``CRITERIA`` / ``SET``: the criteria (JSON), the default set until an operator changes it.
- ``RATING#<dossier code>`` / ``RATING``: the dossier's one rating. Until it is counted it
  sits in gsi1 under ``UNCOUNTED#<shard>`` (a lost message is sent again).
- ``AGG#<scope>#<period>`` / ``COUNTS``: counters for an agency, a procedure or an official
  in a month, quarter or year: ratings, dissatisfied, each criterion's levels, and for
  agencies dossiers handled and handled on time. ``<scope>`` is ``agency#<id>``,
  ``procedure#<code>`` or ``official#<agency id>#<official id>`` (from the domain's scope
  values: only this module spells them). An agency's item sits in gsi1 under
  ``RANK#<period>#<agency level>`` and gsi2 under ``RANK#<period>`` for the rankings, with
  the agency's id as sort key.

A summary reads one item, whatever the number of ratings.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from boto3.dynamodb.conditions import Key

from services.core import aws, dynamo
from services.core.dynamo import iso, moment
from services.core.settings import get_settings
from services.ratings.domain import (
    DEFAULT_CRITERIA,
    AgencyScope,
    Dossier,
    OfficialScope,
    ProcedureScope,
    Rating,
    Scope,
)

SHARDS = 8


def table() -> Any:
    return aws.table(get_settings().ratings_table)


def _shard(code: str) -> int:
    return dynamo.shard_of(code, SHARDS)


# -- dossiers ---------------------------------------------------------------------------------
def dossier_key(code: str) -> dict[str, str]:
    return {"pk": f"DOSSIER#{code}", "sk": "DOSSIER"}


def dossier_item(dossier: Dossier) -> dict[str, Any]:
    item: dict[str, Any] = {
        **dossier_key(dossier.dossier_code),
        "dossier_code": dossier.dossier_code,
        "procedure_code": dossier.procedure_code,
        "agency_id": dossier.agency_id,
        "citizen": dossier.citizen,
        "status": dossier.status,
        "received_at": iso(dossier.received_at),
        "due_at": iso(dossier.due_at),
    }
    if dossier.official_id:
        item["official_id"] = dossier.official_id
    if dossier.completed_at:
        item["completed_at"] = iso(dossier.completed_at)
    return item


def dossier_from(item: dict[str, Any]) -> Dossier:
    return Dossier(
        dossier_code=item["dossier_code"],
        procedure_code=item["procedure_code"],
        agency_id=item["agency_id"],
        citizen=item["citizen"],
        status=int(item["status"]),
        received_at=moment(item["received_at"]),  # type: ignore[arg-type]
        due_at=moment(item["due_at"]),  # type: ignore[arg-type]
        official_id=item.get("official_id"),
        completed_at=moment(item.get("completed_at")),
    )


def load_dossier(code: str) -> Dossier | None:
    item = table().get_item(Key=dossier_key(code), ConsistentRead=True).get("Item")
    return dossier_from(item) if item else None


def put_dossier(
    dossier: Dossier, seen_status: int | None, also: list[dict[str, Any]] | None = None
) -> bool:
    """Write the dossier, with ``also`` in the same transaction, if its status is still
    ``seen_status`` (None: not known yet); False when another event moved it meanwhile."""
    put: dict[str, Any] = {"TableName": get_settings().ratings_table, "Item": dossier_item(dossier)}
    if seen_status is None:
        put["ConditionExpression"] = "attribute_not_exists(pk)"
    else:
        put["ConditionExpression"] = "#status = :seen"
        put["ExpressionAttributeNames"] = {"#status": "status"}
        put["ExpressionAttributeValues"] = {":seen": seen_status}
    try:
        dynamo.transact([{"Put": put}, *(also or [])])
    except dynamo.Conflict:
        # A failed condition, or collisions on the counters that outlasted the retries:
        # either way the caller reads the dossier again and decides anew.
        return False
    return True


# -- criteria ---------------------------------------------------------------------------------
def criteria() -> list[dict[str, Any]]:
    item = table().get_item(Key={"pk": "CRITERIA", "sk": "SET"}).get("Item")
    return list(json.loads(item["items"])) if item else [dict(c) for c in DEFAULT_CRITERIA]


def put_criteria(items: list[dict[str, Any]]) -> None:
    table().put_item(
        Item={"pk": "CRITERIA", "sk": "SET", "items": json.dumps(items, ensure_ascii=False)}
    )


# -- ratings ----------------------------------------------------------------------------------
def rating_key(code: str) -> dict[str, str]:
    return {"pk": f"RATING#{code}", "sk": "RATING"}


def put_rating(
    dossier: Dossier, answers: dict[str, str], comment: str | None, now: datetime
) -> bool:
    """The dossier's one rating; False if it has one already."""
    item: dict[str, Any] = {
        **rating_key(dossier.dossier_code),
        "dossier_code": dossier.dossier_code,
        "agency_id": dossier.agency_id,
        "procedure_code": dossier.procedure_code,
        "answers": answers,
        "rated_at": iso(now),
        "gsi1pk": f"UNCOUNTED#{_shard(dossier.dossier_code)}",
        "gsi1sk": f"{iso(now)}#{dossier.dossier_code}",
    }
    if dossier.official_id:
        item["official_id"] = dossier.official_id
    if comment:
        item["comment"] = comment
    return dynamo.put_if(table(), item)


def load_rating(code: str) -> Rating | None:
    item = table().get_item(Key=rating_key(code), ConsistentRead=True).get("Item")
    return _rating_from(item) if item else None


def load_ratings(codes: list[str]) -> dict[str, Rating]:
    """The ratings of ``codes`` that exist, by dossier code, in one strongly consistent
    ``BatchGetItem`` (at most 100 codes). A rating DynamoDB left unprocessed is not in the
    answer either: the caller reads it alone."""
    keys = [rating_key(code) for code in dict.fromkeys(codes)]  # a repeated key is refused
    if not keys:
        return {}
    name = get_settings().ratings_table
    answer = aws.dynamodb_client().batch_get_item(
        RequestItems={name: {"Keys": keys, "ConsistentRead": True}}
    )
    ratings = (_rating_from(item) for item in answer.get("Responses", {}).get(name, []))
    return {rating.dossier_code: rating for rating in ratings}


def counted_ratings_in(segment: int, segments: int) -> Iterator[Rating]:
    """Every counted rating of one segment of a parallel scan (``portal reports rebuild``)."""
    for item in dynamo.scan_segment(table(), segment, segments, "RATING"):
        if item.get("counted"):
            yield _rating_from(item)


def _rating_from(item: dict[str, Any]) -> Rating:
    return Rating(
        dossier_code=str(item["dossier_code"]),
        agency_id=str(item["agency_id"]),
        procedure_code=str(item["procedure_code"]),
        answers={str(k): str(v) for k, v in item["answers"].items()},
        rated_at=moment(item["rated_at"]),  # type: ignore[arg-type]
        official_id=item.get("official_id"),
        comment=item.get("comment"),
        counted=bool(item.get("counted")),
    )


def uncounted(before: datetime, limit: int = 100) -> list[str]:
    codes: list[str] = []
    for shard in range(SHARDS):
        answer = table().query(
            IndexName="gsi1",
            KeyConditionExpression=Key("gsi1pk").eq(f"UNCOUNTED#{shard}")
            & Key("gsi1sk").lt(f"{iso(before)}#"),
            Limit=limit,
        )
        codes.extend(str(item["dossier_code"]) for item in answer["Items"])
    return codes


def count_rating(code: str, additions: list[dict[str, Any]]) -> bool:
    """Mark the rating counted and apply ``additions`` (:func:`add_counts`) with it, in one
    transaction; False when it was counted already (or does not exist)."""
    try:
        dynamo.transact(counting(code, additions))
    except dynamo.Conflict as conflict:
        if "ConditionalCheckFailed" in conflict.reasons:
            return False
        raise  # collisions outlasted the retries: the message comes back and counts later
    return True


def counting(code: str, additions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The operations of a rating's counting transaction: the rating marked, its additions."""
    return [_counted(code), *additions]


def _counted(code: str) -> dict[str, Any]:
    """The rating's own part of its counting transaction: only once, ever."""
    return {
        "Update": {
            "TableName": get_settings().ratings_table,
            "Key": rating_key(code),
            "UpdateExpression": "SET counted = :yes REMOVE gsi1pk, gsi1sk",
            "ConditionExpression": "attribute_exists(pk) AND attribute_not_exists(counted)",
            "ExpressionAttributeValues": {":yes": True},
        }
    }


# -- aggregates -------------------------------------------------------------------------------
_NOT_COUNTERS = frozenset({"pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk"})


def _scope_name(scope: Scope) -> str:
    match scope:
        case AgencyScope(agency_id):
            return f"agency#{agency_id}"
        case ProcedureScope(procedure_code):
            return f"procedure#{procedure_code}"
        case OfficialScope(agency_id, official_id):
            return f"official#{agency_id}#{official_id}"


def agg_key(scope: Scope, period: str) -> dict[str, str]:
    return {"pk": f"AGG#{_scope_name(scope)}#{period}", "sk": "COUNTS"}


def _counters(item: dict[str, Any]) -> dict[str, int]:
    return {k: int(v) for k, v in item.items() if k not in _NOT_COUNTERS}


def add_counts(
    scope: Scope, period: str, adds: dict[str, int], agency_level: str | None = None
) -> dict[str, Any]:
    """``ADD`` counters on one aggregate. An agency's aggregate is also filed for the
    rankings, under ``agency_level`` (the catalogue's; unknown if None)."""
    names = {f"#c{i}": name for i, name in enumerate(adds)}
    values: dict[str, Any] = {f":v{i}": value for i, value in enumerate(adds.values())}
    expression = "ADD " + ", ".join(f"#c{i} :v{i}" for i in range(len(adds)))
    if isinstance(scope, AgencyScope):
        expression += (
            " SET gsi1pk = :rank_level, gsi1sk = :agency, gsi2pk = :rank, gsi2sk = :agency"
        )
        values |= {
            ":rank_level": f"RANK#{period}#{agency_level or 'unknown'}",
            ":rank": f"RANK#{period}",
            ":agency": scope.agency_id,
        }
    return {
        "Update": {
            "TableName": get_settings().ratings_table,
            "Key": agg_key(scope, period),
            "UpdateExpression": expression,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
    }


def counts(scope: Scope, period: str) -> dict[str, int]:
    item = table().get_item(Key=agg_key(scope, period)).get("Item")
    return _counters(item or {})


def ranked(period: str, level: str | None) -> list[tuple[str, dict[str, int]]]:
    """Every agency's counters for the period (and level), with its id: a few thousand at
    most."""
    index, partition = ("gsi1", f"RANK#{period}#{level}") if level else ("gsi2", f"RANK#{period}")
    kwargs: dict[str, Any] = {
        "IndexName": index,
        "KeyConditionExpression": Key(f"{index}pk").eq(partition),
    }
    found: list[tuple[str, dict[str, int]]] = []
    while True:
        answer = table().query(**kwargs)
        found.extend((str(item[f"{index}sk"]), _counters(item)) for item in answer["Items"])
        if "LastEvaluatedKey" not in answer:
            return found
        kwargs["ExclusiveStartKey"] = answer["LastEvaluatedKey"]
