"""Logging, metrics and tracing through aws-lambda-powertools, one set per service.

Every log line carries the service and a correlation id (from ``X-Correlation-Id``, the API
Gateway request id, or an SQS message). The X-Ray tracer costs more to import than the
rest of an app, so it is created on first use and only where tracing is on
(``POWERTOOLS_TRACE_DISABLED`` is not true): never at import time, in tests or locally.
"""

from __future__ import annotations

import os
import re
import traceback
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics

NAMESPACE = "PublicServicePortal"
_CORRELATION_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


@cache
def logger(service: str) -> Logger:
    return Logger(service=service)


@cache
def metrics(service: str) -> Metrics:
    return Metrics(
        namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", NAMESPACE), service=service
    )


def tracing_enabled() -> bool:
    return os.environ.get("POWERTOOLS_TRACE_DISABLED", "").lower() not in {"1", "true"}


TRACED_MODULES = ("botocore", "httplib")


@cache
def tracer(service: str) -> Any | None:
    if not tracing_enabled():
        return None
    from aws_lambda_powertools import Tracer

    # What the services call out through: AWS (botocore) and the banks (http.client). The
    # default patches every library X-Ray knows, importing database drivers nobody uses on
    # the first request of every container.
    return Tracer(service=service, patch_modules=TRACED_MODULES)


def clean_correlation_id(candidate: str | None) -> str | None:
    """A caller-supplied correlation id, if it is safe to log and echo."""
    if candidate and _CORRELATION_ID.match(candidate):
        return candidate
    return None


def safe_trace(error: BaseException) -> str:
    """Where an unexpected error happened, without its message: messages (a pydantic
    ValidationError, say) may quote the input, which may hold personal data."""
    frames = traceback.extract_tb(error.__traceback__)
    where = " <- ".join(
        f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}:{f.name}" for f in reversed(frames[-8:])
    )
    return f"{type(error).__name__} at {where}"
