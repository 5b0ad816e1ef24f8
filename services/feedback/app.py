"""Feedback and petitions (phản ánh, kiến nghị): routes, the intake consumer, the sweep."""

from __future__ import annotations

from typing import Any

from chalice.app import Chalice, Rate, SQSEvent

from services.core.api import Api
from services.core.auth import Principal, Role
from services.core.identifiers import AGENCY_ID_PATTERN
from services.core.settings import get_settings
from services.core.standard_routes import add_standard_routes
from services.feedback import service
from services.feedback.domain import Case
from services.feedback.models import (
    TRACKING_CODE_PATTERN,
    ActionBody,
    AnswerPage,
    AnswersQuery,
    AttachmentBody,
    AttachmentUpload,
    CaseBody,
    CaseQuery,
    CaseReceipt,
    CaseView,
    PublishedAnswer,
    Stats,
    StatsQuery,
    StepView,
    Submitter,
    WorkItem,
    WorkList,
    WorkListQuery,
)

app = Chalice(app_name="portal-feedback")
api = Api(
    app,
    service="feedback",
    title="Feedback and petitions",
    description="Phản ánh, kiến nghị: citizens' and businesses' feedback on regulations and "
    "their handling, routed to the competent agency, answered within deadlines, published.",
)
add_standard_routes(api, lambda: get_settings().feedback_table)

CASE = {"tracking_code": TRACKING_CODE_PATTERN}
AGENCY = {"agency_id": AGENCY_ID_PATTERN}


def _client_ip() -> str:
    request = app.current_request
    identity = (request.context or {}).get("identity", {}) if request else {}
    return str(identity.get("sourceIp") or "127.0.0.1")


def _view(case: Case, submitter: Submitter | None) -> CaseView:
    return CaseView(
        tracking_code=case.tracking_code,
        title=case.title,
        content=case.content,
        status=case.status,
        channel=case.channel,
        procedure_code=case.procedure_code,
        agency_id=case.agency_id,
        received_at=case.received_at,
        deadline=case.deadline,
        respond_by=case.respond_by,
        answer_by=case.answer_by,
        overdue=case.overdue,
        answer=case.answer,
        published=case.published,
        duplicate_of=case.duplicate_of,
        kind=case.kind,
        field=case.procedure_field,
        dossier_code=case.dossier_code,
        timeline=[
            StepView(
                at=s.at,
                actor=s.actor,
                action=s.action,
                status=s.status,
                note=s.note,
                agency_id=s.agency_id,
            )
            for s in case.timeline
        ],
        submitter=submitter,
    )


@api.route(
    "/cases",
    ("POST",),
    summary="Send feedback or a petition (anyone; a citizen token optional)",
    description="202 at once with a tracking code and an access key (shown once); the case "
    "is then routed to the procedure's implementing agency or to agency_id. Anonymous "
    "submissions are rate-limited per phone or e-mail and per client address (429 with "
    "Retry-After). Officials may enter a case received by phone, letter or e-mail.",
    body=CaseBody,
    response=CaseReceipt,
    status=202,
    errors=(403, 429),
)
def submit_case(body: CaseBody, principal: Principal | None) -> CaseReceipt:
    code, key = service.submit(body, principal, _client_ip())
    return CaseReceipt(tracking_code=code, access_key=key, status="received")


@api.route(
    "/cases/{tracking_code}",
    summary="One case: its submitter (access key or token), its agency's officials, operators",
    description="After 10 wrong access keys for one case in 15 minutes, that case answers "
    "429 with Retry-After to anyone presenting a key, without checking it, until the window "
    "ends; its signed-in submitter, its agency's officials and operators are not slowed.",
    query=CaseQuery,
    response=CaseView,
    errors=(404, 429),
    path_patterns=CASE,
)
def get_case(tracking_code: str, query: CaseQuery, principal: Principal | None) -> CaseView:
    case, submitter = service.view(tracking_code, query.access_key, principal)
    return _view(case, submitter)


@api.route(
    "/cases/{tracking_code}/actions",
    ("POST",),
    summary="An official's step on a case: accept, reject, transfer or answer",
    body=ActionBody,
    response=CaseView,
    roles=(Role.OFFICIAL,),
    errors=(404, 409),
    path_patterns=CASE,
)
def act_on_case(tracking_code: str, body: ActionBody, principal: Principal) -> CaseView:
    case = service.act(tracking_code, body, principal)
    return _view(case, None)


@api.route(
    "/cases/{tracking_code}/attachments",
    ("POST",),
    summary="Upload a file to a case (at most 5): a presigned S3 POST",
    description="For the case's submitter (access key or token) and its agency's officials; "
    "an operator gets 403. A slot is taken by a file uploaded, or for 15 minutes by a link "
    "not used yet: a link never used frees its slot when it expires. 409 when the files and "
    "the links still usable fill the 5 slots; 429 as for reading the case after too many "
    "wrong access keys.",
    body=AttachmentBody,
    response=AttachmentUpload,
    status=201,
    errors=(403, 404, 409, 429),
    path_patterns=CASE,
)
def add_attachment(
    tracking_code: str, body: AttachmentBody, principal: Principal | None
) -> AttachmentUpload:
    return service.add_attachment(tracking_code, body, principal)


@api.route(
    "/agencies/{agency_id}/cases",
    summary="An agency's work list, soonest deadline first",
    query=WorkListQuery,
    response=WorkList,
    roles=(Role.OFFICIAL, Role.OPERATOR),
    path_patterns=AGENCY,
)
def work_list(agency_id: str, query: WorkListQuery, principal: Principal) -> WorkList:
    cases, cursor = service.work_list(agency_id, query.status, query.limit, query.cursor, principal)
    return WorkList(
        items=[
            WorkItem(
                tracking_code=c.tracking_code,
                title=c.title,
                status=c.status,
                channel=c.channel,
                received_at=c.received_at,
                deadline=c.deadline,
                overdue=c.overdue,
            )
            for c in cases
        ],
        next_cursor=cursor,
    )


@api.route(
    "/answers",
    summary="Published questions and answers, without anyone's personal data",
    query=AnswersQuery,
    response=AnswerPage,
)
def published_answers(query: AnswersQuery) -> AnswerPage:
    items, cursor = service.published_answers(query.q, query.limit, query.cursor)
    return AnswerPage(
        items=[PublishedAnswer.model_validate(item) for item in items], next_cursor=cursor
    )


@api.route(
    "/stats",
    summary="Cases of an agency in a period: by status and channel, and the on-time share",
    query=StatsQuery,
    response=Stats,
)
def stats(query: StatsQuery) -> Stats:
    return Stats.model_validate(service.stats(query.agency_id, query.period))


@app.on_sqs_message(
    queue=get_settings().feedback_intake_queue, batch_size=10, name="route-feedback-cases"
)
@api.background
def route_cases(event: SQSEvent) -> dict[str, Any]:
    from services.feedback import consumers

    return consumers.route_cases(event.to_dict(), event.context)


@app.schedule(Rate(1, unit=Rate.MINUTES), name="sweep-feedback-cases")
@api.background
def sweep(event: Any) -> None:
    service.sweep()
