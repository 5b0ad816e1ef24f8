"""``portal up``: the whole portal on one machine, on moto.

In order: moto in server mode (the local AWS), the shared template deployed into it, the
five apps on one port under their base paths, their queue handlers and schedules on
threads, demo data, and a state file that lets ``portal catalogue import`` in another
terminal find this stack. What the portal e-mails and texts to citizens lands in moto's SES
and SNS, and ``/outbox`` shows it. Ctrl-C or SIGTERM undoes it all and exits 0.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import os
import secrets
import signal
import string
import sys
import threading
import warnings
from collections.abc import Iterator
from types import FrameType
from typing import TYPE_CHECKING, Any

from infra import paths

if TYPE_CHECKING:
    from chalice.app import Chalice
    from moto.server import ThreadedMotoServer

    from infra.local_events import EventSources
    from infra.local_gateway import PortalHTTPServer
    from infra.sandbox_bank import SandboxBank

STAGE = "local"
DEFAULT_REGION = "ap-southeast-1"
APPS = {
    "catalogue": "services.catalogue.app",
    "payments": "services.payments.app",
    "feedback": "services.feedback.app",
    "ratings": "services.ratings.app",
    "dossiers": "services.dossiers.app",
    "reports": "services.reports.app",
}
# Overrides that would point the apps away from the tables, queues and keys of this stack.
_FOREIGN_SETTINGS = (
    "CATALOGUE_TABLE",
    "PAYMENTS_TABLE",
    "FEEDBACK_TABLE",
    "RATINGS_TABLE",
    "DOSSIERS_TABLE",
    "REPORTS_TABLE",
    "PROCEDURE_CHANGES_QUEUE",
    "REPORT_EVENTS_QUEUE",
    "NOTIFICATIONS_QUEUE",
    "DOSSIER_PAYMENTS_QUEUE",
    "DOSSIER_RESULTS_QUEUE",
    "DOSSIER_RESULTS_BUCKET",
    "DOSSIER_CONTACT_KEY",
    "NOTIFICATION_SENDER",
    "CURSOR_SECRET_NAME",
    "PAYMENT_SETTLED_QUEUE",
    "PAYMENT_PROVIDER_SECRETS",
)
# The merchant profiles the payments app reads; seeded to point at the sandbox bank.
VNPAY_SECRET = f"portal-{STAGE}/payments/vnpay"
MOMO_SECRET = f"portal-{STAGE}/payments/momo"
MERCHANT_CODE = "PORTAL01"
MOMO_ACCESS_KEY = "portal-local"


class StartupError(Exception):
    """A reason not to start that the user can fix; shown without a traceback."""


def _display_host(host: str) -> str:
    """Where a browser on this machine reaches a server bound to ``host``."""
    return "127.0.0.1" if host in ("", "0.0.0.0", "::") else host  # noqa: S104


def _generated_secret() -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(32))


# What moto's CloudFormation skips and the local stack does not miss: secrets and the e-mail
# sender's identity, which infra.world creates itself, and alarms, which have nobody to page
# locally.
_SKIPPED_QUIETLY = {
    ("AWS::SecretsManager::Secret",),
    ("AWS::CloudWatch::Alarm",),
    ("AWS::SES::EmailIdentity",),
}


class _SkippedResourceFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not (
            record.msg == "No Moto CloudFormation support for %s"
            and record.args in _SKIPPED_QUIETLY
        )


def _quiet_libraries() -> None:
    # moto's werkzeug logs every AWS call the apps make, which drowns the apps' own logs.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    # moto's CloudFormation skips secrets; infra.world creates them from the same template,
    # so that warning (one per resource pass) says nothing. Other moto warnings stay.
    logging.getLogger("moto").addFilter(_SkippedResourceFilter())
    warnings.filterwarnings("ignore", message="Tried to parse AWS", category=UserWarning)


class LocalStack:
    def __init__(self, *, port: int, host: str, seed: bool) -> None:
        self.host = host
        self.requested_port = port
        self.seed = seed
        self.moto: ThreadedMotoServer | None = None
        self.server: PortalHTTPServer | None = None
        self.events: EventSources | None = None
        self.sandbox_bank: SandboxBank | None = None
        self.endpoint_url = ""
        self.stopped = threading.Event()
        self._state_written = False

    @property
    def port(self) -> int:
        return self.server.port if self.server else self.requested_port

    @property
    def base_url(self) -> str:
        return f"http://{_display_host(self.host)}:{self.port}"

    # -- start -------------------------------------------------------------------------------
    def start_moto(self) -> None:
        from moto.server import ThreadedMotoServer

        from infra.moto_world import serialize_dynamodb

        serialize_dynamodb()  # a conditional write is atomic, as in DynamoDB
        # Port 0: the OS picks a free port, with no window for another process to take it.
        self.moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.moto.start()
        moto_host, moto_port = self.moto.get_host_and_port()
        self.endpoint_url = f"http://{moto_host}:{moto_port}"

    def configure_environment(self) -> None:
        """What Lambda's configuration would set, before any service module is imported."""
        from services.core import tokens

        os.environ["AWS_ENDPOINT_URL"] = self.endpoint_url
        os.environ.setdefault("AWS_DEFAULT_REGION", DEFAULT_REGION)
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
        os.environ["PORTAL_STAGE"] = STAGE
        os.environ["POWERTOOLS_TRACE_DISABLED"] = "true"
        os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
        for name in _FOREIGN_SETTINGS:
            os.environ.pop(name, None)
        # The key `portal token` signs with; its public half is what the apps trust.
        pem = tokens.load_or_create_private_key(paths.signing_key_file())
        os.environ["PORTAL_JWKS_JSON"] = tokens.jwks_json(pem)
        # The sandbox bank's keys: the developer's own, or fresh ones this run announces to
        # other terminals through the state file ("the hash secret is PORTAL_VNPAY_SECRET
        # as portal up saw it").
        for name in ("PORTAL_VNPAY_SECRET", "PORTAL_MOMO_SECRET"):
            if not os.environ.get(name):
                os.environ[name] = _generated_secret()

    def configure_payments(self) -> None:
        """Where the bank sends the citizen back, and where letters and messages to citizens
        link: known once the port is bound, still before any app is imported (settings are
        read once per process)."""
        os.environ["PAYMENT_RETURN_URL"] = f"{self.base_url}/payments/callbacks/vnpay/return"
        os.environ["PORTAL_PUBLIC_URL"] = self.base_url

    def bind(self) -> None:
        """Take the public port before the slow deploy, so a port in use fails at once."""
        from infra.local_gateway import PortalHTTPServer

        try:
            self.server = PortalHTTPServer(self.host, self.requested_port)
        except OSError as error:
            raise StartupError(
                f"cannot listen on {self.host}:{self.requested_port}: {error.strerror}"
            ) from None

    def deploy(self) -> None:
        from infra import world

        world.build(STAGE)

    def seed_merchant_profiles(self) -> None:
        """Point the payments app's VNPAY and MoMo profiles at the sandbox bank."""
        import boto3

        base = self.base_url
        profiles = {
            VNPAY_SECRET: {
                "tmn_code": MERCHANT_CODE,
                "hash_secret": os.environ["PORTAL_VNPAY_SECRET"],
                "pay_url": f"{base}/sandbox-bank/vnpay/pay",
                "api_url": f"{base}/sandbox-bank/vnpay/api",
            },
            MOMO_SECRET: {
                "partner_code": MERCHANT_CODE,
                "access_key": MOMO_ACCESS_KEY,
                "secret_key": os.environ["PORTAL_MOMO_SECRET"],
                "api_url": f"{base}/sandbox-bank/momo",
            },
        }
        client = boto3.client("secretsmanager")
        for name, profile in profiles.items():
            value = json.dumps(profile)
            try:
                client.put_secret_value(SecretId=name, SecretString=value)
            except client.exceptions.ResourceNotFoundException:
                client.create_secret(Name=name, SecretString=value)

    def start_sandbox_bank(self) -> None:
        """The sandbox bank, with the profiles as Secrets Manager holds them."""
        import boto3

        from infra.sandbox_bank import SandboxBank

        client = boto3.client("secretsmanager")
        vnpay, momo = (
            json.loads(client.get_secret_value(SecretId=name)["SecretString"])
            for name in (VNPAY_SECRET, MOMO_SECRET)
        )
        self.sandbox_bank = SandboxBank(self.base_url, vnpay, momo)

    def serve(self) -> None:
        from infra.local_events import EventSources
        from infra.local_gateway import Portal

        apps: dict[str, Chalice] = {
            name: importlib.import_module(module).app for name, module in APPS.items()
        }
        assert self.server is not None
        self.server.start(
            Portal(apps, stage=STAGE, base_url=self.base_url, sandbox_bank=self.sandbox_bank)
        )
        self.events = EventSources(apps.values(), stage=STAGE)
        self.events.start()

    def write_state(self) -> None:
        state = {
            "endpoint_url": self.endpoint_url,
            "stage": STAGE,
            "port": self.port,
            "base_url": self.base_url,
            "pid": os.getpid(),
            "environment": {
                "PORTAL_JWKS_JSON": os.environ["PORTAL_JWKS_JSON"],
                # Another terminal must reach the same moto region with credentials moto takes.
                "AWS_DEFAULT_REGION": os.environ["AWS_DEFAULT_REGION"],
                "AWS_ACCESS_KEY_ID": os.environ["AWS_ACCESS_KEY_ID"],
                "AWS_SECRET_ACCESS_KEY": os.environ["AWS_SECRET_ACCESS_KEY"],
                # What the sandbox bank signs with (the file is readable by its owner only).
                "PORTAL_VNPAY_SECRET": os.environ["PORTAL_VNPAY_SECRET"],
                "PORTAL_MOMO_SECRET": os.environ["PORTAL_MOMO_SECRET"],
                "PAYMENT_RETURN_URL": os.environ["PAYMENT_RETURN_URL"],
            },
        }
        target = paths.local_stack_file()
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".tmp")
        partial.write_text(json.dumps(state, indent=2))
        partial.chmod(0o600)
        partial.replace(target)  # a reader never sees half a file
        self._state_written = True

    def announce(self) -> None:
        base = self.base_url
        lines = ["", f"Local AWS (moto):  {self.endpoint_url}  (stage {STAGE})"]
        for name in APPS:
            lines.append(f"  {name:<10} {base}/{name:<10} OpenAPI: {base}/{name}/openapi.json")
        lines += [
            f"Index:             {base}/",
            f"Sandbox bank:      {base}/sandbox-bank/   (plays VNPAY and MoMo; no real money)",
            f"Outbox:            {base}/outbox   (the e-mails and SMS the portal sent)",
            "Token:             portal token --role operator   (or citizen, official, system)",
            "Import:            portal catalogue import FILE   (targets this stack)",
            "",
            f"Portal ready at {base}",
        ]
        print("\n".join(lines), flush=True)

    def start(self) -> None:
        _quiet_libraries()
        self.start_moto()
        self.configure_environment()
        self.bind()
        self.configure_payments()
        self.deploy()
        self.seed_merchant_profiles()
        self.start_sandbox_bank()
        self.serve()
        if self.seed:
            from infra.seed import seed

            print("Seeding demo data...", flush=True)
            seed(provinces=True)
        self.write_state()
        self.announce()

    # -- run and stop ------------------------------------------------------------------------
    def wait(self) -> None:
        # A timed wait: the main thread must wake up for signal handlers to run.
        while not self.stopped.wait(0.5):
            pass

    def stop(self) -> None:
        self.stopped.set()
        if self.server is not None:
            self.server.stop()
            self.server = None
        if self.events is not None:
            self.events.stop()  # before moto goes, so no poll fails on the way out
            self.events = None
        if self.moto is not None:
            with contextlib.suppress(Exception):
                self.moto.stop()
            self.moto = None
        if self._state_written:
            _remove_own_state()
            self._state_written = False


def _remove_own_state() -> None:
    """Remove the state file unless another stack (same PORTAL_HOME) has replaced it."""
    target = paths.local_stack_file()
    with contextlib.suppress(OSError, ValueError):
        if json.loads(target.read_text()).get("pid") == os.getpid():
            target.unlink()


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """SIGTERM stops the stack the way Ctrl-C does (signals reach the main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: Any = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def _no_interruptions() -> Iterator[None]:
    """Let cleanup finish: a second Ctrl-C would leave moto or the state file behind."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for number, handler in saved.items():
            signal.signal(number, handler)


def run(port: int, host: str, seed: bool) -> int:
    stack = LocalStack(port=port, host=host, seed=seed)
    code = 0
    with _sigterm_interrupts():
        try:
            stack.start()
            stack.wait()
        except KeyboardInterrupt:
            pass
        except StartupError as error:
            print(f"portal up: {error}", file=sys.stderr)
            code = 1
        finally:
            with _no_interruptions():
                print("Stopping the local portal...", flush=True)
                stack.stop()
    return code
