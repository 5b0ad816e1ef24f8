"""Boto3 clients and tables, created once per process and reused across invocations.

Endpoints are not configured here: boto3 honours ``AWS_ENDPOINT_URL``, which the local stack
sets to its moto server; in AWS it is unset.

Clients may be shared by threads (boto3's clients are thread-safe), but boto3's default
session is not safe to create clients from in two threads at once: each is created under
one lock, for a use case that sends requests from several threads in a new container.
"""

from __future__ import annotations

import threading
from functools import cache
from typing import TYPE_CHECKING, Any

import boto3

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table
    from mypy_boto3_sqs.client import SQSClient


_CREATING = threading.RLock()


@cache
def _resource() -> Any:
    with _CREATING:
        return boto3.resource("dynamodb")


@cache
def dynamodb_client() -> Any:
    return _resource().meta.client


@cache
def table(name: str) -> Table:
    # Building a Table object costs more than half a millisecond of CPU: once per name.
    with _CREATING:
        return _resource().Table(name)  # type: ignore[no-any-return]


@cache
def kms() -> Any:
    with _CREATING:
        return boto3.client("kms")


@cache
def s3() -> Any:
    with _CREATING:
        return boto3.client("s3")


@cache
def s3_presigner() -> Any:
    """S3 for presigned links, signed with SigV4 for the bucket's region: a link that fixes
    headers (the content type, the length, a checksum) signs them."""
    import os

    from botocore.config import Config

    if os.environ.get("AWS_ENDPOINT_URL"):  # the local stack's moto: its own address
        return boto3.client("s3", config=Config(signature_version="s3v4"))
    config = Config(signature_version="s3v4", s3={"addressing_style": "virtual"})
    # The region's own endpoint: a SigV4 link through the global one can be redirected to
    # the bucket's region, and a redirected signature does not hold.
    region = boto3.session.Session().region_name or "ap-southeast-1"
    return boto3.client("s3", config=config, endpoint_url=f"https://s3.{region}.amazonaws.com")


@cache
def sesv2() -> Any:
    return boto3.client("sesv2")


@cache
def sns() -> Any:
    return boto3.client("sns")


@cache
def account_id() -> str:
    with _CREATING:
        sts = boto3.client("sts")
    return str(sts.get_caller_identity()["Account"])


@cache
def sqs() -> SQSClient:
    with _CREATING:
        return boto3.client("sqs")


@cache
def queue_url(name: str) -> str:
    return str(sqs().get_queue_url(QueueName=name)["QueueUrl"])


def reset_clients() -> None:
    """Forget cached clients, for tests that start a new moto world in the same process."""
    for cached in (
        _resource,
        dynamodb_client,
        table,
        kms,
        s3,
        s3_presigner,
        sesv2,
        sns,
        account_id,
        sqs,
        queue_url,
    ):
        cached.cache_clear()
