"""Satisfaction ratings: routes, the dossier-events and rating-events consumers, the sweep."""

from __future__ import annotations

from typing import Any

from chalice.app import Chalice, Rate, SQSEvent

from services.core.api import Api, Reply
from services.core.auth import Principal, Role
from services.core.messages import DossierEvent
from services.core.settings import get_settings
from services.core.standard_routes import add_standard_routes
from services.ratings import service
from services.ratings.models import (
    CriteriaBody,
    CriteriaList,
    DossierAccepted,
    Ranked,
    Rankings,
    RankingsQuery,
    RatingBody,
    RatingView,
    Summary,
    SummaryQuery,
)

app = Chalice(app_name="portal-ratings")
api = Api(
    app,
    service="ratings",
    title="Satisfaction ratings",
    description="Citizens rate how their dossiers were handled; satisfaction and on-time "
    "handling are reported per agency, procedure, official and period.",
)
add_standard_routes(api, lambda: get_settings().ratings_table)


@api.route(
    "/dossiers",
    ("POST",),
    summary="A dossier event from an agency's one-stop system",
    description="Idempotent per dossier and status; a status never goes back. The same body "
    "is accepted on the dossier-events queue.",
    body=DossierEvent,
    response=DossierAccepted,
    roles=(Role.SYSTEM, Role.OPERATOR),
    errors=(409,),
)
def dossier_event(body: DossierEvent, principal: Principal) -> DossierAccepted:
    applied = service.accept_event(body, principal)
    return DossierAccepted(dossier_code=body.dossier_code, status=body.status, applied=applied)


@api.route("/criteria", summary="The rating criteria and their levels", response=CriteriaList)
def get_criteria() -> CriteriaList:
    return CriteriaList.model_validate({"items": service.criteria()})


@api.route(
    "/criteria",
    ("PUT",),
    summary="Replace the criteria other than overall",
    body=CriteriaBody,
    response=CriteriaList,
    roles=(Role.OPERATOR,),
)
def put_criteria(body: CriteriaBody) -> CriteriaList:
    items = service.replace_criteria([c.model_dump() for c in body.items])
    return CriteriaList.model_validate({"items": items})


@api.route(
    "/",
    ("POST",),
    summary="Rate a handled dossier (its citizen, once)",
    body=RatingBody,
    response=RatingView,
    status=201,
    roles=(Role.CITIZEN,),
    errors=(404, 409),
)
def rate(body: RatingBody, principal: Principal) -> Reply:
    rating = service.rate(body.dossier_code, body.answers, body.comment, principal)
    return Reply(RatingView.model_validate(rating), 201)


@api.route(
    "/summary",
    summary="Satisfaction of an agency, a procedure or an official in a period",
    description="Public for agencies and procedures; an official's summary to officials of "
    "their agency and operators.",
    query=SummaryQuery,
    response=Summary,
    errors=(401, 403),
)
def summary(query: SummaryQuery, principal: Principal | None) -> Summary:
    found = service.summary(
        query.agency_id, query.procedure_code, query.official_id, query.period, principal
    )
    return Summary.model_validate(found)


@api.route(
    "/rankings",
    summary="Agencies ranked by satisfied_pct, with a minimum count",
    query=RankingsQuery,
    response=Rankings,
)
def rankings(query: RankingsQuery) -> Rankings:
    rows = service.rankings(query.period, query.agency_level, query.min_count)
    return Rankings(
        period=query.period,
        agency_level=query.agency_level,
        min_count=query.min_count,
        items=[Ranked.model_validate(row) for row in rows],
    )


@app.on_sqs_message(
    queue=get_settings().dossier_events_queue, batch_size=10, name="take-dossier-events"
)
@api.background
def take_dossier_events(event: SQSEvent) -> dict[str, Any]:
    return service.take_dossier_events(event.to_dict(), event.context)


@app.on_sqs_message(queue=get_settings().rating_events_queue, batch_size=10, name="count-ratings")
@api.background
def count_ratings(event: SQSEvent) -> dict[str, Any]:
    return service.count_rating_events(event.to_dict(), event.context)


@app.schedule(Rate(1, unit=Rate.MINUTES), name="sweep-ratings")
@api.background
def sweep(event: Any) -> None:
    service.sweep()
