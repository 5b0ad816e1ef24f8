"""Routes every service answers: ``/health`` and ``/openapi.json``."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from typing import Any, Literal

from chalice.app import Response
from pydantic import BaseModel

from services.core import aws
from services.core.api import JSON, Api
from services.core.problems import Problem, Text


class Health(BaseModel):
    status: Literal["ok"] = "ok"


_UNREACHABLE = Text(
    "Dịch vụ chưa kết nối được cơ sở dữ liệu.", "The service cannot reach its table."
)


def add_standard_routes(api: Api, table_name: Callable[[], str]) -> None:
    @api.route(
        "/health",
        response=Health,
        summary="Whether the service can reach its table",
        errors=(503,),
        tags=("operations",),
        authenticate=False,  # a probe's answer depends on nobody's token
    )
    def health() -> Health:
        try:
            aws.table(table_name()).get_item(Key={"pk": "HEALTH", "sk": "HEALTH"})
        except Exception:
            api.log.warning("health check failed")
            raise Problem(503, _UNREACHABLE) from None
        return Health()

    @cache
    def rendered() -> str:
        from services.core.openapi import document

        return json.dumps(document(api, server_url=f"/{api.service}"), ensure_ascii=False)

    @api.route(
        "/openapi.json",
        summary="This service's OpenAPI 3.1 document",
        tags=("operations",),
        authenticate=False,
    )
    def openapi() -> Any:
        return Response(body=rendered(), status_code=200, headers={"Content-Type": JSON})
