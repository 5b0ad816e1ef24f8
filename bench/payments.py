"""Payments benchmark: VNPAY notifications through the IPN handler against one bare
conditional ``UpdateItem`` per notification, on the same moto table; and, on the local
stack, the time from an accepted notification to its e-receipt.

    .venv/bin/python bench/payments.py [--orders 300] [--block 20] [--profile] [--receipts 60]

The first part runs in process on moto through Chalice's test client, so the numbers that
matter are ratios between measurements taken side by side in this run:
- IPN p50 per notification over one bare conditional ``update_item`` p50 (target <= 2):
  routing, the signature, the decision and the audit trail must cost less than the one
  write that settles the order; a notice that pays now also sends its settled event to
  two queues (payment-settled and report-events), so the like-for-like baseline, one bare
  write and two bare ``send_message``, is reported beside it;
- the repeat path (the same notification again, answered 02) per notice (reported);
- the outbox relay's settled events per second (reported), on the events it would send if
  the notices' own sends had all been missed (the clock moved past their grace).

The second part starts ``portal up`` (its own port and ``PORTAL_HOME``, demo data seeded),
pays ``--receipts`` orders one after the other with a signed VNPAY notice over HTTP, and
times each from the moment the notice is sent to the moment ``GET /payments/orders/{id}``
shows its ``receipt_no`` (polled every 20 ms): p50 and p95, target p95 under 2 s. This one
is absolute time, on purpose: it is the wait a citizen sees on the return page.

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
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
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
RECEIPT_P95_TARGET_SECONDS = 2.0
RECEIPT_POLL_SECONDS = 0.02
RECEIPT_GIVE_UP_SECONDS = 30
STACK_READY_SECONDS = 120
PROJECT_ROOT = Path(__file__).resolve().parent.parent
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


def bench_queues() -> Queues:
    from services.core import aws
    from services.core.settings import get_settings

    bare = aws.sqs().create_queue(QueueName=f"portal-{STAGE}-bench-bare-sends")["QueueUrl"]
    settings = get_settings()
    return Queues(
        aws.queue_url(settings.payment_settled_queue),
        aws.queue_url(settings.report_events_queue),
        bare,
    )


def bare_send(queue_url: str) -> None:
    """One bare ``send_message`` of a settled event's size."""
    from services.core import aws

    aws.sqs().send_message(QueueUrl=queue_url, MessageBody="x" * 300)


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
    bare_send: list[float] = field(default_factory=list)
    repeat: list[float] = field(default_factory=list)
    sent_by_notices: int = 0
    relayed: int = 0
    relay_seconds: float = 0.0
    receipts: list[float] = field(default_factory=list)


@dataclass
class Queues:
    """The two queues the IPN sends its settled event to (payment-settled, report-events),
    and a bench queue for the bare sends.

    Nothing consumes them here, and moto's SendMessage walks every message already in a
    queue (it recomputes the queue's attributes), so a queue left to fill would make each
    send slower than the last: all three are emptied between blocks, outside the timings,
    as the receipt and reports consumers keep the real queues near empty."""

    settled: str
    reports: str
    bare: str
    sent_by_notices: int = 0

    def empty(self) -> None:
        from services.core import aws

        sqs = aws.sqs()
        for url in (self.settled, self.reports, self.bare):
            while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get(
                "Messages"
            ):
                if url == self.settled:
                    self.sent_by_notices += len(batch)
                for message in batch:
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def measure(
    client: Client, paths: list[str], keys: list[dict[str, str]], block: int, queues: Queues
) -> tuple[list[float], list[float], list[float]]:
    """One IPN per path, and one bare update and one bare send per key, alternating in
    blocks; each block goes first in turn."""
    from services.core import aws
    from services.core.settings import get_settings

    table = aws.table(get_settings().payments_table)
    ipn: list[float] = []
    bare: list[float] = []
    bare_sends: list[float] = []

    def ipn_block(start: int) -> None:
        for path in paths[start : start + block]:
            ipn.append(timed(lambda path=path: send(client, path, "00")))  # type: ignore[misc]

    def bare_block(start: int) -> None:
        for key in keys[start : start + block]:
            bare.append(timed(lambda key=key: bare_update(table, key)))  # type: ignore[misc]
            bare_sends.append(timed(lambda: bare_send(queues.bare)))

    for turn, start in enumerate(range(0, len(paths), block)):
        first, second = (ipn_block, bare_block) if turn % 2 == 0 else (bare_block, ipn_block)
        first(start)
        second(start)
        queues.empty()
    return ipn, bare, bare_sends


def queued(queue_url: str) -> int:
    from services.core import aws

    attributes = aws.sqs().get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages"]
    )
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


def relay(expected: int) -> tuple[int, float]:
    """Settled events sent by the relay until its outbox is empty, and the time it took.

    The notices sent every event themselves, so the relay has nothing due; with the clock
    moved past the grace it leaves them, every paid order without a receipt (no consumer
    runs here) is due, as if all those sends had been missed."""
    from services.core import clock
    from services.payments import service

    if service.relay_quietly() != 0:
        raise SystemExit("the relay found settled events the notices had not sent")
    later = datetime.now(UTC) + service.SETTLED_EVENT_GRACE + timedelta(seconds=1)
    sent: list[int] = []

    def drain() -> None:
        while batch := service.relay_quietly():
            sent.append(batch)

    clock.set_source(lambda: later)
    try:
        seconds = timed(drain)
    finally:
        clock.reset()
    if sum(sent) != expected:
        raise SystemExit(f"the relay sent {sum(sent)} settled events, not {expected}")
    return sum(sent), seconds


# -- the local stack: an accepted notice to its receipt ---------------------------------------
def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def local_stack(home: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """``portal up`` in a process of its own, as the end-to-end tests start it: (base URL,
    the environment its other commands need). Stopped with SIGTERM afterwards."""
    port = _free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("AWS_ENDPOINT_URL", "PORTAL_JWKS_JSON", "PORTAL_STAGE")
    }
    env |= {"PORTAL_HOME": str(home), "PYTHONUNBUFFERED": "1", "PORTAL_VNPAY_SECRET": ""}
    output = home / "portal-up.log"
    base_url = f"http://127.0.0.1:{port}"
    with output.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "infra.cli", "up", "--port", str(port)],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + STACK_READY_SECONDS
        while f"Portal ready at {base_url}" not in output.read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"portal up did not start:\n{output.read_text()[-2000:]}")
            time.sleep(0.2)
        state = json.loads((home / "local-stack.json").read_text())
        yield base_url, {**env, **state["environment"]}
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()


def _http(url: str, *, token: str = "", body: dict[str, Any] | None = None) -> Any:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode() if body is not None else None,
        headers=headers,
        method="POST" if body is not None else "GET",
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())


def receipt_times(count: int) -> list[float]:
    """Seconds from sending each order's paying notice to its receipt, on the local stack."""
    with tempfile.TemporaryDirectory(prefix="bench-payments-") as home:
        say("starting portal up for the receipt timings")
        with local_stack(Path(home)) as (base, env):
            token = subprocess.run(
                [sys.executable, "-m", "infra.cli", "token", "--role", "citizen", "--sub", "b"],
                cwd=PROJECT_ROOT,
                env=env,
                capture_output=True,
                text=True,
                check=True,
                timeout=60,
            ).stdout.strip()
            times: list[float] = []
            for n in range(WARM_UP + count):
                body = {"procedure_code": PROCEDURE, "dossier_code": f"BENCH-RCPT-{n:04d}"}
                order = _http(f"{base}/payments/orders", token=token, body=body)
                notice = vnpay_notice(
                    tmn_code="PORTAL01",  # the local stack's terminal (CONTRACT.md)
                    hash_secret=env["PORTAL_VNPAY_SECRET"],
                    txn_ref=order["order_id"],
                    amount=str(order["amount_vnd"] * 100),
                    transaction_no=str(22_000_000 + n),
                    paid_at=datetime.now(UTC),
                )
                started = time.perf_counter()
                answer = _http(f"{base}/payments/callbacks/vnpay/ipn?{urlencode(notice)}")
                if answer.get("RspCode") != "00":
                    raise SystemExit(f"the IPN answered {answer}")
                order_url = f"{base}/payments/orders/{order['order_id']}"
                while not _http(order_url, token=token).get("receipt_no"):
                    if time.perf_counter() - started > RECEIPT_GIVE_UP_SECONDS:
                        raise SystemExit(f"no receipt in {RECEIPT_GIVE_UP_SECONDS} s")
                    time.sleep(RECEIPT_POLL_SECONDS)
                if n >= WARM_UP:
                    times.append(time.perf_counter() - started)
            return times


# -- main -------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=300, help="notifications measured")
    parser.add_argument("--block", type=int, default=20, help="notifications per turn")
    parser.add_argument("--profile", action="store_true", help="profile even when on target")
    parser.add_argument(
        "--receipts", type=int, default=60, help="payments timed to their receipt (0: skip)"
    )
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
            queues = bench_queues()
            # First calls pay for lazy imports, the merchant profile and clients.
            measure(client, paths[:WARM_UP], keys[:WARM_UP], WARM_UP, queues)
            samples.ipn, samples.bare, samples.bare_send = measure(
                client, paths[WARM_UP:], keys[WARM_UP:], args.block, queues
            )
            samples.sent_by_notices = queues.sent_by_notices
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
                    for start in range(0, len(fresh_paths), args.block):
                        for path in fresh_paths[start : start + args.block]:
                            send(client, path, "00")
                        queues.empty()  # as between the measured blocks

                profile(f"{len(fresh)} VNPAY IPNs, first notice of pending orders", replay)

    if args.receipts > 0:
        samples.receipts = receipt_times(args.receipts)
    ipn_rate = len(samples.ipn) / sum(samples.ipn)
    bare_rate = len(samples.bare) / sum(samples.bare)
    # A first notice writes once and sends its settled event to two queues.
    like_for_like = p50(samples.ipn) / (p50(samples.bare) + 2 * p50(samples.bare_send))
    receipt_rows: list[Row] = []
    if samples.receipts:
        receipt_rows = [
            Row(
                f"notice to receipt p50, local stack ({len(samples.receipts)} payments)",
                ms(p50(samples.receipts)),
            ),
            Row(
                "notice to receipt p95, local stack",
                ms(p95(samples.receipts)),
                f"< {RECEIPT_P95_TARGET_SECONDS * 1000:.0f} ms",
                p95(samples.receipts) < RECEIPT_P95_TARGET_SECONDS,
            ),
        ]
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
            Row("send_message p50 (the settled-event queue)", ms(p50(samples.bare_send))),
            Row("IPN p50 / (update_item + 2 send_message) p50", f"{like_for_like:.2f}"),
            Row(
                "settled events queued by the notices themselves",
                f"{samples.sent_by_notices} of {WARM_UP + count}",
            ),
            Row(f"repeat notice p50 (RspCode 02, {len(samples.repeat)})", ms(p50(samples.repeat))),
            Row("repeat notice p95", ms(p95(samples.repeat))),
            Row(
                f"relay_quietly, {samples.relayed} settled events (all sends missed)",
                f"{samples.relayed / samples.relay_seconds:.0f} events/s",
            ),
            *receipt_rows,
        ],
    )


if __name__ == "__main__":
    main()
