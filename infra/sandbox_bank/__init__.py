"""A sandbox bank for the local stack: it plays VNPAY (2.1.0) and MoMo (v2, captureWallet)
so that a fee can be paid end to end in a browser, with no bank account and no internet.

It is the *bank's* side, written independently of ``services.payments`` from the providers'
published rules (the standard library, and Vietnam's zone from ``services.core.clock``), so
that a mistake in the portal's signing shows up here as it would at the real bank:

- ``GET  /sandbox-bank/``              what the sandbox has seen (no secrets)
- ``GET  /sandbox-bank/vnpay/pay``     VNPAY's pay page (the portal's ``pay_url``)
- ``POST /sandbox-bank/vnpay/pay``     Pay or Cancel: IPN to the portal, then the citizen's
  browser back to ``vnp_ReturnUrl``
- ``POST /sandbox-bank/vnpay/api``     VNPAY ``merchant_webapi``: ``refund``
- ``POST /sandbox-bank/momo/create``   MoMo ``/v2/gateway/api/create``
- ``GET  /sandbox-bank/momo/pay``      MoMo's pay page (the ``payUrl`` it answered)
- ``POST /sandbox-bank/momo/pay``      Pay or Cancel: IPN to ``ipnUrl``, then ``redirectUrl``
- ``POST /sandbox-bank/momo/refund``   MoMo ``/v2/gateway/api/refund``

:class:`SandboxBank` is transport-free (``handle(method, path, query, headers, body)``), so
the local gateway serves it on the portal's port and :func:`serve` runs it on its own port.
Everything it knows is in memory and dies with the process. It never logs a secret.

Each provider's desk (its checks, its answers) lives in a module of its own, ``vnpay`` and
``momo``, so that one can be checked against its published specification without reading
the other; both sign with ``signing``, which the tests and benchmarks that play the bank
use too; ``server`` joins the desks into :class:`SandboxBank` and serves it. ``pages``
(HTML), ``transport`` (HTTP in and out) and ``merchant`` (what a pay request is for: the
merchant's name, and the procedure and receiving agency the portal's order info names, read
from its public catalogue) are what the desks share.
"""

from infra.sandbox_bank.server import SandboxBank, SandboxBankServer, serve, stop
from infra.sandbox_bank.signing import (
    momo_sign,
    vnpay_hash_data,
    vnpay_notice,
    vnpay_pipe_hash,
    vnpay_sign,
)
from infra.sandbox_bank.transport import PREFIX

__all__ = [
    "PREFIX",
    "SandboxBank",
    "SandboxBankServer",
    "momo_sign",
    "serve",
    "stop",
    "vnpay_hash_data",
    "vnpay_notice",
    "vnpay_pipe_hash",
    "vnpay_sign",
]
