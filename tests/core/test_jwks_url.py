"""An outside OpenID Connect provider publishes its keys at a JWKS URL, served here over
HTTP by the test as a provider would: fetched once and cached, read again when a token
names a key the cache lacks (a rotation), and a key the provider stops publishing stops
being trusted within PORTAL_JWKS_MAX_AGE_SECONDS."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from services.core import auth, settings, tokens
from services.core.problems import Problem

ISSUER = "https://sso.example.gov.vn"
AUDIENCE = "portal-web"
KEY_2026 = tokens.generate_private_key_pem()
KEY_2027 = tokens.generate_private_key_pem()


class Provider:
    """What the provider publishes now, and how often it was asked."""

    def __init__(self) -> None:
        self.published: list[tuple[str, str]] = [(KEY_2026, "idp-2026")]
        self.fetches = 0
        self.down = False
        self.stalled = threading.Event()
        self.released = threading.Event()

    def document(self) -> bytes:
        keys = [
            json.loads(tokens.jwks_json(pem, kid=kid))["keys"][0] for pem, kid in self.published
        ]
        return json.dumps({"keys": keys}).encode()


def _handler(provider: Provider) -> type[BaseHTTPRequestHandler]:
    class Jwks(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            provider.fetches += 1
            if provider.stalled.is_set():
                provider.released.wait(30)
            # The provider negotiates content, as gateways in front of identity providers do:
            # without asking for JSON the caller gets a page for people.
            asked = {
                media.split(";")[0].strip().lower()
                for media in self.headers.get("Accept", "").split(",")
            }
            if not asked & {"application/json", "application/*", "*/*"}:
                self.send_response(406)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if provider.down:
                self.send_response(503)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = provider.document()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    return Jwks


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch) -> Iterator[Provider]:
    published = Provider()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(published))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("PORTAL_JWKS_URL", f"http://127.0.0.1:{server.server_port}/jwks.json")
    monkeypatch.setenv("PORTAL_JWT_ISSUER", ISSUER)
    monkeypatch.setenv("PORTAL_JWT_AUDIENCE", AUDIENCE)
    monkeypatch.setenv("PORTAL_JWKS_MAX_AGE_SECONDS", "1.5")
    monkeypatch.setattr(auth, "UNKNOWN_KID_REFETCH_SECONDS", 0.0)
    settings.get_settings.cache_clear()
    auth.reset_key_caches()
    yield published
    published.released.set()
    server.shutdown()
    monkeypatch.undo()
    settings.get_settings.cache_clear()
    auth.reset_key_caches()


def _token(pem: str, kid: str, **claims: Any) -> str:
    return tokens.mint(
        pem, roles=["citizen"], sub="cd-1", kid=kid, issuer=ISSUER, audience=AUDIENCE, **claims
    )


def _refused(token: str) -> int:
    with pytest.raises(Problem) as refused:
        auth.verify(token)
    return refused.value.status


def test_tokens_verify_against_the_providers_published_keys(provider: Provider) -> None:
    for _ in range(3):
        assert auth.verify(_token(KEY_2026, "idp-2026")).sub == "cd-1"
    assert provider.fetches == 1  # cached, not fetched per request


def test_a_rotation_is_picked_up_at_once_and_a_removed_key_expires(provider: Provider) -> None:
    assert auth.verify(_token(KEY_2026, "idp-2026")).sub == "cd-1"
    provider.published.append((KEY_2027, "idp-2027"))  # the provider rotates
    assert auth.verify(_token(KEY_2027, "idp-2027")).sub == "cd-1"
    assert provider.fetches == 2  # the unknown key id fetched the set again
    provider.published = [(KEY_2027, "idp-2027")]  # and retires the old key
    assert auth.verify(_token(KEY_2026, "idp-2026")).sub == "cd-1"  # still within max age
    time.sleep(1.6)
    assert _refused(_token(KEY_2026, "idp-2026")) == 401
    assert auth.verify(_token(KEY_2027, "idp-2027")).sub == "cd-1"


def test_an_unreachable_provider_keeps_the_last_keys(provider: Provider) -> None:
    assert auth.verify(_token(KEY_2026, "idp-2026")).sub == "cd-1"
    provider.down = True
    time.sleep(1.6)
    assert auth.verify(_token(KEY_2026, "idp-2026")).sub == "cd-1"
    assert provider.fetches == 2


def test_a_token_with_an_unpublished_key_id_is_401(provider: Provider) -> None:
    stranger = tokens.generate_private_key_pem()
    assert _refused(_token(stranger, "not-published")) == 401


def test_the_providers_issuer_and_audience_are_checked(provider: Provider) -> None:
    wrong_audience = tokens.mint(
        KEY_2026, roles=["citizen"], kid="idp-2026", issuer=ISSUER, audience="other-app"
    )
    assert _refused(wrong_audience) == 401
    # The provider's key does not make its holder the local issuer, nor the reverse.
    as_local = tokens.mint(KEY_2026, roles=["operator"], kid="idp-2026")
    assert _refused(as_local) == 401


def test_local_tokens_stay_trusted_beside_the_provider(
    provider: Provider, signing_key: str
) -> None:
    # The test environment's inline key set is still there: portal up trusts both.
    assert auth.verify(tokens.mint(signing_key, roles=["operator"], sub="op")).sub == "op"
    assert auth.verify(_token(KEY_2026, "idp-2026")).sub == "cd-1"


def test_a_provider_down_at_the_first_token_refuses_it_and_says_so(
    provider: Provider, caplog: pytest.LogCaptureFixture
) -> None:
    provider.down = True
    with caplog.at_level("WARNING", logger="portal.auth"):
        assert _refused(_token(KEY_2026, "idp-2026")) == 401
    [record] = [r for r in caplog.records if r.name == "portal.auth"]
    assert record.getMessage() == "jwks not refreshed"
    assert record.error == "HTTPError"  # type: ignore[attr-defined]
    provider.down = False  # and the next token, naming a key the empty set lacks, fetches it
    assert auth.verify(_token(KEY_2026, "idp-2026")).sub == "cd-1"


def test_a_provider_that_never_answers_is_given_up_on(provider: Provider) -> None:
    provider.stalled.set()
    statuses: list[int] = []
    waiting = threading.Thread(
        target=lambda: statuses.append(_refused(_token(KEY_2026, "idp-2026"))), daemon=True
    )
    waiting.start()
    waiting.join(timeout=12)  # the fetch gives up after 5 s; a request must not hang
    assert statuses == [401]


class _Monotonic:
    """A monotonic clock that moves only when told: the cache ages are compared exactly."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


def test_the_set_is_fetched_again_at_exactly_max_age_and_an_unknown_key_at_ten_seconds(
    provider: Provider, monkeypatch: pytest.MonkeyPatch
) -> None:
    monotonic = _Monotonic()
    monkeypatch.setattr(auth, "time", monotonic)
    monkeypatch.setattr(auth, "UNKNOWN_KID_REFETCH_SECONDS", 10.0)
    monkeypatch.setenv("PORTAL_JWKS_MAX_AGE_SECONDS", "60")
    settings.get_settings.cache_clear()
    auth.reset_key_caches()
    assert auth.verify(_token(KEY_2026, "idp-2026")).sub == "cd-1"
    assert provider.fetches == 1
    stranger = _token(KEY_2027, "idp-2027")
    monotonic.now += 9.5
    assert _refused(stranger) == 401
    assert provider.fetches == 1  # a forged key id within 10 s costs the provider nothing
    monotonic.now += 0.5
    assert _refused(stranger) == 401
    assert provider.fetches == 2
    monotonic.now += 59.5
    assert auth.verify(_token(KEY_2026, "idp-2026")).sub == "cd-1"
    assert provider.fetches == 2
    monotonic.now += 0.5
    assert auth.verify(_token(KEY_2026, "idp-2026")).sub == "cd-1"
    assert provider.fetches == 3
