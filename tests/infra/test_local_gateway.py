"""The local stack's HTTP front: base paths, API Gateway events, problem answers.

Runs a tiny Chalice app of its own behind a real socket, so it needs neither AWS nor the
services' data.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from chalice.app import Chalice, Response

from infra import local_gateway
from infra.local_gateway import Portal, PortalHTTPServer

demo = Chalice(app_name="gateway-test")


@demo.route("/items/{item_id}")
def item(item_id: str) -> dict[str, Any]:
    time.sleep(0.01)  # lets concurrent requests overlap
    request = demo.current_request
    assert request is not None
    return {
        "item_id": item_id,
        "seen": (request.uri_params or {}).get("item_id"),
        "query": dict(request.query_params or {}),
    }


@demo.route("/echo", methods=["POST"], content_types=["application/json", "text/plain"])
def echo() -> Response:
    request = demo.current_request
    assert request is not None
    raw = request.raw_body
    text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    return Response(
        body=json.dumps({"text": text}, ensure_ascii=False),
        headers={"Content-Type": "application/json"},
        status_code=201,
    )


@demo.route("/blob")
def blob() -> Response:
    return Response(body=bytes(range(256)), headers={"Content-Type": "application/octet-stream"})


@pytest.fixture(scope="module")
def server() -> Iterator[PortalHTTPServer]:
    http_server = PortalHTTPServer("127.0.0.1", 0)
    base = f"http://127.0.0.1:{http_server.port}"
    http_server.start(Portal({"demo": demo}, stage="test", base_url=base))
    yield http_server
    http_server.stop()


@pytest.fixture(scope="module")
def base(server: PortalHTTPServer) -> str:
    return f"http://127.0.0.1:{server.port}"


def call(
    url: str,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_the_index_lists_each_service(base: str) -> None:
    status, _, body = call(base + "/")
    assert status == 200
    assert json.loads(body) == {
        "services": {
            "demo": {
                "base_url": f"{base}/demo",
                "openapi": f"{base}/demo/openapi.json",
                "health": f"{base}/demo/health",
            }
        }
    }


def test_a_base_path_reaches_its_app_with_path_and_query(base: str) -> None:
    status, headers, body = call(base + "/demo/items/a-1?q=gi%E1%BA%A5y%20ph%C3%A9p&limit=5")
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body) == {
        "item_id": "a-1",
        "seen": "a-1",
        "query": {"q": "giấy phép", "limit": "5"},
    }


@pytest.mark.parametrize(
    "path", ["/nowhere", "/nowhere/items/1", "/demo/nowhere", "/demo", "/demo/", "/demox/items/1"]
)
def test_unknown_addresses_are_a_404_problem(base: str, path: str) -> None:
    status, headers, body = call(base + path, headers={"Accept-Language": "en"})
    assert status == 404
    assert headers["Content-Type"] == "application/problem+json"
    assert json.loads(body) == {
        "type": "https://dichvucong.gov.vn/problems/not-found",
        "title": "Not found",
        "status": 404,
        "detail": "There is nothing at this address.",
    }


def test_a_utf8_body_travels_both_ways(base: str) -> None:
    text = "Đổi giấy phép lái xe"
    status, _, body = call(
        base + "/demo/echo",
        "POST",
        json.dumps({"name": text}, ensure_ascii=False).encode(),
        {"Content-Type": "application/json"},
    )
    assert status == 201
    assert json.loads(json.loads(body)["text"]) == {"name": text}


def test_a_chunked_body_is_read_whole(server: PortalHTTPServer) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request(
            "POST",
            "/demo/echo",
            body=iter([b"xin ", "chào".encode()]),
            headers={"Content-Type": "text/plain"},
            encode_chunked=True,
        )
        response = connection.getresponse()
        assert response.status == 201
        assert json.loads(response.read()) == {"text": "xin chào"}
    finally:
        connection.close()


def test_a_binary_answer_arrives_as_bytes(base: str) -> None:
    status, headers, body = call(base + "/demo/blob", headers={"Accept": "*/*"})
    assert status == 200
    assert headers["Content-Type"] == "application/octet-stream"
    assert body == bytes(range(256))


def test_head_sends_headers_only(server: PortalHTTPServer) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request("HEAD", "/")
        response = connection.getresponse()
        assert response.status == 200
        assert int(response.headers["Content-Length"]) > 0
        assert response.read() == b""
    finally:
        connection.close()


def test_a_kept_alive_connection_answers_without_delay(server: PortalHTTPServer) -> None:
    """Browsers and HTTP clients reuse a connection; each answer must not wait for the
    client's delayed ACK (40 ms a request under Nagle's algorithm)."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        started = time.perf_counter()
        for _ in range(25):
            connection.request("GET", "/demo/blob", headers={"Accept": "*/*"})
            response = connection.getresponse()
            assert response.read() == bytes(range(256))
        elapsed = time.perf_counter() - started
    finally:
        connection.close()
    assert elapsed < 0.5, f"25 requests on one connection took {elapsed:.2f} s"


def test_a_body_over_the_api_gateway_limit_is_refused(server: PortalHTTPServer) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.putrequest("POST", "/demo/echo")
        connection.putheader("Content-Type", "text/plain")
        connection.putheader("Content-Length", str(local_gateway.MAX_BODY_BYTES + 1))
        connection.endheaders()
        response = connection.getresponse()
        assert response.status == 413
        assert response.headers["Content-Type"] == "application/problem+json"
    finally:
        connection.close()


def test_concurrent_requests_each_see_their_own_request(base: str) -> None:
    def fetch(n: int) -> Any:
        return json.loads(call(f"{base}/demo/items/n{n}")[2])

    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(fetch, range(48)))
    assert [a["seen"] for a in answers] == [f"n{n}" for n in range(48)]


def test_a_failure_in_the_gateway_is_a_500_problem_without_details(
    base: str, server: PortalHTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any) -> Any:
        raise RuntimeError("secret internals")

    assert server.portal is not None
    monkeypatch.setattr(server.portal, "handle", broken)
    status, headers, body = call(base + "/demo/items/1")
    assert status == 500
    assert headers["Content-Type"] == "application/problem+json"
    assert b"secret" not in body and b"Traceback" not in body


def test_before_the_apps_are_attached_the_port_answers_503() -> None:
    waiting = PortalHTTPServer("127.0.0.1", 0)
    try:
        thread = threading.Thread(target=waiting.serve_forever, daemon=True)
        thread.start()
        status, headers, _ = call(f"http://127.0.0.1:{waiting.port}/demo/items/1")
        assert status == 503
        assert headers["Content-Type"] == "application/problem+json"
    finally:
        waiting.shutdown()
        waiting.server_close()


def _raw_exchange(port: int, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send bytes as they are (no client library tidies them) and read the answer."""
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in header_lines)
    return int(status_line.split()[1]), headers, body


def test_an_overlong_request_line_is_a_414_problem(server: PortalHTTPServer) -> None:
    path = "/demo/items/" + "x" * 70_000
    status, headers, body = _raw_exchange(
        server.port, f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
    )
    assert status == 414
    assert headers["Content-Type"] == "application/problem+json"
    assert json.loads(body)["status"] == 414
    assert b"<html" not in body.lower()


@pytest.mark.parametrize(
    "headers",
    ["X-Long: " + "a" * 70_000 + "\r\n", "".join(f"X-H{n}: v\r\n" for n in range(150))],
    ids=["a header line too long", "too many header lines"],
)
def test_headers_too_large_are_a_431_problem(server: PortalHTTPServer, headers: str) -> None:
    status, answer_headers, body = _raw_exchange(
        server.port, f"GET /demo/items/1 HTTP/1.1\r\nHost: x\r\n{headers}\r\n".encode()
    )
    assert status == 431
    assert answer_headers["Content-Type"] == "application/problem+json"
    assert json.loads(body)["title"] == "Phần đầu yêu cầu quá lớn"


def test_sixty_four_connections_opened_at_once_are_all_answered(base: str) -> None:
    start = threading.Barrier(64)

    def fetch(n: int) -> int:
        start.wait()  # every client connects in the same instant
        return call(f"{base}/demo/items/c{n}")[0]

    with ThreadPoolExecutor(max_workers=64) as pool:
        statuses = list(pool.map(fetch, range(64)))
    assert statuses == [200] * 64


def test_a_browser_at_the_root_gets_a_page_of_the_services(base: str) -> None:
    status, headers, body = call(base + "/", headers={"Accept": "text/html,*/*;q=0.8"})
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    page = body.decode()
    assert '<html lang="vi">' in page and "<title>" in page and "<main" in page
    assert f'href="{base}/demo/docs"' in page
    assert f'href="{base}/demo/openapi.json"' in page
    assert 'href="/guides#as-a-front-end"' in page  # the README's guides
    status, headers, body = call(base + "/guides", headers={"Accept": "text/html"})
    assert status == 200
    assert '<h3 id="as-a-front-end">As a front end</h3>' in body.decode()
