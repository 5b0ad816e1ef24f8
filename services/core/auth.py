"""Bearer-token identity: verify national-IdP JWTs and check roles and agency scope.

Tokens are signed with asymmetric keys published as a JWKS: the identity provider's at
``PORTAL_JWKS_URL`` (issuer ``PORTAL_JWT_ISSUER``, audience ``PORTAL_JWT_AUDIENCE``; the set
is read again every ``PORTAL_JWKS_MAX_AGE_SECONDS``, and at once for an unknown ``kid``),
and the local one inline in ``PORTAL_JWKS_JSON`` (``portal token``'s issuer
``https://id.portal.local``; the local stack and tests). Both may be trusted at once: the
token's ``iss`` says which. Expiry, issuer and audience are checked, ``sub`` must be a
non-empty string, ``roles`` a list of strings and ``agency_id`` an agency id.
PyJWT and cryptography load on first use so that a cold start without a token skips them.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any

from services.core.identifiers import is_agency_id
from services.core.problems import Text, forbidden, unauthenticated
from services.core.settings import LOCAL_AUDIENCE, LOCAL_ISSUER, get_settings

log = logging.getLogger("portal.auth")

_ALGORITHMS = ["RS256", "ES256"]


class Role(StrEnum):
    CITIZEN = "citizen"
    OFFICIAL = "official"
    OPERATOR = "operator"
    SYSTEM = "system"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: ``sub`` is the person or system, ``agency_id`` binds officials and
    one-stop systems to their agency."""

    sub: str
    roles: frozenset[Role]
    agency_id: str | None = None

    def has(self, *roles: Role) -> bool:
        return not self.roles.isdisjoint(roles)

    def acts_for(self, agency_ids: list[str] | set[str] | tuple[str, ...]) -> bool:
        """An operator, or an official or system of one of ``agency_ids``."""
        if Role.OPERATOR in self.roles:
            return True
        return (
            self.has(Role.OFFICIAL, Role.SYSTEM)
            and self.agency_id is not None
            and self.agency_id in agency_ids
        )


_BAD_TOKEN = Text("Mã xác thực không hợp lệ hoặc đã hết hạn.", "The token is invalid or expired.")

UNKNOWN_KID_REFETCH_SECONDS = 10.0
"""A token naming a key the provider's set does not hold makes the set be fetched again
(the provider may have just rotated), but not more often than this: a stream of forged key
ids must not become a stream of requests to the identity provider."""


class _PublishedKeys:
    """The keys an identity provider publishes at a JWKS URL.

    The set is fetched again once it is ``max_age`` seconds old, so a key the provider
    stops publishing stops being trusted within ``max_age`` (PyJWT's own key cache would
    trust it for the life of the process). A key id the set lacks fetches it again at
    once, at most every :data:`UNKNOWN_KID_REFETCH_SECONDS`. When the provider cannot be
    reached the last set read stays in use (an outage of the identity provider must not
    sign everyone out) and the next request tries again.
    """

    def __init__(self, url: str, max_age: float) -> None:
        self.url = url
        self.max_age = max_age
        self._keys: dict[str | None, Any] = {}
        self._fetched_at: float | None = None
        self._lock = threading.Lock()

    def _fetch(self) -> None:
        import urllib.request

        import jwt

        request = urllib.request.Request(self.url, headers={"Accept": "application/json"})  # noqa: S310 - the stage's own setting
        with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310
            document = json.loads(answer.read())
        keys = jwt.PyJWKSet.from_dict(document).keys
        self._keys = {key.key_id: key for key in keys}

    def _refresh(self, now: float) -> None:
        try:
            self._fetch()
        except Exception as error:  # the set stays as it was; logged without the URL's answer
            log.warning("jwks not refreshed", extra={"error": type(error).__name__})
        self._fetched_at = now

    def key(self, kid: str | None) -> Any:
        with self._lock:
            now = time.monotonic()
            age = None if self._fetched_at is None else now - self._fetched_at
            if (
                age is None
                or age >= self.max_age
                or (kid not in self._keys and age >= UNKNOWN_KID_REFETCH_SECONDS)
            ):
                self._refresh(now)
            return self._keys.get(kid)


class _InlineKeys:
    """A key set given whole in the environment (the local stack's and the tests' own)."""

    def __init__(self, document: str) -> None:
        import jwt

        self._keys = {key.key_id: key for key in jwt.PyJWKSet.from_json(document).keys}

    def key(self, kid: str | None) -> Any:
        if kid is None and len(self._keys) == 1:
            return next(iter(self._keys.values()))
        return self._keys.get(kid)


@dataclass(frozen=True, slots=True)
class _Issuer:
    audience: str
    keys: _PublishedKeys | _InlineKeys


@cache
def _issuers() -> dict[str, _Issuer]:
    """Whom tokens are trusted from, by ``iss``: the identity provider at its JWKS URL, and
    the local key set that ``portal token`` signs with, each with its own issuer."""
    settings = get_settings()
    trusted: dict[str, _Issuer] = {}
    if settings.jwks_json:
        trusted[LOCAL_ISSUER] = _Issuer(LOCAL_AUDIENCE, _InlineKeys(settings.jwks_json))
    if settings.jwks_url:
        trusted[settings.jwt_issuer] = _Issuer(
            settings.jwt_audience,
            _PublishedKeys(settings.jwks_url, settings.jwks_max_age_seconds),
        )
    return trusted


def _claims(token: str) -> dict[str, Any]:
    import jwt

    unverified = jwt.decode(token, options={"verify_signature": False})
    named = unverified.get("iss")
    issuer = _issuers().get(named) if isinstance(named, str) else None
    if issuer is None:
        raise unauthenticated(_BAD_TOKEN)
    key = issuer.keys.key(jwt.get_unverified_header(token).get("kid"))
    if key is None:
        raise unauthenticated(_BAD_TOKEN)
    claims: dict[str, Any] = jwt.decode(
        token,
        key=key.key,
        algorithms=_ALGORITHMS,
        audience=issuer.audience,
        issuer=unverified["iss"],
        options={"require": ["exp", "iss", "aud", "sub"]},
        leeway=30,
    )
    return claims


def verify(token: str) -> Principal:
    """The principal a bearer token names, or a 401 problem."""
    import jwt

    try:
        claims = _claims(token)
    except (jwt.PyJWTError, ValueError, KeyError, TypeError):
        raise unauthenticated(_BAD_TOKEN) from None
    sub = claims.get("sub")
    roles_claim = claims.get("roles", [])
    agency = claims.get("agency_id")
    if (
        not isinstance(sub, str)
        or not sub.strip()
        or not isinstance(roles_claim, list)
        or not all(isinstance(role, str) for role in roles_claim)
        or (agency is not None and not (isinstance(agency, str) and is_agency_id(agency)))
    ):
        raise unauthenticated(_BAD_TOKEN)
    roles = frozenset(Role(r) for r in roles_claim if r in Role._value2member_map_)
    return Principal(sub=sub, roles=roles, agency_id=agency or None)


def principal_from_header(authorization: str | None) -> Principal | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthenticated(_BAD_TOKEN)
    return verify(token.strip())


def require(principal: Principal | None, *roles: Role) -> Principal:
    """``principal`` if it holds one of ``roles``: 401 without a token, 403 with the wrong one."""
    if principal is None:
        raise unauthenticated()
    if roles and not principal.has(*roles):
        raise forbidden()
    return principal


def reset_key_caches() -> None:
    _issuers.cache_clear()
