"""Reports benchmark: an agency's Decision 766 index at 100 and at 100,000 dossiers, and the
``count-report-events`` consumer against one bare ``UpdateItem`` per message, on one moto.

    .venv/bin/python bench/reports.py [--dossiers 100000] [--reads 300] [--messages 200]

Everything runs in process on moto through Chalice's test client, so the numbers that
matter are ratios between measurements taken side by side in this run:
- GET /index?agency_id=...&period=<year> p50 for an agency with ``--dossiers`` dossiers over
  one with 100 (target <= 1.2): an index reads two counter items, whatever the number of
  dossiers. The small agency's 100 dossiers, and the first 100 of the large one's, go
  through the consumer; the large agency's others are written with the table's batch
  writer as the fact rows counting leaves, and their sums added to the counters with one
  ``ADD`` per bucket (counting 100,000 through moto's transactions would take hours). The
  large index must then report every dossier;
- report.dossier messages per second through ``count-report-events`` (one per invocation)
  over one bare ``update_item`` (``ADD`` on a counter item) per message, reported with
  their ratio (no target: the consumer does a read and a transaction of seven writes).

Reads of the two agencies, and the consumer and the bare update, alternate in blocks so
drift on a shared machine hits both alike.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Row, moto_world, ms, p50, prepare_environment, print_table, say, timed

STAGE = "bench"
INDEX_RATIO_TARGET = 1.2
LARGE, SMALL = "000.00.00.H26", "000.00.00.H55"
COUNTED = "000.00.00.H64"  # the agency whose messages are timed, apart from both
PEER = "000.00.00.H65"  # the bare transactions' own agency, beside the consumer's
COUNTING_RATIO_TARGET = 1.5  # the consumer over a read and a transaction of the same items
SAMPLE = 100
BLOCK = 20
YEAR = "2026"


def message(agency_id: str, n: int, version: int = 1) -> dict[str, Any]:
    return {
        "type": "report.dossier",
        "dossier_code": f"{agency_id}-B-{n:07d}",
        "version": version,
        "agency_id": agency_id,
        "procedure_code": "1.001234",
        "channel": ("online", "counter", "post")[n % 3],
        "received_at": f"2026-{n % 12 + 1:02d}-10T09:00:00+07:00",
        "due_at": f"2026-{n % 12 + 1:02d}-20T17:00:00+07:00",
        "status": (2, 4, 9, 10, 3)[n % 5],
        "status_at": f"2026-{n % 12 + 1:02d}-10T09:00:00+07:00",
        "completed_at": f"2026-{n % 12 + 1:02d}-15T09:00:00+07:00",
        "late": n % 7 == 0,
        "digitized": n % 2 == 0,
        "paid_online": n % 4 == 0,
    }


def deliver(client: Any, bodies: list[dict[str, Any]]) -> None:
    event = client.events.generate_sqs_event(
        message_bodies=[json.dumps(b) for b in bodies], queue_name=f"portal-{STAGE}-report-events"
    )
    answer = client.lambda_.invoke("count-report-events", event).payload
    if answer.get("batchItemFailures"):
        raise SystemExit(f"the consumer refused messages: {answer}")


def write_large(total: int) -> None:
    """The large agency's dossiers past the sample: fact rows and summed counters, as the
    consumer would leave them."""
    from services.core.messages import DossierReported
    from services.reports import domain, service, storage

    sums: dict[tuple[str, str], dict[str, int]] = {}
    table = storage.table()
    with table.batch_writer() as batch:
        for n in range(SAMPLE, total):
            kind, fact_id, order, contribution = service.facts_of(
                DossierReported.model_validate_json(json.dumps(message(LARGE, n)))
            )
            batch.put_item(
                Item={
                    "pk": f"FACT#{kind}#{fact_id}",
                    "sk": "FACT",
                    "order": order,
                    "counts": storage._encode(contribution),
                }
            )
            for bucket, counts in contribution.items():
                into = sums.setdefault(bucket, {})
                for name, value in counts.items():
                    into[name] = into.get(name, 0) + value
            if n % 20_000 == 0:
                say(f"  {n:,} dossiers written")
    from services.core import dynamo

    for bucket, counts in sums.items():
        dynamo.transact([storage._add(bucket, counts, "central")])
    del domain


def bare_operations(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The transaction counting ``body`` makes, item for item: its fact row and one ``ADD``
    per bucket it moves."""
    from services.core.messages import DossierReported
    from services.core.settings import get_settings
    from services.reports import service, storage

    kind, fact_id, order, contribution = service.facts_of(
        DossierReported.model_validate_json(json.dumps(body))
    )
    fact = {
        "TableName": get_settings().reports_table,
        "Item": {
            "pk": f"FACT#{kind}#{fact_id}",
            "sk": "FACT",
            "order": order,
            "counts": storage._encode(contribution),
        },
        "ConditionExpression": "attribute_not_exists(pk)",
    }
    return [{"Put": fact}] + [storage._add(b, c, "central") for b, c in contribution.items()]


def bare_counting(body: dict[str, Any]) -> Any:
    """What counting a new fact costs DynamoDB at the least: a consistent read of its row and
    one transaction of the same items, with nothing of the consumer around them."""
    from services.core import aws
    from services.reports import storage

    operations = bare_operations(body)
    key = {"pk": operations[0]["Put"]["Item"]["pk"], "sk": "FACT"}

    def run() -> None:
        storage.table().get_item(Key=key, ConsistentRead=True)
        aws.dynamodb_client().transact_write_items(TransactItems=operations)

    return run


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dossiers", type=int, default=100_000)
    parser.add_argument("--reads", type=int, default=300)
    parser.add_argument("--messages", type=int, default=200)
    args = parser.parse_args()
    signing_key = prepare_environment(STAGE)
    # With metrics disabled, Powertools still prints a metric set once it holds 100 values.
    with moto_world(STAGE), contextlib.redirect_stdout(io.StringIO()):
        from chalice.test import Client

        from services.catalogue.app import app as catalogue_app
        from services.core import aws, tokens
        from services.core.settings import get_settings
        from services.reports.app import app

        operator = tokens.mint(signing_key, roles=["operator"], sub="bench")
        headers = {"Authorization": f"Bearer {operator}", "Content-Type": "application/json"}
        with Client(catalogue_app) as catalogue:
            for agency in (LARGE, SMALL):
                body = json.dumps({"name": f"Cơ quan {agency}", "level": "central"})
                catalogue.http.put(f"/agencies/{agency}", headers=headers, body=body)
        with Client(app) as client:
            say(f"counting {SAMPLE} dossiers of each agency through the consumer")
            for agency in (SMALL, LARGE):
                for start in range(0, SAMPLE, 10):
                    deliver(client, [message(agency, n) for n in range(start, start + 10)])
            # Measured while the table is small: moto copies the whole table for every
            # transaction, which DynamoDB does not, and both sides share the table.
            say(f"counting {args.messages} messages against bare updates")
            counter_table = aws.table(get_settings().reports_table)
            consumer: list[float] = []
            bare: list[float] = []
            same_work: list[float] = []

            def bump() -> None:
                counter_table.update_item(
                    Key={"pk": "BENCH", "sk": "COUNTS"},
                    UpdateExpression="ADD received :one",
                    ExpressionAttributeValues={":one": 1},
                )

            for n in range(args.messages):
                counted = message(COUNTED, n)
                peer = bare_counting(message(PEER, n))
                steps = [
                    (consumer, lambda: deliver(client, [counted])),  # noqa: B023 - called at once
                    (bare, bump),
                    (same_work, peer),
                ]
                for samples, step in steps if (n // BLOCK) % 2 == 0 else steps[::-1]:
                    samples.append(timed(step))
            consumer_rate, bare_rate = 1 / p50(consumer), 1 / p50(bare)
            items = len(bare_operations(message(PEER, 0)))
            say(f"writing the large agency's other {args.dossiers - SAMPLE:,} dossiers")
            write_large(args.dossiers)

            def read(agency: str) -> None:
                answer = client.http.get(f"/index?agency_id={agency}&period={YEAR}")
                assert answer.status_code == 200

            found = json.loads(client.http.get(f"/index?agency_id={LARGE}&period={YEAR}").body)
            received = found["groups"][2]["indicators"][0]["denominator"]
            if received != args.dossiers:
                raise SystemExit(f"the large index counts {received} dossiers")
            small: list[float] = []
            large: list[float] = []
            for _ in range(10):
                read(SMALL)
                read(LARGE)
            for block in range(0, args.reads, BLOCK):
                turns = [(SMALL, small), (LARGE, large)]
                for agency, samples in turns if block % (2 * BLOCK) == 0 else turns[::-1]:
                    for _ in range(BLOCK):
                        samples.append(timed(lambda: read(agency)))  # noqa: B023 - called at once
            ratio = p50(large) / p50(small)

    print_table(
        "Reports: the index at any volume, and counting",
        [
            Row(f"index p50 at {SAMPLE} dossiers", ms(p50(small))),
            Row(f"index p50 at {args.dossiers:,} dossiers", ms(p50(large))),
            Row(
                f"index p50 ratio {args.dossiers:,} / {SAMPLE}",
                f"{ratio:.2f}",
                f"<= {INDEX_RATIO_TARGET}",
                ratio <= INDEX_RATIO_TARGET,
            ),
            Row(
                "count-report-events p50, one message",
                ms(p50(consumer)),
                f"<= {COUNTING_RATIO_TARGET} x",
                p50(consumer) / p50(same_work) <= COUNTING_RATIO_TARGET,
                versus=f"get_item + {items}-item transaction {ms(p50(same_work))} "
                f"({p50(consumer) / p50(same_work):.2f} x)",
            ),
            Row(
                "messages counted per second",
                f"{consumer_rate:.0f} per s",
                versus=f"{bare_rate:.0f} bare update_item (ADD) per s "
                f"({bare_rate / consumer_rate:.1f} x)",
            ),
        ],
    )


if __name__ == "__main__":
    main()
