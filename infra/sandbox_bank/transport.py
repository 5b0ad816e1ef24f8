"""HTTP in and out for the sandbox bank, kept apart from both providers so that the VNPAY
and MoMo desks answer, redirect and call the portal the same way, and so that tests can swap
the outbound calls (``HttpGet``/``HttpPost``) without a network.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

PREFIX = "/sandbox-bank"
HTTP_TIMEOUT_SECONDS = 10

Response = tuple[int, list[tuple[str, str]], bytes]
HttpGet = Callable[[str], tuple[int, bytes]]
HttpPost = Callable[[str, bytes, Mapping[str, str]], tuple[int, bytes]]


def urllib_get(url: str) -> tuple[int, bytes]:
    """GET ``url``; (status, body) whatever the status. Network failures raise OSError."""
    request = urllib.request.Request(url, method="GET")  # noqa: S310 - http(s) by design
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as answer:  # noqa: S310
            return int(answer.status), bytes(answer.read())
    except urllib.error.HTTPError as error:
        return int(error.code), bytes(error.read())


def urllib_post(url: str, body: bytes, headers: Mapping[str, str]) -> tuple[int, bytes]:
    """POST ``body`` to ``url``; (status, body) whatever the status."""
    request = urllib.request.Request(  # noqa: S310 - http(s) by design
        url, data=body, headers=dict(headers), method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as answer:  # noqa: S310
            return int(answer.status), bytes(answer.read())
    except urllib.error.HTTPError as error:
        return int(error.code), bytes(error.read())


def json_response(status: int, document: Mapping[str, Any]) -> Response:
    return (
        status,
        [("Content-Type", "application/json; charset=utf-8")],
        json.dumps(document, ensure_ascii=False).encode(),
    )


def redirect(location: str) -> Response:
    return 302, [("Location", location), ("Cache-Control", "no-store")], b""


def with_query(url: str, params: Mapping[str, Any]) -> str:
    return url + ("&" if "?" in url else "?") + urlencode({k: str(v) for k, v in params.items()})


def answer_text(status: int, body: bytes) -> str:
    text = body.decode("utf-8", "replace").strip()
    return f"HTTP {status} {text[:200]}".strip()
