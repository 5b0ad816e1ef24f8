"""Bearer-token identity: verify national-IdP JWTs and check roles and agency scope.

Tokens are signed with asymmetric keys published as a JWKS, either at ``PORTAL_JWKS_URL``
(the identity provider, keys cached and refreshed on an unknown ``kid``) or inline in
``PORTAL_JWKS_JSON`` (the local stack and tests). Expiry, issuer and audience are checked.
PyJWT and cryptography load on first use so that a cold start without a token skips them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any

from services.core.problems import Text, forbidden, unauthenticated
from services.core.settings import get_settings

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


@cache
def _jwks_client() -> Any:
    import jwt

    settings = get_settings()
    if settings.jwks_url:
        return jwt.PyJWKClient(settings.jwks_url, cache_keys=True, lifespan=3600)
    return None


@cache
def _inline_keys() -> dict[str | None, Any]:
    import jwt

    settings = get_settings()
    if not settings.jwks_json:
        return {}
    keys = jwt.PyJWKSet.from_json(settings.jwks_json).keys
    return {key.key_id: key for key in keys}


def _signing_key(token: str) -> Any:
    import jwt

    kid = jwt.get_unverified_header(token).get("kid")
    client = _jwks_client()
    if client is not None:
        return client.get_signing_key(kid)
    keys = _inline_keys()
    key = keys.get(kid) or (next(iter(keys.values())) if len(keys) == 1 and kid is None else None)
    if key is None:
        raise unauthenticated(_BAD_TOKEN)
    return key


def verify(token: str) -> Principal:
    """The principal a bearer token names, or a 401 problem."""
    import jwt

    settings = get_settings()
    try:
        key = _signing_key(token)
        claims = jwt.decode(
            token,
            key=key.key,
            algorithms=_ALGORITHMS,
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require": ["exp", "iss", "aud", "sub"]},
            leeway=30,
        )
    except (jwt.PyJWTError, ValueError, KeyError):
        raise unauthenticated(_BAD_TOKEN) from None
    roles_claim = claims.get("roles", [])
    if not isinstance(roles_claim, list):
        raise unauthenticated(_BAD_TOKEN)
    roles = frozenset(Role(r) for r in roles_claim if r in Role._value2member_map_)
    agency = claims.get("agency_id")
    return Principal(
        sub=str(claims["sub"]),
        roles=roles,
        agency_id=str(agency) if agency else None,
    )


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
    _jwks_client.cache_clear()
    _inline_keys.cache_clear()
