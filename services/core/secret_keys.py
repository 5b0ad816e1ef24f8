"""Keys the services keep in Secrets Manager (the cursor key, the pseudonym key), read once
per container through Powertools Parameters, and replaceable in tests.

>>> key = SecretKey(lambda: "portal-test/example-key")
>>> key.set_source(lambda: b"fixed")
>>> key.get()
b'fixed'
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

MAX_AGE_SECONDS = 300


class SecretKey:
    """One secret's bytes; ``secret_name`` is asked when the key is first needed, so the
    settings it reads may be set after import."""

    def __init__(self, secret_name: Callable[[], str]) -> None:
        self._secret_name = secret_name
        self._source: Callable[[], bytes] = cache(self._load)

    def _load(self) -> bytes:
        from aws_lambda_powertools.utilities import parameters

        secret = parameters.get_secret(self._secret_name(), max_age=MAX_AGE_SECONDS)
        return str(secret).encode()

    def get(self) -> bytes:
        return self._source()

    def set_source(self, source: Callable[[], bytes]) -> None:
        """Where the key comes from instead (tests that run without the secret)."""
        self._source = source

    def reset(self) -> None:
        """Read the secret again on next use (a new moto world, a rotated secret)."""
        self._source = cache(self._load)
