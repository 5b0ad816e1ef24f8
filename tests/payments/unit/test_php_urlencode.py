"""VNPAY signs the text its sample code builds with PHP's ``urlencode``. PHP's manual says
what that does: "all non-alphanumeric characters except -_. have been replaced with a
percent (%) sign followed by two hex digits and spaces encoded as plus (+) signs", on the
bytes of the string (UTF-8 here), hex digits in upper case. The table below is written from
that sentence, character by character, not from Python's ``quote_plus`` (which keeps ``~``).
Both signers are held to it: the portal's and the sandbox bank's, written apart."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from infra.sandbox_bank.signing import php_urlencode as bank_urlencode
from infra.sandbox_bank.signing import vnpay_hash_data
from services.payments import vnpay

PHP_URLENCODE = [
    ("~", "%7E"),
    ("*", "%2A"),
    (" ", "+"),
    ("+", "%2B"),
    ("/", "%2F"),
    (":", "%3A"),
    ("=", "%3D"),
    ("&", "%26"),
    ("%", "%25"),
    ("!", "%21"),
    ("'", "%27"),
    ("(", "%28"),
    (")", "%29"),
    ("#", "%23"),
    ("?", "%3F"),
    ("@", "%40"),
    (",", "%2C"),
    (";", "%3B"),
    ('"', "%22"),
    ("\u0111", "%C4%91"),  # đ
    ("\u0110", "%C4%90"),  # Đ
    ("\u1ec7", "%E1%BB%87"),  # ệ
    ("\u00e1", "%C3%A1"),  # á
    ("\u01a1", "%C6%A1"),  # ơ
    ("\u01b0", "%C6%B0"),  # ư
    ("\u20ab", "%E2%82%AB"),  # ₫
    ("-", "-"),
    ("_", "_"),
    (".", "."),
    ("AZaz09", "AZaz09"),
]


@pytest.mark.parametrize(("character", "encoded"), PHP_URLENCODE)
def test_each_character_is_encoded_as_php_does(character: str, encoded: str) -> None:
    assert vnpay.php_urlencode(character) == encoded
    assert bank_urlencode(character) == encoded


def test_the_canonical_text_of_a_notice_with_every_kind_of_character() -> None:
    params = {
        "vnp_TxnRef": "0123456789ABCDEFGHJK",
        "vnp_OrderInfo": "L\u1ec7 ph\u00ed ~*+/:=&% \u0111\u01a1n-s\u1ed1_1.2",
        "vnp_Amount": "15000000",
        "vnp_SecureHash": "not signed",
    }
    text = (
        "vnp_Amount=15000000"
        "&vnp_OrderInfo=L%E1%BB%87+ph%C3%AD+%7E%2A%2B%2F%3A%3D%26%25+%C4%91%C6%A1n-s%E1%BB%91_1.2"
        "&vnp_TxnRef=0123456789ABCDEFGHJK"
    )
    assert vnpay.canonical(params) == text
    assert vnpay_hash_data(params) == text
    secret = "SECRETKEYFORTESTSONLY0123456789"
    expected = hmac.new(secret.encode(), text.encode(), hashlib.sha512).hexdigest()
    assert vnpay.sign(params, secret) == expected
    assert vnpay.verify({**params, "vnp_SecureHash": expected}, secret)
