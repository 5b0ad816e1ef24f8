"""Schemathesis over the reports' own OpenAPI document, against the app: no generated
request, valid or not, anonymous or signed in, gets a server error or an undocumented
answer."""

from __future__ import annotations

from typing import Any

import pytest
from chalice.test import Client
from schemathesis import GenerationMode

from services.reports.app import app
from tests.support.fuzzing import WHO, case_id, cases, document_of, fuzz_operation, schema_of


@pytest.fixture(scope="module")
def schema(client: Client) -> Any:
    return schema_of(client)


@pytest.mark.parametrize(("path", "method", "mode"), cases(document_of(app)), ids=case_id)
@pytest.mark.parametrize("who", [*WHO, "official"])
def test_no_generated_request_gets_a_server_error(
    client: Client, schema: Any, auth: Any, path: str, method: str, who: str, mode: GenerationMode
) -> None:
    headers = {} if who == "anonymous" else auth(who, agency="000.00.01.H26")
    fuzz_operation(client, schema, headers, path, method, mode)
