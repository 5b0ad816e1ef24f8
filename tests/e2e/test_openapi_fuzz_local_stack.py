"""Schemathesis over all four services' OpenAPI documents, against ``portal up`` over HTTP.

The documents are the ones the running stack serves; requests go through its one port, its
base paths and the real apps on moto in server mode, as a front end's or a bank's would.
Valid and invalid requests, anonymous, with a forged token and as each role: no answer is a
server error, every error is problem+json with its own status, and every status, content
type, header and body is one the operation documents (schemathesis' own conformance checks).

Generated identifiers almost never name anything, so about half the requests carry real
ones instead (the demo agency and procedure, a case, an order and a dossier made here, a
reachable submitter, the overall criterion's answer): that is what takes a request past
"not found" and "invalid" into the handlers that answer with data.

The stack is this module's own (the fixture of test_local_stack, instantiated per module).
What HTTP cannot show, a queue consumer or schedule failing on what was sent, the stack's
log shows: the module ends by finding no error logged there.
"""

from __future__ import annotations

import importlib
import json
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from services.core import tokens
from services.core.openapi import document
from tests.e2e import test_local_stack as local
from tests.e2e.test_local_stack import SERVICES, Stack
from tests.support.fuzzing import case_id, cases

pytestmark = pytest.mark.e2e

stack = local.stack

# Few per operation and caller: the point is every operation, every caller, both kinds of
# input on every run, in about a minute; derandomized, so a failure reproduces.
EXAMPLES = 10
AGENCY = "000.00.01.H01"  # Công an thành phố Hà Nội, in infra/demo/agencies.jsonl
PROCEDURE = "1.002804"  # in infra/demo/procedures.jsonl, implemented by AGENCY, with a fee
CITIZEN = "fuzz-citizen"
WHO = ("anonymous", "forged", "citizen", "official", "operator", "system")
PROBLEM_JSON = "application/problem+json"
GMT7 = timezone(timedelta(hours=7))


def _cases() -> list[tuple[str, str, str, GenerationMode]]:
    """Every operation of every service, from the same routes the stack serves: valid
    input for each, invalid input for each that takes any."""
    found = []
    for service in SERVICES:
        api = importlib.import_module(f"services.{service}.app").api
        found.extend((service, *case) for case in cases(document(api)))
    return found


def problem_details(ctx: Any, response: Any, case: Any) -> None:
    """An error is problem+json whose ``status`` is the answer's, without a stack trace."""
    if response.status_code < 400:
        return
    shown = f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:300]}"
    content_type = response.headers.get("content-type", [""])[0]
    if content_type != PROBLEM_JSON:
        raise Failure(operation=case.operation.label, title="Not problem+json", message=shown)
    problem = json.loads(response.content)
    if problem.get("status") != response.status_code:
        raise Failure(operation=case.operation.label, title="Wrong problem status", message=shown)
    if "Traceback" in response.text:
        raise Failure(operation=case.operation.label, title="Stack trace shown", message=shown)


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    problem_details,
]


@pytest.fixture(scope="module", autouse=True)
def no_error_logged(stack: Stack) -> Iterator[None]:
    yield
    errors = []
    for line in stack.output.read_text(errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue  # moto's and the stack's own plain lines
        if isinstance(entry, dict) and entry.get("level") == "ERROR":
            errors.append(line)
    assert not errors, "\n".join(errors[:20])


@pytest.fixture(scope="module")
def session() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


@pytest.fixture(scope="module")
def schemas(stack: Stack, session: requests.Session) -> dict[str, Any]:
    found = {}
    for service in SERVICES:
        served = session.get(f"{stack.base_url}/{service}/openapi.json", timeout=30)
        served.raise_for_status()
        found[service] = schemathesis.openapi.from_dict(served.json())
    return found


@pytest.fixture(scope="module")
def identities(stack: Stack) -> dict[str, dict[str, str]]:
    """Request headers per caller, with tokens the stack accepts (and one it must not)."""
    pem = (stack.home / "signing-key.pem").read_text()

    def bearer(role: str, agency: str | None = None, key: str = pem) -> dict[str, str]:
        sub = CITIZEN if role == "citizen" else f"fuzz-{role}"
        token = tokens.mint(key, roles=[role], sub=sub, agency_id=agency)
        return {"Authorization": f"Bearer {token}"}

    return {
        "anonymous": {},
        "forged": bearer("operator", key=tokens.generate_private_key_pem()),
        "citizen": bearer("citizen"),
        "official": bearer("official", AGENCY),
        "operator": bearer("operator"),
        "system": bearer("system", AGENCY),
    }


@pytest.fixture(scope="module")
def known(
    stack: Stack, session: requests.Session, identities: dict[str, dict[str, str]]
) -> dict[str, Any]:
    """Values of real things, by the name parameters and body fields give them."""

    def post(path: str, body: dict[str, Any], who: str) -> dict[str, Any]:
        answer = session.post(stack.base_url + path, json=body, headers=identities[who], timeout=30)
        assert answer.status_code < 300, (path, answer.status_code, answer.text, stack.log())
        return dict(answer.json())

    receipt = post(
        "/feedback/cases",
        {
            "title": "Thời hạn đổi giấy phép lái xe",
            "content": "Tôi muốn biết thời hạn đổi giấy phép lái xe hạng B2.",
            "procedure_code": PROCEDURE,
            "submitter": {"name": "Người thử", "phone": "0900000001"},
        },
        "anonymous",
    )
    order = post(
        "/payments/orders",
        {"procedure_code": PROCEDURE, "dossier_code": "FUZZ-0001", "provider": "vnpay"},
        "citizen",
    )
    now = datetime.now(GMT7)
    dossier_code = "FUZZ-" + uuid.uuid4().hex[:8].upper()
    post(
        "/ratings/dossiers",
        {
            "dossier_code": dossier_code,
            "procedure_code": PROCEDURE,
            "agency_id": AGENCY,
            "citizen_id": CITIZEN,
            "status": 10,
            "received_at": (now - timedelta(days=3)).isoformat(),
            "due_at": (now + timedelta(days=3)).isoformat(),
            "completed_at": (now - timedelta(hours=1)).isoformat(),
        },
        "system",
    )
    criteria = session.get(stack.base_url + "/ratings/criteria", timeout=30).json()
    overall = next(c for c in criteria["items"] if c["id"] == "overall")
    return {
        "agency_id": AGENCY,
        "agency_ids": [AGENCY],
        "code": PROCEDURE,
        "procedure_code": PROCEDURE,
        "tracking_code": receipt["tracking_code"],
        "access_key": receipt["access_key"],
        "order_id": order["order_id"],
        "dossier_code": dossier_code,
        "answers": {"overall": overall["levels"][0]["id"]},
        "submitter": {"name": "Người thử", "phone": "0900000002"},
    }


def with_known(case: Any, known: dict[str, Any]) -> None:
    """Put real values where the case has parameters or body fields of their names."""
    for values in (case.path_parameters, case.query, case.body):
        if isinstance(values, dict):
            for name in values.keys() & known.keys():
                values[name] = known[name]


@pytest.mark.parametrize(("service", "path", "method", "mode"), _cases(), ids=case_id)
@pytest.mark.parametrize("who", WHO)
def test_no_request_gets_a_server_error_or_an_undocumented_answer(
    stack: Stack,
    session: requests.Session,
    schemas: dict[str, Any],
    identities: dict[str, dict[str, str]],
    known: dict[str, Any],
    service: str,
    path: str,
    method: str,
    who: str,
    mode: GenerationMode,
) -> None:
    operation = schemas[service][path][method]
    base_url = f"{stack.base_url}/{service}"
    headers = identities[who]

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode), real=st.booleans())
    def check(case: Any, real: bool) -> None:
        if real:
            with_known(case, known)
        response = case.call(base_url=base_url, session=session, headers=headers, timeout=30)
        case.validate_response(response, checks=CHECKS, headers=headers)

    check()
