"""Catalogue benchmarks: search at 7,000 vs 70,000 published procedures, one procedure's
GET against a bare DynamoDB read, and bulk import throughput.

    .venv/bin/python bench/catalogue.py [--searches 200] [--base 7000] [--profile]

Everything runs in process on moto through Chalice's test client, so the numbers that
matter are ratios between measurements taken side by side in this run:
- search p50 at 10x the catalogue over p50 at today's size (target <= 2): the index must
  not make every search pay for the whole catalogue;
- GET /procedures/{code} p50 over one bare ``get_item`` p50 (target <= 1.5): the edge,
  validation and rendering must cost less than half a table read;
- import records per second, first run and an all-unchanged rerun (reported).

When a target is missed (or with ``--profile``) the loop that missed is run again under
cProfile, after the measurement, and the heaviest functions are printed.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
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
    timed,
)
from bench.synthetic_catalogue import (
    CENTRAL,
    LOCAL,
    AgencyInfo,
    local_agency,
    localities,
    procedures,
)

if TYPE_CHECKING:
    from chalice.test import Client

    from services.catalogue.domain import ProcedureRecord

SEARCH_RATIO_TARGET = 2.0
GET_RATIO_TARGET = 1.5
IMPORT_LINES = 150
SCALE = 10


# -- seeding --------------------------------------------------------------------------------
def seed_published(records: list[ProcedureRecord]) -> None:
    """Write the items a publication leaves (public record and search document) in
    batches, then set the generation so a new container loads its index from gsi1."""
    from services.catalogue import storage
    from services.core import aws
    from services.core.settings import get_settings

    table = aws.table(get_settings().catalogue_table)
    with table.batch_writer() as batch:
        for record in records:
            batch.put_item(Item=storage.current_item(record))
            batch.put_item(Item=storage.search_item(record))
    table.put_item(
        Item={"pk": "CATALOGUE", "sk": "GENERATION", "generation": 1, "epoch": uuid.uuid4().hex}
    )


# -- a. search at two sizes ----------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Query:
    label: str
    params: dict[str, str]
    page_two: bool = False


def query_mix(records: list[ProcedureRecord]) -> list[Query]:
    """What front ends send: folded and accented words, a code, a prefix while typing,
    filters, and the second page of a long answer."""
    hanoi_people = local_agency("ubnd", localities(1)[0]).agency_id
    hanoi_police = local_agency("ca", localities(1)[0]).agency_id
    return [
        Query("giay phep lai xe", {"q": "giay phep lai xe"}),
        Query("đăng ký kết hôn", {"q": "đăng ký kết hôn"}),
        Query("cap lai ho chieu", {"q": "cap lai ho chieu"}),
        Query("giấy chứng nhận", {"q": "giấy chứng nhận"}),
        Query("xây dựng", {"q": "xây dựng"}),
        Query("code", {"q": records[1234 % len(records)].code}),
        Query("the can c (typing)", {"q": "the can c"}),
        Query("giay phep + full", {"q": "giay phep", "service_level": "full"}),
        Query("gia han + field", {"q": "gia han", "field": "Xây dựng"}),
        Query("dang ky + agency", {"q": "dang ky", "agency_id": hanoi_people}),
        Query("field only", {"field": "Hộ tịch"}),
        Query("agency + partial", {"agency_id": hanoi_police, "service_level": "partial"}),
        Query("dang ky ho kinh doanh p2", {"q": "dang ky ho kinh doanh"}, page_two=True),
        Query("quyen su dung dat p2", {"q": "quyen su dung dat"}, page_two=True),
        Query("thu hoi giay phep l=50", {"q": "Thu hồi giấy phép", "limit": "50"}),
    ]


def _get(client: Client, path: str) -> dict[str, Any]:
    response = client.http.get(path)
    if response.status_code != 200:
        raise SystemExit(f"GET {path} answered {response.status_code}: {response.body[:300]!r}")
    return json.loads(response.body)  # type: ignore[no-any-return]


def search_paths(client: Client, mix: list[Query]) -> list[str]:
    """Each query's URL; a page-two query carries the cursor its first page returned."""
    paths = []
    for query in mix:
        path = "/procedures?" + urlencode(query.params)
        if query.page_two:
            cursor = _get(client, path)["next_cursor"]
            if cursor is None:
                raise SystemExit(f"{query.label}: no second page to benchmark")
            path += "&" + urlencode({"cursor": cursor})
        paths.append(path)
    return paths


def match_counts(mix: list[Query]) -> list[int]:
    """How many procedures each query matches, straight from the loaded index."""
    from services.catalogue import service

    index = service.search_model.index()
    counts = []
    for query in mix:
        p = query.params
        result = index.search(
            p.get("q"),
            agency_id=p.get("agency_id"),
            field=p.get("field"),
            service_level=p.get("service_level"),
            limit=10**7,
        )
        counts.append(len(result.docs))
    return counts


@dataclass
class SearchRun:
    size: int
    load_seconds: float
    samples: list[float]
    counts: list[int]
    per_query: list[float]


def bench_search(
    client: Client, records: list[ProcedureRecord], searches: int
) -> tuple[SearchRun, Callable[[], None]]:
    # The first search of a container loads the whole index: a cold start, timed apart.
    load = timed(lambda: _get(client, "/procedures?q=warm"))
    mix = query_mix(records)
    paths = search_paths(client, mix)
    for path in paths:  # rank order is built lazily on the first ranked search
        _get(client, path)
    samples: list[float] = []
    by_query: list[list[float]] = [[] for _ in paths]
    for i in range(searches):
        slot = i % len(paths)
        elapsed = timed(lambda slot=slot: _get(client, paths[slot]))  # type: ignore[misc]
        samples.append(elapsed)
        by_query[slot].append(elapsed)

    def replay() -> None:
        for i in range(searches):
            _get(client, paths[i % len(paths)])

    run = SearchRun(len(records), load, samples, match_counts(mix), [p50(s) for s in by_query])
    return run, replay


# -- b. one procedure against one table read -------------------------------------------------
def bench_get(
    client: Client, records: list[ProcedureRecord], reads: int
) -> tuple[list[float], list[float], Callable[[], None]]:
    from services.core import aws
    from services.core.catalogue_view import procedure_key
    from services.core.settings import get_settings

    table = aws.table(get_settings().catalogue_table)
    codes = [r.code for r in random.Random(3).sample(records, reads)]
    for code in codes[:20]:  # first calls pay for lazy imports and client set-up
        _get(client, f"/procedures/{code}")
        table.get_item(Key=procedure_key(code))
    api: list[float] = []
    bare: list[float] = []
    # Alternate the two so that any drift on a shared machine hits both alike.
    for code in codes:
        api.append(timed(lambda code=code: _get(client, f"/procedures/{code}")))  # type: ignore[misc]
        bare.append(
            timed(lambda code=code: table.get_item(Key=procedure_key(code)))  # type: ignore[misc]
        )

    def replay() -> None:
        for code in codes:
            _get(client, f"/procedures/{code}")

    return api, bare, replay


# -- c. import ---------------------------------------------------------------------------
def import_lines_for(count: int) -> tuple[list[str], list[AgencyInfo]]:
    """``count`` JSON lines with distinct names per agency level (the catalogue refuses a
    duplicate name), and the agencies they need."""
    from services.core.text import fold

    agencies: dict[str, AgencyInfo] = {}
    seen: set[tuple[str, str]] = set()
    lines: list[str] = []
    places = {
        local_agency(k, p).agency_id: local_agency(k, p) for k in LOCAL for p in localities(1)
    }
    for record in procedures(count * 3, 1, seed=99):
        content = record.content
        key = (content.agency_level, fold(content.name))
        if key in seen:
            continue
        seen.add(key)
        agency_id = content.agency_ids[0]
        agencies[agency_id] = places.get(agency_id) or AgencyInfo(
            agency_id, CENTRAL[agency_id], "central", None
        )
        code = f"3.{len(lines) + 1:06d}"
        lines.append(json.dumps({"code": code, **content.as_dict()}, ensure_ascii=False))
        if len(lines) == count:
            return lines, list(agencies.values())
    raise SystemExit("the generator repeats itself too much for the import benchmark")


def bench_import(count: int) -> tuple[float, float, float]:
    """Import rates (first run, unchanged rerun) and, on the table the import filled, the
    rate of bare two-item ``TransactWriteItems``: moto copies every table a transaction
    touches (its rollback), so on moto both fall as the table grows; DynamoDB does not."""
    from services.catalogue import importer, service
    from services.catalogue.models import AgencyBody
    from services.core import aws
    from services.core.settings import get_settings

    lines, agencies = import_lines_for(count)
    for agency in agencies:
        service.put_agency(
            agency.agency_id,
            AgencyBody(name=agency.name, level=agency.level, locality=agency.locality),
        )
    numbered = list(enumerate(lines, start=1))
    reports = []

    def run() -> None:
        reports.append(importer.import_lines(numbered))

    first = timed(run)
    again = timed(run)
    created, unchanged = reports
    if created.created != count or unchanged.unchanged != count:
        raise SystemExit(f"import went wrong:\n{created.summary()}\n{unchanged.summary()}")
    client = aws.dynamodb_client()
    table = get_settings().catalogue_table
    bare = 30

    def transactions() -> None:
        for n in range(bare):
            client.transact_write_items(
                TransactItems=[
                    {"Put": {"TableName": table, "Item": {"pk": f"BENCH#{n}", "sk": sk}}}
                    for sk in ("A", "B")
                ]
            )

    return count / first, count / again, bare / timed(transactions)


# -- main -------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--searches", type=int, default=200)
    parser.add_argument("--base", type=int, default=7000, help="today's catalogue size")
    parser.add_argument("--reads", type=int, default=200)
    parser.add_argument("--profile", action="store_true", help="profile even when on target")
    args = parser.parse_args()
    prepare_environment()

    from chalice.test import Client

    from services.catalogue.app import app

    runs: list[SearchRun] = []
    get_result: tuple[list[float], list[float], Callable[[], None]] | None = None
    for scale in (1, SCALE):
        size = args.base * scale
        records = list(procedures(size, scale))
        with moto_world():
            seed_seconds = timed(lambda records=records: seed_published(records))  # type: ignore[misc]
            print(f"seeded {size:,} procedures in {seed_seconds:.1f} s", flush=True)
            with Client(app) as client:
                run, replay = bench_search(client, records, args.searches)
                runs.append(run)
                if scale == 1:
                    get_result = bench_get(client, records, args.reads)
                print(f"searched {size:,} (index loaded in {run.load_seconds:.1f} s)", flush=True)
                # Profile inside the world the replay needs; measurement is already done.
                if scale == SCALE:
                    small, large = runs
                    if (
                        args.profile
                        or p50(large.samples) / p50(small.samples) > SEARCH_RATIO_TARGET
                    ):
                        profile(f"{args.searches} searches at {size:,}", replay)
                elif get_result is not None:
                    api, bare, get_replay = get_result
                    if args.profile or p50(api) / p50(bare) > GET_RATIO_TARGET:
                        profile(f"{args.reads} GET /procedures/{{code}}", get_replay)
    with moto_world():
        first_rate, again_rate, transaction_rate = bench_import(IMPORT_LINES)

    small, large = runs
    mix = query_mix(list(procedures(args.base, 1)))
    print_table(
        "search: matches and p50 per query",
        [
            Row(
                q.label,
                f"{small.counts[i]:>6} -> {large.counts[i]:>6} docs, "
                f"{ms(small.per_query[i])} -> {ms(large.per_query[i])}",
            )
            for i, q in enumerate(mix)
        ],
    )
    assert get_result is not None
    api, bare, _ = get_result
    search_ratio = p50(large.samples) / p50(small.samples)
    get_ratio = p50(api) / p50(bare)
    print_table(
        f"catalogue benchmark ({args.searches} searches, {args.reads} reads, "
        f"{IMPORT_LINES} import lines)",
        [
            Row(f"search p50 at {small.size:,}", ms(p50(small.samples))),
            Row(f"search p95 at {small.size:,}", ms(p95(small.samples))),
            Row(f"search p50 at {large.size:,}", ms(p50(large.samples))),
            Row(f"search p95 at {large.size:,}", ms(p95(large.samples))),
            Row(
                f"search p50 ratio {large.size // 1000}k / {small.size // 1000}k",
                f"{search_ratio:.2f}",
                f"<= {SEARCH_RATIO_TARGET}",
                search_ratio <= SEARCH_RATIO_TARGET,
            ),
            Row(f"index load at {small.size:,} (first search)", f"{small.load_seconds:.2f} s"),
            Row(f"index load at {large.size:,} (first search)", f"{large.load_seconds:.2f} s"),
            Row("GET /procedures/{code} p50", ms(p50(api))),
            Row("table.get_item p50 (same keys)", ms(p50(bare))),
            Row(
                "GET p50 / get_item p50",
                f"{get_ratio:.2f}",
                f"<= {GET_RATIO_TARGET}",
                get_ratio <= GET_RATIO_TARGET,
            ),
            Row("import, first run", f"{first_rate:.0f} records/s"),
            Row("import, same lines again (unchanged)", f"{again_rate:.0f} records/s"),
            Row("bare TransactWriteItems, same table", f"{transaction_rate:.0f} per s"),
        ],
    )


if __name__ == "__main__":
    main()
