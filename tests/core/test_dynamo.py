"""One transaction rule for every service: collisions retried, failed conditions not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from services.core import aws, dynamo
from services.core.settings import get_settings
from tests.support.faults import transaction_collisions

pytestmark = pytest.mark.usefixtures("moto_world")


def _table() -> str:
    return get_settings().ratings_table


def _add_one(pk: str, condition: str | None = None) -> dict[str, Any]:
    update: dict[str, Any] = {
        "TableName": _table(),
        "Key": {"pk": pk, "sk": "COUNTS"},
        "UpdateExpression": "ADD n :one",
        "ExpressionAttributeValues": {":one": 1},
    }
    if condition:
        update["ConditionExpression"] = condition
    return {"Update": update}


def _count(pk: str) -> int | None:
    item = aws.table(_table()).get_item(Key={"pk": pk, "sk": "COUNTS"}).get("Item")
    return int(item["n"]) if item else None


def test_a_passing_collision_is_retried_and_applied_once() -> None:
    client = aws.dynamodb_client()
    with transaction_collisions(client, times=2) as collisions:
        dynamo.transact([_add_one("T#collide-twice"), _add_one("T#collide-twice-b")])
    assert collisions.injected == 2
    assert _count("T#collide-twice") == 1
    assert _count("T#collide-twice-b") == 1


def test_collisions_outlasting_the_attempts_are_a_conflict_and_apply_nothing() -> None:
    client = aws.dynamodb_client()
    with (
        transaction_collisions(client, times=dynamo.TRANSACTION_ATTEMPTS) as collisions,
        pytest.raises(dynamo.Conflict) as conflict,
    ):
        dynamo.transact([_add_one("T#always-colliding")])
    assert collisions.injected == 6
    assert conflict.value.reasons == ["TransactionConflict"]
    assert _count("T#always-colliding") is None


def test_a_failed_condition_is_a_conflict_at_once_without_retrying() -> None:
    client = aws.dynamodb_client()
    refused = _add_one("T#conditional", "attribute_exists(n)")
    with transaction_collisions(client, times=0), pytest.raises(dynamo.Conflict) as conflict:
        dynamo.transact([_add_one("T#beside"), refused])
    assert conflict.value.reasons == ["None", "ConditionalCheckFailed"]
    assert _count("T#beside") is None  # all or nothing
    assert _count("T#conditional") is None


def test_update_if_answers_whether_the_condition_held() -> None:
    table = aws.table(_table())
    key = {"pk": "T#update-if", "sk": "COUNTS"}
    first = dynamo.update_if(
        table,
        key,
        UpdateExpression="SET n = :one",
        ConditionExpression="attribute_not_exists(pk)",
        ExpressionAttributeValues={":one": 1},
    )
    again = dynamo.update_if(
        table,
        key,
        UpdateExpression="SET n = :two",
        ConditionExpression="attribute_not_exists(pk)",
        ExpressionAttributeValues={":two": 2},
    )
    assert (first, again) == (True, False)
    assert _count("T#update-if") == 1


def test_put_if_writes_a_new_item_once() -> None:
    table = aws.table(_table())
    item = {"pk": "T#put-if", "sk": "COUNTS", "n": 7}
    assert dynamo.put_if(table, item) is True
    assert dynamo.put_if(table, {**item, "n": 8}) is False
    assert _count("T#put-if") == 7


def test_times_are_stored_in_utc_and_read_back_as_the_same_moment() -> None:
    hanoi = timezone(timedelta(hours=7))
    midnight_in_hanoi = datetime(2027, 1, 1, 0, 0, tzinfo=hanoi)
    assert dynamo.iso(midnight_in_hanoi) == "2026-12-31T17:00:00+00:00"
    assert dynamo.moment("2026-12-31T17:00:00+00:00") == datetime(2026, 12, 31, 17, 0, tzinfo=UTC)
    assert dynamo.iso(None) is None
    assert dynamo.moment("") is None


def test_plain_numbers() -> None:
    read = {"n": Decimal("3"), "share": Decimal("0.25"), "list": [Decimal("2")], "s": "x"}
    assert dynamo.plain(read) == {"n": 3, "share": 0.25, "list": [2], "s": "x"}
    assert type(dynamo.plain(Decimal("3"))) is int
