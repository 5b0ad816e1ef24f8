"""Deployment stages as configuration: ``infra/stages.json``, validated.

A stage holds what differs between dev, staging and prod and is not secret: region, sizes,
log retention, the identity provider, the portal's public address. Secrets (bank keys, HMAC
keys) live in Secrets Manager, created by the shared stack and filled in by operators; no
value of one is ever in this file or in a template.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

STAGES_FILE = Path(__file__).with_name("stages.json")
# CloudWatch Logs accepts only these retention periods.
RetentionDays = Literal[1, 3, 5, 7, 14, 30, 60, 90, 180, 365, 731, 1827, 3653]
HttpsUrl = Annotated[str, Field(pattern=r"^https://[^\s]+$", max_length=500)]


class Stage(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    region: str = Field(pattern=r"^[a-z]{2}(-[a-z]+)+-\d$")
    memory_mb: int = Field(ge=128, le=10240)
    log_retention_days: RetentionDays
    # Kept as written: a token's ``iss`` must equal the issuer to the character.
    jwt_issuer: HttpsUrl
    jwt_audience: str = Field(min_length=1, max_length=200)
    jwks_url: HttpsUrl
    payment_return_url: HttpsUrl
    # The portal's public address, for links in letters and messages to citizens.
    public_url: HttpsUrl
    api_throttle_rate: int = Field(ge=1, description="Steady requests per second per API.")
    api_throttle_burst: int = Field(ge=1)
    # Browser origins whose pages may call the API (services.core.cors): exact, or with
    # ``*`` for any port (a developer's machine against dev).
    cors_origins: list[Annotated[str, Field(pattern=r"^https?://[a-z0-9.-]+(:(\d{1,5}|\*))?$")]]


class UnknownStage(ValueError):
    pass


@cache
def all_stages() -> dict[str, Stage]:
    raw = json.loads(STAGES_FILE.read_text())
    return {name: Stage.model_validate(value) for name, value in raw.items()}


def stage(name: str) -> Stage:
    try:
        return all_stages()[name]
    except KeyError:
        known = ", ".join(sorted(all_stages()))
        raise UnknownStage(f"no stage {name!r} in {STAGES_FILE.name}; known: {known}") from None
