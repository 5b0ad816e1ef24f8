"""Shared fixtures: one moto world per test module, built from the shared template.

The environment is set before any app is imported, as Lambda would set it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from infra import moto_world as moto_world_setup
from services.core import tokens as token_minting

_SIGNING_KEY = token_minting.generate_private_key_pem()
moto_world_setup.prepare_environment("test", _SIGNING_KEY)


@pytest.fixture(scope="module")
def moto_world() -> Iterator[None]:
    with moto_world_setup.moto_world("test"):
        yield


@pytest.fixture(scope="session")
def signing_key() -> str:
    return _SIGNING_KEY


Headers = Callable[..., dict[str, str]]


@pytest.fixture(scope="session")
def auth() -> Headers:
    """``auth("official", agency="bo-cong-an")``: request headers with a fresh token."""

    def headers(
        role: str, *, sub: str | None = None, agency: str | None = None, **extra: str
    ) -> dict[str, str]:
        token = token_minting.mint(_SIGNING_KEY, roles=[role], sub=sub, agency_id=agency)
        return {"Authorization": f"Bearer {token}", "Content-Type": "application/json", **extra}

    return headers


def body_of(response: Any) -> Any:
    return json.loads(response.body) if response.body else None


def documented_statuses(client: Any, method: str, path: str) -> set[int]:
    """The statuses the app's own OpenAPI document promises for one operation."""
    document = body_of(client.http.get("/openapi.json"))
    return {int(code) for code in document["paths"][path][method.lower()]["responses"]}


class SetClock:
    """The portal's time in a test: ``clock.set(moment)``, ``clock.advance(minutes=16)``.
    Until set, it is the real time."""

    def __init__(self) -> None:
        self.moment: datetime | None = None

    def now(self) -> datetime:
        from services.core import clock as portal_clock

        return self.moment if self.moment is not None else portal_clock._system_time()

    def set(self, moment: datetime) -> datetime:
        if moment.tzinfo is None:
            raise ValueError("a test's moment needs its time zone")
        self.moment = moment
        return moment

    def advance(self, delta: timedelta | None = None, **parts: float) -> datetime:
        return self.set(self.now() + (delta or timedelta(**parts)))


@pytest.fixture
def clock() -> Iterator[SetClock]:
    """The one seam through which a test moves the portal's time (services.core.clock)."""
    from services.core import clock as portal_clock

    setter = SetClock()
    portal_clock.set_source(setter.now)
    try:
        yield setter
    finally:
        portal_clock.reset()
