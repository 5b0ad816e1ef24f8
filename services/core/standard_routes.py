"""Routes every service answers: ``/health``, ``/openapi.json`` and ``/docs``, the
interactive documentation of that document (Swagger UI, as Powertools ships it: served by the
app itself, so it works with no outside network)."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from typing import Any, Literal

from chalice.app import Response

from services.core import aws, pages
from services.core.api import JSON, Api
from services.core.models import Model
from services.core.problems import Problem, Text, not_found


class Health(Model):
    status: Literal["ok"] = "ok"


_UNREACHABLE = Text(
    "Dịch vụ chưa kết nối được cơ sở dữ liệu.", "The service cannot reach its table."
)


def add_standard_routes(api: Api, table_name: Callable[[], str]) -> None:
    add_docs_routes(api)

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


_SWAGGER_UI = "aws_lambda_powertools.event_handler.openapi.swagger_ui"
# What the page loads: Powertools' copy of Swagger UI, and the few lines that start it.
_ASSETS = {
    "swagger-ui.js": ("swagger-ui-bundle.min.js", "text/javascript; charset=utf-8"),
    "swagger-ui.css": ("swagger-ui.min.css", "text/css; charset=utf-8"),
    "start.js": ("", "text/javascript; charset=utf-8"),
}
_A_DAY = "public, max-age=86400"
_NO_ASSET = Text("Không có tệp này.", "There is no such file.")


@cache
def _asset_text(name: str) -> str:
    from importlib import resources

    if name == "start.js":
        return (pages.CORE_TEMPLATES / "docs-start.js").read_text()
    return resources.files(_SWAGGER_UI).joinpath(_ASSETS[name][0]).read_text()


def _cached(body: str, media: str) -> Response:
    return Response(
        body=body, status_code=200, headers={"Content-Type": media, "Cache-Control": _A_DAY}
    )


def add_docs_routes(api: Api) -> None:
    @cache
    def page() -> str:
        return pages.render("docs.html", title=api.title, service=api.service)

    @api.route(
        "/docs",
        summary="Interactive documentation of this service's API (a page)",
        tags=("operations",),
        authenticate=False,
    )
    def docs() -> Any:
        return _cached(page(), pages.HTML)

    @api.route(
        "/docs/{asset}",
        summary="A file the documentation page loads",
        tags=("operations",),
        authenticate=False,
        errors=(404,),
        path_patterns={"asset": r"^(swagger-ui\.js|swagger-ui\.css|start\.js)$"},
    )
    def docs_asset(asset: str) -> Any:
        if asset not in _ASSETS:
            raise not_found(_NO_ASSET)
        return _cached(_asset_text(asset), _ASSETS[asset][1])
