"""``portal up`` trusting a real OpenID Connect provider: its JWKS served over HTTP by this
test, as an identity provider serves it, with a key rotated in and the old one retired.

The stack is this module's own, started with ``PORTAL_JWKS_URL`` and ``PORTAL_JWT_ISSUER``;
the local tokens of ``portal token`` keep working beside the provider's.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from services.core import tokens
from tests.e2e.test_local_stack import Stack, _token, running

pytestmark = pytest.mark.e2e

ISSUER = "https://sso.example.gov.vn"
OLD_KEY = tokens.generate_private_key_pem()
NEW_KEY = tokens.generate_private_key_pem()
MAX_AGE = 2.0
SOME_ORDER = "0" * 20  # a well-formed order id that names no order


class Published:
    # A provider announces its next key before it signs with it, then retires the old one.
    keys: ClassVar[list[tuple[str, str]]] = [(OLD_KEY, "2026-a"), (NEW_KEY, "2026-b")]


class Jwks(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        sets = [json.loads(tokens.jwks_json(pem, kid=kid)) for pem, kid in Published.keys]
        body = json.dumps({"keys": [key_set["keys"][0] for key_set in sets]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    provider = ThreadingHTTPServer(("127.0.0.1", 0), Jwks)
    threading.Thread(target=provider.serve_forever, daemon=True).start()
    environment = {
        "PORTAL_JWKS_URL": f"http://127.0.0.1:{provider.server_port}/.well-known/jwks.json",
        "PORTAL_JWT_ISSUER": ISSUER,
        "PORTAL_JWKS_MAX_AGE_SECONDS": str(MAX_AGE),
    }
    try:
        with running(tmp_path_factory.mktemp("portal-idp"), environment) as started:
            yield started
    finally:
        provider.shutdown()


def _status(stack: Stack, token: str) -> int:
    request = urllib.request.Request(
        f"{stack.base_url}/payments/orders/{SOME_ORDER}",
        headers={"Authorization": f"Bearer {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def _provider_token(pem: str, kid: str) -> str:
    return tokens.mint(pem, roles=["operator"], sub="op-idp", kid=kid, issuer=ISSUER)


def test_the_providers_tokens_are_trusted_and_its_retired_key_stops_being(stack: Stack) -> None:
    # An operator the provider signed in: authenticated, and the order is simply not there.
    assert _status(stack, _provider_token(OLD_KEY, "2026-a")) == 404
    assert _status(stack, _provider_token(NEW_KEY, "2026-b")) == 404
    Published.keys = [(NEW_KEY, "2026-b")]  # the old key is retired
    time.sleep(MAX_AGE + 0.5)
    assert _status(stack, _provider_token(OLD_KEY, "2026-a")) == 401
    assert _status(stack, _provider_token(NEW_KEY, "2026-b")) == 404
    forged = tokens.mint(tokens.generate_private_key_pem(), roles=["operator"], issuer=ISSUER)
    assert _status(stack, forged) == 401


def test_local_tokens_still_work_beside_the_provider(stack: Stack) -> None:
    assert _status(stack, _token(stack, "--role", "operator")) == 404
