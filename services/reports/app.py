"""Reports: the Decision 766 index, rankings, and the report-events consumer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from chalice.app import Chalice, Response, SQSEvent

from services.core.api import Api
from services.core.auth import Principal, Role
from services.core.settings import get_settings
from services.core.standard_routes import add_standard_routes
from services.reports import service
from services.reports.forms import XLSX
from services.reports.models import (
    DashboardQuery,
    FormQuery,
    IndexQuery,
    IndexView,
    Ranked,
    Rankings,
    RankingsQuery,
)

app = Chalice(app_name="portal-reports")
api = Api(
    app,
    service="reports",
    title="Reports",
    description="The Decision 766/QĐ-TTg index of serving citizens and businesses per agency "
    "and period, with every number's numerator and denominator, and the rankings.",
)
add_standard_routes(api, lambda: get_settings().reports_table)
app.api.binary_types.append(XLSX)
TEMPLATES = Path(__file__).with_name("templates")


@api.route(
    "/index",
    summary="An agency's Decision 766 index in a period",
    query=IndexQuery,
    response=IndexView,
    errors=(404,),
)
def index(query: IndexQuery) -> IndexView:
    return IndexView.model_validate(service.index(query.agency_id, query.period))


@api.route(
    "/rankings",
    summary="Agencies by score, best first",
    query=RankingsQuery,
    response=Rankings,
)
def rankings(query: RankingsQuery) -> Rankings:
    rows = service.rankings(query.period, query.agency_level)
    return Rankings(
        period=query.period,
        agency_level=query.agency_level,
        items=[Ranked.model_validate(row) for row in rows],
    )


@api.route(
    "/forms/{form}",
    summary="A periodic form of Circular 01/2020/TT-VPCP, as CSV or XLSX",
    description="dossier-handling or feedback-handling, for officials of the agency and operators.",
    query=FormQuery,
    roles=(Role.OFFICIAL, Role.OPERATOR),
    errors=(401, 403, 404),
    path_patterns={"form": r"^[a-z][a-z-]{0,39}$"},
    media_types=("text/csv", XLSX),
)
def form(form: str, query: FormQuery, principal: Principal) -> Response:
    body, content_type, name = service.form_file(
        form, query.agency_id, query.period, query.format, principal
    )
    return Response(
        body=body,
        status_code=200,
        headers={
            "Content-Type": content_type,
            "Content-Disposition": f'attachment; filename="{name}"',
        },
    )


@api.route(
    "/dashboard",
    summary="The index as a page people read: score, band, groups, rankings, trend",
    query=DashboardQuery,
    errors=(404,),
    media_types=("text/html",),
)
def dashboard(query: DashboardQuery) -> Response:
    from services.core import pages

    context = service.dashboard(query.agency_id, query.period)
    page = pages.render("dashboard.html", TEMPLATES, **context)
    return Response(body=page, status_code=200, headers={"Content-Type": pages.HTML})


@app.on_sqs_message(
    queue=get_settings().report_events_queue, batch_size=10, name="count-report-events"
)
@api.background
def count_report_events(event: SQSEvent) -> dict[str, Any]:
    return service.take_report_events(event.to_dict(), event.context)
