"""``portal reports rebuild``: a period recomputed from the other services' tables equals
what their messages built, a rebuild run twice changes nothing, a fact whose message was
lost is found, and messages that come after a rebuild still count once.

The facts are made by the services themselves, as their callers make them: a procedure
published in the catalogue, dossiers synced by a one-stop system on both sides of midnight
at the end of March in Hanoi, a handled dossier rated dissatisfied by its citizen, which
opens a feedback case routed to the agency. Every queue is delivered by the local stack's
own event sources (``infra.local_events``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import boto3
import pytest
from chalice.test import Client

from tests.reports.conftest import Reports, indicators
from tests.support.catalogue import publish_procedure

AGENCY = "000.00.31.H26"
PROCEDURE = "1.778001"
CITIZEN = "001086012345"
APPLICANT = {"citizen_id": CITIZEN, "name": "Nguyễn Văn An", "phone": "0912 345 678"}
APRIL = "2026-04"
NOW = datetime.fromisoformat("2026-04-20T10:00:00+07:00")

# The tests read on from each other's state: one worker runs them, in order.
pytestmark = pytest.mark.xdist_group("reports-rebuild")


@pytest.fixture(scope="module", autouse=True)
def frozen_clock() -> Iterator[None]:
    """The module's one moment: a rebuild judges lateness at the time it runs."""
    from services.core import clock

    clock.set_source(lambda: NOW)
    yield
    clock.reset()


@pytest.fixture(scope="module")
def apps(catalogue_client: Client) -> Iterator[dict[str, Client]]:
    from services.dossiers.app import app as dossiers
    from services.feedback.app import app as feedback
    from services.ratings.app import app as ratings

    with Client(dossiers) as d, Client(ratings) as r, Client(feedback) as f:
        yield {"dossiers": d, "ratings": r, "feedback": f}


class Queues:
    """Every queue of the apps, delivered to its consumer until all are empty."""

    def __init__(self) -> None:
        from infra.local_events import EventSources
        from services.catalogue.app import app as catalogue
        from services.dossiers.app import app as dossiers
        from services.feedback.app import app as feedback
        from services.ratings.app import app as ratings
        from services.reports.app import app as reports

        self.sqs = boto3.client("sqs")
        apps = [catalogue, dossiers, feedback, ratings, reports]
        self.consumers = EventSources(apps, stage="test", sqs=self.sqs).consumers

    def settle(self, *, lose: str | None = None) -> None:
        """Deliver until nothing is left; the messages of queue ``lose`` are thrown away."""
        while True:
            moved = 0
            for consumer in self.consumers:
                url = self.sqs.get_queue_url(QueueName=consumer.queue)["QueueUrl"]
                arn = f"arn:aws:sqs:{self.sqs.meta.region_name}:123456789012:{consumer.queue}"
                batch = self.sqs.receive_message(
                    QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0, AttributeNames=["All"]
                ).get("Messages", [])
                if not batch:
                    continue
                moved += len(batch)
                if consumer.queue == lose:
                    for message in batch:
                        self.sqs.delete_message(
                            QueueUrl=url, ReceiptHandle=message["ReceiptHandle"]
                        )
                else:
                    consumer.deliver(batch, url, arn)
            if not moved:
                return


RATED_OR_ASKED = ("ratings", "feedback")


def rebuild(period: str) -> tuple[dict[str, int], list[str]]:
    from infra import rebuild as rebuilding

    said: list[str] = []
    progress = rebuilding.rebuild(period, segments=3, say=said.append)
    return progress.changed, said


@pytest.fixture(scope="module")
def world(
    moto_world: None,
    catalogue_client: Client,
    client: Client,
    apps: dict[str, Client],
    auth: Any,
) -> Queues:
    """The facts of the module, counted by the messages."""
    queues = Queues()
    reports = Reports(client, catalogue_client, auth)
    reports.catalogue.http.put(
        f"/agencies/{AGENCY}",
        headers=auth("operator"),
        body=json.dumps({"name": "Sở Tư pháp tỉnh thử nghiệm", "level": "province"}),
    )
    publish_procedure(catalogue_client, auth("operator"), PROCEDURE, [AGENCY])
    system = auth("system", sub="mot-cua", agency=AGENCY)

    def sync(code: str, **changes: Any) -> None:
        body = {
            "procedure_code": PROCEDURE,
            "agency_id": AGENCY,
            "channel": "online",
            "applicant": APPLICANT,
            "status": 2,
            "digitized": True,
        } | changes
        body.setdefault("status_at", body["received_at"])
        answer = apps["dossiers"].http.put(f"/{code}", headers=system, body=json.dumps(body))
        assert answer.status_code in (200, 201), answer.body

    # 23:30 on 31 March in Hanoi is March's; 00:10 on 1 April is April's (17:10 UTC, March).
    sync(f"{AGENCY}-MARCH", received_at="2026-03-31T23:30:00+07:00")
    sync(
        f"{AGENCY}-COUNTER",
        received_at="2026-04-01T00:10:00+07:00",
        channel="counter",
        digitized=False,
    )
    sync(f"{AGENCY}-REFUSED", received_at="2026-04-02T09:00:00+07:00")
    sync(
        f"{AGENCY}-REFUSED",
        received_at="2026-04-02T09:00:00+07:00",
        status=3,
        status_at="2026-04-03T09:00:00+07:00",
    )
    sync(
        f"{AGENCY}-COUNTER",
        received_at="2026-04-01T00:10:00+07:00",
        channel="counter",
        digitized=False,
        status=10,
        status_at="2026-04-06T15:00:00+07:00",
        completed_at="2026-04-06T15:00:00+07:00",
        returned_at="2026-04-06T15:00:00+07:00",
    )
    queues.settle()  # ratings now knows the handled dossier

    criteria = json.loads(apps["ratings"].http.get("/criteria").body)
    overall = next(c for c in criteria["items"] if c["id"] == "overall")
    citizen = auth("citizen", sub=CITIZEN)
    rated = apps["ratings"].http.post(
        "/",
        headers=citizen,
        body=json.dumps(
            {
                "dossier_code": f"{AGENCY}-COUNTER",
                "answers": {"overall": overall["levels"][-1]["id"]},
                "comment": "Phải đi lại ba lần mới nhận được kết quả.",
            }
        ),
    )
    assert rated.status_code == 201, rated.body
    queues.settle()  # counted, reported, and a feedback case opened and routed
    return queues


def snapshot(client: Client) -> dict[str, Any]:
    from services.reports import domain, storage

    buckets = [(AGENCY, p) for p in ("2026-03", APRIL, "2026-Q2", "2026", domain.CURRENT)]
    found = storage.counters(buckets)
    return {bucket: {k: v for k, v in counts.items() if v} for bucket, counts in found.items()}


def test_the_messages_built_the_index(world: Queues, reports: Reports) -> None:
    found = indicators(reports.index(AGENCY, APRIL))
    assert found["thu_tuc_dvc_truc_tuyen"] == (1, 1, 6.0)
    assert found["ho_so_truc_tuyen"] == (1, 2, 6.0)  # the counter one is not online
    assert found["ho_so_so_hoa"] == (1, 2, 11.0)
    assert found["ho_so_dung_han"] == (1, 1, 20.0)  # the refused one is out of tien_do
    assert found["danh_gia_hai_long"] == (0, 1, 0.0)
    assert found["phan_anh_dung_han"] == (0, 1, 0.0)  # received, not answered yet
    march = indicators(reports.index(AGENCY, "2026-03"))
    assert march["ho_so_truc_tuyen"] == (1, 1, 12.0)


def test_a_rebuild_over_what_the_messages_built_changes_nothing(
    world: Queues, client: Client
) -> None:
    before = snapshot(client)
    changed, said = rebuild(APRIL)
    assert changed == {"catalogue": 0, "dossiers": 0, "feedback": 0, "ratings": 0}
    assert snapshot(client) == before
    assert "dossiers: segment 3/3 done, 3 read, 0 changed" in said


def test_a_rebuilt_period_equals_what_the_messages_built(
    world: Queues, client: Client, reports: Reports
) -> None:
    from services.reports import domain, storage

    built = snapshot(client)
    index_built = reports.index(AGENCY, APRIL)
    assert storage.clear() > 0
    changed, _ = rebuild(APRIL)
    # March's dossier is in April too: it fell due there.
    assert changed == {"catalogue": 1, "dossiers": 3, "feedback": 1, "ratings": 1}
    rebuilt = snapshot(client)
    for bucket in ((AGENCY, APRIL), (AGENCY, domain.CURRENT)):
        assert rebuilt[bucket] == built[bucket]
    assert reports.index(AGENCY, APRIL) == index_built
    # Only that period: March, the quarter and the year wait for their own rebuild.
    assert rebuilt[(AGENCY, "2026-03")] == {}
    assert rebuilt[(AGENCY, "2026-Q2")] == {}
    assert rebuild(APRIL)[0] == {"catalogue": 0, "dossiers": 0, "feedback": 0, "ratings": 0}

    # A message that comes after the rebuild still counts its other periods, once.
    from services.dossiers import service as dossiers

    states = [m for s in range(2) for m in dossiers.report_facts(s, 2)]
    bodies = [m.model_dump_json() for m in states] * 2
    reports.deliver_bodies(bodies)
    after = snapshot(client)
    assert after[(AGENCY, APRIL)] == built[(AGENCY, APRIL)]
    assert after[(AGENCY, "2026-03")] == built[(AGENCY, "2026-03")]
    # The quarter has the dossiers again; its rating and case wait for their messages.
    assert after[(AGENCY, "2026-Q2")] == {
        k: v for k, v in built[(AGENCY, "2026-Q2")].items() if not k.startswith(RATED_OR_ASKED)
    }


def test_a_dossier_whose_message_was_lost_is_found(
    world: Queues, apps: dict[str, Client], auth: Any, reports: Reports
) -> None:
    system = auth("system", sub="mot-cua", agency=AGENCY)
    body = {
        "procedure_code": PROCEDURE,
        "agency_id": AGENCY,
        "channel": "post",
        "applicant": APPLICANT,
        "received_at": "2026-04-30T23:59:00+07:00",
        "status": 2,
        "status_at": "2026-04-30T23:59:00+07:00",
        "digitized": True,
    }
    answer = apps["dossiers"].http.put(f"/{AGENCY}-LOST", headers=system, body=json.dumps(body))
    assert answer.status_code == 201, answer.body
    world.settle(lose="portal-test-report-events")
    assert indicators(reports.index(AGENCY, APRIL))["ho_so_so_hoa"] == (1, 2, 11.0)
    changed, _ = rebuild(APRIL)
    assert changed["dossiers"] == 1
    found = indicators(reports.index(AGENCY, APRIL))
    assert found["ho_so_so_hoa"] == (2, 3, 14.67)
    assert found["ho_so_truc_tuyen"] == (1, 3, 4.0)


def test_the_command_refuses_a_period_that_is_not_one(capsys: pytest.CaptureFixture[str]) -> None:
    from infra import cli

    with pytest.raises(SystemExit) as exited:
        cli.main(["reports", "rebuild", "--period", "2026-13"])
    assert exited.value.code == 2
    assert "a period YYYY, YYYY-Qn or YYYY-MM" in capsys.readouterr().err


def test_the_command_prints_its_progress_and_a_summary(
    world: Queues,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Any,
) -> None:
    from infra import cli, paths

    monkeypatch.setattr(paths, "local_stack_file", lambda: tmp_path / "no-stack.json")
    assert cli.main(["reports", "rebuild", "--period", APRIL, "--segments", "2"]) == 0
    printed = capsys.readouterr()
    assert "catalogue: segment 2/2 done, 1 read, 0 changed" in printed.err
    summary = {line.split()[0]: line.split()[1:] for line in printed.out.splitlines()}
    # Three dossiers, and a fourth once the lost one's test has run: which came first is
    # the scheduler's business, not this test's.
    lost = 1 if summary["dossiers"][0] == "4" else 0
    assert summary["dossiers"] == [str(3 + lost), "read", "0", "changed"]
    assert (
        summary["catalogue"]
        == summary["feedback"]
        == summary["ratings"]
        == [
            "1",
            "read",
            "0",
            "changed",
        ]
    )
    assert summary["in"] == ["all", str(6 + lost), "read", "0", "changed"]
