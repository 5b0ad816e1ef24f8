"""The dossiers flow end to end on ``portal up``: an agency's one-stop system syncs a dossier
that has run past its due date, an official of the agency finds it on the overdue list
without an apology and issues one, the applicant's e-mail arrives (the outbox page shows
it), the letter reads as Form 04, the dossier is handled, and ratings, told by the dossiers
service, lets its citizen rate it. Seeded demo dossiers are there too.

The stack is this module's own (the fixture of test_local_stack, instantiated per module);
the last test stops it with SIGTERM.
"""

from __future__ import annotations

import html
import json
import signal
import time
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

import pytest

from services.core.clock import VIETNAM_TZ
from tests.e2e import test_local_stack as local
from tests.e2e.test_local_stack import STOP_TIMEOUT, Stack, _token, get

pytestmark = pytest.mark.e2e

stack = local.stack

AGENCY = "000.00.01.H01"  # in infra/demo/agencies.jsonl
PROCEDURE = "1.002804"  # in infra/demo/procedures.jsonl: 5 working days, by AGENCY
POLL_TIMEOUT = 30
REASON = "Chờ kết quả xác minh của Sở Giao thông vận tải tỉnh Nam Định."


def send(
    stack: Stack, method: str, path: str, body: dict[str, Any], headers: dict[str, str]
) -> tuple[int, Any]:
    request = urllib.request.Request(
        stack.base_url + path,
        data=json.dumps(body).encode(),
        headers={**headers, "Content-Type": "application/json"},
        method=method,
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def page(stack: Stack, path: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(
        stack.base_url + path, headers={"Accept": "text/html", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def poll(what: str, stack: Stack, probe: Any) -> Any:
    deadline = time.monotonic() + POLL_TIMEOUT
    last: Any = None
    while time.monotonic() < deadline:
        found, last = probe()
        if found:
            return found
        time.sleep(0.3)
    pytest.fail(f"{what} not seen in {POLL_TIMEOUT} s; last answer {last!r}\n{stack.log()}")


def test_a_late_dossier_is_apologised_for_handled_and_rated(stack: Stack) -> None:
    code = "000.00.01.H01-E2E-" + uuid.uuid4().hex[:8].upper()
    citizen_id = "0010" + str(uuid.uuid4().int)[:8]
    email = f"e2e-{citizen_id}@example.vn"
    now = datetime.now(VIETNAM_TZ)
    received = now - timedelta(days=14)  # five working days are long past
    system = bearer(_token(stack, "--role", "system", "--agency", AGENCY))
    copy = {
        "procedure_code": PROCEDURE,
        "agency_id": AGENCY,
        "channel": "online",
        "applicant": {"citizen_id": citizen_id, "name": "Người dân thử nghiệm", "email": email},
        "received_at": received.isoformat(),
        "status": 4,
        "status_at": (received + timedelta(hours=2)).isoformat(),
        "official_id": "can-bo-e2e",
    }
    status, synced = send(stack, "PUT", f"/dossiers/{quote(code)}", copy, system)
    assert status == 201, (synced, stack.log())
    status, again = send(stack, "PUT", f"/dossiers/{quote(code)}", copy, system)
    assert (status, again["applied"]) == (200, True)

    # An official of the agency finds it among the overdue dossiers with no apology.
    official = bearer(_token(stack, "--role", "official", "--sub", "cb-e2e", "--agency", AGENCY))
    listing = f"/dossiers/agencies/{AGENCY}/dossiers?" + urlencode(
        {"overdue": "true", "apologised": "false", "limit": 100}
    )

    def overdue_without_apology() -> tuple[Any, Any]:
        codes: list[str] = []
        cursor = None
        while True:
            path = listing + (f"&cursor={cursor}" if cursor else "")
            status, _, found = get(stack, path, official)
            assert status == 200, found
            codes += [item["dossier_code"] for item in found["items"]]
            cursor = found["next_cursor"]
            if not cursor:
                return (code in codes), codes

    poll("the dossier on the overdue list", stack, overdue_without_apology)

    new_due = (now + timedelta(days=7)).replace(hour=17, minute=0, second=0, microsecond=0)
    status, letter = send(
        stack,
        "POST",
        f"/dossiers/{quote(code)}/apologies",
        {"reason": REASON, "new_due_at": new_due.isoformat()},
        official,
    )
    assert status == 201, (letter, stack.log())
    assert letter["letter_no"].startswith(f"PXL-{now.year}-")

    # The applicant's e-mail arrives: the outbox page of the local stack shows it.
    def emailed() -> tuple[Any, Any]:
        status, shown = page(stack, "/outbox")
        assert status == 200
        return (email in shown and code in shown), shown[-300:]

    poll("the apology e-mail on the outbox page", stack, emailed)
    _, outbox = page(stack, "/outbox")
    assert html.escape(f"Phiếu xin lỗi và hẹn lại ngày trả kết quả hồ sơ {code}") in outbox

    # The letter, as its applicant reads it.
    citizen = bearer(_token(stack, "--role", "citizen", "--sub", citizen_id))
    status, shown = page(stack, f"/dossiers/{quote(code)}/apologies/{letter['letter_no']}", citizen)
    assert status == 200
    assert "Phiếu xin lỗi và hẹn lại ngày trả kết quả" in shown and html.escape(REASON) in shown

    # Handled: the dossiers service tells ratings, and the citizen rates it.
    step = {"status": 9, "at": datetime.now(VIETNAM_TZ).isoformat(), "official_id": "can-bo-e2e"}
    status, handled = send(stack, "POST", f"/dossiers/{quote(code)}/progress", step, system)
    assert (status, handled["status"], handled["applied"]) == (200, 9, True), handled
    status, _, seen = get(stack, f"/dossiers/{quote(code)}", citizen)
    assert status == 200 and seen["status_name"] == "Đã xử lý xong"
    assert (seen["overdue"], seen["late"]) == (False, True)
    rating = {"dossier_code": code, "answers": {"overall": "hai_long"}}

    def rated() -> tuple[Any, Any]:
        status, answer = send(stack, "POST", "/ratings", rating, citizen)
        return status == 201, (status, answer)

    poll("the dossier rateable by its citizen", stack, rated)


def test_the_demo_dossiers_are_seeded(stack: Stack) -> None:
    operator = bearer(_token(stack, "--role", "operator"))
    status, _, late = get(
        stack, "/dossiers/agencies/000.00.01.H01/dossiers?overdue=true&limit=100", operator
    )
    assert status == 200
    assert "000.00.01.H01-DEMO-0002" in [item["dossier_code"] for item in late["items"]]
    status, _, apologised = get(stack, "/dossiers/000.00.01.H01-DEMO-0003", operator)
    assert status == 200 and len(apologised["apologies"]) == 1
    status, _, with_result = get(stack, "/dossiers/000.00.10.H01-DEMO-0004", operator)
    assert [r["state"] for r in with_result["results"]] == ["offered"]
    status, _, verified = get(stack, f"/dossiers/results/{with_result['results'][0]['sha256']}")
    assert status == 200 and verified["agency_id"] == "000.00.10.H01"


def test_sigterm_stops_the_stack_and_exits_0(stack: Stack) -> None:
    """Last in the module: it ends the stack the flow ran on."""
    stack.process.send_signal(signal.SIGTERM)
    assert stack.process.wait(STOP_TIMEOUT) == 0, stack.log()
    with pytest.raises(OSError):
        urllib.request.urlopen(stack.base_url + "/dossiers/health", timeout=2)
    assert "Traceback" not in stack.log()
