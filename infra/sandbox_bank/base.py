"""What the VNPAY and MoMo desks stand on. The two providers are served by one object, with
one lock and one address; each desk is a mixin of that object, and this base names the
state they share so that each desk module can be read (and type-checked) on its own.
"""

from __future__ import annotations

import logging
import threading

from infra.sandbox_bank.transport import HttpGet, HttpPost

log = logging.getLogger("sandbox-bank")


class BankBase:
    """The state both desks share; :class:`~infra.sandbox_bank.server.SandboxBank` sets it."""

    portal_base_url: str
    public_base_url: str | None
    http_post: HttpPost
    http_get: HttpGet
    _lock: threading.Lock

    @property
    def bank_base_url(self) -> str:
        return self.public_base_url or self.portal_base_url
