"""Payments benchmark: VNPAY notifications through the IPN handler against one bare
conditional ``UpdateItem`` per notification, on the same moto table.

    .venv/bin/python bench/payments.py [--orders 300] [--block 20] [--profile]

Everything runs in process on moto through Chalice's test client, so the numbers that
matter are ratios between measurements taken side by side in this run:
- IPN p50 per notification over one bare conditional ``update_item`` p50 (target <= 2):
  routing, the signature, the decision and the audit trail must cost less than the one
  write that settles the order;
- the repeat path (the same notification again, answered 02) per notice (reported);
- the outbox relay's settled events per second (reported).

The two measured loops alternate in blocks, each block taking its turn to go first, so
drift on a shared machine hits both alike. When the target is missed (or with
``--profile``) the IPN loop is run again under cProfile on fresh orders, after the
measurement, and the heaviest functions are printed.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

# Run as a script, Python puts bench/ on the path, not the project root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    Row,
    moto_world,
    ms,
    p50,
    p95,
    prepare_environment,
    print_table,
    profile,
    say,
    timed,
)
from infra.sandbox_bank import vnpay_notice

if TYPE_CHECKING:
    from chalice.test import Client

STAGE = "bench"
RATIO_TARGET = 2.0
PROCEDURE = "1.002804"
AGENCY = "bo-cong-an"
FEES = [135_000, 15_000]
WARM_UP = 10  # orders paid before measuring: lazy imports, the merchant profile, clients
REPEATS = 100  # repeated notices timed, at most
PROFILED = 100  # fresh orders settled under cProfile, at most


# -- the catalogue: one published procedure with fees ----------------------------------------
def seed_catalogue(operator: dict[str, str]) -> None:
    """What an operator does: the agency, the procedure with its fees, publication."""
    from chalice.test import Client

    from services.catalogue.app import app

    procedure = {
        "name": "Đổi giấy phép lái xe",
        "field": "Đường bộ",
        "agency_ids": [AGENCY],
        "agency_level": "central",
        "service_level": "full",
        "processing_days": 5,
        "fees": [{"name": f"Lệ phí {n}", "amount_vnd": fee} for n, fee in enumerate(FEES)],
        "documents": [{"name": "Đơn đề nghị", "copies": 1}],
        "legal_bases": ["Thông tư 01/2025/TT-BCA"],
        "result": "Giấy phép",
        "online_payment": True,
        "e_result": True,
    }
    with Client(app) as client:
        steps: tuple[tuple[str, str, dict[str, Any]], ...] = (
            ("put", f"/agencies/{AGENCY}", {"name": "Bộ Công an", "level": "central"}),
            ("put", f"/procedures/{PROCEDURE}", procedure),
            ("post", f"/procedures/{PROCEDURE}/publish", {}),
        )
        for method, path, body in steps:
            response = getattr(client.http, method)(path, headers=operator, body=json.dumps(body))
            if response.status_code not in (200, 201):
                raise SystemExit(f"{method.upper()} {path} answered {response.status_code}")


# -- the bank's side: the sandbox bank's signer, written apart from the service's ----------
class Bank:
    """Builds VNPAY success notifications for orders, as the bank would send them."""

    def __init__(self) -> None:
        import boto3

        secrets = boto3.client("secretsmanager")
        value = secrets.get_secret_value(SecretId=f"portal-{STAGE}/payments/vnpay")
        self.profile: dict[str, Any] = json.loads(value["SecretString"])
        self.transaction = 14_000_000

    def ipn_path(self, order_id: str, amount_vnd: int) -> str:
        self.transaction += 1
        notice = vnpay_notice(
            tmn_code=self.profile["tmn_code"],
            hash_secret=self.profile["hash_secret"],
            txn_ref=order_id,
            amount=str(amount_vnd * 100),
            transaction_no=str(self.transaction),
            paid_at=datetime.now(UTC),
        )
        return "/callbacks/vnpay/ipn?" + urlencode(notice)


# -- orders ---------------------------------------------------------------------------------
def create_orders(
    client: Client, citizen: dict[str, str], first: int, count: int
) -> list[tuple[str, int]]:
    """``count`` pending orders (id, amount), one per dossier, through POST /orders."""
    orders = []
    for n in range(first, first + count):
        body = {"procedure_code": PROCEDURE, "dossier_code": f"BENCH-{n:06d}"}
        response = client.http.post("/orders", headers=citizen, body=json.dumps(body))
        if response.status_code != 201:
            raise SystemExit(f"POST /orders answered {response.status_code}: {response.body!r}")
        view = json.loads(response.body)
        orders.append((str(view["order_id"]), int(view["amount_vnd"])))
    return orders


def send(client: Client, path: str, expected: str) -> None:
    response = client.http.get(path)
    answer = json.loads(response.body) if response.status_code == 200 else {}
    if answer.get("RspCode") != expected:
        raise SystemExit(
            f"IPN answered {response.status_code} {response.body[:200]!r}, not {expected}"
        )


# -- the bare write ---------------------------------------------------------------------------
def bare_items(count: int, like_order: str) -> list[dict[str, str]]:
    """Pending items shaped like a real order (every attribute but its keys and index
    keys copied from ``like_order``), so both writes touch items of the same size."""
    from services.core import aws
    from services.core.settings import get_settings

    table = aws.table(get_settings().payments_table)
    order = table.get_item(Key={"pk": f"ORDER#{like_order}", "sk": "ORDER"})["Item"]
    shape = {k: v for k, v in order.items() if k not in ("pk", "sk", "gsi1pk", "gsi1sk")}
    keys = [{"pk": f"BENCH#{n}", "sk": "ORDER"} for n in range(count)]
    with table.batch_writer() as batch:
        for key in keys:
            batch.put_item(Item={**shape, **key})
    return keys


def bare_update(table: Any, key: dict[str, str]) -> None:
    table.update_item(
        Key=key,
        UpdateExpression="SET #status = :paid",
        ConditionExpression="#status = :pending",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={":paid": "paid", ":pending": "pending"},
    )


# -- the measurements -----------------------------------------------------------------------
@dataclass
class Samples:
    ipn: list[float] = field(default_factory=list)
    bare: list[float] = field(default_factory=list)
    repeat: list[float] = field(default_factory=list)
    relayed: int = 0
    relay_seconds: float = 0.0


def measure(
    client: Client, paths: list[str], keys: list[dict[str, str]], block: int
) -> tuple[list[float], list[float]]:
    """One IPN per path and one bare update per key, alternating in blocks; each block
    goes first in turn."""
    from services.core import aws
    from services.core.settings import get_settings

    table = aws.table(get_settings().payments_table)
    ipn: list[float] = []
    bare: list[float] = []

    def ipn_block(start: int) -> None:
        for path in paths[start : start + block]:
            ipn.append(timed(lambda path=path: send(client, path, "00")))  # type: ignore[misc]

    def bare_block(start: int) -> None:
        for key in keys[start : start + block]:
            bare.append(timed(lambda key=key: bare_update(table, key)))  # type: ignore[misc]

    for turn, start in enumerate(range(0, len(paths), block)):
        first, second = (ipn_block, bare_block) if turn % 2 == 0 else (bare_block, ipn_block)
        first(start)
        second(start)
    return ipn, bare


def relay(expected: int) -> tuple[int, float]:
    """Settled events sent by the relay until its outbox is empty, and the time it took."""
    from services.payments import service

    sent: list[int] = []

    def drain() -> None:
        while batch := service.relay_quietly():
            sent.append(batch)

    seconds = timed(drain)
    if sum(sent) != expected:
        raise SystemExit(f"the relay sent {sum(sent)} settled events, not {expected}")
    return sum(sent), seconds


# -- main -------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=300, help="notifications measured")
    parser.add_argument("--block", type=int, default=20, help="notifications per turn")
    parser.add_argument("--profile", action="store_true", help="profile even when on target")
    args = parser.parse_args()
    count: int = args.orders
    signing_key = prepare_environment(STAGE)

    from chalice.test import Client

    from services.core import tokens
    from services.payments.app import app

    def headers(role: str, sub: str) -> dict[str, str]:
        token = tokens.mint(signing_key, roles=[role], sub=sub)
        return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    citizen = headers("citizen", "citizen-bench")
    samples = Samples()
    # With metrics disabled, Powertools still prints a metric set once it holds 100 values.
    with moto_world(STAGE), contextlib.redirect_stdout(io.StringIO()):
        seed_catalogue(headers("operator", "operator-bench"))
        bank = Bank()
        with Client(app) as client:
            orders = create_orders(client, citizen, 0, WARM_UP + count)
            say(f"created {len(orders)} pending orders")
            paths = [bank.ipn_path(order_id, amount) for order_id, amount in orders]
            keys = bare_items(WARM_UP + count, like_order=orders[0][0])
            # First calls pay for lazy imports, the merchant profile and clients.
            measure(client, paths[:WARM_UP], keys[:WARM_UP], WARM_UP)
            samples.ipn, samples.bare = measure(client, paths[WARM_UP:], keys[WARM_UP:], args.block)
            say(f"settled {count} orders through the IPN")
            for path in paths[WARM_UP : WARM_UP + REPEATS]:
                samples.repeat.append(timed(lambda path=path: send(client, path, "02")))  # type: ignore[misc]
            samples.relayed, samples.relay_seconds = relay(WARM_UP + count)

            ratio = p50(samples.ipn) / p50(samples.bare)
            if args.profile or ratio > RATIO_TARGET:
                # Fresh pending orders: a replay of the measured ones takes the repeat path.
                fresh = create_orders(client, citizen, WARM_UP + count, min(count, PROFILED))
                fresh_paths = [bank.ipn_path(order_id, amount) for order_id, amount in fresh]

                def replay() -> None:
                    for path in fresh_paths:
                        send(client, path, "00")

                profile(f"{len(fresh)} VNPAY IPNs, first notice of pending orders", replay)

    ipn_rate = len(samples.ipn) / sum(samples.ipn)
    bare_rate = len(samples.bare) / sum(samples.bare)
    print_table(
        f"payments benchmark ({count} notifications, blocks of {args.block})",
        [
            Row("IPN notifications/s (RspCode 00)", f"{ipn_rate:.0f} per s"),
            Row("bare conditional update_item/s", f"{bare_rate:.0f} per s"),
            Row("IPN p50", ms(p50(samples.ipn))),
            Row("IPN p95", ms(p95(samples.ipn))),
            Row("update_item p50 (same table)", ms(p50(samples.bare))),
            Row("update_item p95 (same table)", ms(p95(samples.bare))),
            Row(
                "IPN p50 / update_item p50",
                f"{ratio:.2f}",
                f"<= {RATIO_TARGET}",
                ratio <= RATIO_TARGET,
            ),
            Row(f"repeat notice p50 (RspCode 02, {len(samples.repeat)})", ms(p50(samples.repeat))),
            Row("repeat notice p95", ms(p95(samples.repeat))),
            Row(
                f"relay_quietly, {samples.relayed} settled events",
                f"{samples.relayed / samples.relay_seconds:.0f} events/s",
            ),
        ],
    )


if __name__ == "__main__":
    main()
