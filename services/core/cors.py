"""Cross-origin calls from browser front ends (CORS), answered by the apps themselves.

API Gateway's own CORS answers one fixed origin per route; the portal's front ends live on
several origins per stage, so each app answers preflights (``OPTIONS`` on every route) and
adds the allow headers to its answers when the caller's ``Origin`` is one the stage allows.

Allowed origins are configuration (``PORTAL_CORS_ORIGINS``, comma-separated; a stage's
``cors_origins`` in ``infra/stages.json``). An origin is written exactly
(``https://dichvucong.gov.vn``) or with ``*`` for its port (``http://localhost:*``: any
port, or none). Unset, the local defaults apply: any port on ``localhost`` and
``127.0.0.1`` over http.

>>> policy = CorsPolicy.parse("https://dichvucong.gov.vn, http://localhost:*")
>>> policy.allows("http://localhost:5173"), policy.allows("http://localhost.evil:80")
(True, False)
>>> policy.allows("https://dichvucong.gov.vn"), policy.allows("http://dichvucong.gov.vn")
(True, False)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from services.core.settings import get_settings

ALLOWED_HEADERS = (
    "Authorization",
    "Content-Type",
    "Accept-Language",
    "Idempotency-Key",
    "X-Correlation-Id",
)
EXPOSED_HEADERS = ("X-Correlation-Id", "Retry-After", "Location", "WWW-Authenticate")
MAX_AGE_SECONDS = 600
_ORIGIN = re.compile(r"^(https?)://([a-z0-9.-]+|\[[0-9a-f:]+\])(?::(\d{1,5}|\*))?$")


@dataclass(frozen=True, slots=True)
class CorsPolicy:
    exact: frozenset[str]
    any_port: frozenset[str]  # "scheme://host" whose every port is allowed

    @classmethod
    def parse(cls, configured: str) -> CorsPolicy:
        exact: set[str] = set()
        any_port: set[str] = set()
        for written in (part.strip().lower().rstrip("/") for part in configured.split(",")):
            if not written:
                continue
            match = _ORIGIN.fullmatch(written)
            if match is None:
                raise ValueError(f"not an origin: {written!r}")
            scheme, host, port = match.groups()
            if port == "*":
                any_port.add(f"{scheme}://{host}")
            else:
                exact.add(written)
        return cls(frozenset(exact), frozenset(any_port))

    def allows(self, origin: str | None) -> bool:
        if not origin:
            return False
        match = _ORIGIN.fullmatch(origin)
        if match is None or match.group(3) == "*":
            return False  # an Origin header is a real origin, never a pattern
        if origin in self.exact:
            return True
        scheme, host, _ = match.groups()
        return f"{scheme}://{host}" in self.any_port

    def answer_headers(self, origin: str | None) -> dict[str, str]:
        """What an answer to ``origin`` carries so that its page may read it."""
        if not self.allows(origin):
            return {}
        assert origin is not None
        return {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Expose-Headers": ", ".join(EXPOSED_HEADERS),
            "Vary": "Origin",
        }

    def preflight_headers(self, origin: str | None, methods: list[str]) -> dict[str, str]:
        """The answer to a preflight: which methods and headers the route takes from
        ``origin``; nothing (so the browser refuses) for an origin not allowed."""
        if not self.allows(origin):
            return {"Vary": "Origin"}
        assert origin is not None
        return {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": ", ".join(sorted({*methods, "OPTIONS"})),
            "Access-Control-Allow-Headers": ", ".join(ALLOWED_HEADERS),
            "Access-Control-Max-Age": str(MAX_AGE_SECONDS),
            "Vary": "Origin",
        }


@cache
def policy() -> CorsPolicy:
    """The stage's policy, read once per process."""
    return CorsPolicy.parse(get_settings().cors_origins)
