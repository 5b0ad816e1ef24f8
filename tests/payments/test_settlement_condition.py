"""The storage form of the settlement rule: the one conditional write that applies a notice
accepts exactly the cases ``domain.decide`` answers 00, from the same table of cases."""

from __future__ import annotations

from typing import Any

import pytest

from services.payments.domain import Order
from tests.payments.unit.settlement_cases import CASES, CREATED, EXPIRES, Case


def _stored_order(case: Case, order_id: str) -> None:
    from services.payments import storage

    if case.status is None:
        return
    order = Order(
        order_id=order_id,
        procedure_code="1.002804",
        dossier_code="HS-0001",
        provider=case.order_provider,
        amount_vnd=case.order_amount,
        agency_id="bo-cong-an",
        owner="owner-pseudonym",
        status=case.status,
        created_at=CREATED,
        expires_at=EXPIRES,
    )
    storage.table().put_item(Item=storage.order_item(order))


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_the_condition_takes_the_notices_decide_answers_00(moto_world: Any, case: Case) -> None:
    from services.payments import domain, storage

    order_id = domain.new_order_id()
    _stored_order(case, order_id)
    paid = ("14000001", case.at) if case.succeeded else None
    try:
        storage.settle_on_notice(
            order_id,
            provider=case.notice_provider,
            amount_vnd=case.notice_amount,
            paid=paid,
            notice={"provider": case.notice_provider, "fields": {}},
            now=case.at,
        )
        settled = True
    except storage.Refused as refused:
        settled = False
        assert (refused.order.status if refused.order else None) == case.status
    assert settled is case.settles
    after = storage.load_order(order_id)
    if case.settles:
        assert after is not None
        assert after.status == case.transition
    else:
        assert (after.status if after else None) == case.status  # untouched
