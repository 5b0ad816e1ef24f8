"""``portal up`` end to end: start the whole local portal, use it over HTTP as a front end
would, stop it with SIGTERM.

One stack serves the whole module (starting one takes seconds); the last test stops it.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest

from services.core.text import fold

pytestmark = pytest.mark.e2e

READY_TIMEOUT = 90
STOP_TIMEOUT = 15
SERVICES = ("catalogue", "payments", "feedback", "ratings", "dossiers", "reports")
# `portal` is infra.cli:main; run as a module it needs no console script on PATH.
PORTAL = [sys.executable, "-m", "infra.cli"]
PROJECT_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Stack:
    process: subprocess.Popen[bytes]
    base_url: str
    env: dict[str, str]
    home: Path
    output: Path

    def log(self) -> str:
        return self.output.read_text(errors="replace")[-4000:]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _clean_env(home: Path) -> dict[str, str]:
    """The developer's environment, not the one tests/conftest.py set up for moto in process."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("AWS_ENDPOINT_URL", "PORTAL_JWKS_JSON", "PORTAL_STAGE")
    }
    env["PORTAL_HOME"] = str(home)
    env["PYTHONUNBUFFERED"] = "1"
    return env


@contextmanager
def running(home: Path, extra_env: dict[str, str] | None = None) -> Iterator[Stack]:
    """``portal up`` in a process of its own, ready, and stopped (SIGTERM) afterwards."""
    output = home / "portal-up.log"
    port = _free_port()
    env = {**_clean_env(home), **(extra_env or {})}
    # Output to a file, not a pipe: a pipe nobody drains would fill and block the stack.
    with output.open("wb") as sink:
        process = subprocess.Popen(
            [*PORTAL, "up", "--port", str(port)],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    stack = Stack(process, f"http://127.0.0.1:{port}", env, home, output)
    try:
        ready = f"Portal ready at {stack.base_url}"
        deadline = time.monotonic() + READY_TIMEOUT
        while ready not in output.read_text(errors="replace"):
            if process.poll() is not None:
                pytest.fail(f"portal up exited with {process.returncode}:\n{stack.log()}")
            if time.monotonic() > deadline:
                pytest.fail(f"portal up not ready in {READY_TIMEOUT} s:\n{stack.log()}")
            time.sleep(0.2)
        yield stack
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running(tmp_path_factory.mktemp("portal-home")) as started:
        yield started


def get(stack: Stack, path: str, headers: dict[str, str] | None = None) -> tuple[int, str, Any]:
    """(status, content type, parsed JSON body) of a GET."""
    request = urllib.request.Request(stack.base_url + path, headers=headers or {})
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


def operator_token(stack: Stack) -> str:
    minted = subprocess.run(
        [*PORTAL, "token", "--role", "operator"],
        cwd=PROJECT_ROOT,
        env=stack.env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return minted.stdout.strip()


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_is_healthy(stack: Stack, service: str) -> None:
    assert get(stack, f"/{service}/health") == (200, "application/json", {"status": "ok"})


def test_the_index_and_openapi_documents(stack: Stack) -> None:
    status, _, index = get(stack, "/")
    assert status == 200
    assert sorted(index["services"]) == sorted(SERVICES)
    for service in SERVICES:
        openapi = index["services"][service]["openapi"]
        assert openapi == f"{stack.base_url}/{service}/openapi.json"
        status, _, document = get(stack, openapi.removeprefix(stack.base_url))
        assert status == 200
        assert document["openapi"].startswith("3.1")


def test_the_state_file_points_other_commands_at_the_stack(stack: Stack) -> None:
    state = json.loads((stack.home / "local-stack.json").read_text())
    assert state["stage"] == "local"
    assert state["base_url"] == stack.base_url
    assert state["endpoint_url"].startswith("http://127.0.0.1:")
    assert json.loads(state["environment"]["PORTAL_JWKS_JSON"])["keys"]


def test_search_folds_diacritics_and_ranks_the_best_match_first(stack: Stack) -> None:
    status, content_type, page = get(stack, "/catalogue/procedures?q=giay%20phep%20lai%20xe")
    assert (status, content_type) == (200, "application/json")
    names = [fold(item["name"]) for item in page["items"]]
    assert names, "the demo data has driving-licence procedures"
    assert "giay phep lai xe" in names[0]
    for name in names:  # every word, the last one as a prefix (the user may still be typing)
        words = name.split()
        assert {"giay", "phep", "lai"} <= set(words), name
        assert any(word.startswith("xe") for word in words), name
    for item in page["items"]:
        assert {"code", "name", "field", "service_level", "agency_ids"} <= set(item)


def test_a_tampered_cursor_is_a_400_problem(stack: Stack) -> None:
    query = {"q": "giấy phép", "limit": "1"}
    _, _, page = get(stack, "/catalogue/procedures?" + urlencode(query))
    cursor = page["next_cursor"] or "eyJvZmZzZXQiOjF9.AAAA"
    tampered = cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB")
    status, content_type, problem = get(
        stack, "/catalogue/procedures?" + urlencode({**query, "cursor": tampered})
    )
    assert (status, content_type) == (400, "application/problem+json")
    assert problem["status"] == 400
    assert {"type", "title", "detail"} <= set(problem)


@pytest.mark.parametrize("path", ["/catalogue/no-such-thing", "/no-such-service/health"])
def test_an_unknown_path_is_a_404_problem(stack: Stack, path: str) -> None:
    status, content_type, problem = get(stack, path)
    assert (status, content_type) == (404, "application/problem+json")
    assert problem["status"] == 404
    assert {"type", "title", "detail"} <= set(problem)


def test_operators_see_the_service_level_audit(stack: Stack) -> None:
    token = operator_token(stack)
    status, _, page = get(
        stack, "/catalogue/audits/service-levels", {"Authorization": f"Bearer {token}"}
    )
    assert status == 200
    assert page["items"], "the demo data holds 'full' procedures that fail Decree 42/2022"
    assert all(item["reasons"] for item in page["items"])


def test_the_audit_needs_a_token(stack: Stack) -> None:
    status, content_type, problem = get(stack, "/catalogue/audits/service-levels")
    assert (status, content_type) == (401, "application/problem+json")
    assert problem["status"] == 401


def test_a_seeded_agency_is_public(stack: Stack) -> None:
    status, _, page = get(stack, "/catalogue/agencies?limit=1")
    assert status == 200
    (agency,) = page["items"]
    status, _, one = get(stack, "/catalogue/agencies/" + quote(agency["agency_id"]))
    assert (status, one["name"]) == (200, agency["name"])


def _token(stack: Stack, *args: str) -> str:
    minted = subprocess.run(
        [*PORTAL, "token", *args],
        cwd=PROJECT_ROOT,
        env=stack.env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return minted.stdout.strip()


def test_a_citizen_pays_a_fee_at_the_sandbox_bank_in_a_browser(stack: Stack) -> None:
    citizen = {"Authorization": "Bearer " + _token(stack, "--role", "citizen", "--sub", "e2e")}
    request = urllib.request.Request(
        stack.base_url + "/payments/orders",
        data=json.dumps({"procedure_code": "1.002804", "dossier_code": "E2E-0001"}).encode(),
        headers={**citizen, "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 201
        order = json.loads(response.read())
    assert order["amount_vnd"] == 135_000  # the demo procedure's published fee
    assert order["pay_url"].startswith(stack.base_url + "/sandbox-bank/vnpay/pay?")
    with urllib.request.urlopen(order["pay_url"], timeout=30) as page:
        assert "135.000" in page.read().decode()
    # Pressing Pay: the bank notifies the portal, then sends the browser back to it.
    press = urllib.request.Request(
        stack.base_url + "/sandbox-bank/vnpay/pay",
        data=urlencode({"action": "pay", "q": order["pay_url"].split("?", 1)[1]}).encode(),
        method="POST",
    )
    with urllib.request.urlopen(press, timeout=30) as landed:
        assert landed.url.startswith(stack.base_url + "/payments/callbacks/vnpay/return?")
        back = json.loads(landed.read())
    assert back == {"order_id": order["order_id"], "signature_valid": True, "status": "paid"}
    status, _, shown = get(stack, f"/payments/orders/{order['order_id']}", citizen)
    assert status == 200
    assert shown["status"] == "paid"
    assert shown["bank_transaction_no"]


def test_a_second_stack_on_a_taken_port_is_refused_and_harms_nothing(stack: Stack) -> None:
    second = subprocess.run(
        [*PORTAL, "up", "--no-seed", "--port", stack.base_url.rsplit(":", 1)[1]],
        cwd=PROJECT_ROOT,
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert second.returncode == 1
    assert "cannot listen on 127.0.0.1" in second.stderr
    assert "Traceback" not in second.stderr
    assert (stack.home / "local-stack.json").exists()
    assert get(stack, "/catalogue/health")[0] == 200


def test_sigterm_stops_everything_and_exits_0(stack: Stack) -> None:
    """Last in the module: it ends the stack the other tests share."""
    stack.process.send_signal(signal.SIGTERM)
    assert stack.process.wait(STOP_TIMEOUT) == 0, stack.log()
    assert not (stack.home / "local-stack.json").exists()
    with pytest.raises(OSError):
        urllib.request.urlopen(stack.base_url + "/catalogue/health", timeout=2)
    assert "Traceback" not in stack.log()
