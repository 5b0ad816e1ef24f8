"""Reconciliation (đối soát) against the orders in the table, by the route and the CLI:
each kind of difference is reported, pending orders are flagged, nothing is settled."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from chalice.test import Client

from services.core.clock import VIETNAM_TZ
from tests.payments.conftest import FEES, Bank, Citizen

AMOUNT = sum(FEES)


def _paid(citizen: Citizen, bank: Bank, dossier: str) -> dict[str, Any]:
    order = json.loads(citizen.order(dossier).body)
    notice = bank.notice(order["order_id"], AMOUNT)
    assert bank.send(notice)["RspCode"] == "00"
    return {**order, "transaction_no": notice["vnp_TransactionNo"]}


@pytest.fixture(scope="module")
def day(client: Client, auth: Any) -> dict[str, Any]:
    """A day of payments: two matched, one the bank does not know, one the bank says is
    paid but is still pending here, one paid with another amount, one unknown here."""
    citizen = Citizen(client, auth, sub="reconciled-citizen")
    bank = Bank(client)
    matched = [_paid(citizen, bank, f"REC-M{n}") for n in range(2)]
    from services.payments import service

    # These are filed under their day once their receipts exist; the ones paid after wait
    # in the outbox: reconciliation must see both.
    for order in matched:
        assert service.issue_receipt(order["order_id"])
    lost = _paid(citizen, bank, "REC-LOST")
    pending = json.loads(citizen.order("REC-PENDING").body)
    wrong = _paid(citizen, bank, "REC-AMOUNT")
    now = datetime.now(VIETNAM_TZ).strftime("%Y%m%d%H%M%S")
    lines = ["order_id,bank_transaction_no,amount_vnd,paid_at"]
    lines += [f"{o['order_id']},{o['transaction_no']},{AMOUNT},{now}" for o in matched]
    lines.append(f"{pending['order_id']},99000001,{AMOUNT},{now}")
    lines.append(f"{wrong['order_id']},{wrong['transaction_no']},{AMOUNT - 1000},{now}")
    lines.append(f"ZZZZZZZZZZZZZZZZZZZZ,99000002,{AMOUNT},{now}")
    lines.append("broken line")
    return {
        "statement": "\n".join(lines) + "\n",
        "matched": sorted(o["order_id"] for o in matched),
        "lost": lost["order_id"],
        "pending": pending["order_id"],
        "wrong": wrong["order_id"],
        "citizen": citizen,
    }


def _ids(entries: list[dict[str, Any]]) -> list[str]:
    return sorted(entry["order_id"] for entry in entries)


def test_the_report_names_every_difference_and_flags_pending_orders(
    client: Client, auth: Any, day: dict[str, Any]
) -> None:
    response = client.http.post(
        "/reconciliations",
        headers=auth("operator"),
        body=json.dumps({"provider": "vnpay", "statement": day["statement"]}),
    )
    assert response.status_code == 200, response.body
    report = json.loads(response.body)
    assert report["clean"] is False
    assert _ids(report["matched"]) == day["matched"]
    assert _ids(report["missing_at_bank"]) == [day["lost"]]
    assert _ids(report["missing_here"]) == ["ZZZZZZZZZZZZZZZZZZZZ"]
    assert _ids(report["amount_mismatches"]) == [day["wrong"]]
    assert report["flagged_order_ids"] == [day["pending"]]
    assert [e["line"] for e in report["line_errors"]] == [7]  # "broken line", by its number
    assert "broken" not in report["line_errors"][0]["message"]  # the line is not echoed
    # Flagged, never settled: the citizen's order is still pending.
    shown = json.loads(day["citizen"].get(day["pending"]).body)
    assert shown["status"] == "pending"


def test_only_operators_reconcile(client: Client, auth: Any) -> None:
    body = json.dumps({"statement": "order_id,bank_transaction_no,amount_vnd,paid_at\n"})
    assert (
        client.http.post("/reconciliations", headers=auth("citizen"), body=body).status_code == 403
    )
    assert (
        client.http.post(
            "/reconciliations", headers={"Content-Type": "application/json"}, body=body
        ).status_code
        == 401
    )


def test_the_cli_prints_the_same_report(
    day: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    from infra import cli

    monkeypatch.setenv("PORTAL_HOME", str(tmp_path))  # no running local stack to find
    statement = tmp_path / "statement.csv"
    statement.write_text(day["statement"], encoding="utf-8")
    assert cli.main(["payments", "reconcile", str(statement), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert _ids(report["matched"]) == day["matched"]
    assert report["flagged_order_ids"] == [day["pending"]]
    assert cli.main(["payments", "reconcile", str(tmp_path / "missing.csv")]) == 2


HEADER = "order_id,bank_transaction_no,amount_vnd,paid_at\n"


def _post(client: Client, auth: Any, body: dict[str, Any]) -> Any:
    return client.http.post("/reconciliations", headers=auth("operator"), body=json.dumps(body))


def test_a_day_the_bank_lists_nothing_still_shows_what_was_paid_here(
    client: Client, auth: Any, day: dict[str, Any]
) -> None:
    today = datetime.now(VIETNAM_TZ).date().isoformat()
    report = json.loads(_post(client, auth, {"statement": HEADER, "day": today}).body)
    assert report["clean"] is False
    assert day["lost"] in _ids(report["missing_at_bank"])
    refused = _post(client, auth, {"statement": HEADER})
    assert refused.status_code == 422  # which day is an empty statement for?


def test_statements_that_are_not_one_day_are_refused_before_anything_is_flagged(
    client: Client, auth: Any, day: dict[str, Any]
) -> None:
    spread = HEADER + (
        f"{day['pending']},1,{AMOUNT},2026-01-01T10:00:00+07:00\n"
        f"ZZZZZZZZZZZZZZZZZZZZ,2,{AMOUNT},2026-03-01T10:00:00+07:00\n"
    )
    far = HEADER + f"ZZZZZZZZZZZZZZZZZZZZ,3,{AMOUNT},9999-12-31T23:00:00+00:00\n"
    for statement in (spread, far):
        response = _post(client, auth, {"statement": statement})
        assert response.status_code == 422, response.body
        assert response.headers["Content-Type"] == "application/problem+json"
