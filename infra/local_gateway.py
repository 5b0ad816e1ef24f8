"""One HTTP port for the services, as an API Gateway custom domain with base-path
mappings: ``/catalogue/procedures?q=x`` reaches the catalogue app's ``/procedures``.

Chalice's own :class:`chalice.local.LocalGateway` turns each request into the API Gateway
event the app receives in AWS, so the apps run exactly the code they run there. What API
Gateway answers by itself (an unknown base path or route) is answered here, in the portal's
``application/problem+json`` shape rather than API Gateway's ``{"message": ...}``.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from chalice.app import Chalice
from chalice.config import Config
from chalice.local import LocalChalice, LocalGateway, LocalGatewayException, RouteMatcher

from infra import local_pages
from infra.sandbox_bank import PREFIX as SANDBOX_BANK_PREFIX
from infra.sandbox_bank import SandboxBank
from services.core import observability
from services.core.api import language_from
from services.core.pages import HTML, wants_html
from services.core.problems import PROBLEM_JSON, Problem, Text

MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
API_TIMEOUT_SECONDS = 29  # API Gateway's integration timeout

log = observability.logger("local-stack")

_NO_ROUTE = Text("Không tìm thấy địa chỉ này.", "There is nothing at this address.")
_TOO_LARGE = Text("Nội dung yêu cầu quá lớn.", "The request body is too large.")
_BAD_LENGTH = Text("Độ dài nội dung không hợp lệ.", "The Content-Length is invalid.")
_NOT_READY = Text("Cổng đang khởi động, vui lòng thử lại.", "The portal is starting; try again.")
_INTERNAL = Text(
    "Đã có lỗi xảy ra, vui lòng thử lại sau.", "Something went wrong; try again later."
)
# What http.server refuses before a request reaches the portal, in the portal's words.
_REFUSED_BY_THE_SERVER: dict[int, Text] = {
    400: Text("Yêu cầu HTTP không hợp lệ.", "The HTTP request is malformed."),
    414: Text("Địa chỉ yêu cầu quá dài.", "The request line is too long."),
    431: Text(
        "Phần đầu yêu cầu quá lớn hoặc có quá nhiều trường.",
        "A header line is too long, or there are too many headers.",
    ),
    501: Text("Phương thức không được hỗ trợ.", "The method is not supported."),
    505: Text("Phiên bản HTTP không được hỗ trợ.", "The HTTP version is not supported."),
}


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def problem_reply(status: int, detail: Text, accept_language: str | None) -> Reply:
    body = Problem(status, detail).body(language_from(accept_language))
    return Reply(
        status,
        [("Content-Type", PROBLEM_JSON)],
        json.dumps(body, ensure_ascii=False).encode(),
    )


def _thread_safe(app: Chalice) -> None:
    """Keep ``app.current_request`` per thread: Chalice stores it on the app, which is one
    object shared by every request thread here (in Lambda one process serves one request)."""
    if not isinstance(app, LocalChalice):
        app.__class__ = type(f"Local{type(app).__name__}", (LocalChalice, type(app)), {})


class Service:
    """One app behind its base path."""

    def __init__(self, base_path: str, app: Chalice, stage: str) -> None:
        _thread_safe(app)
        self.base_path = base_path
        self.app = app
        self.routes = RouteMatcher(list(app.routes))
        self.gateway = LocalGateway(
            app,
            Config.create(
                chalice_stage=stage,
                app_name=app.app_name,
                lambda_timeout=API_TIMEOUT_SECONDS,
                lambda_memory_size=512,
            ),
        )

    def has_route(self, path: str) -> bool:
        try:
            self.routes.match_route(path)
        except ValueError:
            return False
        return True

    def handle(
        self, method: str, path: str, query: str, headers: dict[str, str], body: bytes | None
    ) -> Reply:
        if not self.has_route(path):
            return problem_reply(404, _NO_ROUTE, headers.get("accept-language"))
        target = f"{path}?{query}" if query else path
        try:
            response = self.gateway.handle_request(method, target, headers, body)
        except LocalGatewayException as error:
            # Only a Chalice authorizer raises here once the route exists; none of the
            # services uses one, but answer as API Gateway would rather than fail.
            return Reply(error.CODE, [("Content-Type", "application/json")], error.body or b"")
        return _reply_from(response)


def _reply_from(response: Mapping[str, Any]) -> Reply:
    headers: list[tuple[str, str]] = [
        (str(k), str(v)) for k, v in (response.get("headers") or {}).items()
    ]
    for name, values in (response.get("multiValueHeaders") or {}).items():
        headers.extend((str(name), str(v)) for v in values)
    raw = response.get("body")
    if raw is None:
        body = b""
    elif response.get("isBase64Encoded"):
        body = base64.b64decode(raw)
    elif isinstance(raw, bytes):
        body = raw
    else:
        body = str(raw).encode("utf-8")
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers.append(("Content-Type", "application/json"))  # API Gateway's default
    return Reply(int(response["statusCode"]), headers, body)


class Portal:
    """The dispatcher: base path to service, ``/`` to an index of the services, and
    ``/sandbox-bank/`` to the local stack's sandbox bank when it has one."""

    def __init__(
        self,
        apps: Mapping[str, Chalice],
        *,
        stage: str,
        base_url: str,
        sandbox_bank: SandboxBank | None = None,
    ) -> None:
        self.services = {name: Service(name, app, stage) for name, app in apps.items()}
        self.base_url = base_url.rstrip("/")
        self.sandbox_bank = sandbox_bank

    def index(self) -> Reply:
        body: dict[str, Any] = {
            "services": {
                name: {
                    "base_url": f"{self.base_url}/{name}",
                    "openapi": f"{self.base_url}/{name}/openapi.json",
                    "health": f"{self.base_url}/{name}/health",
                }
                for name in self.services
            }
        }
        if self.sandbox_bank is not None:
            body["sandbox_bank"] = {"base_url": f"{self.base_url}{SANDBOX_BANK_PREFIX}/"}
        return Reply(200, [("Content-Type", "application/json")], json.dumps(body).encode())

    def index_page(self) -> Reply:
        bank = f"{self.base_url}{SANDBOX_BANK_PREFIX}/" if self.sandbox_bank is not None else None
        extra = (local_pages.Link(f"{self.base_url}/outbox", local_pages.OUTBOX_TITLE),)
        page = local_pages.index(self.base_url, list(self.services), bank, extra)
        return Reply(200, [("Content-Type", HTML)], page.encode())

    def handle(
        self, method: str, target: str, headers: dict[str, str], body: bytes | None
    ) -> Reply:
        # Not urlsplit: a path starting with "//" would be read as a host name.
        path, _, query = target.partition("?")
        path = path or "/"
        if path == "/" and method in ("GET", "HEAD"):
            if wants_html(headers.get("accept")):
                return self.index_page()
            return self.index()
        if path == "/guides" and method in ("GET", "HEAD"):
            return Reply(200, [("Content-Type", HTML)], local_pages.guides_page().encode())
        if path == "/outbox" and method in ("GET", "HEAD"):
            page = local_pages.outbox_page(local_pages.sent_messages())
            return Reply(
                200, [("Content-Type", HTML), ("Cache-Control", "no-store")], page.encode()
            )
        if self.sandbox_bank is not None and (
            path == SANDBOX_BANK_PREFIX or path.startswith(SANDBOX_BANK_PREFIX + "/")
        ):
            status, reply_headers, reply_body = self.sandbox_bank.handle(
                method, path, query, headers, body
            )
            return Reply(status, reply_headers, reply_body)
        base, _, rest = path.lstrip("/").partition("/")
        service = self.services.get(base)
        if service is None:
            return problem_reply(404, _NO_ROUTE, headers.get("accept-language"))
        return service.handle(method, "/" + rest, query, headers, body)


class GatewayHandler(BaseHTTPRequestHandler):
    """HTTP to :class:`Portal` and back. Never lets an error out as a stack trace."""

    protocol_version = "HTTP/1.1"
    # Headers and body leave in two writes; under Nagle's algorithm the body waits for the
    # client's delayed ACK of the headers, 40 ms per request on a kept-alive connection (as
    # browsers and HTTP clients keep them). Writes stay unbuffered so that a 100 Continue
    # is not held back.
    disable_nagle_algorithm = True
    server: PortalHTTPServer

    def _body(self) -> bytes | None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._chunked_body()
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0:
            raise ValueError("negative length")
        if length > MAX_BODY_BYTES:
            raise OverflowError
        return self.rfile.read(length) if length else None

    def _chunked_body(self) -> bytes | None:
        chunks: list[bytes] = []
        total = 0
        while True:
            size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(chunks) or None
            total += size
            if total > MAX_BODY_BYTES:
                raise OverflowError
            chunks.append(self.rfile.read(size))
            self.rfile.readline()

    def _handle(self) -> None:
        language = self.headers.get("Accept-Language")
        try:
            body = self._body()
        except OverflowError:
            self.close_connection = True  # the unread body would be taken for a request
            self._send(problem_reply(413, _TOO_LARGE, language))
            return
        except ValueError:
            self.close_connection = True
            self._send(problem_reply(400, _BAD_LENGTH, language))
            return
        portal = self.server.portal
        if portal is None:
            self._send(problem_reply(503, _NOT_READY, language))
            return
        # One value per header name, the last one winning, as API Gateway's ``headers``.
        headers = {name.lower(): value for name, value in self.headers.items()}
        try:
            reply = portal.handle(self.command, self.path, headers, body)
        except Exception as error:
            log.error("gateway error", extra={"trace": observability.safe_trace(error)})
            reply = problem_reply(500, _INTERNAL, language)
        self._send(reply)

    def _send(self, reply: Reply) -> None:
        self.send_response(reply.status)
        for name, value in reply.headers:
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own refusals (an overlong request line or header, a method it does
        not know) as problems, never its HTML page. The request was not read whole, so the
        connection closes after the answer."""
        detail = _REFUSED_BY_THE_SERVER.get(code, _REFUSED_BY_THE_SERVER[400])
        reply = problem_reply(code, detail, None)
        self.close_connection = True
        if not hasattr(self, "command") or self.command is None:
            self.command = "GET"  # the request line was never parsed: answer with a body
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        self.send_header("Connection", "close")
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    def log_message(self, format: str, *args: Any) -> None:
        # The apps log every request themselves (correlation id, route, status); the
        # default access line would add the raw query string, which can carry an access key.
        pass


class PortalHTTPServer(ThreadingHTTPServer):
    """Binds at once (so a taken port fails before anything starts) and serves a
    :class:`Portal` once one is attached; until then it answers 503."""

    daemon_threads = True
    allow_reuse_address = True
    # How many connections may wait to be accepted: the default of 5 refused some of 32
    # clients connecting at once, as a page's parallel requests and fuzzers do.
    request_queue_size = 256

    def __init__(self, host: str, port: int) -> None:
        super().__init__((host, port), GatewayHandler)
        self.portal: Portal | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def start(self, portal: Portal) -> None:
        self.portal = portal
        self._thread = threading.Thread(target=self.serve_forever, name="gateway", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self.shutdown()
            self._thread.join(5)
        self.server_close()
