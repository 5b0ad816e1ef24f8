"""Ratings benchmark: an agency's summary at 100 and at many counted ratings, and the
``count-ratings`` consumer against a bare ``TransactWriteItems`` of the same items, on the
same moto.

    .venv/bin/python bench/ratings.py [--ratings 20000] [--summaries 300] [--messages 100]
                                      [--block 20] [--profile]

Everything runs in process on moto through Chalice's test client, so the numbers that
matter are ratios between measurements taken side by side in this run:
- GET /summary?agency_id=...&period=<year> p50 for an agency with 20,000 counted ratings
  (or ``--ratings``; ``--ratings 100000`` is the national scale, about five minutes more)
  over one with 100 (target <= 1.2): a summary reads one aggregate, whatever the number of
  ratings. Both agencies sit in one table during the measurement. The small agency's 100
  ratings, and the first 20 of the large one's, go the real way (a dossier event through
  POST /dossiers, the citizen's POST /, the rating-events message through the consumer);
  the large agency's other ratings are written with the table's batch writer in the exact
  shape counting leaves them (``storage.dossier_item``, and ``storage.put_rating``'s item
  once ``storage.count_rating`` has marked it, checked against a rating the consumer
  counted), and their counts are added to the aggregates with ``storage.add_counts``, one
  update per aggregate holding their sums. Counting them all through the consumer would
  take hours: moto deep-copies the whole table for each operation of a transaction, and a
  count is a transaction of seven. Every aggregate is then compared with the sums
  expected, and the large summary must report every rating;
- ``count-ratings`` p50, one message per invocation, over a bare ``transact_write_items``
  of the same items on the same table (target <= 1.5): for each message, counting's own
  operations (``storage.counting``) on a copy of its rating and on aggregates of an agency
  and a procedure of the benchmark's own, with the same additions in the same periods. So
  the figure is what counting pays beyond its one transaction: reading the rating (the
  criteria are kept in the container, the agency's level too), the Lambda's batch
  handling, the case request of a dissatisfied rating. A bare conditional ``update_item``
  (``ADD``) per message is reported beside it, and the round trips one after another per
  rating counted, one per invocation and in a batch of ten (every request held back
  ``LATENCY`` first, as in bench/feedback.py), which set the figure in AWS. This runs in a
  moto world of its own, with a small table, for the same deep-copy reason. The aggregates
  must have gone up by exactly the messages counted, and the feedback intake queue must
  hold one case request per dissatisfied rating (drained between turns, untimed).

The two agencies' summaries alternate in blocks, and so do the consumer and the two bare
loops, each block taking its turn to go first, so drift on a shared machine hits all
alike. When the summary target is missed (or with ``--profile``) the large agency's
summaries are run again under cProfile, after the measurement, and the heaviest functions
are printed; ``--profile`` profiles the consumer too, on fresh ratings.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
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

    from services.ratings.domain import Scope

STAGE = "bench"
SUMMARY_RATIO_TARGET = 1.2
COUNTING_RATIO_TARGET = 1.5  # count-ratings over a bare transaction of the same items
LATENCY = 0.03  # seconds each request is held back while round trips are counted
BATCH_TRIPS = 10  # rating events whose round trips are counted, one by one and as a batch
LARGE_AGENCY = "bo-cong-an"
SMALL_AGENCY = "bo-xay-dung"
COUNTING_AGENCY = "van-phong-chinh-phu"  # the consumer's measurement, in a world of its own
AGENCIES = {
    LARGE_AGENCY: {"name": "Bộ Công an", "level": "central"},
    SMALL_AGENCY: {"name": "Bộ Xây dựng", "level": "central"},
    COUNTING_AGENCY: {"name": "Văn phòng Chính phủ", "level": "central"},
}
PROCEDURES = {LARGE_AGENCY: "1.002804", SMALL_AGENCY: "1.009994", COUNTING_AGENCY: "1.000123"}
SMALL_RATINGS = 100
SAMPLE = 20  # the large agency's ratings counted through the consumer; the rest are written
CONSUMER_BATCH = 10  # the rating-events queue's batch size in app.py
WARM_UP = 10  # summaries, messages and updates before measuring: imports, clients, keys
PROFILED = 100  # summaries and messages run under cProfile, at most
SEED_PROGRESS = 20_000  # ratings written between two progress lines
LEVELS = ("rat_hai_long", "hai_long", "khong_hai_long")  # the default criteria's levels
CRITERIA = ("overall", "timeliness", "returns", "conduct", "information")


def headers_for(signing_key: str, role: str, sub: str, agency: str | None = None) -> dict[str, str]:
    from services.core import tokens

    token = tokens.mint(signing_key, roles=[role], sub=sub, agency_id=agency)
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


# -- the catalogue: the agencies, whose level counting reads, and their procedures ------------
def procedure_draft(agency_id: str) -> dict[str, Any]:
    """A procedure the agency implements: a one-stop system posts events only for those."""
    return {
        "name": f"Thủ tục đánh giá của {AGENCIES[agency_id]['name']}",
        "field": "Đánh giá",
        "agency_ids": [agency_id],
        "agency_level": AGENCIES[agency_id]["level"],
        "service_level": "partial",
        "processing_days": 5,
        "fees": [],
        "documents": [],
        "legal_bases": [],
        "result": "Kết quả",
        "online_payment": False,
        "e_result": False,
    }


def seed_catalogue(operator: dict[str, str]) -> None:
    from chalice.test import Client

    from services.catalogue.app import app

    steps: list[tuple[str, str, dict[str, Any]]] = []
    for agency_id, agency in AGENCIES.items():
        code = PROCEDURES[agency_id]
        steps += [
            ("put", f"/agencies/{agency_id}", agency),
            ("put", f"/procedures/{code}", procedure_draft(agency_id)),
            ("post", f"/procedures/{code}/publish", {"force": True}),
        ]
    with Client(app) as client:
        for method, path, body in steps:
            response = getattr(client.http, method)(path, headers=operator, body=json.dumps(body))
            if response.status_code not in (200, 201):
                raise SystemExit(f"{method.upper()} {path} answered {response.status_code}")


# -- ratings, and what counting them adds ---------------------------------------------------
def answers_for(n: int) -> dict[str, str]:
    """A fixed mix: one rating in ten dissatisfied overall, half answering every criterion."""
    overall = LEVELS[2] if n % 10 == 0 else LEVELS[1] if n % 3 == 0 else LEVELS[0]
    found = {"overall": overall}
    if n % 2 == 0:
        found |= {c: LEVELS[(n // 7 + i) % 3] for i, c in enumerate(CRITERIA[1:])}
    return found


def dossier_code(agency_id: str, n: int) -> str:
    return f"{PROCEDURES[agency_id]}-{agency_id[:6]}-{n:07d}"


def citizen_id(agency_id: str, n: int) -> str:
    return f"{agency_id[:6]}-{n:07d}"


class Expected:
    """Every aggregate's counters as the consumer and the dossier events would leave them,
    kept by hand: (scope, period) -> counter -> value (an ``ADD`` of 0 leaves a 0 too)."""

    def __init__(self) -> None:
        self.counts: dict[tuple[Scope, str], dict[str, int]] = {}

    def add(self, scope: Scope, period: str, adds: dict[str, int]) -> None:
        counters = self.counts.setdefault((scope, period), {})
        for name, value in adds.items():
            counters[name] = counters.get(name, 0) + value

    def handled(self, agency_id: str, completed: datetime, on_time: bool) -> None:
        from services.core import periods
        from services.ratings import domain

        agency = domain.AgencyScope(agency_id)
        for period in periods.containing(completed):
            self.add(agency, period, {"completed": 1, "on_time": int(on_time)})

    def rated(self, agency_id: str, answers: dict[str, str], rated_at: datetime) -> None:
        from services.core import periods
        from services.ratings import domain

        adds = {"count": 1, "dissatisfied": int(answers["overall"] == LEVELS[2])}
        adds |= {f"c#{criterion}#{level}": 1 for criterion, level in answers.items()}
        for scope in domain.scopes(agency_id, PROCEDURES[agency_id], None):
            for period in periods.containing(rated_at):
                self.add(scope, period, adds)

    def check(self) -> int:
        """Compare every aggregate with the table; the number compared."""
        from services.ratings import storage

        for (scope, period), counters in self.counts.items():
            found = storage.counts(scope, period)
            if found != counters:
                raise SystemExit(f"{scope} in {period} holds {found}, not {counters}")
        return len(self.counts)


def dossier_event(agency_id: str, n: int, now: datetime) -> dict[str, Any]:
    """A dossier handled an hour ago, on time, as the agency's one-stop system sends it."""
    return {
        "dossier_code": dossier_code(agency_id, n),
        "procedure_code": PROCEDURES[agency_id],
        "agency_id": agency_id,
        "citizen_id": citizen_id(agency_id, n),
        "status": 9,
        "received_at": (now - timedelta(days=10)).isoformat(),
        "due_at": (now + timedelta(days=1)).isoformat(),
        "completed_at": (now - timedelta(hours=1)).isoformat(),
    }


def rate_dossiers(
    client: Client, signing_key: str, agency_id: str, numbers: range, expected: Expected
) -> None:
    """The real way in: each dossier's event through POST /dossiers, then its citizen's
    rating through POST /; the rating-events messages wait on their queue."""
    system = headers_for(signing_key, "system", f"mot-cua-{agency_id}", agency_id)
    now = datetime.now(UTC)
    for n in numbers:
        event = dossier_event(agency_id, n, now)
        response = client.http.post("/dossiers", headers=system, body=json.dumps(event))
        if response.status_code != 200 or not json.loads(response.body)["applied"]:
            raise SystemExit(f"POST /dossiers answered {response.status_code}: {response.body!r}")
        expected.handled(agency_id, datetime.fromisoformat(event["completed_at"]), True)
        answers = answers_for(n)
        citizen = headers_for(signing_key, "citizen", event["citizen_id"])
        body = {"dossier_code": event["dossier_code"], "answers": answers}
        response = client.http.post("/", headers=citizen, body=json.dumps(body))
        if response.status_code != 201:
            raise SystemExit(f"POST / answered {response.status_code}: {response.body[:300]!r}")
        rated_at = datetime.fromisoformat(json.loads(response.body)["rated_at"])
        expected.rated(agency_id, answers, rated_at)


def drain(queue: str) -> list[str]:
    """Receive and delete what a queue holds, untimed: moto's SendMessage slows down with
    every message waiting, which the consumer keeps near none in AWS."""
    from services.core import aws

    sqs, url = aws.sqs(), aws.queue_url(queue)
    bodies: list[str] = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        bodies += [m["Body"] for m in batch]
        entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)]
        sqs.delete_message_batch(QueueUrl=url, Entries=entries)  # type: ignore[arg-type]
    return bodies


def rating_events() -> list[str]:
    from services.core.settings import get_settings

    return drain(get_settings().rating_events_queue)


def case_requests() -> list[str]:
    from services.core.settings import get_settings

    return drain(get_settings().feedback_intake_queue)


def deliver(client: Client, bodies: list[str]) -> None:
    """One invocation of the rating-events consumer with these messages."""
    from services.core.settings import get_settings

    name = get_settings().rating_events_queue
    event = client.events.generate_sqs_event(message_bodies=bodies, queue_name=name)
    result = client.lambda_.invoke("count-ratings", event)
    if result.payload != {"batchItemFailures": []}:
        raise SystemExit(f"count-ratings answered {result.payload!r}")


def count_all(client: Client, bodies: list[str]) -> None:
    for start in range(0, len(bodies), CONSUMER_BATCH):
        deliver(client, bodies[start : start + CONSUMER_BATCH])


# -- a. the summary at two sizes --------------------------------------------------------------
def counted_rating_item(agency_id: str, n: int, rated_at: datetime) -> dict[str, Any]:
    """``storage.put_rating``'s item once ``storage.count_rating`` has marked it: its
    uncounted index keys removed, ``counted`` set."""
    from services.core import dynamo
    from services.ratings import storage

    code = dossier_code(agency_id, n)
    return {
        **storage.rating_key(code),
        "dossier_code": code,
        "agency_id": agency_id,
        "procedure_code": PROCEDURES[agency_id],
        "answers": answers_for(n),
        "rated_at": dynamo.iso(rated_at),
        "counted": True,
    }


def stored_rating(code: str) -> dict[str, Any] | None:
    """A rating's item as the table holds it, attributes and index keys alike."""
    from services.ratings import storage

    key = storage.rating_key(code)
    item = storage.table().get_item(Key=key, ConsistentRead=True).get("Item")
    return dict(item) if item else None


def check_shape(item: dict[str, Any], real: dict[str, Any]) -> None:
    """The written item has the attributes, and their types, of one the consumer counted."""
    shape = {k: type(v).__name__ for k, v in item.items()}
    real_shape = {k: type(v).__name__ for k, v in real.items()}
    if shape != real_shape:
        raise SystemExit(f"written ratings have the shape {shape}, counted ones {real_shape}")


def write_counted(agency_id: str, numbers: range, expected: Expected) -> None:
    """Handled dossiers and their counted ratings, with the batch writer; then what their
    dossier events and counting add, one ``storage.add_counts`` update per aggregate."""
    from services.ratings import domain, service, storage

    table = storage.table()
    real = stored_rating(dossier_code(agency_id, numbers.start - 1))
    if real is None or not real.get("counted"):
        raise SystemExit("no rating counted by the consumer to compare the written ones with")
    mine = Expected()  # what these ratings add, apart from those counted already
    now = datetime.now(UTC)
    completed, rated_at = now - timedelta(hours=2), now - timedelta(hours=1)
    with table.batch_writer() as batch:
        for written, n in enumerate(numbers, start=1):
            dossier = domain.Dossier(
                dossier_code=dossier_code(agency_id, n),
                procedure_code=PROCEDURES[agency_id],
                agency_id=agency_id,
                citizen=service.citizen_key(citizen_id(agency_id, n)),
                status=9,
                received_at=now - timedelta(days=10),
                due_at=now + timedelta(days=1),
                completed_at=completed,
            )
            batch.put_item(Item=storage.dossier_item(dossier))
            item = counted_rating_item(agency_id, n, rated_at)
            if written == 1:
                check_shape(item, real)
            batch.put_item(Item=item)
            for book in (mine, expected):
                book.handled(agency_id, completed, True)
                book.rated(agency_id, item["answers"], rated_at)
            if written % SEED_PROGRESS == 0:
                say(f"  wrote {written:,} of {len(numbers):,} ratings and their dossiers")
    level = AGENCIES[agency_id]["level"]
    for (scope, period), adds in mine.counts.items():
        update = storage.add_counts(scope, period, adds, level)["Update"]
        table.update_item(**{k: v for k, v in update.items() if k != "TableName"})


def table_items() -> int:
    """Every item the ratings table holds, page by page."""
    from services.ratings import storage

    kwargs: dict[str, Any] = {"Select": "COUNT"}
    total = 0
    while True:
        page = storage.table().scan(**kwargs)
        total += int(page["Count"])
        if "LastEvaluatedKey" not in page:
            return total
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def summary_of(client: Client, agency_id: str, period: str) -> dict[str, Any]:
    path = f"/summary?agency_id={agency_id}&period={period}"
    response = client.http.get(path)
    if response.status_code != 200:
        raise SystemExit(f"GET {path} answered {response.status_code}: {response.body[:300]!r}")
    return dict(json.loads(response.body))


@dataclass
class Summaries:
    sizes: dict[str, int] = field(default_factory=dict)
    sample: int = 0
    seed_seconds: float = 0.0
    aggregates: int = 0
    table_items: int = 0
    period: str = ""
    api: dict[str, list[float]] = field(default_factory=dict)


def bench_summaries(
    signing_key: str, large: int, summaries: int, block: int, profile_always: bool
) -> Summaries:
    from chalice.test import Client

    from services.core import periods
    from services.ratings.app import app

    sample = min(SAMPLE, large)
    sizes = {SMALL_AGENCY: SMALL_RATINGS, LARGE_AGENCY: large}
    result = Summaries(sizes, sample, api={a: [] for a in sizes})
    expected = Expected()
    with moto_world(STAGE), Client(app) as client:
        seed_catalogue(headers_for(signing_key, "operator", "operator-bench"))
        # First the real way, while the table is small: each count deep-copies it on moto.
        for agency_id, count in ((SMALL_AGENCY, SMALL_RATINGS), (LARGE_AGENCY, sample)):
            rate_dossiers(client, signing_key, agency_id, range(count), expected)
            count_all(client, rating_events())
        requests = case_requests()
        dissatisfied = sum(answers_for(n)["overall"] == LEVELS[2] for n in range(SMALL_RATINGS))
        dissatisfied += sum(answers_for(n)["overall"] == LEVELS[2] for n in range(sample))
        if len(requests) != dissatisfied:
            raise SystemExit(f"{len(requests)} case requests for {dissatisfied} dissatisfied")
        say(f"counted {SMALL_RATINGS} + {sample} ratings through count-ratings")
        rest = range(sample, large)
        say(f"writing {len(rest):,} counted ratings and their dossiers (batch_writer)")
        result.seed_seconds = timed(lambda: write_counted(LARGE_AGENCY, rest, expected))
        say(f"wrote them in {result.seed_seconds:.1f} s")
        result.aggregates = expected.check()
        result.table_items = table_items()
        # The year the ratings were counted in (Vietnam time): every rating counts there.
        result.period = periods.containing(datetime.now(UTC))[2]
        for agency_id, count in sizes.items():
            found = summary_of(client, agency_id, result.period)
            if found["count"] != count or found["completed"] != count:
                raise SystemExit(f"the summary of {agency_id} reports {found}, not {count}")
        say(f"summaries report {SMALL_RATINGS} and {large:,}; {result.aggregates} aggregates exact")
        for agency_id in sizes:
            for _ in range(WARM_UP):
                summary_of(client, agency_id, result.period)

        def summary_block(agency_id: str) -> None:
            for _ in range(block):
                result.api[agency_id].append(
                    timed(lambda: summary_of(client, agency_id, result.period))
                )

        for turn in range(-(-summaries // block)):
            order = [SMALL_AGENCY, LARGE_AGENCY] if turn % 2 == 0 else [LARGE_AGENCY, SMALL_AGENCY]
            for agency_id in order:
                summary_block(agency_id)
        say(f"timed {len(result.api[LARGE_AGENCY])} summaries at each size")
        ratio = p50(result.api[LARGE_AGENCY]) / p50(result.api[SMALL_AGENCY])
        if profile_always or ratio > SUMMARY_RATIO_TARGET:

            def replay() -> None:
                for _ in range(PROFILED):
                    summary_of(client, LARGE_AGENCY, result.period)

            profile(f"{PROFILED} summaries of {large:,} ratings", replay)
    return result


# -- b. counting ---------------------------------------------------------------------------
BARE_COUNTER = {"pk": "BENCH#COUNTER", "sk": "COUNTS"}
BARE_AGENCY = "bench-ban-dau"  # the bare transactions' own aggregates, beside the real ones
BARE_PROCEDURE = "9.999999"


def bare_count(table: Any) -> None:
    table.update_item(
        Key=BARE_COUNTER,
        UpdateExpression="ADD #count :one",
        ConditionExpression="attribute_exists(pk)",
        ExpressionAttributeNames={"#count": "count"},
        ExpressionAttributeValues={":one": 1},
    )


def bare_transactions(bodies: list[str]) -> list[list[dict[str, Any]]]:
    """For each rating event, the transaction counting it makes, item for item, on items of
    the same shape in the same table: the rating's conditional mark on a copy of the rating
    (written here, untimed), and the same additions to the aggregates of an agency and a
    procedure of the benchmark's own, in the same periods."""
    from services.core import periods
    from services.ratings import domain, storage

    table = storage.table()
    level = AGENCIES[COUNTING_AGENCY]["level"]
    transactions = []
    for body in bodies:
        code = json.loads(body)["dossier_code"]
        rating = stored_rating(code)
        if rating is None:
            raise SystemExit(f"no rating for {code}")
        copy = f"BENCH-{code}"
        table.put_item(Item={**rating, **storage.rating_key(copy), "dossier_code": copy})
        answers = {str(k): str(v) for k, v in rating["answers"].items()}
        adds = domain.rating_counts(answers, answers["overall"] == LEVELS[2])
        rated_at = datetime.fromisoformat(str(rating["rated_at"]))
        additions = [
            storage.add_counts(scope, period, adds, level)
            for scope in domain.scopes(BARE_AGENCY, BARE_PROCEDURE, rating.get("official_id"))
            for period in periods.containing(rated_at)
        ]
        transactions.append(storage.counting(copy, additions))
    return transactions


def bare_transact(operations: list[dict[str, Any]]) -> None:
    from services.core import aws

    aws.dynamodb_client().transact_write_items(TransactItems=operations)


def count_round_trips(client: Client, signing_key: str, numbers: range) -> dict[str, float]:
    """Round trips one after another per rating counted, under ``LATENCY`` per request: the
    ratings of ``numbers`` one per invocation, then as many again in one batch (one bare
    transaction is one)."""
    rate_dossiers(client, signing_key, COUNTING_AGENCY, numbers, Expected())
    single = rating_events()
    offset = len(numbers)
    batched = range(numbers.start + offset, numbers.stop + offset)
    rate_dossiers(client, signing_key, COUNTING_AGENCY, batched, Expected())
    batch = rating_events()
    trips = RoundTrips(LATENCY)
    with trips.recording():
        one_by_one = sum(trips.of(lambda body=body: deliver(client, [body]))[0] for body in single)  # type: ignore[misc]
        together = trips.of(lambda: deliver(client, batch))[0]
    case_requests()
    return {"single": one_by_one / len(single), "batch": together / len(batch)}


@dataclass
class Counting:
    api: list[float] = field(default_factory=list)
    transactions: list[float] = field(default_factory=list)
    updates: list[float] = field(default_factory=list)
    trips: dict[str, float] = field(default_factory=dict)
    items: int = 0
    aggregates: int = 0
    case_requests: int = 0
    count_before: int = 0
    count_after: int = 0


def measure_counting(
    client: Client, bodies: list[str], block: int
) -> tuple[list[float], list[float], list[float], int]:
    """One consumer invocation per message, one bare transaction of the same items and one
    bare update per message, in blocks; each turn the order rotates, and the feedback intake
    queue is drained after it. Returns the samples and the case requests drained."""
    from services.ratings import storage

    table = storage.table()
    transactions = bare_transactions(bodies)
    api: list[float] = []
    bare: list[float] = []
    updates: list[float] = []
    requests = 0

    def api_block(start: int) -> None:
        for body in bodies[start : start + block]:
            api.append(timed(lambda body=body: deliver(client, [body])))  # type: ignore[misc]

    def transaction_block(start: int) -> None:
        for operations in transactions[start : start + block]:
            bare.append(timed(lambda ops=operations: bare_transact(ops)))  # type: ignore[misc]

    def update_block(start: int) -> None:
        for _ in bodies[start : start + block]:
            updates.append(timed(lambda: bare_count(table)))

    loops = [api_block, transaction_block, update_block]
    for turn, start in enumerate(range(0, len(bodies), block)):
        shift = turn % len(loops)
        for loop in loops[shift:] + loops[:shift]:
            loop(start)
        requests += len(case_requests())
    return api, bare, updates, requests


def bench_counting(signing_key: str, messages: int, block: int, profiling: bool) -> Counting:
    from chalice.test import Client

    from services.core import periods
    from services.ratings import domain, storage
    from services.ratings.app import app

    result = Counting()
    with moto_world(STAGE), Client(app) as client:
        seed_catalogue(headers_for(signing_key, "operator", "operator-bench"))
        book = Expected()
        rate_dossiers(client, signing_key, COUNTING_AGENCY, range(WARM_UP), book)
        warm = rating_events()
        table = storage.table()
        table.put_item(Item={**BARE_COUNTER, "count": 0})
        # First calls pay for lazy imports, the criteria, the agency's level and clients.
        measure_counting(client, warm, WARM_UP)
        book.check()
        measured = range(WARM_UP, WARM_UP + messages)
        rate_dossiers(client, signing_key, COUNTING_AGENCY, measured, book)
        bodies = rating_events()
        if len(bodies) != messages:
            raise SystemExit(f"{len(bodies)} rating events for {messages} ratings")
        result.items = len(bare_transactions(bodies[:1])[0])
        say(f"rated {messages} more dossiers; their rating events wait")
        year = periods.containing(datetime.now(UTC))[2]
        agency = domain.AgencyScope(COUNTING_AGENCY)
        before = storage.counts(agency, year).get("count", 0)
        result.api, result.transactions, result.updates, result.case_requests = measure_counting(
            client, bodies, block
        )
        say(
            f"counted {messages} messages, one per invocation, beside {messages} bare "
            f"transactions and {messages} bare updates"
        )
        # Every aggregate as expected, the agency's year up by exactly the messages counted,
        # each rating marked counted, one case request per dissatisfied rating.
        result.aggregates = book.check()
        after = storage.counts(agency, year).get("count", 0)
        if after - before != messages:
            raise SystemExit(f"the agency's count went from {before} to {after}, not +{messages}")
        result.count_before, result.count_after = before, after
        dissatisfied = sum(answers_for(n)["overall"] == LEVELS[2] for n in measured)
        if result.case_requests != dissatisfied:
            raise SystemExit(f"{result.case_requests} case requests for {dissatisfied}")
        for n in range(WARM_UP + messages):
            rating = stored_rating(dossier_code(COUNTING_AGENCY, n))
            if not rating or not rating.get("counted") or "gsi1pk" in rating:
                raise SystemExit(f"rating {n} is not marked counted: {rating}")
        bare_total = table.get_item(Key=BARE_COUNTER)["Item"]["count"]
        if bare_total != WARM_UP + messages:
            raise SystemExit(f"the bare counter holds {bare_total}, not {WARM_UP + messages}")
        bare_year = storage.counts(domain.AgencyScope(BARE_AGENCY), year).get("count", 0)
        if bare_year != WARM_UP + messages:
            raise SystemExit(f"the bare transactions counted {bare_year}, not {WARM_UP + messages}")
        say("aggregates exact: each went up by the messages counted")
        first = WARM_UP + messages
        result.trips = count_round_trips(client, signing_key, range(first, first + BATCH_TRIPS))
        say(f"counted the round trips of {2 * BATCH_TRIPS} more rating events")
        first += 2 * BATCH_TRIPS
        if profiling:
            fresh = range(first, first + min(messages, PROFILED))
            rate_dossiers(client, signing_key, COUNTING_AGENCY, fresh, Expected())
            more = rating_events()

            def replay() -> None:
                for body in more:
                    deliver(client, [body])

            profile(f"{len(more)} rating events, one per invocation", replay)
            case_requests()
    return result


# -- main -------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ratings", type=int, default=20_000, help="the large agency's ratings")
    parser.add_argument("--summaries", type=int, default=300, help="summaries timed at each size")
    parser.add_argument("--messages", type=int, default=100, help="rating events counted")
    parser.add_argument("--block", type=int, default=20, help="requests per turn")
    parser.add_argument("--profile", action="store_true", help="profile even when on target")
    args = parser.parse_args()
    if args.ratings < 1:
        parser.error("--ratings must be at least 1")
    signing_key = prepare_environment(STAGE)

    # With metrics disabled, Powertools still prints a metric set once it holds 100 values.
    with contextlib.redirect_stdout(io.StringIO()):
        found = bench_summaries(signing_key, args.ratings, args.summaries, args.block, args.profile)
        counting = bench_counting(signing_key, args.messages, args.block, args.profile)

    small, large = found.api[SMALL_AGENCY], found.api[LARGE_AGENCY]
    ratio = p50(large) / p50(small)
    n_small, n_large = f"{SMALL_RATINGS:,}", f"{args.ratings:,}"
    written = args.ratings - found.sample
    print_table(
        f"ratings summary (period={found.period}, {len(small)} summaries at each size, "
        f"{n_small} + {n_large} counted ratings in one table)",
        [
            Row(
                "counted through count-ratings (batches of 10)",
                f"{SMALL_RATINGS} + {found.sample} ratings",
            ),
            Row(
                f"written counted, batch_writer + add_counts sums ({found.table_items:,} items)",
                f"{written:,} ratings + dossiers, {written / found.seed_seconds:.0f} ratings/s"
                if written
                else "none",
            ),
            Row("aggregates compared with expected sums", f"{found.aggregates}, all exact"),
            Row(f"summary count at {n_large}", f"{args.ratings:,} (checked)"),
            Row(f"summary p50 at {n_small}", ms(p50(small))),
            Row(f"summary p95 at {n_small}", ms(p95(small))),
            Row(f"summary p50 at {n_large}", ms(p50(large))),
            Row(f"summary p95 at {n_large}", ms(p95(large))),
            Row(
                f"summary p50 ratio {n_large} / {n_small}",
                f"{ratio:.2f}",
                f"<= {SUMMARY_RATIO_TARGET}",
                ratio <= SUMMARY_RATIO_TARGET,
            ),
        ],
    )
    print_table(
        f"ratings counting ({args.messages} rating events, one per invocation, "
        f"blocks of {args.block})",
        counting_rows(counting, found.period, args.messages),
    )


def counting_rows(counting: Counting, period: str, messages: int) -> list[Row]:
    api, transactions, updates = counting.api, counting.transactions, counting.updates
    ratio = p50(api) / p50(transactions)
    bare = f"bare transact_write_items, same {counting.items} items, p50 {ms(p50(transactions))}"
    return [
        Row(
            f"count-ratings p50 over a bare transaction of its {counting.items} items",
            f"{ratio:.2f} ({ms(p50(api))})",
            f"<= {COUNTING_RATIO_TARGET}",
            ratio <= COUNTING_RATIO_TARGET,
            versus=bare,
        ),
        Row(
            "count-ratings p95 over the bare transaction's p95",
            f"{p95(api) / p95(transactions):.2f} ({ms(p95(api))})",
            versus=f"bare transaction p95 {ms(p95(transactions))}",
        ),
        Row(
            "round trips one after another per rating: one per invocation / batches of 10",
            f"{counting.trips['single']:.1f} / {counting.trips['batch']:.1f}",
            versus="bare transaction: 1; a dissatisfied rating adds its case request",
        ),
        Row(
            "count-ratings p50 over one bare conditional update_item (ADD)",
            f"{p50(api) / p50(updates):.2f}",
            versus=f"update_item p50 {ms(p50(updates))}",
        ),
        Row(
            "one consumer, back to back: count-ratings / bare transaction / bare update",
            " / ".join(f"{len(d) / sum(d):.0f} per s" for d in (api, transactions, updates)),
        ),
        Row(
            f"agency's {period} count before / after",
            f"{counting.count_before} / {counting.count_after} (+{messages}, checked)",
        ),
        Row("aggregates compared with expected sums", f"{counting.aggregates}, all exact"),
        Row("case requests for dissatisfied ratings", f"{counting.case_requests} (checked)"),
    ]


if __name__ == "__main__":
    main()
