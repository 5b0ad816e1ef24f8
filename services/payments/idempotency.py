"""``Idempotency-Key`` on order creation, through Powertools Idempotency.

A front end that lost the answer to ``POST /orders`` sends the same request with the same
key and gets the same answer, status included, for 24 hours. The key is the caller's and
is scoped to the citizen (two citizens' keys never meet); the same key with another body is
refused rather than answered with an order for something else. Records live in the
payments table (``pk`` = ``idempotency#<function>``, ``sk`` = the key's hash) and expire
through its TTL attribute.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from services.core.problems import Problem, Text, bad_request, conflict
from services.core.settings import get_settings

KEY = re.compile(r"^[\x21-\x7e]{1,128}$")  # printable ASCII without spaces
RECORD_LIFETIME_SECONDS = 24 * 3600

_BAD_KEY = Text(
    "Idempotency-Key phải gồm 1 đến 128 ký tự ASCII in được.",
    "Idempotency-Key must be 1 to 128 printable ASCII characters.",
)
_REUSED = Text(
    "Idempotency-Key này đã dùng cho một yêu cầu khác.",
    "This Idempotency-Key was used for a different request.",
)
_IN_PROGRESS = Text(
    "Yêu cầu với Idempotency-Key này đang được xử lý.",
    "A request with this Idempotency-Key is still being handled.",
)


def once(
    key: str, owner: str, request: dict[str, Any], work: Callable[[], dict[str, Any]], context: Any
) -> dict[str, Any]:
    """``work()``'s answer, computed the first time ``key`` comes with ``request``."""
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyValidationError,
    )

    if not KEY.match(key):
        raise bad_request(_BAD_KEY)
    config = IdempotencyConfig(
        event_key_jmespath="key",
        payload_validation_jmespath="request",
        expires_after_seconds=RECORD_LIFETIME_SECONDS,
        hash_function="sha256",
    )
    if context is not None:
        config.register_lambda_context(context)
    persistence = DynamoDBPersistenceLayer(
        table_name=get_settings().payments_table,
        key_attr="pk",
        sort_key_attr="sk",
        expiry_attr="expires_at",
    )

    @idempotent_function(  # type: ignore[untyped-decorator]
        data_keyword_argument="call", persistence_store=persistence, config=config
    )
    def run(call: dict[str, Any]) -> dict[str, Any]:
        return work()

    try:
        answer: dict[str, Any] = run(call={"key": f"{owner}:{key}", "request": request})
    except IdempotencyValidationError:
        raise Problem(422, _REUSED) from None
    except IdempotencyAlreadyInProgressError:
        raise conflict(_IN_PROGRESS) from None
    return answer
