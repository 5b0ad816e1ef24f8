"""In AWS the identity provider publishes its keys at a JWKS URL; they are fetched and cached."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from services.core import auth, settings, tokens
from services.core.problems import Problem

PROVIDER_KEY = tokens.generate_private_key_pem()


class _Jwks(BaseHTTPRequestHandler):
    fetches = 0

    def do_GET(self) -> None:
        type(self).fetches += 1
        body = tokens.jwks_json(PROVIDER_KEY, kid="idp-2026").encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Jwks)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("PORTAL_JWKS_URL", f"http://127.0.0.1:{server.server_port}/jwks.json")
    monkeypatch.delenv("PORTAL_JWKS_JSON")
    settings.get_settings.cache_clear()
    auth.reset_key_caches()
    yield
    server.shutdown()
    monkeypatch.undo()
    settings.get_settings.cache_clear()
    auth.reset_key_caches()


def test_tokens_verify_against_the_providers_published_keys(provider: None) -> None:
    fetches_before = _Jwks.fetches
    for _ in range(3):
        token = tokens.mint(PROVIDER_KEY, roles=["citizen"], sub="cd-1", kid="idp-2026")
        assert auth.verify(token).sub == "cd-1"
    assert _Jwks.fetches - fetches_before == 1  # keys are cached, not fetched per request


def test_a_token_with_an_unpublished_key_id_is_401(provider: None) -> None:
    stranger = tokens.generate_private_key_pem()
    with pytest.raises(Problem) as refused:
        auth.verify(tokens.mint(stranger, roles=["operator"], kid="not-published"))
    assert refused.value.status == 401
