"""Every service serves its interactive API documentation itself, with no outside network."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from chalice.test import Client

pytestmark = pytest.mark.usefixtures("moto_world")

TITLES = {
    "catalogue": "Tài liệu API: ",
    "payments": "Tài liệu API: ",
    "feedback": "Tài liệu API: ",
    "ratings": "Tài liệu API: ",
}


def _client(service: str) -> Any:
    return Client(importlib.import_module(f"services.{service}.app").app)


@pytest.mark.parametrize("service", sorted(TITLES))
def test_the_docs_page_and_what_it_loads(service: str) -> None:
    client = _client(service)
    page = client.http.get("/docs", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    html = page.body.decode()
    assert '<html lang="vi">' in html
    assert "<title>Tài liệu API: " in html
    assert '<main id="content"' in html and "<header" in html and "<footer" in html
    assert 'name="viewport"' in html
    # Everything it loads comes from the service itself, relative to the page.
    for src in ('src="docs/swagger-ui.js"', 'src="docs/start.js"', 'href="docs/swagger-ui.css"'):
        assert src in html
    assert "http://" not in html.replace('<html lang="vi">', "") and "https://" not in html
    script = client.http.get("/docs/swagger-ui.js")
    assert script.status_code == 200
    assert script.headers["Content-Type"].startswith("text/javascript")
    assert b"SwaggerUIBundle" in script.body
    assert len(script.body) > 500_000  # the whole bundle, not a stub
    style = client.http.get("/docs/swagger-ui.css")
    assert style.headers["Content-Type"].startswith("text/css")
    assert b".swagger-ui" in style.body
    start = client.http.get("/docs/start.js")
    assert b"SwaggerUIBundle" in start.body


def test_a_file_the_page_does_not_load_is_a_404_problem() -> None:
    answer = _client("catalogue").http.get("/docs/..%2Fsettings.py")
    assert answer.status_code == 404
    assert answer.headers["Content-Type"] == "application/problem+json"
