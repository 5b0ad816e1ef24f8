"""Dossiers: routes, the notifications, payments and results consumers, and the sweep."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from chalice.app import Chalice, Rate, Response, SQSEvent

from services.core.api import JSON, Api, Reply
from services.core.auth import Principal, Role
from services.core.identifiers import AGENCY_ID_PATTERN, DOSSIER_CODE_PATTERN
from services.core.settings import get_settings
from services.core.standard_routes import add_standard_routes
from services.dossiers import service
from services.dossiers.domain import Dossier, Letter, Result, status_name
from services.dossiers.models import (
    LETTER_NO,
    RESULT_ID_PATTERN,
    AgencyListQuery,
    ApologyBody,
    ApplicantView,
    BatchAnswer,
    BatchBody,
    BatchItem,
    BatchItemAnswer,
    DossierBody,
    DossierPage,
    DossierSummary,
    DossierView,
    ItemError,
    LetterView,
    PageQuery,
    ProgressBody,
    PublicStatus,
    ResultBody,
    ResultUpload,
    ResultView,
    StepView,
    Synced,
    Verification,
)

app = Chalice(app_name="portal-dossiers")
api = Api(
    app,
    service="dossiers",
    title="Dossiers",
    description="Hồ sơ: dossiers synced from agencies' one-stop systems, on the working-day "
    "clock, apologised for when late, with their electronic results.",
)
add_standard_routes(api, lambda: get_settings().dossiers_table)

TEMPLATES = Path(__file__).with_name("templates")
DOSSIER = {"dossier_code": DOSSIER_CODE_PATTERN}
READERS = (Role.CITIZEN, Role.OFFICIAL, Role.OPERATOR, Role.SYSTEM)


def _synced(result: service.SyncResult) -> Synced:
    assert result.dossier is not None
    return Synced(
        dossier_code=result.dossier_code,
        status=result.dossier.status,
        due_at=result.dossier.due_at,
        applied=bool(result.applied),
    )


@api.route(
    "/{dossier_code}",
    ("PUT",),
    summary="Create or update a dossier (its agency's one-stop system)",
    description="Idempotent and ordered by status_at: a copy older than the one held changes "
    "nothing (applied false), the same copy again changes nothing. 201 for a new dossier.",
    body=DossierBody,
    response=Synced,
    other_statuses=(201,),
    roles=(Role.SYSTEM,),
    errors=(409,),
    path_patterns=DOSSIER,
)
def put_dossier(dossier_code: str, body: DossierBody, principal: Principal) -> Reply:
    result = service.sync(dossier_code, body, principal)
    return Reply(_synced(result), result.status)


@api.route(
    "/batch",
    ("POST",),
    summary="Create or update up to 100 dossiers (a one-stop system)",
    description="Each item is a PUT body with its dossier_code, answered with the HTTP status "
    "it alone would get; one bad item never stops the rest.",
    body=BatchBody,
    response=BatchAnswer,
    roles=(Role.SYSTEM,),
)
def batch(body: BatchBody, principal: Principal) -> Response:
    answers: list[BatchItemAnswer | None] = [None] * len(body.items)
    valid: list[tuple[int, BatchItem]] = []
    for index, raw in enumerate(body.items):
        parsed = BatchItem.parse_item(raw)
        if isinstance(parsed, BatchItem):
            valid.append((index, parsed))
        else:
            named = raw.get("dossier_code") if isinstance(raw, dict) else None
            code = named if isinstance(named, str) else None
            answers[index] = BatchItemAnswer(dossier_code=code, status=422, errors=parsed)
    synced = service.sync_many([(item.dossier_code, item) for _, item in valid], principal)
    for (index, _), result in zip(valid, synced, strict=True):
        errors = None
        if result.problem is not None:
            errors = [ItemError(field=e.field, message=e.message) for e in result.problem.errors]
            errors = errors or [ItemError(field="", message=result.problem.detail.en)]
        answers[index] = BatchItemAnswer(
            dossier_code=result.dossier_code,
            status=result.status,
            applied=result.applied if result.problem is None else None,
            errors=errors,
        )
    # ``applied`` and ``errors`` appear where they apply; ``dossier_code`` always (null for
    # an item that named none).
    items = [
        {**a.model_dump(mode="json", exclude_none=True), "dossier_code": a.dossier_code}
        for a in answers
        if a is not None
    ]
    return Response(
        body=json.dumps({"items": items}, ensure_ascii=False),
        status_code=200,
        headers={"Content-Type": JSON},
    )


@api.route(
    "/{dossier_code}/progress",
    ("POST",),
    summary="One handling step of a dossier (its agency's one-stop system)",
    description="Ordered by at as copies are by status_at; answered as PUT is.",
    body=ProgressBody,
    response=Synced,
    roles=(Role.SYSTEM,),
    errors=(404, 409),
    path_patterns=DOSSIER,
)
def post_progress(dossier_code: str, body: ProgressBody, principal: Principal) -> Synced:
    return _synced(service.progress(dossier_code, body, principal))


def _summary(dossier: Dossier, now: Any) -> DossierSummary:
    return DossierSummary(
        dossier_code=dossier.dossier_code,
        procedure_code=dossier.procedure_code,
        procedure_name=dossier.procedure_name,
        agency_id=dossier.agency_id,
        channel=dossier.channel,
        status=dossier.status,
        status_name=status_name(dossier.status),
        received_at=dossier.received_at,
        due_at=dossier.due_at,
        overdue=dossier.overdue_at(now),
        apologised=dossier.apologies > 0,
        completed_at=dossier.completed_at,
    )


@api.route(
    "/mine",
    summary="The caller's own dossiers, newest first (a citizen)",
    query=PageQuery,
    response=DossierPage,
    roles=(Role.CITIZEN,),
)
def mine(query: PageQuery, principal: Principal) -> DossierPage:
    dossiers, cursor, now = service.mine(principal, query.limit, query.cursor)
    return DossierPage(items=[_summary(d, now) for d in dossiers], next_cursor=cursor)


@api.route(
    "/agencies/{agency_id}/dossiers",
    summary="An agency's dossiers, soonest due_at first (its officials, operators)",
    description="Filters: status, overdue, apologised. overdue=true&apologised=false lists "
    "the overdue dossiers no apology letter was issued for. Unfiltered, by status, overdue, "
    "and overdue with apologised cost the same whatever the agency holds.",
    query=AgencyListQuery,
    response=DossierPage,
    roles=(Role.OFFICIAL, Role.OPERATOR),
    path_patterns={"agency_id": AGENCY_ID_PATTERN},
)
def agency_dossiers(agency_id: str, query: AgencyListQuery, principal: Principal) -> DossierPage:
    dossiers, cursor, now = service.agency_list(
        agency_id,
        query.status,
        query.overdue,
        query.apologised,
        query.limit,
        query.cursor,
        principal,
    )
    return DossierPage(items=[_summary(d, now) for d in dossiers], next_cursor=cursor)


@api.route(
    "/results/{sha256}",
    summary="Check a document's SHA-256 against the electronic results the portal issued",
    description="Public: the procedure, agency and issue date, no personal data.",
    response=Verification,
    errors=(404,),
    path_patterns={"sha256": r"^[0-9a-fA-F]{64}$"},
)
def verify(sha256: str) -> Verification:
    return Verification.model_validate(service.verify(sha256))


def _letter_view(letter: Letter) -> LetterView:
    return LetterView(
        letter_no=letter.letter_no,
        dossier_code=letter.dossier_code,
        issued_at=letter.issued_at,
        reason=letter.reason,
        old_due_at=letter.old_due_at,
        new_due_at=letter.new_due_at,
        official_id=letter.official_id,
    )


def _result_view(result: Result) -> ResultView:
    return ResultView(
        result_id=result.result_id,
        name=result.name,
        content_type=result.content_type,
        size=result.size,
        sha256=result.sha256,
        state=result.state,
        registered_at=result.registered_at,
        checked_at=result.checked_at,
    )


@api.route(
    "/{dossier_code}",
    summary="A dossier, whole (its applicant, officials of its agency, operators)",
    description="404 for anyone else.",
    response=DossierView,
    roles=READERS,
    errors=(404,),
    path_patterns=DOSSIER,
)
def get_dossier(dossier_code: str, principal: Principal) -> DossierView:
    seen = service.view(dossier_code, principal)
    dossier = seen.dossier
    return DossierView(
        dossier_code=dossier.dossier_code,
        procedure_code=dossier.procedure_code,
        procedure_name=dossier.procedure_name,
        agency_id=dossier.agency_id,
        channel=dossier.channel,
        applicant=ApplicantView.model_validate(seen.applicant.model_dump()),
        received_at=dossier.received_at,
        due_at=dossier.due_at,
        original_due_at=dossier.original_due_at,
        status=dossier.status,
        status_name=status_name(dossier.status),
        status_at=dossier.status_at,
        official_id=dossier.official_id,
        completed_at=dossier.completed_at,
        returned_at=dossier.returned_at,
        digitized=dossier.digitized,
        paid_online=dossier.paid_online,
        overdue=dossier.overdue_at(seen.now),
        late=dossier.late_at(seen.now),
        waiting_since=dossier.waiting_since,
        timeline=[
            StepView(
                at=step.at,
                status=step.status,
                status_name=status_name(step.status),
                actor=step.actor,
                official_id=step.official_id,
                department=step.department,
                note=step.note,
            )
            for step in dossier.timeline
        ],
        apologies=[_letter_view(letter) for letter in seen.letters],
        results=[_result_view(result) for result in seen.results],
    )


@api.route(
    "/{dossier_code}/status",
    summary="A dossier's status, public, with no personal data",
    response=PublicStatus,
    errors=(404,),
    path_patterns=DOSSIER,
)
def public_status(dossier_code: str) -> PublicStatus:
    dossier, now = service.public_status(dossier_code)
    return PublicStatus(
        dossier_code=dossier.dossier_code,
        procedure_code=dossier.procedure_code,
        procedure_name=dossier.procedure_name,
        agency_id=dossier.agency_id,
        status=dossier.status,
        status_name=status_name(dossier.status),
        received_at=dossier.received_at,
        due_at=dossier.due_at,
        overdue=dossier.overdue_at(now),
    )


@api.route(
    "/{dossier_code}/apologies",
    ("POST",),
    summary="Apologise for a late dossier with a new date (an official of its agency)",
    description="Form 04 of Circular 01/2018/TT-VPCP, numbered per agency and year; the "
    "dossier's due_at becomes new_due_at and the applicant is told by e-mail or SMS.",
    body=ApologyBody,
    response=LetterView,
    status=201,
    roles=(Role.OFFICIAL,),
    errors=(404, 409),
    path_patterns=DOSSIER,
)
def apologise(dossier_code: str, body: ApologyBody, principal: Principal) -> Reply:
    return Reply(_letter_view(service.apologise(dossier_code, body, principal)), 201)


@api.route(
    "/{dossier_code}/apologies/{letter_no}",
    summary="An apology letter, as a printable page (Accept: text/html) or as JSON",
    response=LetterView,
    roles=READERS,
    errors=(404,),
    path_patterns={**DOSSIER, "letter_no": LETTER_NO},
)
def get_letter(
    dossier_code: str, letter_no: str, principal: Principal, headers: Any
) -> LetterView | Response:
    from services.core import pages

    found = service.letter(dossier_code, letter_no, principal)
    if not pages.wants_html(headers.get("accept")):
        return _letter_view(found.letter)
    page = pages.render(
        "apology.html",
        TEMPLATES,
        letter=found.letter,
        dossier=found.dossier,
        applicant=found.applicant,
        agency_name=found.agency_name,
        parent_agency_name=found.parent_agency_name,
        locality=found.locality,
        when=_vietnam_words,
        day=_vietnam_day,
    )
    return Response(body=page, status_code=200, headers={"Content-Type": pages.HTML})


def _vietnam_words(moment: Any) -> str:
    """``17 giờ 00 phút, ngày 21 tháng 05 năm 2025``, as the form writes a date to return."""
    from services.core.clock import VIETNAM_TZ

    local = moment.astimezone(VIETNAM_TZ)
    return f"{local:%H} giờ {local:%M} phút, ngày {local:%d} tháng {local:%m} năm {local:%Y}"


def _vietnam_day(moment: Any) -> str:
    from services.core.clock import VIETNAM_TZ

    local = moment.astimezone(VIETNAM_TZ)
    return f"ngày {local:%d} tháng {local:%m} năm {local:%Y}"


@api.route(
    "/{dossier_code}/results",
    ("POST",),
    summary="Register an electronic result and get its upload link (its agency's system)",
    description="PUT the document to upload_url with upload_headers. It is offered to the "
    "applicant only once the portal has read it back and found the registered SHA-256, size "
    "and content type.",
    body=ResultBody,
    response=ResultUpload,
    status=201,
    roles=(Role.SYSTEM,),
    errors=(404, 409),
    path_patterns=DOSSIER,
)
def register_result(dossier_code: str, body: ResultBody, principal: Principal) -> Reply:
    result, upload = service.register_result(dossier_code, body, principal)
    answer = ResultUpload(
        result_id=result.result_id,
        upload_url=upload.url,
        upload_headers=upload.headers,
        expires_in_seconds=upload.expires_in_seconds,
    )
    return Reply(answer, 201)


@api.route(
    "/{dossier_code}/results/{result_id}",
    summary="Download an electronic result (its applicant): a redirect to a short-lived link",
    status=302,
    roles=(Role.CITIZEN,),
    errors=(404,),
    path_patterns={**DOSSIER, "result_id": RESULT_ID_PATTERN},
)
def fetch_result(dossier_code: str, result_id: str, principal: Principal) -> Reply:
    link = service.result_link(dossier_code, result_id, principal)
    return Reply(None, 302, {"Location": link, "Cache-Control": "no-store"})


# -- queues and the schedule ------------------------------------------------------------------
@app.on_sqs_message(
    queue=get_settings().notifications_queue, batch_size=10, name="send-notifications"
)
@api.background
def send_notifications(event: SQSEvent) -> dict[str, Any]:
    return service.send_notifications(event.to_dict(), event.context)


@app.on_sqs_message(queue=get_settings().dossier_payments_queue, batch_size=10, name="mark-paid")
@api.background
def mark_paid(event: SQSEvent) -> dict[str, Any]:
    return service.mark_paid(event.to_dict(), event.context)


@app.on_sqs_message(queue=get_settings().dossier_results_queue, batch_size=10, name="check-results")
@api.background
def check_results(event: SQSEvent) -> dict[str, Any]:
    return service.check_uploads(event.to_dict(), event.context)


@app.schedule(Rate(1, unit=Rate.MINUTES), name="sweep-dossiers")
@api.background
def sweep(event: Any) -> None:
    service.sweep()
