"""An AWS of one's own in this process, as tests and benchmarks use it: the environment a
Lambda would see, moto with the shared template deployed, and nothing left over from the
world before.

:func:`prepare_environment` must run before anything under ``services`` reads its settings
(they are read once per process). :func:`moto_world` then gives a fresh in-process AWS;
two worlds share nothing.

moto and DynamoDB differ in one way that matters here. DynamoDB applies a conditional write
atomically: the condition is checked and the item written as one step, so of 64 identical
conditional updates racing for one item exactly one succeeds. moto checks and then writes
with no lock, so threads that interleave there can both pass the check (two ``00`` answers
for one bank notice, one run in five). :func:`serialize_dynamodb` makes moto handle one
DynamoDB request at a time, in process and in server mode (the local stack) alike, since
both dispatch through moto's ``DynamoHandler``. It is an emulation, stricter than DynamoDB
(which isolates per item, not per table): a throughput measured on moto under concurrency
is a floor, never a ceiling. Every other service moto serves is left as it is.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_DYNAMODB_LOCK = threading.RLock()
_SERIALIZED = "_portal_serialized"


def serialize_dynamodb() -> None:
    """Make moto's DynamoDB apply each request whole before the next (idempotent)."""
    from moto.dynamodb.responses import DynamoHandler

    original = DynamoHandler.call_action
    if getattr(original, _SERIALIZED, False):
        return

    @functools.wraps(original)
    def one_at_a_time(self: Any) -> Any:
        with _DYNAMODB_LOCK:
            return original(self)

    setattr(one_at_a_time, _SERIALIZED, True)
    DynamoHandler.call_action = one_at_a_time  # type: ignore[method-assign]


def prepare_environment(stage: str, signing_key_pem: str) -> None:
    """The environment Lambda would set, with tokens signed by ``signing_key_pem`` trusted."""
    from services.core import tokens  # only minting helpers: reads no settings

    os.environ.update(
        AWS_DEFAULT_REGION="ap-southeast-1",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",  # noqa: S106 - moto takes any credentials
        PORTAL_STAGE=stage,
        POWERTOOLS_TRACE_DISABLED="true",
        POWERTOOLS_METRICS_DISABLED="true",
        POWERTOOLS_LOG_LEVEL="WARNING",
        PORTAL_JWKS_JSON=tokens.jwks_json(signing_key_pem),
    )
    # An endpoint left over from a local stack would send every call over the network.
    os.environ.pop("AWS_ENDPOINT_URL", None)
    # moto's CloudFormation warns once per secret it skips; infra.world creates them itself.
    warnings.filterwarnings("ignore", message="Tried to parse AWS", category=UserWarning)
    logging.getLogger("moto").setLevel(logging.ERROR)


def reset_process_caches() -> None:
    """Forget clients, keys and indexes that belong to a previous moto world."""
    from aws_lambda_powertools.utilities import parameters

    from services.catalogue import service
    from services.catalogue.search import CatalogueSearch
    from services.core import aws, pagination, pseudonyms

    aws.reset_clients()
    pagination.reset_key_cache()
    pseudonyms.reset_key_cache()
    parameters.clear_caches()  # type: ignore[no-untyped-call]  # the previous world's secrets
    service.search_model = CatalogueSearch()


@contextmanager
def moto_world(stage: str) -> Iterator[None]:
    """A fresh in-process AWS with the shared template deployed."""
    from moto import mock_aws

    from infra import world

    serialize_dynamodb()
    with mock_aws():
        world.build(stage)
        reset_process_caches()
        try:
            yield
        finally:
            reset_process_caches()
