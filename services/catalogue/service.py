"""The catalogue's use cases: who may do what, in which order, with which records.

Handlers in ``app.py`` translate HTTP to these calls; the rules of the lifecycle live in
``domain``, the items in ``storage``.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from services.catalogue import domain, outbox, storage
from services.catalogue.audit import full_online_gaps
from services.catalogue.domain import ProcedureRecord
from services.catalogue.models import (
    AGENCY_ID_PATTERN,
    CODE_PATTERN,
    AgencyBody,
    ProcedureBody,
    SearchQuery,
)
from services.catalogue.search import CatalogueSearch
from services.catalogue.search_index import SearchResult
from services.core import observability
from services.core.auth import Principal, Role
from services.core.pagination import decode_cursor, encode_cursor
from services.core.problems import (
    FieldError,
    Problem,
    Text,
    conflict,
    forbidden,
    invalid,
    not_found,
)

log = observability.logger("catalogue")
metrics = observability.metrics("catalogue")
search_model = CatalogueSearch()

_NO_PROCEDURE = Text("Không tìm thấy thủ tục hành chính.", "No such procedure.")
_NO_AGENCY = Text("Không tìm thấy cơ quan.", "No such agency.")
_RACE = Text(
    "Thủ tục vừa được thay đổi bởi người khác; hãy thử lại.",
    "The procedure was changed by someone else; try again.",
)


def _now() -> datetime:
    return datetime.now(UTC)


def _known_code(code: str) -> str:
    """``code`` if it can name a procedure; anything else names nothing (404), and never
    reaches DynamoDB, whose keys have a size limit."""
    if not re.fullmatch(CODE_PATTERN, code):
        raise not_found(_NO_PROCEDURE)
    return code


def may_edit(principal: Principal | None, agency_ids: set[str] | list[str]) -> bool:
    return principal is not None and principal.acts_for(list(agency_ids))


# -- procedures ----------------------------------------------------------------------------
def put_draft(principal: Principal, code: str, body: ProcedureBody) -> ProcedureRecord:
    if not re.fullmatch(CODE_PATTERN, code):
        raise invalid([FieldError("code", "a procedure code looks like 1.001234")])
    state = storage.load_state(code)
    # An official may only declare procedures of their own agency, and only touch those
    # that already belong to it.
    if not may_edit(principal, body.agency_ids) or (
        state.exists and not may_edit(principal, state.agency_ids)
    ):
        raise forbidden(
            Text(
                "Chỉ cán bộ của cơ quan thực hiện thủ tục hoặc quản trị viên "
                "mới được sửa thủ tục này.",
                "Only officials of the procedure's agencies or operators may edit it.",
            )
        )
    missing = sorted(set(body.agency_ids) - storage.existing_agencies(body.agency_ids))
    if missing:
        raise invalid([FieldError("agency_ids", f"unknown agency: {', '.join(missing)}")])
    draft = domain.new_draft(state, code, body, _now())
    try:
        storage.save_draft(state, draft)
    except storage.Conflict:
        raise conflict(_RACE) from None
    return draft


def get_procedure(principal: Principal | None, code: str, view: str) -> ProcedureRecord:
    _known_code(code)
    if view == "current":
        current = storage.load_current(code)
        if current is not None:
            return current
    if principal is None or not principal.has(Role.OPERATOR, Role.OFFICIAL):
        raise not_found(_NO_PROCEDURE)
    state = storage.load_state(code)
    # A draft is shown only to those who may edit it; to anyone else it does not exist.
    if state.draft is not None and may_edit(principal, state.draft.body.agency_ids):
        return state.draft
    raise not_found(_NO_PROCEDURE)


def publish(code: str, *, force: bool, relay_now: bool = True) -> ProcedureRecord:
    """Publish the draft; ``relay_now=False`` leaves the change message in the outbox for a
    bulk caller to relay in batches."""
    _known_code(code)
    state = storage.load_state(code)
    if not state.exists:
        raise not_found(_NO_PROCEDURE)
    now = _now()
    published = domain.publish(state, now)
    owner = storage.name_owner(domain.name_key(published))
    if owner is not None and owner != code and not force:
        raise domain.duplicate_name(owner)
    try:
        storage.save_publication(state, published, claim_name=owner in (None, code), now=now)
    except storage.Conflict:
        owner = storage.name_owner(domain.name_key(published))
        if owner is not None and owner != code:
            raise domain.duplicate_name(owner) from None
        raise conflict(_RACE) from None
    metrics.add_metric(name="ProceduresPublished", unit=MetricUnit.Count, value=1)
    if relay_now:
        relay_quietly()
    return published


def abolish(code: str, reason: str) -> ProcedureRecord:
    _known_code(code)
    state = storage.load_state(code)
    if not state.exists:
        raise not_found(_NO_PROCEDURE)
    now = _now()
    abolished = domain.abolish(state, reason, now)
    try:
        storage.save_abolition(state, abolished, now)
    except storage.Conflict:
        raise conflict(_RACE) from None
    metrics.add_metric(name="ProceduresAbolished", unit=MetricUnit.Count, value=1)
    relay_quietly()
    return abolished


def relay_quietly() -> int:
    """Send what waits in the outbox; how many were sent (0 when sending failed)."""
    try:
        return outbox.relay()
    except Exception as error:
        # The change is safe in the outbox; the schedule sends it later.
        log.warning(
            "procedure change relay deferred", extra={"trace": observability.safe_trace(error)}
        )
        return 0


def versions(
    principal: Principal | None,
    code: str,
    limit: int,
    cursor: str | None,
) -> tuple[list[ProcedureRecord], str | None]:
    if storage.load_current(_known_code(code)) is None:
        get_procedure(principal, code, "current")  # 404 unless an editor sees a draft
    scope = f"versions:{code}"
    start = storage.decode_start(decode_cursor(cursor, scope)) if cursor else None
    records, last = storage.versions_page(code, limit, start)
    return records, encode_cursor({"start": last}, scope) if last else None


def _search_scope(query: SearchQuery) -> str:
    fields = query.model_dump(exclude={"cursor", "limit"})
    return "search:" + hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


def search(query: SearchQuery) -> tuple[SearchResult, str | None]:
    scope = _search_scope(query)
    offset = 0
    if query.cursor:
        position = decode_cursor(query.cursor, scope).get("offset")
        if not isinstance(position, int) or position < 0:
            raise Problem(400, Text("Con trỏ phân trang không hợp lệ.", "Invalid cursor."))
        offset = position
    result = search_model.index().search(
        query.q,
        agency_id=query.agency_id,
        field=query.field,
        service_level=query.service_level,
        offset=offset,
        limit=query.limit,
    )
    next_cursor = (
        encode_cursor({"offset": offset + query.limit}, scope) if result.has_more else None
    )
    return result, next_cursor


def service_level_audit(
    limit: int,
    cursor: str | None,
) -> tuple[list[tuple[ProcedureRecord, list[Any]]], str | None]:
    scope = "audit:service-levels"
    start = storage.decode_start(decode_cursor(cursor, scope)) if cursor else None
    items, last = storage.query_page(
        pk=storage.AUDIT_PARTITION, index="gsi2", limit=limit, start=start
    )
    findings = []
    for item in items:
        record = storage.record_from(item)
        findings.append((record, full_online_gaps(record.body)))
    return findings, encode_cursor({"start": last}, scope) if last else None


# -- agencies ------------------------------------------------------------------------------
def put_agency(agency_id: str, body: AgencyBody) -> dict[str, Any]:
    if not re.fullmatch(AGENCY_ID_PATTERN, agency_id):
        raise invalid([FieldError("agency_id", "lower-case letters, digits and hyphens")])
    if body.parent_id is not None:
        _check_parent(agency_id, body.parent_id)
    agency = {"agency_id": agency_id, **body.model_dump(), "updated_at": _now().isoformat()}
    storage.put_agency(agency)
    return agency


def _check_parent(agency_id: str, parent_id: str) -> None:
    seen = {agency_id}
    cursor: str | None = parent_id
    for _ in range(16):  # agencies nest a few levels deep, never sixteen
        if cursor is None:
            return
        if cursor in seen:
            raise invalid([FieldError("parent_id", "an agency cannot be its own ancestor")])
        parent = storage.get_agency(cursor)
        if parent is None:
            raise invalid([FieldError("parent_id", f"unknown agency: {cursor}")])
        seen.add(cursor)
        cursor = parent.get("parent_id")
    raise invalid([FieldError("parent_id", "the hierarchy is too deep")])


def get_agency(agency_id: str) -> dict[str, Any]:
    if not re.fullmatch(AGENCY_ID_PATTERN, agency_id):
        raise not_found(_NO_AGENCY)
    agency = storage.get_agency(agency_id)
    if agency is None:
        raise not_found(_NO_AGENCY)
    return agency


def list_agencies(
    parent_id: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[dict[str, Any]], str | None]:
    scope = f"agencies:{parent_id or ''}"
    start = storage.decode_start(decode_cursor(cursor, scope)) if cursor else None
    if parent_id:
        items, last = storage.query_page(
            pk=f"CHILDREN#{parent_id}", index="gsi2", limit=limit, start=start
        )
    else:
        items, last = storage.query_page(pk="AGENCIES", index="gsi1", limit=limit, start=start)
    return items, encode_cursor({"start": last}, scope) if last else None
