"""The ratings flow end to end on ``portal up``: an agency's one-stop system reports a handled
dossier, its citizen rates it dissatisfied, the rating is counted by the queue consumer into
the agency's summary, and a feedback case for the dossier lands on the agency's work list.

The stack is this module's own (the fixture of test_local_stack, instantiated per module);
the last test stops it with SIGTERM.
"""

from __future__ import annotations

import json
import signal
import time
import urllib.error
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

import pytest

from services.core.clock import VIETNAM_TZ
from tests.e2e import test_local_stack as local
from tests.e2e.test_local_stack import STOP_TIMEOUT, Stack, _token, get

pytestmark = pytest.mark.e2e

# The same module-scoped fixture, registered in this module: a stack of its own, started on
# first use here and stopped (if still running) when this module ends.
stack = local.stack

AGENCY = "000.00.01.H01"  # Công an thành phố Hà Nội, in infra/demo/agencies.jsonl
PROCEDURE = "1.002804"  # in infra/demo/procedures.jsonl, implemented by AGENCY
POLL_TIMEOUT = 20
COMMENT = "Phải đi lại ba lần mới nhận được kết quả, cán bộ hướng dẫn không rõ ràng."


def post(
    stack: Stack, path: str, body: dict[str, Any], headers: dict[str, str]
) -> tuple[int, str, Any]:
    """(status, content type, parsed JSON body) of a JSON POST."""
    request = urllib.request.Request(
        stack.base_url + path,
        data=json.dumps(body).encode(),
        headers={**headers, "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, content_type, raw = (
                response.status,
                response.headers["Content-Type"],
                response.read(),
            )
    except urllib.error.HTTPError as error:
        status, content_type, raw = error.code, error.headers["Content-Type"], error.read()
    return status, content_type, json.loads(raw) if raw else None


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def poll(what: str, stack: Stack, probe: Any) -> Any:
    """probe() until it returns something truthy, for at most POLL_TIMEOUT seconds."""
    deadline = time.monotonic() + POLL_TIMEOUT
    last: Any = None
    while time.monotonic() < deadline:
        found, last = probe()
        if found:
            return found
        time.sleep(0.3)
    pytest.fail(f"{what} not seen in {POLL_TIMEOUT} s; last answer {last!r}\n{stack.log()}")


def test_a_dissatisfied_rating_is_counted_and_opens_a_case_for_the_agency(stack: Stack) -> None:
    dossier_code = "E2E-RATE-" + uuid.uuid4().hex[:8].upper()
    citizen_id = "e2e-citizen-" + uuid.uuid4().hex[:8]
    now = datetime.now(VIETNAM_TZ)
    year = str(now.year)
    # Completed a little before now, but in the current (Vietnam) year, before due_at.
    completed_at = max(now - timedelta(hours=1), now.replace(month=1, day=1, hour=0, minute=0))
    event = {
        "dossier_code": dossier_code,
        "procedure_code": PROCEDURE,
        "agency_id": AGENCY,
        "citizen_id": citizen_id,
        "status": 10,  # result returned
        "received_at": (now - timedelta(days=4)).isoformat(),
        "due_at": (now + timedelta(days=1)).isoformat(),
        "completed_at": completed_at.isoformat(),
    }

    # The agency's one-stop system reports the handled dossier.
    system = bearer(_token(stack, "--role", "system", "--agency", AGENCY))
    status, _, accepted = post(stack, "/ratings/dossiers", event, system)
    assert status == 200, (accepted, stack.log())
    assert accepted == {"dossier_code": dossier_code, "status": 10, "applied": True}

    # Its citizen reads the criteria and rates the dossier dissatisfied overall.
    status, _, criteria = get(stack, "/ratings/criteria")
    assert status == 200
    overall = next(c for c in criteria["items"] if c["id"] == "overall")
    dissatisfied = overall["levels"][-1]["id"]
    citizen = bearer(_token(stack, "--role", "citizen", "--sub", citizen_id))
    rating = {
        "dossier_code": dossier_code,
        "answers": {"overall": dissatisfied},
        "comment": COMMENT,
    }
    status, _, rated = post(stack, "/ratings", rating, citizen)
    assert status == 201, (rated, stack.log())
    assert rated["dossier_code"] == dossier_code
    assert rated["answers"] == {"overall": dissatisfied}
    assert rated["comment"] == COMMENT

    # Once only.
    status, content_type, problem = post(stack, "/ratings", rating, citizen)
    assert (status, content_type) == (409, "application/problem+json"), problem
    assert problem["status"] == 409

    # The rating-events consumer counts it into the agency's summary for the year.
    summary_path = "/ratings/summary?" + urlencode({"agency_id": AGENCY, "period": year})

    def counted() -> tuple[Any, Any]:
        status, _, summary = get(stack, summary_path)
        assert status == 200, summary
        return (summary if summary["count"] >= 1 else None), summary

    summary = poll("the rating counted in the agency's summary", stack, counted)
    assert summary["count"] == 1, summary
    assert summary["satisfied_pct"] == 0.0, summary
    assert summary["by_criterion"] == {"overall": {dissatisfied: 1}}, summary
    # The dossier event's on-time share: one handled dossier, completed before due_at.
    assert summary["completed"] == 1, summary
    assert summary["on_time_pct"] == 100.0, summary

    # The dissatisfied rating opened a feedback case on the agency's work list.
    official = bearer(_token(stack, "--role", "official", "--agency", AGENCY))
    work_list = f"/feedback/agencies/{quote(AGENCY)}/cases"

    def listed() -> tuple[Any, Any]:
        items: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            query = "?" + urlencode({"cursor": cursor}) if cursor else ""
            status, _, page = get(stack, work_list + query, official)
            assert status == 200, page
            items += page["items"]
            cursor = page["next_cursor"]
            if not cursor:
                break
        found = next((item for item in items if dossier_code in item["title"]), None)
        return found, items

    item = poll("the case for the dossier on the agency's work list", stack, listed)
    assert item["status"] == "received", item

    status, _, case = get(stack, "/feedback/cases/" + quote(item["tracking_code"]), official)
    assert status == 200, case
    assert case["tracking_code"] == item["tracking_code"]
    assert case["dossier_code"] == dossier_code
    assert case["status"] == "received"
    assert case["agency_id"] == AGENCY
    assert case["procedure_code"] == PROCEDURE
    assert case["content"] == COMMENT
    assert case["submitter"] is None  # nothing of the citizen but what they wrote
    assert citizen_id not in json.dumps(case, ensure_ascii=False)
    received_at = datetime.fromisoformat(case["received_at"])
    assert received_at.astimezone(UTC) >= (now - timedelta(minutes=5)).astimezone(UTC)


def test_sigterm_stops_the_stack_and_exits_0(stack: Stack) -> None:
    """Last in the module: it ends the stack the flow ran on."""
    stack.process.send_signal(signal.SIGTERM)
    assert stack.process.wait(STOP_TIMEOUT) == 0, stack.log()
    assert not (stack.home / "local-stack.json").exists()
    with pytest.raises(OSError):
        urllib.request.urlopen(stack.base_url + "/ratings/health", timeout=2)
    assert "Traceback" not in stack.log()
