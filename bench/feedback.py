"""Feedback benchmark: intake against one bare ``PutItem`` plus ``SendMessage`` per case,
and an agency's work list at 100 and at many open cases, on the same moto.

    .venv/bin/python bench/feedback.py [--submissions 300] [--cases 10000] [--lists 3]
                                       [--block 20] [--profile]

Everything runs in process on moto through Chalice's test client, so the numbers that
matter are ratios between measurements taken side by side in this run:
- POST /cases against a bare ``put_item`` + ``send_message`` of an item the size of a case,
  to the same table and intake queue, in two ways. Round trips one after another (target:
  at most twice the bare pair's 2): a short run, after the timed one, holds every request
  of the portal's DynamoDB, KMS and SQS clients back ``LATENCY`` before it goes, as a
  network would, so that requests sent together overlap and requests sent one after
  another do not; the requests' overlapping spans are merged and counted. That is what
  sets intake's latency in AWS, where DynamoDB, KMS and SQS do their work on their own
  machines. And the p50 on moto (target the same): moto does every request's work on
  this process's one Python thread, one DynamoDB request at a time (infra/moto_world.py),
  so requests sent together take as long as one after another, and the figure counts the
  CPU moto spends, above all on the rate limits' conditional updates; intake signed in
  (no rate limits) is measured beside it, as the floor of what moto can show. Anonymous
  submissions come each from its own address with its own phone and e-mail, so the rate
  limits count but never answer 429. The queue is drained between turns, untimed, as the
  consumer would keep it (moto's SendMessage slows with every message waiting); a sample
  of the cases then goes through the intake queue's consumer (its rate reported);
- GET /agencies/{agency_id}/cases?limit=20 p50 for an agency with 10,000 open cases (or
  ``--cases``; the contract's scale is ``--cases 100000``, which takes about ten minutes on
  a quiet machine) over one with 100 (target <= 1.5): the first page must not cost what the
  agency's backlog costs. Both agencies' cases sit in one table during both measurements;
  they are written straight to the table in the exact shape routing leaves them
  (``storage.case_item``), as that many submissions through the API would take far too
  long on moto. A bare ``gsi1`` query at both sizes is reported beside it: moto answers
  every query by sorting the whole table and then the matching items, which DynamoDB does
  not, so on moto one list takes seconds at 100,000 and the ratio mostly measures moto
  (see the bare ratio and the work list over the bare query).

Intake rotates its three loops (anonymous, signed in, bare) in blocks, each block taking
its turn to go first; the work list takes one sample of each of its four loops per turn,
in a rotating order, so drift on a shared machine hits all alike. When the work-list
target is missed (or with ``--profile``) the large agency's work list is run again under
cProfile, after the measurement, and the heaviest functions are printed; ``--profile``
profiles intake too.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import itertools
import json
import random
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from time import perf_counter
from typing import TYPE_CHECKING, Any

# Run as a script, Python puts bench/ on the path, not the project root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    RoundTrips,
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

if TYPE_CHECKING:
    from chalice.test import Client

    from services.feedback.domain import Case

STAGE = "bench"
LIST_RATIO_TARGET = 1.5
INTAKE_RATIO_TARGET = 2.0  # intake over a bare put_item + send_message
LATENCY = 0.03  # seconds each request is held back while round trips are counted
ROUND_TRIP_SAMPLES = 20  # submissions and bare pairs whose round trips are counted
PROCEDURE = "1.002804"  # implemented by LARGE_AGENCY: routing sends intake there
AGENCIES = {
    "bo-cong-an": {"name": "Bộ Công an", "level": "central"},
    "bo-xay-dung": {"name": "Bộ Xây dựng", "level": "central"},
    "van-phong-chinh-phu": {"name": "Văn phòng Chính phủ", "level": "central"},
}
LARGE_AGENCY = "bo-cong-an"
SMALL_AGENCY = "bo-xay-dung"
SMALL_CASES = 100
PAGE = 20
WARM_UP = 10  # submissions before measuring: lazy imports, clients, the KMS key
PROFILED = 100  # submissions run under cProfile, at most
PROFILED_LISTS = 2  # large work lists run under cProfile: seconds each on moto
CONSUMER_BATCH = 10  # the intake queue's batch size in app.py
# Cases routed after intake, to check them and time the consumer: for each operation of a
# transaction moto deep-copies the whole table (six copies per routed case), so routing
# them all would take minutes.
ROUTED = 30
SEED_PROGRESS = 20_000  # cases written between two progress lines


def headers_for(signing_key: str, role: str, sub: str, agency: str | None = None) -> dict[str, str]:
    from services.core import tokens

    token = tokens.mint(signing_key, roles=[role], sub=sub, agency_id=agency)
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


# -- the catalogue: agencies and one published procedure ----------------------------------
def seed_catalogue(operator: dict[str, str]) -> None:
    """What an operator does: the agencies, the procedure routing reads, publication."""
    from chalice.test import Client

    from services.catalogue.app import app

    procedure = {
        "name": "Đổi giấy phép lái xe",
        "field": "Đường bộ",
        "agency_ids": [LARGE_AGENCY],
        "agency_level": "central",
        "service_level": "full",
        "processing_days": 5,
        "fees": [{"name": "Lệ phí", "amount_vnd": 135_000}],
        "documents": [{"name": "Đơn đề nghị", "copies": 1}],
        "legal_bases": ["Thông tư 01/2025/TT-BCA"],
        "result": "Giấy phép lái xe",
        "online_payment": True,
        "e_result": True,
    }
    steps: list[tuple[str, str, dict[str, Any]]] = [
        ("put", f"/agencies/{agency_id}", agency) for agency_id, agency in AGENCIES.items()
    ]
    steps += [
        ("put", f"/procedures/{PROCEDURE}", procedure),
        ("post", f"/procedures/{PROCEDURE}/publish", {}),
    ]
    with Client(app) as client:
        for method, path, body in steps:
            response = getattr(client.http, method)(path, headers=operator, body=json.dumps(body))
            if response.status_code not in (200, 201):
                raise SystemExit(f"{method.upper()} {path} answered {response.status_code}")


# -- a. intake ------------------------------------------------------------------------------
def case_body(n: int) -> dict[str, Any]:
    """A full submission; every one from its own submitter (phone and e-mail)."""
    return {
        "title": "Chậm trả kết quả đổi giấy phép lái xe",
        "content": "Tôi nộp hồ sơ đổi giấy phép lái xe từ tháng trước nhưng chưa nhận được "
        "kết quả, quá thời hạn giải quyết đã hẹn.",
        "procedure_code": PROCEDURE,
        "submitter": {
            "name": "Nguyễn Thị Hồng Nhung",
            "phone": f"0912{n:06d}",
            "email": f"nguoi.gui.{n}@example.vn",
            "national_id": "001190012345",
            "address": "Số 12 ngõ 34 phố Hàng Bông, Hoàn Kiếm, Hà Nội",
        },
    }


@contextlib.contextmanager
def own_addresses() -> Iterator[None]:
    """Each request from its own client address: the per-address limit (20 an hour) is
    for abuse, which this is not."""
    from services.feedback import app

    addresses = (f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}" for n in itertools.count(1))
    original = app._client_ip
    setattr(app, "_client_ip", lambda: next(addresses))  # noqa: B010
    try:
        yield
    finally:
        setattr(app, "_client_ip", original)  # noqa: B010


def submit(client: Client, headers: dict[str, str], n: int) -> str:
    response = client.http.post("/cases", headers=headers, body=json.dumps(case_body(n)))
    if response.status_code != 202:
        raise SystemExit(f"POST /cases answered {response.status_code}: {response.body[:300]!r}")
    return str(json.loads(response.body)["tracking_code"])


@dataclass(frozen=True, slots=True)
class BareIntake:
    item: dict[str, Any]
    message: str
    attributes: dict[str, Any]


def bare_intakes(count: int, like_case: str) -> list[BareIntake]:
    """Items shaped like a real received case (every attribute copied from ``like_case``,
    its sealed contact included), under keys no case uses, each with the message intake
    sends: the consumer finds no case behind it and does nothing."""
    from services.core.messages import CaseReceived, attributes, encode
    from services.feedback import domain, storage

    real = storage.table().get_item(Key=storage.case_key(like_case))["Item"]
    shape = {k: v for k, v in real.items() if k not in ("pk", "tracking_code", "gsi3sk")}
    bare = []
    for _ in range(count):
        code = domain.new_tracking_code()
        item = {
            **shape,
            "pk": f"BENCH#{code}",
            "tracking_code": code,
            "gsi3sk": f"{real['received_at']}#{code}",
        }
        message = CaseReceived(tracking_code=code)
        bare.append(BareIntake(item, encode(message), attributes(message)))
    return bare


def bare_intake(table: Any, queue_url: str, bare: BareIntake) -> None:
    from services.core import aws

    table.put_item(Item=bare.item)
    # The same request intake makes, its type attribute included.
    aws.sqs().send_message(
        QueueUrl=queue_url, MessageBody=bare.message, MessageAttributes=bare.attributes
    )


def measure_intake(
    client: Client,
    loops: dict[str, tuple[dict[str, str], list[int]]],
    bare: list[BareIntake],
    block: int,
    messages: list[str],
) -> tuple[dict[str, list[float]], list[float], list[str]]:
    """One POST /cases per number of each loop (its headers, its numbers) and one bare
    write and message per item, in blocks; each turn the order rotates, and the queue is
    drained into ``messages`` after it. Returns the samples by loop, the bare ones and the
    cases made."""
    from services.core import aws
    from services.core.settings import get_settings
    from services.feedback import storage

    table = storage.table()
    queue_url = aws.queue_url(get_settings().feedback_intake_queue)
    api: dict[str, list[float]] = {name: [] for name in loops}
    plain: list[float] = []
    codes: list[str] = []

    def api_block(name: str, start: int) -> None:
        headers, numbers = loops[name]
        for n in numbers[start : start + block]:
            api[name].append(timed(lambda n=n: codes.append(submit(client, headers, n))))  # type: ignore[misc]

    def bare_block(start: int) -> None:
        for one in bare[start : start + block]:
            plain.append(timed(lambda one=one: bare_intake(table, queue_url, one)))  # type: ignore[misc]

    turns: list[Callable[[int], None]] = [*(partial(api_block, name) for name in loops), bare_block]
    for turn, start in enumerate(range(0, len(bare), block)):
        shift = turn % len(turns)
        for loop in turns[shift:] + turns[:shift]:
            loop(start)
        messages += drain_intake_queue()
    return api, plain, codes


def count_round_trips(
    client: Client,
    loops: dict[str, tuple[dict[str, str], list[int]]],
    bare: list[BareIntake],
) -> dict[str, list[tuple[int, int]]]:
    """(round trips one after another, requests) of each loop's submissions and of each
    bare pair, under :data:`LATENCY` per request."""
    from services.core import aws
    from services.core.settings import get_settings
    from services.feedback import storage

    table = storage.table()
    queue_url = aws.queue_url(get_settings().feedback_intake_queue)
    trips = RoundTrips(LATENCY)
    found: dict[str, list[tuple[int, int]]] = {name: [] for name in [*loops, "bare"]}
    with trips.recording():
        for name, (headers, numbers) in loops.items():
            for n in numbers:
                found[name].append(trips.of(lambda n=n, h=headers: submit(client, h, n)))  # type: ignore[misc]
        for one in bare:
            found["bare"].append(trips.of(lambda one=one: bare_intake(table, queue_url, one)))  # type: ignore[misc]
    drain_intake_queue()
    return found


def drain_intake_queue() -> list[str]:
    """Receive and delete what the intake queue holds, untimed: in AWS the consumer keeps
    it near empty, while moto's SendMessage slows down with every message waiting."""
    from services.core import aws
    from services.core.settings import get_settings

    sqs, url = aws.sqs(), aws.queue_url(get_settings().feedback_intake_queue)
    bodies: list[str] = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        bodies += [m["Body"] for m in batch]
        entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)]
        sqs.delete_message_batch(QueueUrl=url, Entries=entries)  # type: ignore[arg-type]
    return bodies


def route_some(client: Client, messages: list[str], codes: set[str], routed: set[str]) -> float:
    """Check the intake queue gave one message per case of ``codes``, and deliver those of
    ``routed`` to the consumer in batches of its size; the seconds the consumer took."""
    from services.core.settings import get_settings

    name = get_settings().feedback_intake_queue
    found = [code for m in messages if (code := json.loads(m)["tracking_code"]) in codes]
    if sorted(found) != sorted(codes):
        raise SystemExit(f"the intake queue held {len(found)} messages for {len(codes)} cases")
    bodies = [m for m in messages if json.loads(m)["tracking_code"] in routed]

    def deliver() -> None:
        for start in range(0, len(bodies), CONSUMER_BATCH):
            event = client.events.generate_sqs_event(
                message_bodies=bodies[start : start + CONSUMER_BATCH], queue_name=name
            )
            result = client.lambda_.invoke("route-feedback-cases", event)
            if result.payload != {"batchItemFailures": []}:
                raise SystemExit(f"the intake consumer answered {result.payload!r}")

    return timed(deliver)


def routed_total(agency_id: str) -> int:
    """Cases counted at the agency this year (GMT+7), from its counters."""
    from services.core import clock, periods
    from services.feedback import storage

    year = periods.containing(clock.now())[2]
    return storage.stats(agency_id, year).get("total", 0)


ANONYMOUS = "anonymous"
SIGNED_IN = "signed in"


@dataclass
class Intake:
    api: dict[str, list[float]] = field(default_factory=dict)
    bare: list[float] = field(default_factory=list)
    trips: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    routed: int = 0
    route_seconds: float = 0.0


def bench_intake(signing_key: str, count: int, block: int, profiling: bool) -> Intake:
    from chalice.test import Client

    from services.core import aws
    from services.core.settings import get_settings
    from services.feedback import storage
    from services.feedback.app import app

    settings = get_settings()
    anonymous = {"Content-Type": "application/json"}
    citizen = headers_for(signing_key, "citizen", "citizen-bench")
    result = Intake()
    with moto_world(STAGE), own_addresses():
        seed_catalogue(headers_for(signing_key, "operator", "operator-bench"))
        with Client(app) as client:
            # First calls pay for lazy imports, clients, the KMS key and the queue's URL.
            warm = [submit(client, anonymous, n) for n in range(WARM_UP)]
            warm += [submit(client, citizen, n) for n in range(WARM_UP, 2 * WARM_UP)]
            bare = bare_intakes(count + ROUND_TRIP_SAMPLES, like_case=warm[0])
            for one in bare_intakes(WARM_UP, like_case=warm[0]):
                bare_intake(storage.table(), aws.queue_url(settings.feedback_intake_queue), one)
            messages = drain_intake_queue()
            first = 2 * WARM_UP
            loops = {
                ANONYMOUS: (anonymous, list(range(first, first + count))),
                SIGNED_IN: (citizen, list(range(first + count, first + 2 * count))),
            }
            result.api, result.bare, codes = measure_intake(
                client, loops, bare[:count], block, messages
            )
            say(f"submitted {count} cases anonymously, {count} signed in, {count} bare writes")
            sample = {*warm, *codes[: ROUTED - len(warm)]}
            result.route_seconds = route_some(client, messages, {*warm, *codes}, sample)
            result.routed = routed_total(LARGE_AGENCY)
            if result.routed != len(sample):
                raise SystemExit(f"{result.routed} cases routed, not {len(sample)}")
            say(f"routed {result.routed} of them through the intake consumer")
            first += 2 * count
            counted = {ANONYMOUS: (anonymous, list(range(first, first + ROUND_TRIP_SAMPLES)))}
            result.trips = count_round_trips(client, counted, bare[count:])
            say(f"counted the round trips of {ROUND_TRIP_SAMPLES} submissions and bare pairs")
            if profiling:
                first += ROUND_TRIP_SAMPLES
                fresh = range(first, first + min(count, PROFILED))

                def replay() -> None:
                    for n in fresh:
                        submit(client, anonymous, n)

                profile(f"{len(fresh)} POST /cases, anonymous", replay)
    return result


# -- b. the work list at two sizes -------------------------------------------------------------
TITLES = (
    "Chậm trả kết quả đổi giấy phép lái xe",
    "Kiến nghị về thủ tục cấp giấy phép xây dựng nhà ở",
    "Phản ánh thái độ tiếp dân tại bộ phận một cửa",
    "Đề nghị hướng dẫn hồ sơ đăng ký thường trú",
)


def open_case(rng: random.Random, agency_id: str, now: datetime) -> tuple[Case, dict[str, Any]]:
    """An open case as routing (and, for some, acceptance) leaves it: received in the past
    two weeks, its deadline somewhere in the next six."""
    from services.feedback import domain
    from services.feedback.domain import Case, Step

    received = now - timedelta(seconds=rng.randrange(14 * 86_400))
    due = now + timedelta(seconds=rng.randrange(3600, 42 * 86_400))
    routed = received + timedelta(seconds=rng.randrange(1, 60))
    accepted = rng.random() < 0.3
    steps = [
        Step(received, "submitter", "submit", "received"),
        Step(routed, "system", "route", "received", agency_id=agency_id),
    ]
    if accepted:
        steps.append(Step(routed, f"official:{agency_id}", "accept", "accepted", None, agency_id))
    title = rng.choice(TITLES)
    case = Case(
        tracking_code=domain.new_tracking_code(),
        title=title,
        content=f"{title}: hồ sơ đã nộp nhưng chưa được giải quyết đúng hạn đã hẹn.",
        channel="web",
        status="accepted" if accepted else "received",
        received_at=received,
        procedure_code=PROCEDURE,
        agency_id=agency_id,
        respond_by=received + timedelta(days=7) if accepted else due,
        answer_by=due if accepted else None,
        timeline=tuple(steps),
        version=len(steps) - 1,
    )
    extra = {
        "key_digest": domain.key_digest(domain.new_access_key()),
        "contact": b"\x01" * 240,  # a sealed contact's size; never opened here
        "submitter_digests": [f"{rng.getrandbits(256):064x}"],
        "routed": True,
        "requested_agency": None,
    }
    return case, extra


def seed_open_cases(counts: dict[str, int]) -> dict[str, list[tuple[str, str]]]:
    """Write each agency's open cases with the table's batch writer; per agency, the
    (deadline, tracking code) of every case, in work-list order."""
    from services.feedback import storage

    rng = random.Random(7)
    now = datetime.now(UTC)
    orders: dict[str, list[tuple[str, str]]] = {agency: [] for agency in counts}
    days: dict[tuple[str, str], int] = {}
    written = 0
    with storage.table().batch_writer() as batch:
        for agency_id, count in counts.items():
            for _ in range(count):
                case, extra = open_case(rng, agency_id, now)
                item = storage.case_item(case, extra)
                if not str(item.get("gsi1pk", "")).startswith(f"WORK#{agency_id}#"):
                    raise SystemExit(f"case_item left {case.tracking_code} out of the work list")
                batch.put_item(Item=item)
                orders[agency_id].append((str(item["gsi1sk"]), case.tracking_code))
                # The week counts a routed case's transaction keeps, kept here by hand.
                week = storage.work_week(case)
                for partition in (f"WEEKS#{agency_id}", f"WEEKS#{agency_id}#{case.status}"):
                    days[(partition, str(week))] = days.get((partition, str(week)), 0) + 1
                written += 1
                if written % SEED_PROGRESS == 0:
                    say(f"  wrote {written:,} of {sum(counts.values()):,} cases")
        for (partition, week), open_cases in days.items():
            batch.put_item(Item={"pk": partition, "sk": week, "open": open_cases})
    return {agency: sorted(order) for agency, order in orders.items()}


def first_page(client: Client, agency_id: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    path = f"/agencies/{agency_id}/cases?limit={PAGE}"
    response = client.http.get(path, headers=headers)
    if response.status_code != 200:
        raise SystemExit(f"GET {path} answered {response.status_code}: {response.body[:300]!r}")
    return list(json.loads(response.body)["items"])


def bare_query(table: Any, partition: str) -> None:
    """One query of the agency's soonest work-list week: the least a first page needs."""
    from boto3.dynamodb.conditions import Key

    table.query(IndexName="gsi1", KeyConditionExpression=Key("gsi1pk").eq(partition), Limit=PAGE)


def check_first_page(items: list[dict[str, Any]], order: list[tuple[str, str]]) -> None:
    """Soonest deadline first: ascending, and exactly the agency's first cases."""
    deadlines = [datetime.fromisoformat(item["deadline"]) for item in items]
    assert len(items) == PAGE, f"{len(items)} items on the first page, not {PAGE}"
    assert deadlines == sorted(deadlines), "the first page's deadlines are not ascending"
    codes = [item["tracking_code"] for item in items]
    assert codes == [code for _, code in order[:PAGE]], "not the soonest deadlines first"


@dataclass
class WorkLists:
    sizes: dict[str, int] = field(default_factory=dict)
    seed_seconds: float = 0.0
    api: dict[str, list[float]] = field(default_factory=dict)
    bare: dict[str, list[float]] = field(default_factory=dict)


def bench_work_lists(signing_key: str, large: int, lists: int, profile_always: bool) -> WorkLists:
    """Each turn lists once per agency through the API and once by a bare query, the four
    in a rotating order: on moto a single list of a large table takes seconds."""
    from chalice.test import Client

    from services.feedback import storage
    from services.feedback.app import app

    sizes = {SMALL_AGENCY: SMALL_CASES, LARGE_AGENCY: large}
    result = WorkLists(sizes, api={a: [] for a in sizes}, bare={a: [] for a in sizes})
    official = {a: headers_for(signing_key, "official", f"official-{a}", a) for a in sizes}
    with moto_world(STAGE), Client(app) as client:
        say(f"writing {sum(sizes.values()):,} open cases ({large:,} + {SMALL_CASES})")
        orders: dict[str, list[tuple[str, str]]] = {}
        result.seed_seconds = timed(lambda: orders.update(seed_open_cases(sizes)))
        say(f"wrote them in {result.seed_seconds:.1f} s")
        table = storage.table()
        # Also the warm-up: these first calls pay for lazy imports, the token's key and the
        # query path the bare loop shares.
        for agency in sizes:
            check_first_page(first_page(client, agency, official[agency]), orders[agency])
        say("first pages checked: soonest deadline first at both sizes")
        loops: list[Callable[[], None]] = []
        for agency in sizes:

            def api_list(agency: str = agency) -> None:
                elapsed = timed(lambda: first_page(client, agency, official[agency]))
                result.api[agency].append(elapsed)

            soonest = storage.table().get_item(Key=storage.case_key(orders[agency][0][1]))["Item"][
                "gsi1pk"
            ]

            def bare_list(agency: str = agency, partition: str = soonest) -> None:
                result.bare[agency].append(timed(lambda: bare_query(table, partition)))

            loops += [api_list, bare_list]
        started = perf_counter()
        for turn in range(lists):
            shift = turn % len(loops)
            for loop in loops[shift:] + loops[:shift]:
                loop()
            say(f"  turn {turn + 1} of {lists} ({perf_counter() - started:.0f} s)")
        ratio = p50(result.api[LARGE_AGENCY]) / p50(result.api[SMALL_AGENCY])
        if profile_always or ratio > LIST_RATIO_TARGET:
            replays = min(lists, PROFILED_LISTS)

            def replay() -> None:
                for _ in range(replays):
                    first_page(client, LARGE_AGENCY, official[LARGE_AGENCY])

            profile(f"{replays} work lists of {large:,} open cases", replay)
    return result


# -- main -------------------------------------------------------------------------------------
def intake_rows(intake: Intake) -> list[Row]:
    anonymous, signed_in, bare = intake.api[ANONYMOUS], intake.api[SIGNED_IN], intake.bare
    trips = sorted(intake.trips[ANONYMOUS])
    bare_trips = sorted(intake.trips["bare"])
    # The worst of each: a figure that holds for every request, not for half of them.
    (sequential, requests), (bare_sequential, bare_requests) = trips[-1], bare_trips[-1]
    trips_ratio = sequential / bare_sequential
    ratio, floor = p50(anonymous) / p50(bare), p50(signed_in) / p50(bare)
    bare_p50 = f"bare put_item + send_message p50 {ms(p50(bare))}"
    return [
        Row(
            "POST /cases, anonymous: round trips one after another, over bare's (AWS latency)",
            f"{trips_ratio:.2f} ({sequential} round trips, {requests} requests)",
            f"<= {INTAKE_RATIO_TARGET:.0f}",
            trips_ratio <= INTAKE_RATIO_TARGET,
            versus=f"bare put_item + send_message: {bare_sequential} round trips, "
            f"{bare_requests} requests",
        ),
        Row(
            "POST /cases p50, anonymous, over bare p50 (moto's CPU, one request at a time)",
            f"{ratio:.2f} ({ms(p50(anonymous))})",
            f"<= {INTAKE_RATIO_TARGET:.0f}",
            ratio <= INTAKE_RATIO_TARGET,
            versus=bare_p50,
        ),
        Row(
            "POST /cases p50 signed in (no rate limits) over bare p50: moto's floor",
            f"{floor:.2f} ({ms(p50(signed_in))})",
            versus=bare_p50,
        ),
        Row(
            "p95: anonymous / signed in / bare",
            f"{ms(p95(anonymous))} / {ms(p95(signed_in))} / {ms(p95(bare))}",
        ),
        Row(
            "one client, back to back: anonymous / signed in / bare",
            " / ".join(f"{len(d) / sum(d):.0f} per s" for d in (anonymous, signed_in, bare)),
        ),
        Row(
            f"intake consumer, {intake.routed} cases routed (moto-bound)",
            f"{intake.routed / intake.route_seconds:.1f} cases/s",
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--submissions", type=int, default=300, help="POST /cases timed each way")
    parser.add_argument("--cases", type=int, default=10_000, help="the large agency's cases")
    parser.add_argument(
        "--lists", type=int, default=3, help="work lists timed at each size (seconds each)"
    )
    parser.add_argument("--block", type=int, default=20, help="requests per turn")
    parser.add_argument("--profile", action="store_true", help="profile even when on target")
    args = parser.parse_args()
    signing_key = prepare_environment(STAGE)

    # With metrics disabled, Powertools still prints a metric set once it holds 100 values.
    with contextlib.redirect_stdout(io.StringIO()):
        intake = bench_intake(signing_key, args.submissions, args.block, args.profile)
        work = bench_work_lists(signing_key, args.cases, args.lists, args.profile)
    print_table(
        f"feedback intake ({args.submissions} submissions each way, blocks of {args.block})",
        intake_rows(intake),
    )
    small, large = work.api[SMALL_AGENCY], work.api[LARGE_AGENCY]
    bare_small, bare_large = work.bare[SMALL_AGENCY], work.bare[LARGE_AGENCY]
    ratio = p50(large) / p50(small)
    bare_ratio = p50(bare_large) / p50(bare_small)
    n_small, n_large = f"{SMALL_CASES:,}", f"{args.cases:,}"
    print_table(
        f"feedback work list (limit={PAGE}, {args.lists} lists at each size, "
        f"{n_small} + {n_large} open cases in one table)",
        [
            Row(
                f"seeding {SMALL_CASES + args.cases:,} cases (batch_writer)",
                f"{(SMALL_CASES + args.cases) / work.seed_seconds:.0f} cases/s",
            ),
            Row(f"work list p50 at {n_small}", ms(p50(small))),
            Row(f"work list p95 at {n_small}", ms(p95(small))),
            Row(f"work list p50 at {n_large}", ms(p50(large))),
            Row(f"work list p95 at {n_large}", ms(p95(large))),
            Row(
                f"work list p50 ratio {n_large} / {n_small}",
                f"{ratio:.2f}",
                f"<= {LIST_RATIO_TARGET}",
                ratio <= LIST_RATIO_TARGET,
            ),
            Row(f"bare gsi1 query p50 at {n_small} (moto)", ms(p50(bare_small))),
            Row(f"bare gsi1 query p50 at {n_large} (moto)", ms(p50(bare_large))),
            Row(f"bare gsi1 query p50 ratio {n_large} / {n_small}", f"{bare_ratio:.2f}"),
            Row(
                f"work list p50 over bare query p50, at {n_small} / {n_large}",
                f"{p50(small) / p50(bare_small):.2f} / {p50(large) / p50(bare_large):.2f}",
            ),
            Row("first page soonest deadline first", "ascending, checked at both sizes"),
        ],
    )


if __name__ == "__main__":
    main()
