"""The base of every request and answer model.

Models validate on first use, not at import (``defer_build``): a Lambda container's cold
start then builds only the models its first requests use, not the whole API's (about 40 ms
of the catalogue's import otherwise).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    """An answer, or a query a caller may send more than the route reads."""

    model_config = ConfigDict(defer_build=True)


class Strict(Model):
    """A request body: a field the portal does not know is refused, never ignored."""

    model_config = ConfigDict(defer_build=True, extra="forbid")
