"""Cursors are opaque to callers and refuse tampering and reuse in another list."""

from __future__ import annotations

import base64
import hashlib
import re
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
    # Every byte after the nonce is the sealed position: change any, and it is refused.
    for at in (12, len(raw) // 2, len(raw) - 1):
        flipped = raw[:at] + bytes([raw[at] ^ 0x01]) + raw[at + 1 :]
        with pytest.raises(Problem):
            pagination.decode_cursor(base64.urlsafe_b64encode(flipped).rstrip(b"=").decode(), "s")
    forged = raw[:-1]
    forged_cursor = base64.urlsafe_b64encode(forged).rstrip(b"=").decode()
    with pytest.raises(Problem):
        pagination.decode_cursor(forged_cursor, "s")


@pytest.mark.parametrize("garbage", ["", "!!!", "a", "A" * 500, "eyJvZmZzZXQiOjF9"])
def test_garbage_is_a_400_problem(garbage: str) -> None:
    with pytest.raises(Problem) as refused:
        pagination.decode_cursor(garbage, "s")
    assert refused.value.status == 400
    assert refused.value.body("en")["detail"] == "The cursor is invalid or was altered."
    assert refused.value.body("vi")["detail"] == (
        "Con trỏ phân trang không hợp lệ hoặc đã bị sửa đổi."
    )


@pytest.mark.parametrize(
    "refused_how",
    ["for another list", "altered", "too long", "a list, not a position", "only a nonce"],
)
def test_every_refusal_tells_the_caller_the_cursor_is_bad(refused_how: str) -> None:
    def sealed(payload: bytes) -> str:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        cipher = AESGCM(hashlib.sha256(b"portal-cursor:" + b"k" * 32).digest())
        raw = b"\x00" * 12 + cipher.encrypt(b"\x00" * 12, payload, b"s")
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    cursor, scope = {
        "for another list": (pagination.encode_cursor({"offset": 1}, "t"), "s"),
        "altered": (pagination.encode_cursor({"offset": 1}, "s")[:-2] + "AA", "s"),
        "too long": ("A" * 2049, "s"),
        "a list, not a position": (sealed(b"[1, 2]"), "s"),
        "only a nonce": ("AAAA", "s"),
    }[refused_how]
    with pytest.raises(Problem) as refused:
        pagination.decode_cursor(cursor, scope)
    assert refused.value.body("en")["detail"] == "The cursor is invalid or was altered."


@pytest.mark.parametrize("size", range(6))
def test_a_cursor_of_any_length_round_trips_and_is_url_safe_without_padding(size: int) -> None:
    # Sizes 0 to 5 give the sealed bytes every remainder modulo 3, so every padding case.
    position = {"offset": 7, "name": "x" * size}
    cursor = pagination.encode_cursor(position, "s")
    assert re.fullmatch(r"[A-Za-z0-9_-]+", cursor)
    assert pagination.decode_cursor(cursor, "s") == position


def test_a_cursor_of_exactly_the_longest_length_is_taken() -> None:
    # 12 bytes of nonce, 16 of tag, 1508 of '{"k":"xx..."}' make 1536 bytes: 2048 characters.
    position = {"k": "x" * 1500}
    cursor = pagination.encode_cursor(position, "s")
    assert len(cursor) == 2048
    assert pagination.decode_cursor(cursor, "s") == position


def test_another_key_invalidates_cursors() -> None:
    cursor = pagination.encode_cursor({"offset": 1}, "s")
    pagination.set_key_source(lambda: b"rotated" * 5)
    with pytest.raises(Problem):
        pagination.decode_cursor(cursor, "s")


def test_a_cursor_shows_nothing_of_the_table_keys_it_holds() -> None:
    position = {"start": {"pk": "WORK#so-tu-phap#2026-W49", "sk": "CASE#PA-ABCDE-FGHJK"}}
    cursor = pagination.encode_cursor(position, "feedback-work:so-tu-phap:")
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    for revealing in (b"WORK", b"so-tu-phap", b"CASE", b"PA-ABCDE", b"pk", b"start"):
        assert revealing not in raw
    assert pagination.decode_cursor(cursor, "feedback-work:so-tu-phap:") == position


def test_the_same_position_seals_differently_each_time() -> None:
    first = pagination.encode_cursor({"offset": 20}, "s")
    assert pagination.encode_cursor({"offset": 20}, "s") != first


def test_an_overlong_cursor_is_refused_before_decoding() -> None:
    with pytest.raises(Problem) as refused:
        pagination.decode_cursor("A" * 2049, "s")
    assert refused.value.status == 400
