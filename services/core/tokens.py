"""Minting tokens the way the national identity provider does, for the local stack and tests.

Nothing in a deployed service imports this: in AWS the identity provider signs tokens and
the services only verify them (``services.core.auth``).
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

from services.core.settings import LOCAL_AUDIENCE, LOCAL_ISSUER

LOCAL_KID = "portal-local-1"


def generate_private_key_pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def load_or_create_private_key(path: Path) -> str:
    """The local signing key, created on first use and kept (owner-only) for later runs."""
    if path.exists():
        return path.read_text()
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = generate_private_key_pem()
    path.write_text(pem)
    path.chmod(0o600)
    return pem


def jwks_json(private_key_pem: str, kid: str = LOCAL_KID) -> str:
    """The public JWKS matching ``private_key_pem``, as the services read it."""
    import jwt
    from cryptography.hazmat.primitives import serialization

    private_key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    jwk: dict[str, Any] = json.loads(
        jwt.algorithms.ECAlgorithm.to_jwk(private_key.public_key())  # type: ignore[arg-type]
    )
    jwk.update({"kid": kid, "use": "sig", "alg": "ES256"})
    return json.dumps({"keys": [jwk]})


def mint(
    private_key_pem: str,
    *,
    roles: list[str],
    sub: str | None = None,
    agency_id: str | None = None,
    issuer: str = LOCAL_ISSUER,
    audience: str = LOCAL_AUDIENCE,
    lifetime_seconds: int = 3600,
    kid: str = LOCAL_KID,
) -> str:
    import jwt

    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": audience,
        "sub": sub or f"local-{uuid.uuid4().hex[:12]}",
        "roles": roles,
        "iat": now,
        "exp": now + lifetime_seconds,
    }
    if agency_id:
        claims["agency_id"] = agency_id
    return jwt.encode(claims, private_key_pem, algorithm="ES256", headers={"kid": kid})
