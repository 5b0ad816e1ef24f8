"""The HTTP edge every service shares: typed routes on a Chalice app.

``Api.route`` registers a Chalice route whose view receives validated pydantic models
(``body``, ``query``) and the caller (``principal``), returns a model, and never lets an
error escape as anything but ``application/problem+json``. The same registrations produce
the service's OpenAPI 3.1 document (``services.core.openapi``).

>>> from chalice import Chalice
>>> from pydantic import BaseModel
>>> class Hello(BaseModel):
...     greeting: str
>>> api = Api(Chalice(app_name="demo"), service="demo", title="Demo")
>>> @api.route("/hello", response=Hello, summary="Say hello")
... def hello() -> Hello:
...     return Hello(greeting="xin chào")
"""

from __future__ import annotations

import functools
import inspect
import json
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar

from chalice.app import Chalice, Request, Response
from pydantic import BaseModel, ValidationError

from services.core import cors, observability
from services.core.auth import Role, principal_from_header, require
from services.core.problems import (
    INTERNAL,
    PROBLEM_JSON,
    FieldError,
    Problem,
    Text,
    invalid,
)

Result = TypeVar("Result")

JSON = "application/json"
_language: ContextVar[str] = ContextVar("language", default="vi")

_MALFORMED_JSON = Text("Nội dung yêu cầu không phải JSON hợp lệ.", "The body is not valid JSON.")
MAX_JSON_DEPTH = 32
"""How deep a body may nest: no request model goes past a few levels, DynamoDB stores no
more than 32, and the parser itself would fail past about a thousand."""
_TOO_DEEP = Text(
    f"Nội dung yêu cầu lồng nhau quá {MAX_JSON_DEPTH} cấp.",
    f"The body nests deeper than {MAX_JSON_DEPTH} levels.",
)
_CHALICE_ERRORS: dict[int, Text] = {
    405: Text("Phương thức không được hỗ trợ cho địa chỉ này.", "Method not allowed here."),
    415: Text("Chỉ chấp nhận nội dung application/json.", "Only application/json is accepted."),
    400: Text("Yêu cầu không hợp lệ.", "The request is malformed."),
}


def current_language() -> str:
    return _language.get()


def language_from(accept_language: str | None) -> str:
    """``en`` when the caller's first preference is English, else Vietnamese."""
    if not accept_language:
        return "vi"
    first = accept_language.split(",")[0].split(";")[0].strip().lower()
    return "en" if first.startswith("en") else "vi"


@dataclass(frozen=True, slots=True)
class Reply:
    """A view's answer when it is not a plain 200: another status or extra headers."""

    model: BaseModel | None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


PUBLIC: tuple[Role, ...] | None = None
"""Roles value for routes anyone may call (a token is still verified when sent)."""


@dataclass(frozen=True, slots=True)
class RouteSpec:
    path: str
    method: str
    summary: str
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    roles: tuple[Role, ...] | None
    errors: tuple[int, ...]
    path_patterns: dict[str, str]
    description: str
    tags: tuple[str, ...]
    authenticate: bool = True
    other_statuses: tuple[int, ...] = ()
    media_types: tuple[str, ...] = (JSON,)


def problem_response(problem: Problem, language: str) -> Response:
    headers: dict[str, str | list[str]] = {"Content-Type": PROBLEM_JSON, **problem.headers}
    return Response(
        body=json.dumps(problem.body(language), ensure_ascii=False),
        status_code=problem.status,
        headers=headers,
    )


def _field_errors(error: ValidationError, prefix: str) -> list[FieldError]:
    found = []
    for item in error.errors(include_url=False, include_input=False):
        location = ".".join(str(part) for part in item["loc"])
        name = f"{prefix}.{location}" if prefix and location else (location or prefix)
        found.append(FieldError(field=name or "body", message=item["msg"]))
    return found


def json_depth(value: Any) -> int:
    """How deep ``value`` nests (a scalar is 0), without recursion."""
    deepest = 0
    waiting: list[tuple[Any, int]] = [(value, 0)]
    while waiting:
        item, depth = waiting.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, depth + 1)
            waiting.extend((child, depth + 1) for child in item)
    return deepest


def parse_json(raw: bytes | str) -> Any:
    """A caller's JSON, or a 400: malformed, or nested past :data:`MAX_JSON_DEPTH`."""
    try:
        parsed = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise Problem(400, _MALFORMED_JSON) from None
    except RecursionError:  # nested past what the parser's stack holds
        raise Problem(400, _TOO_DEEP) from None
    if json_depth(parsed) > MAX_JSON_DEPTH:
        raise Problem(400, _TOO_DEEP)
    return parsed


def _json_body(request: Request) -> Any:
    raw = request.raw_body
    if not raw:
        return None
    return parse_json(raw)


def _query_dict(request: Request) -> dict[str, str]:
    params: Any = request.query_params or {}
    return {key: params[key] for key in params}


class Api:
    """Typed routes, problem details and observability around one Chalice app."""

    def __init__(
        self,
        app: Chalice,
        *,
        service: str,
        title: str,
        version: str = "1.0.0",
        description: str = "",
    ) -> None:
        self.app = app
        self.service = service
        self.title = title
        self.version = version
        self.description = description
        self.routes: list[RouteSpec] = []
        self._preflighted: set[str] = set()
        self.log = observability.logger(service)
        self.metrics = observability.metrics(service)
        app.register_middleware(self._edge, "http")

    # -- registration -------------------------------------------------------------------
    def route(
        self,
        path: str,
        methods: tuple[str, ...] = ("GET",),
        *,
        summary: str,
        body: type[BaseModel] | None = None,
        query: type[BaseModel] | None = None,
        response: type[BaseModel] | None = None,
        status: int = 200,
        roles: tuple[Role, ...] | None = PUBLIC,
        errors: tuple[int, ...] = (),
        path_patterns: dict[str, str] | None = None,
        description: str = "",
        tags: tuple[str, ...] = (),
        authenticate: bool = True,
        other_statuses: tuple[int, ...] = (),
        media_types: tuple[str, ...] = (JSON,),
        content_types: tuple[str, ...] = (JSON,),
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """``other_statuses``: successes the view may answer, through a ``Reply``, besides
        ``status``, with the same response model (200 for an existing order, 201 for a new
        one).

        ``media_types``: what a success may be, for the document: a route that answers a
        browser with a page and others with JSON says ``("application/json", "text/html")``
        (the view chooses by ``Accept`` and returns the page as a Chalice ``Response``).
        ``content_types``: the request bodies Chalice lets through (JSON only by default); a
        route that an HTML form posts to adds ``application/x-www-form-urlencoded``.

        ``authenticate=False``: the route ignores ``Authorization`` altogether, for
        callers with their own scheme (banks sign their notifications) whose requests may
        carry a header meant for someone else, and for answers that are the same for
        everyone (a health probe), which a stale token should not turn into a 401."""

        def register(view: Callable[..., Any]) -> Callable[..., Any]:
            wanted = set(inspect.signature(view).parameters)
            for method in methods:
                self.routes.append(
                    RouteSpec(
                        path=path,
                        method=method.upper(),
                        summary=summary,
                        body=body,
                        query=query,
                        response=response,
                        status=status,
                        roles=roles,
                        errors=errors,
                        path_patterns=path_patterns or {},
                        description=description,
                        tags=tags or (self.service,),
                        authenticate=authenticate,
                        other_statuses=other_statuses,
                        media_types=media_types,
                    )
                )

            def handle(**path_args: str) -> Response:
                request = self.app.current_request
                assert request is not None
                try:
                    kwargs: dict[str, Any] = dict(path_args)
                    principal = (
                        principal_from_header(request.headers.get("authorization"))
                        if authenticate
                        else None
                    )
                    if roles is not None:
                        principal = require(principal, *roles)
                    if "principal" in wanted:
                        kwargs["principal"] = principal
                    if query is not None:
                        kwargs["query"] = self._parse(query, _query_dict(request), "query")
                    if body is not None:
                        kwargs["body"] = self._parse(body, _json_body(request), "")
                    if "headers" in wanted:
                        kwargs["headers"] = request.headers
                    return self._render(view(**kwargs), status)
                except Problem as problem:
                    return problem_response(problem, current_language())
                except Exception as error:  # every other failure is ours, not the caller's
                    self.log.error(
                        "unhandled error", extra={"trace": observability.safe_trace(error)}
                    )
                    return problem_response(INTERNAL, current_language())

            handle.__name__ = view.__name__
            self.app.route(path, methods=list(methods), content_types=list(content_types))(handle)
            self._answer_preflights(path)
            return view

        return register

    def _answer_preflights(self, path: str) -> None:
        """An ``OPTIONS`` route beside the first method of ``path``: a browser asks it
        before a cross-origin call with a token or a JSON body. No token is read (a
        preflight carries none); the methods allowed are those the path has."""
        if path in self._preflighted:
            return
        self._preflighted.add(path)

        def preflight(**_: str) -> Response:
            request = self.app.current_request
            assert request is not None
            methods = [spec.method for spec in self.routes if spec.path == path]
            headers = cors.policy().preflight_headers(request.headers.get("origin"), methods)
            return Response(body="", status_code=204, headers=dict(headers))

        preflight.__name__ = "preflight" + re.sub(r"[^0-9a-zA-Z]+", "_", path).rstrip("_")
        self.app.route(path, methods=["OPTIONS"])(preflight)

    @staticmethod
    def _parse(model: type[BaseModel], data: Any, prefix: str) -> BaseModel:
        try:
            return model.model_validate(data)
        except ValidationError as error:
            raise invalid(_field_errors(error, prefix)) from None

    @staticmethod
    def _render(result: Any, default_status: int) -> Response:
        if isinstance(result, Response):
            return result
        reply = result if isinstance(result, Reply) else Reply(result, default_status)
        if reply.model is None:
            return Response(body="", status_code=reply.status, headers=dict(reply.headers))
        payload = reply.model.model_dump_json(by_alias=True)
        headers: dict[str, str | list[str]] = {"Content-Type": JSON, **reply.headers}
        return Response(body=payload, status_code=reply.status, headers=headers)

    # -- the edge: correlation id, language, access log, Chalice's own errors ------------
    def _edge(self, request: Request, get_response: Callable[[Request], Response]) -> Response:
        started = time.perf_counter()
        context = request.context or {}
        correlation_id = (
            observability.clean_correlation_id(request.headers.get("x-correlation-id"))
            or context.get("requestId")
            or str(uuid.uuid4())
        )
        self.log.set_correlation_id(correlation_id)
        token = _language.set(language_from(request.headers.get("accept-language")))
        try:
            # Created on the first request, not at import: X-Ray's SDK is a heavy import.
            tracer = observability.tracer(self.service)
            if tracer is not None:
                with tracer.provider.in_subsegment(f"## {request.method}") as segment:
                    segment.put_annotation("route", str(context.get("resourcePath")))
                    response = get_response(request)
            else:
                response = get_response(request)
            response = self._as_problem(response)
        except Exception as error:
            self.log.error("unhandled error", extra={"trace": observability.safe_trace(error)})
            response = problem_response(INTERNAL, current_language())
        finally:
            _language.reset(token)
            self._flush_metrics()
        response.headers["X-Correlation-Id"] = correlation_id
        response.headers.update(cors.policy().answer_headers(request.headers.get("origin")))
        self.log.info(
            "request",
            extra={
                "method": request.method,
                "route": context.get("resourcePath"),
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            },
        )
        return response

    def background(self, handler: Callable[[Any], Result]) -> Callable[[Any], Result]:
        """Mark a schedule or queue handler: its business metrics are emitted when it ends,
        as a route's are. Powertools flushes only on a call (or at 100 values of one metric),
        so without this a consumer's counts would arrive late in bunches, or die with the
        container."""

        @functools.wraps(handler)
        def run(event: Any) -> Result:
            try:
                return handler(event)
            finally:
                self._flush_metrics()

        return run

    def _flush_metrics(self) -> None:
        """Emit this request's business metrics (EMF to stdout, as Lambda expects)."""
        if self.metrics.metric_set:
            self.metrics.flush_metrics()

    def _as_problem(self, response: Response) -> Response:
        """Chalice answers some errors itself (405, 415, a 500 it caught) with its own body."""
        if response.status_code < 400:
            return response
        content_type = next(
            (v for k, v in response.headers.items() if k.lower() == "content-type"), JSON
        )
        # A problem, or a page a view rendered for a person who asked for one (a browser
        # refused on a form): the view chose that answer; Chalice's own bodies are JSON.
        if str(content_type).startswith((PROBLEM_JSON, "text/html")):
            return response
        status = response.status_code
        detail = _CHALICE_ERRORS.get(
            status, INTERNAL.detail if status >= 500 else _CHALICE_ERRORS[400]
        )
        converted = problem_response(
            Problem(status if status in _CHALICE_ERRORS or status >= 500 else 400, detail),
            current_language(),
        )
        if "Allow" in response.headers:
            converted.headers["Allow"] = response.headers["Allow"]
        return converted
