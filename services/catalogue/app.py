"""Catalogue of administrative procedures: routes and schedules, nothing else."""

from __future__ import annotations

from typing import Any

from chalice.app import Chalice, Rate

from services.catalogue import service
from services.catalogue.domain import ProcedureRecord
from services.catalogue.models import (
    AbolishBody,
    Agency,
    AgencyBody,
    AgencyListQuery,
    AgencyPage,
    AuditFinding,
    AuditPage,
    AuditReason,
    PageQuery,
    Procedure,
    ProcedureBody,
    ProcedurePage,
    ProcedureSummary,
    ProcedureView,
    PublishBody,
    SearchQuery,
    VersionPage,
)
from services.core.api import Api, current_language
from services.core.auth import Principal, Role
from services.core.identifiers import AGENCY_ID_PATTERN, PROCEDURE_CODE_PATTERN
from services.core.settings import get_settings
from services.core.standard_routes import add_standard_routes

app = Chalice(app_name="portal-catalogue")
api = Api(
    app,
    service="catalogue",
    title="Catalogue of administrative procedures",
    description="The national catalogue of administrative procedures (thủ tục hành chính), "
    "their online services and the agencies that implement them.",
)
add_standard_routes(api, lambda: get_settings().catalogue_table)

CODE = {"code": PROCEDURE_CODE_PATTERN}
EDITORS = (Role.OPERATOR, Role.OFFICIAL)


def _procedure(record: ProcedureRecord) -> Procedure:
    return service.as_procedure(record)


@api.route(
    "/procedures",
    query=SearchQuery,
    response=ProcedurePage,
    errors=(400,),
    summary="Search published procedures",
    description="`q` folds case and Vietnamese diacritics and ranks the best match first.",
)
def search_procedures(query: SearchQuery) -> ProcedurePage:
    result, next_cursor = service.search(query)
    items = [ProcedureSummary.model_validate(doc, from_attributes=True) for doc in result.docs]
    return ProcedurePage(items=items, next_cursor=next_cursor)


@api.route(
    "/procedures/{code}",
    query=ProcedureView,
    response=Procedure,
    errors=(404,),
    path_patterns=CODE,
    summary="One procedure: published, abolished or (to editors) draft",
)
def get_procedure(code: str, query: ProcedureView, principal: Principal | None) -> Procedure:
    return _procedure(service.get_procedure(principal, code, query.view))


@api.route(
    "/procedures/{code}",
    ("PUT",),
    body=ProcedureBody,
    response=Procedure,
    roles=EDITORS,
    errors=(409,),
    path_patterns=CODE,
    summary="Create or replace the draft",
)
def put_procedure(code: str, body: ProcedureBody, principal: Principal) -> Procedure:
    return _procedure(service.put_draft(principal, code, body))


@api.route(
    "/procedures/{code}/publish",
    ("POST",),
    body=PublishBody,
    response=Procedure,
    roles=(Role.OPERATOR,),
    errors=(404, 409),
    path_patterns=CODE,
    summary="Publish the draft",
    description="Refused with 409 naming the other code when the folded name equals a "
    "published procedure's at the same agency level, unless `force`.",
)
def publish_procedure(code: str, body: PublishBody) -> Procedure:
    return _procedure(service.publish(code, force=body.force))


@api.route(
    "/procedures/{code}/abolish",
    ("POST",),
    body=AbolishBody,
    response=Procedure,
    roles=(Role.OPERATOR,),
    errors=(404, 409),
    path_patterns=CODE,
    summary="Abolish a published procedure",
)
def abolish_procedure(code: str, body: AbolishBody) -> Procedure:
    return _procedure(service.abolish(code, body.reason))


@api.route(
    "/procedures/{code}/versions",
    query=PageQuery,
    response=VersionPage,
    errors=(400, 404),
    path_patterns=CODE,
    summary="Every published version, newest first",
)
def procedure_versions(code: str, query: PageQuery, principal: Principal | None) -> VersionPage:
    records, next_cursor = service.versions(principal, code, query.limit, query.cursor)
    return VersionPage(items=[_procedure(r) for r in records], next_cursor=next_cursor)


@api.route(
    "/audits/service-levels",
    query=PageQuery,
    response=AuditPage,
    roles=(Role.OPERATOR,),
    errors=(400,),
    summary="Procedures declared fully online that fail Decree 42/2022",
)
def service_level_audit(query: PageQuery) -> AuditPage:
    findings, next_cursor = service.service_level_audit(query.limit, query.cursor)
    language = current_language()
    items = [
        AuditFinding(
            code=finding.record.code,
            name=finding.record.content.name,
            agency_ids=list(finding.record.content.agency_ids),
            version=finding.record.version,
            reasons=[
                AuditReason(code=code, message=message.pick(language))
                for code, message in finding.reasons
            ],
        )
        for finding in findings
    ]
    return AuditPage(items=items, next_cursor=next_cursor)


@api.route(
    "/agencies",
    query=AgencyListQuery,
    response=AgencyPage,
    errors=(400,),
    summary="Agencies, or one agency's children",
)
def list_agencies(query: AgencyListQuery) -> AgencyPage:
    items, next_cursor = service.list_agencies(query.parent_id, query.limit, query.cursor)
    return AgencyPage(items=[_agency(i) for i in items], next_cursor=next_cursor)


@api.route(
    "/agencies/{agency_id}",
    response=Agency,
    errors=(404,),
    path_patterns={"agency_id": AGENCY_ID_PATTERN},
    summary="One agency",
)
def get_agency(agency_id: str) -> Agency:
    return _agency(service.get_agency(agency_id))


@api.route(
    "/agencies/{agency_id}",
    ("PUT",),
    body=AgencyBody,
    response=Agency,
    roles=(Role.OPERATOR,),
    path_patterns={"agency_id": AGENCY_ID_PATTERN},
    summary="Create or replace an agency",
)
def put_agency(agency_id: str, body: AgencyBody) -> Agency:
    return _agency(service.put_agency(agency_id, body))


@app.schedule(Rate(1, unit=Rate.MINUTES), name="relay-procedure-changes")
@api.background
def relay_procedure_changes(event: Any) -> None:
    service.relay_changes()
    service.keep_search_snapshot()


def _agency(item: dict[str, Any]) -> Agency:
    return Agency(
        agency_id=item["agency_id"],
        name=item["name"],
        level=item["level"],
        parent_id=item.get("parent_id"),
        locality=item.get("locality"),
        updated_at=item["updated_at"],
    )
