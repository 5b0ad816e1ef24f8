"""Cursors are opaque to callers and refuse tampering and reuse in another list."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest

from services.core import pagination
from services.core.problems import Problem


@pytest.fixture(autouse=True)
def key() -> Iterator[None]:
    pagination.set_key_source(lambda: b"k" * 32)
    yield
    pagination.reset_key_cache()


def test_a_cursor_round_trips() -> None:
    position = {"start": {"pk": "AGENCY#x", "sk": "AGENCY"}}
    assert pagination.decode_cursor(pagination.encode_cursor(position, "a"), "a") == position


def test_a_cursor_for_another_list_is_refused() -> None:
    cursor = pagination.encode_cursor({"offset": 20}, "search:1")
    with pytest.raises(Problem) as refused:
        pagination.decode_cursor(cursor, "search:2")
    assert refused.value.status == 400


def test_a_forged_position_is_refused() -> None:
    cursor = pagination.encode_cursor({"offset": 20}, "s")
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    forged = raw.replace(b"20", b"99")
    forged_cursor = base64.urlsafe_b64encode(forged).rstrip(b"=").decode()
    with pytest.raises(Problem):
        pagination.decode_cursor(forged_cursor, "s")


@pytest.mark.parametrize("garbage", ["", "!!!", "a", "A" * 500, "eyJvZmZzZXQiOjF9"])
def test_garbage_is_a_400_problem(garbage: str) -> None:
    with pytest.raises(Problem) as refused:
        pagination.decode_cursor(garbage, "s")
    assert refused.value.status == 400


def test_another_key_invalidates_cursors() -> None:
    cursor = pagination.encode_cursor({"offset": 1}, "s")
    pagination.set_key_source(lambda: b"rotated" * 5)
    with pytest.raises(Problem):
        pagination.decode_cursor(cursor, "s")
