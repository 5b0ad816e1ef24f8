"""Dossiers benchmark: a batch sync of 100 dossiers against 100 bare PutItems, and an
agency's overdue list at 1,000 and at 20,000 dossiers (``--large 100000`` for the national
scale: writing them takes moto about ten minutes, more than ``make bench`` can spend), on
the same moto.

    .venv/bin/python bench/dossiers.py [--batches 20] [--large 20000] [--small 1000]
                                       [--lists 30] [--profile]

Everything runs in process on moto through Chalice's test client, so the numbers that
matter are ratios between measurements taken side by side in this run:

- ``POST /batch`` of 100 new dossiers, then of 100 later copies of the same dossiers (the
  updates one-stop systems mostly send), p50 of each, over the p50 of 100 bare ``put_item``
  calls of items of the same size into the same table (target <= 1.5 for both). The batch
  includes everything the route does: the token, 100 validations, the catalogue, one
  BatchGetItem, one data key from KMS and the applicants sealed under it, the week counts,
  the 100 conditional puts. Every answer must be 201 (new) or 200 with ``applied`` (later).
- ``GET /agencies/{agency}/dossiers?overdue=true&limit=20`` p50 for an agency holding
  20,000 (or ``--large``) dossiers (a fifth overdue over twenty weeks, two fifths handled
  over a year) over one holding 1,000 (target <= 1.5). Both agencies sit in one table
  during the measurement; their dossiers are written with the table's batch writer in the
  exact shape sync leaves them (``storage.dossier_item`` of ``domain.open_dossier``'s
  dossier), and their week counts as sync keeps them, checked against dossiers the route
  synced. moto answers every query by
  sorting the whole table, which DynamoDB does not, so a bare ``gsi3`` query of one week at
  each size is reported beside it: what is left of the ratio past that is the design's.

Each pair of loops alternates in blocks, each block taking its turn to go first, so drift
on a shared machine hits both alike. A missed target (or ``--profile``) reruns the slower
side under cProfile and prints the heaviest functions.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import io
import itertools
import json
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

# Run as a script, Python puts bench/ on the path, not the project root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    Row,
    empty_queues,
    moto_world,
    ms,
    p50,
    prepare_environment,
    print_table,
    profile,
    say,
    timed,
)

if TYPE_CHECKING:
    from chalice.test import Client

STAGE = "bench"
CONSUMED = ("report-events", "dossier-events")  # what each write sends, drained between turns
BATCH_RATIO_TARGET = 1.5
LIST_RATIO_TARGET = 1.5
BATCH_SIZE = 100
BATCH_AGENCY = "000.00.10.H26"
LARGE_AGENCY = "000.00.11.H26"
SMALL_AGENCY = "000.00.12.H26"
PROCEDURE = "1.009001"
WARM_UP = 3
WEEKS_SPREAD = 52  # the listed agencies' handled dossiers are due over a year of weeks
OVERDUE_SHARE = 5  # one dossier in five is overdue
SEED_PROGRESS = 20_000
_codes = itertools.count(1)


def headers_for(signing_key: str, role: str, sub: str, agency: str | None = None) -> dict[str, str]:
    from services.core import tokens

    token = tokens.mint(signing_key, roles=[role], sub=sub, agency_id=agency)
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


def seed_catalogue(operator: dict[str, str]) -> None:
    from chalice.test import Client

    from services.catalogue.app import app

    agencies = [BATCH_AGENCY, LARGE_AGENCY, SMALL_AGENCY]
    with Client(app) as client:
        for agency_id in agencies:
            body = {"name": f"Cơ quan {agency_id}", "level": "province"}
            response = client.http.put(
                f"/agencies/{agency_id}", headers=operator, body=json.dumps(body)
            )
            if response.status_code not in (200, 201):
                raise SystemExit(f"PUT /agencies/{agency_id} answered {response.status_code}")
        draft = {
            "name": "Cấp giấy phép thử nghiệm",
            "field": "Thử nghiệm",
            "agency_ids": agencies,
            "agency_level": "province",
            "service_level": "full",
            "processing_days": 5,
            "fees": [],
            "documents": [],
            "legal_bases": [],
            "result": "Giấy phép",
            "online_payment": False,
            "e_result": True,
        }
        path = f"/procedures/{PROCEDURE}"
        for response in (
            client.http.put(path, headers=operator, body=json.dumps(draft)),
            client.http.post(f"{path}/publish", headers=operator, body='{"force": true}'),
        ):
            if response.status_code != 200:
                raise SystemExit(f"{path} answered {response.status_code}: {response.body!r}")


def copy_of(agency_id: str, code: str, n: int, status: int, status_at: datetime) -> dict[str, Any]:
    received = status_at - timedelta(hours=1)
    return {
        "dossier_code": code,
        "procedure_code": PROCEDURE,
        "agency_id": agency_id,
        "channel": "online",
        "applicant": {
            "citizen_id": f"0010{n:08d}",
            "name": "Nguyễn Thị Thử Nghiệm",
            "phone": "0912345678",
            "email": f"thu.nghiem.{n}@example.vn",
        },
        "received_at": received.isoformat(),
        "status": status,
        "status_at": status_at.isoformat(),
        "official_id": "can-bo-mot-cua-01",
    }


# -- a. a batch of 100 against 100 bare puts ---------------------------------------------------
@dataclass
class Batches:
    new: list[float] = field(default_factory=list)
    later: list[float] = field(default_factory=list)
    bare: list[float] = field(default_factory=list)
    item_bytes: int = 0


def _post_batch(
    client: Client, system: dict[str, str], items: list[dict[str, Any]], want: int
) -> None:
    response = client.http.post("/batch", headers=system, body=json.dumps({"items": items}))
    if response.status_code != 200:
        raise SystemExit(f"POST /batch answered {response.status_code}: {response.body[:300]!r}")
    answers = json.loads(response.body)["items"]
    wrong = [a for a in answers if a["status"] != want or not a.get("applied")]
    if wrong:
        raise SystemExit(f"POST /batch answered {wrong[:3]}")


def _stored_item(code: str) -> dict[str, Any]:
    from services.core.dossier_view import dossier_key
    from services.dossiers import storage

    item = storage.table().get_item(Key=dossier_key(code)).get("Item")
    if not item:
        raise SystemExit(f"{code} was not written")
    return dict(item)


def bench_batches(signing_key: str, batches: int, profile_always: bool) -> Batches:
    from chalice.test import Client

    from services.dossiers import storage
    from services.dossiers.app import app

    result = Batches()
    system = headers_for(signing_key, "system", "mot-cua-bench", BATCH_AGENCY)
    with moto_world(STAGE), Client(app) as client:
        seed_catalogue(headers_for(signing_key, "operator", "operator-bench"))
        start = datetime.now(UTC) - timedelta(days=1)
        table = storage.table()

        def new_batch() -> list[dict[str, Any]]:
            return [
                copy_of(
                    BATCH_AGENCY, f"{BATCH_AGENCY}-BENCH-{(n := next(_codes)):07d}", n, 2, start
                )
                for _ in range(BATCH_SIZE)
            ]

        def later_copies(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
            moved = start + timedelta(hours=2)
            return [{**item, "status": 4, "status_at": moved.isoformat()} for item in items]

        sample = new_batch()
        _post_batch(client, system, sample, 201)
        shaped = _stored_item(sample[0]["dossier_code"])
        result.item_bytes = sum(
            len(k) + len(bytes(v.value) if hasattr(v, "value") else str(v).encode())
            for k, v in shaped.items()
        )

        def bare_puts() -> None:
            for _ in range(BATCH_SIZE):
                n = next(_codes)
                table.put_item(
                    Item={**shaped, "pk": f"DOSSIER#BARE-{n:08d}", "dossier_code": f"BARE-{n}"}
                )

        for _ in range(WARM_UP):
            warm = new_batch()
            _post_batch(client, system, warm, 201)
            _post_batch(client, system, later_copies(warm), 200)
            bare_puts()
        empty_queues(STAGE, *CONSUMED)
        for turn in range(batches):
            items = new_batch()
            later = later_copies(items)
            runs: list[tuple[str, Callable[[], None]]] = [
                ("new", functools.partial(_post_batch, client, system, items, 201)),
                ("later", functools.partial(_post_batch, client, system, later, 200)),
                ("bare", bare_puts),
            ]
            if turn % 2:
                runs = [runs[2], runs[0], runs[1]]  # the bare puts first every other turn
            for name, run in runs:
                getattr(result, name).append(timed(run))
            empty_queues(STAGE, *CONSUMED)
        say(f"timed {batches} batches of {BATCH_SIZE} new, {BATCH_SIZE} later, {BATCH_SIZE} bare")
        worst = max(p50(result.new), p50(result.later)) / p50(result.bare)
        if profile_always or worst > BATCH_RATIO_TARGET:

            def replay() -> None:
                for _ in range(5):
                    items = new_batch()
                    _post_batch(client, system, items, 201)
                    _post_batch(client, system, later_copies(items), 200)

            profile("5 batches of 100 new and 100 later copies", replay)
    return result


# -- b. the overdue list at two sizes ----------------------------------------------------------
@dataclass
class Lists:
    sizes: dict[str, int] = field(default_factory=dict)
    overdue: dict[str, int] = field(default_factory=dict)
    api: dict[str, list[float]] = field(default_factory=dict)
    bare: dict[str, list[float]] = field(default_factory=dict)
    table_items: int = 0
    seed_seconds: float = 0.0


def _dossier(agency_id: str, n: int, now: datetime) -> Any:
    """A dossier as sync opens it, five working days to handle: one in five overdue (received
    two to twenty-one weeks ago, still in handling), two in five handled on time over the
    past year, two in five received this week and not yet due."""
    from services.core import dossier_view
    from services.dossiers import domain, service

    kind = n % OVERDUE_SHARE
    if kind == 0:
        received, status, status_at = now - timedelta(weeks=2 + n % 20, hours=n % 97), 4, None
    elif kind in (1, 2):
        received = now - timedelta(weeks=n % WEEKS_SPREAD, hours=n % 97)
        status, status_at = 9, received + timedelta(days=2)
    else:
        received, status, status_at = now - timedelta(days=n % 4, hours=n % 7), 4, None
    copy = domain.Copy(
        dossier_code=f"{agency_id}-LIST-{n:07d}",
        procedure_code=PROCEDURE,
        procedure_name="Cấp giấy phép thử nghiệm",
        agency_id=agency_id,
        channel="online",
        applicant_key=dossier_view.applicant_key(f"0011{n:08d}"),
        received_at=received,
        due_at=None,
        status=status,
        status_at=status_at or received,
        actor="system:mot-cua-bench",
    )
    return domain.open_dossier(copy, 5, service.calendar(), now)


def write_dossiers(agency_id: str, count: int, now: datetime) -> int:
    """``count`` dossiers with the batch writer, and the agency's week counts as sync keeps
    them; the number overdue."""
    from dataclasses import replace

    from services.dossiers import storage
    from services.dossiers.domain import SealedContact

    sealed = SealedContact(blob=b"\x00" * 180, data_key=b"\x01" * 184, digest="0" * 64)
    counts: Counter[tuple[str, str]] = Counter()
    overdue = 0
    with storage.table().batch_writer() as batch:
        for n in range(count):
            dossier = replace(_dossier(agency_id, n, now), version=1)
            overdue += dossier.overdue
            counts.update(storage.cells_of(dossier))
            batch.put_item(Item=storage.dossier_item(dossier, sealed))
            if (n + 1) % SEED_PROGRESS == 0:
                say(f"  wrote {n + 1:,} of {count:,} dossiers of {agency_id}")
        for (cell, week), n in counts.items():
            batch.put_item(Item={**storage.weeks_key(agency_id, cell, week), "n": n})
    return overdue


def table_items() -> int:
    """Every item the dossiers table holds, page by page."""
    from services.dossiers import storage

    kwargs: dict[str, Any] = {"Select": "COUNT"}
    total = 0
    while True:
        page = storage.table().scan(**kwargs)
        total += int(page["Count"])
        if "LastEvaluatedKey" not in page:
            return total
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def listed(client: Client, headers: dict[str, str], agency_id: str) -> list[dict[str, Any]]:
    path = f"/agencies/{agency_id}/dossiers?overdue=true&limit=20"
    response = client.http.get(path, headers=headers)
    if response.status_code != 200:
        raise SystemExit(f"GET {path} answered {response.status_code}: {response.body[:300]!r}")
    return list(json.loads(response.body)["items"])


def bare_week_query(agency_id: str, week: str) -> None:
    from boto3.dynamodb.conditions import Key

    from services.dossiers import storage

    storage.table().query(
        IndexName="gsi3",
        KeyConditionExpression=Key("gsi3pk").eq(f"L0#{agency_id}#{week}"),
        Limit=20,
    )


def bench_lists(
    signing_key: str, large: int, small: int, lists: int, profile_always: bool
) -> Lists:
    from chalice.test import Client

    from services.dossiers import storage
    from services.dossiers.app import app

    sizes = {SMALL_AGENCY: small, LARGE_AGENCY: large}
    result = Lists(sizes=sizes, api={a: [] for a in sizes}, bare={a: [] for a in sizes})
    now = datetime.now(UTC)
    with moto_world(STAGE), Client(app) as client:
        seed_catalogue(headers_for(signing_key, "operator", "operator-bench"))
        # The route's own shape first: a dossier synced by the route, and the same written.
        system = headers_for(signing_key, "system", "mot-cua-bench", SMALL_AGENCY)
        probe = _dossier(SMALL_AGENCY, 0, now)  # an overdue one
        synced = copy_of(SMALL_AGENCY, "PROBE-1", 0, 4, probe.received_at)
        synced["received_at"] = probe.received_at.isoformat()
        _post_batch(client, system, [synced], 201)
        real = _stored_item("PROBE-1")
        say(f"writing {small:,} and {large:,} dossiers (batch_writer)")

        def seed() -> None:
            for agency_id, count in sizes.items():
                result.overdue[agency_id] = write_dossiers(agency_id, count, now)

        result.seed_seconds = timed(seed)
        written = _stored_item(f"{SMALL_AGENCY}-LIST-0000000")
        if set(written) != set(real):
            raise SystemExit(f"written dossiers have {sorted(written)}, synced {sorted(real)}")
        result.table_items = table_items()
        say(f"wrote them in {result.seed_seconds:.1f} s; the table holds {result.table_items:,}")
        official = {a: headers_for(signing_key, "official", "cb-bench", a) for a in sizes}
        first_week = {}
        for agency_id in sizes:
            page = listed(client, official[agency_id], agency_id)
            if len(page) != 20 or not all(item["overdue"] for item in page):
                raise SystemExit(f"the overdue list of {agency_id} answered {page[:2]}")
            first_week[agency_id] = storage.week_of(datetime.fromisoformat(page[0]["due_at"]))
        for _ in range(WARM_UP):
            for agency_id in sizes:
                listed(client, official[agency_id], agency_id)
        for turn in range(lists):
            order = list(sizes) if turn % 2 == 0 else list(reversed(sizes))
            for agency_id in order:
                result.api[agency_id].append(
                    timed(lambda a=agency_id: listed(client, official[a], a))  # type: ignore[misc]
                )
                result.bare[agency_id].append(
                    timed(lambda a=agency_id: bare_week_query(a, first_week[a]))  # type: ignore[misc]
                )
        say(f"timed {lists} overdue lists at each size")
        ratio = p50(result.api[LARGE_AGENCY]) / p50(result.api[SMALL_AGENCY])
        if profile_always or ratio > LIST_RATIO_TARGET:

            def replay() -> None:
                for _ in range(5):
                    listed(client, official[LARGE_AGENCY], LARGE_AGENCY)

            profile(f"5 overdue lists of an agency holding {large:,}", replay)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--large", type=int, default=20_000)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--lists", type=int, default=30)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    signing_key = prepare_environment(STAGE)
    quiet = io.StringIO()  # the apps' own log lines (JSON on stdout) stay out of the table
    with contextlib.redirect_stdout(quiet):
        batches = bench_batches(signing_key, args.batches, args.profile)
        lists = bench_lists(signing_key, args.large, args.small, args.lists, args.profile)
    bare = p50(batches.bare)
    new_ratio, later_ratio = p50(batches.new) / bare, p50(batches.later) / bare
    small, large = lists.api[SMALL_AGENCY], lists.api[LARGE_AGENCY]
    list_ratio = p50(large) / p50(small)
    bare_ratio = p50(lists.bare[LARGE_AGENCY]) / p50(lists.bare[SMALL_AGENCY])
    rows = [
        Row(f"{BATCH_SIZE} bare put_item (~{batches.item_bytes} B items), p50", ms(bare)),
        Row(f"POST /batch of {BATCH_SIZE} new dossiers, p50", ms(p50(batches.new))),
        Row(f"POST /batch of {BATCH_SIZE} later copies, p50", ms(p50(batches.later))),
        Row(
            "new batch / bare puts",
            f"{new_ratio:.2f}",
            f"<= {BATCH_RATIO_TARGET}",
            new_ratio <= BATCH_RATIO_TARGET,
        ),
        Row(
            "later batch / bare puts",
            f"{later_ratio:.2f}",
            f"<= {BATCH_RATIO_TARGET}",
            later_ratio <= BATCH_RATIO_TARGET,
        ),
        Row(
            f"overdue list, {lists.sizes[SMALL_AGENCY]:,} dossiers "
            f"({lists.overdue[SMALL_AGENCY]:,} overdue), p50",
            ms(p50(small)),
        ),
        Row(
            f"overdue list, {lists.sizes[LARGE_AGENCY]:,} dossiers "
            f"({lists.overdue[LARGE_AGENCY]:,} overdue), p50",
            ms(p50(large)),
        ),
        Row(
            "overdue list at the large size / the small",
            f"{list_ratio:.2f}",
            f"<= {LIST_RATIO_TARGET}",
            list_ratio <= LIST_RATIO_TARGET,
        ),
        Row("bare gsi3 query of a week, large / small (moto's own cost)", f"{bare_ratio:.2f}"),
        Row(
            f"table items during the lists (seeded in {lists.seed_seconds:.0f} s)",
            f"{lists.table_items:,}",
        ),
    ]
    print_table("Dossiers benchmark (moto, in process)", rows)


if __name__ == "__main__":
    main()
