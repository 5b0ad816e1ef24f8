"""A service's secret key is the bytes of its Secrets Manager secret, read on first use,
once, and again after a reset."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from services.core.secret_keys import SecretKey


@pytest.fixture
def secrets() -> Iterator[object]:
    with mock_aws():
        client = boto3.client("secretsmanager", region_name="ap-southeast-1")
        client.create_secret(Name="portal-test/cursor-key", SecretString="k3y-for-cursors")
        client.create_secret(Name="portal-test/rotated-key", SecretString="n3w-k3y")
        yield client


def test_the_key_is_the_named_secrets_text_as_bytes(secrets: object) -> None:
    assert SecretKey(lambda: "portal-test/cursor-key").get() == b"k3y-for-cursors"


def test_the_name_is_asked_on_first_use_only_and_again_after_a_reset(secrets: object) -> None:
    asked: list[str] = []
    names = iter(["portal-test/cursor-key", "portal-test/rotated-key"])

    def name() -> str:
        asked.append(next(names))
        return asked[-1]

    key = SecretKey(name)
    assert asked == []  # settings may still change after import
    assert key.get() == b"k3y-for-cursors"
    assert key.get() == b"k3y-for-cursors"
    assert asked == ["portal-test/cursor-key"]
    key.reset()
    assert key.get() == b"n3w-k3y"
    assert asked == ["portal-test/cursor-key", "portal-test/rotated-key"]


def test_a_source_set_in_a_test_replaces_the_secret_until_a_reset(secrets: object) -> None:
    key = SecretKey(lambda: "portal-test/cursor-key")
    key.set_source(lambda: b"fixed")
    assert key.get() == b"fixed"
    key.reset()
    assert key.get() == b"k3y-for-cursors"
