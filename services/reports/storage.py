"""The reports table.

Items (``pk`` / ``sk``):

- ``FACT#<kind>#<id>`` / ``FACT``: what one fact (a dossier, a procedure, a feedback case, a
  rating, a payment) contributes to the counters now, with the ``order`` of the state it
  was computed from (a dossier's version): a state no newer than it changes nothing.
- ``AGG#<agency id>#<period>`` / ``COUNTS``: an agency's counters in a month, quarter or year
  (and ``current`` for its procedures as they stand), changed only by atomic ``ADD`` in the
  same transaction as the fact that moved them. A period's item sits in gsi1 under
  ``RANK#<period>#<agency level>`` with the agency's id as sort key, for the rankings.

An index reads two items, whatever the number of dossiers.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from boto3.dynamodb.conditions import Key

from services.core import aws, dynamo
from services.core.settings import get_settings
from services.reports.domain import CURRENT, Bucket, Contribution

LEVELS = ("central", "province", "commune", "unknown")
_NOT_COUNTERS = frozenset({"pk", "sk", "gsi1pk", "gsi1sk", "agency_id", "period"})


def table() -> Any:
    return aws.table(get_settings().reports_table)


def _fact_key(kind: str, fact_id: str) -> dict[str, str]:
    return {"pk": f"FACT#{kind}#{fact_id}", "sk": "FACT"}


def _agg_key(agency_id: str, period: str) -> dict[str, str]:
    return {"pk": f"AGG#{agency_id}#{period}", "sk": "COUNTS"}


def _encode(contribution: Contribution) -> str:
    return json.dumps(
        [[agency, period, counts] for (agency, period), counts in sorted(contribution.items())],
        ensure_ascii=False,
    )


def _decode(text: str) -> Contribution:
    return {
        (str(a), str(p)): {str(k): int(v) for k, v in c.items()} for a, p, c in json.loads(text)
    }


def load_fact(kind: str, fact_id: str) -> tuple[int, Contribution] | None:
    """The order of the state a fact last contributed from, and its contribution."""
    item = table().get_item(Key=_fact_key(kind, fact_id), ConsistentRead=True).get("Item")
    if not item:
        return None
    return int(item["order"]), _decode(str(item["counts"]))


def apply(
    kind: str,
    fact_id: str,
    seen: tuple[int, Contribution] | None,
    order: int,
    contribution: Contribution,
    changes: Contribution,
    levels: dict[str, str | None],
) -> bool:
    """Record the fact's new contribution and add ``changes`` to the counters, together; False
    when the fact changed since ``seen`` (its order and contribution) was read (the caller
    reads it again).

    The condition names the contribution as well as the order: a rebuild rewrites a fact's
    contribution and keeps its order, and a message that read the fact before that write
    must not add a difference computed from what it no longer holds."""
    name = get_settings().reports_table
    fact: dict[str, Any] = {
        "TableName": name,
        "Item": {
            **_fact_key(kind, fact_id),
            "order": order,
            "counts": _encode(contribution),
        },
    }
    if seen is None:
        fact["ConditionExpression"] = "attribute_not_exists(pk)"
    else:
        seen_order, seen_contribution = seen
        fact["ConditionExpression"] = "#order = :seen AND #counts = :seen_counts"
        fact["ExpressionAttributeNames"] = {"#order": "order", "#counts": "counts"}
        fact["ExpressionAttributeValues"] = {
            ":seen": seen_order,
            ":seen_counts": _encode(seen_contribution),
        }
    operations = [{"Put": fact}]
    operations.extend(
        _add(bucket, counts, levels.get(bucket[0])) for bucket, counts in changes.items()
    )
    try:
        dynamo.transact(operations)
    except dynamo.Conflict as conflict:
        if "ConditionalCheckFailed" in conflict.reasons or not conflict.reasons:
            return False
        raise  # collisions outlasted the retries: the message comes back
    return True


def _add(bucket: Bucket, counts: dict[str, int], level: str | None) -> dict[str, Any]:
    agency_id, period = bucket
    names = {f"#c{i}": name for i, name in enumerate(counts)}
    values: dict[str, Any] = {f":v{i}": n for i, n in enumerate(counts.values())}
    expression = "ADD " + ", ".join(f"#c{i} :v{i}" for i in range(len(counts)))
    expression += " SET agency_id = :agency, #period = :period"
    names["#period"] = "period"
    values |= {":agency": agency_id, ":period": period}
    if period != CURRENT:
        expression += ", gsi1pk = :rank, gsi1sk = :agency"
        values[":rank"] = f"RANK#{period}#{level or 'unknown'}"
    return {
        "Update": {
            "TableName": get_settings().reports_table,
            "Key": _agg_key(agency_id, period),
            "UpdateExpression": expression,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
    }


def _counters(item: dict[str, Any]) -> dict[str, int]:
    return {k: int(v) for k, v in item.items() if k not in _NOT_COUNTERS}


def counters(buckets: Iterable[Bucket]) -> dict[Bucket, dict[str, int]]:
    """The counters of each bucket (empty when nothing was counted), in BatchGetItem calls
    of at most 100 keys."""
    wanted = list(dict.fromkeys(buckets))
    found: dict[Bucket, dict[str, int]] = {bucket: {} for bucket in wanted}
    name = get_settings().reports_table
    for start in range(0, len(wanted), 100):
        keys: list[dict[str, Any]] = [_agg_key(a, p) for a, p in wanted[start : start + 100]]
        request: dict[str, Any] = {name: {"Keys": keys}}
        while request:
            answer = aws.dynamodb_client().batch_get_item(RequestItems=request)
            for item in answer["Responses"].get(name, []):
                found[(str(item["agency_id"]), str(item["period"]))] = _counters(item)
            request = answer.get("UnprocessedKeys") or {}
    return found


def ranked(period: str, level: str | None) -> list[str]:
    """The agencies with counters in the period (at that level, or at any)."""
    agencies: list[str] = []
    for one in (level,) if level else LEVELS:
        kwargs: dict[str, Any] = {
            "IndexName": "gsi1",
            "KeyConditionExpression": Key("gsi1pk").eq(f"RANK#{period}#{one}"),
            "ProjectionExpression": "gsi1sk",
        }
        while True:
            answer = table().query(**kwargs)
            agencies.extend(str(item["gsi1sk"]) for item in answer["Items"])
            if "LastEvaluatedKey" not in answer:
                break
            kwargs["ExclusiveStartKey"] = answer["LastEvaluatedKey"]
    return agencies


def clear() -> int:
    """Delete every item (the rebuild starts from nothing); how many."""
    removed = 0
    kwargs: dict[str, Any] = {"ProjectionExpression": "pk, sk"}
    with table().batch_writer() as batch:
        while True:
            answer = table().scan(**kwargs)
            for item in answer["Items"]:
                batch.delete_item(Key={"pk": item["pk"], "sk": item["sk"]})
                removed += 1
            if "LastEvaluatedKey" not in answer:
                return removed
            kwargs["ExclusiveStartKey"] = answer["LastEvaluatedKey"]
