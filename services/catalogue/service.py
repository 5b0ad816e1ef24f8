"""The catalogue's use cases: who may do what, in which order, with which records.

Handlers in ``app.py`` translate HTTP to these calls; the rules of the lifecycle live in
``domain``, the items in ``storage``. The API's models become the lifecycle's own types here,
and what the lifecycle refuses becomes a problem here, in one place.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from aws_lambda_powertools.metrics import MetricUnit

from services.catalogue import domain, storage
from services.catalogue.audit import Gap, GapCode, full_online_gaps
from services.catalogue.domain import ProcedureContent, ProcedureRecord, Refusal
from services.catalogue.models import (
    AgencyBody,
    Procedure,
    ProcedureBody,
    SearchQuery,
)
from services.catalogue.search import CatalogueSearch
from services.catalogue.search_index import SearchResult
from services.core import clock, observability, queues
from services.core.auth import Principal, Role
from services.core.dynamo import Conflict
from services.core.identifiers import is_agency_id, is_procedure_code, national_code
from services.core.messages import (
    Message,
    ProcedureAbolished,
    ProcedurePublished,
    ProcedureReported,
)
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
from services.core.settings import get_settings

log = observability.logger("catalogue")
metrics = observability.metrics("catalogue")
search_model = CatalogueSearch()

_NO_PROCEDURE = Text("Không tìm thấy thủ tục hành chính.", "No such procedure.")
_NO_AGENCY = Text("Không tìm thấy cơ quan.", "No such agency.")
_RACE = Text(
    "Thủ tục vừa được thay đổi bởi người khác; hãy thử lại.",
    "The procedure was changed by someone else; try again.",
)


_REFUSALS = {
    Refusal.ABOLISHED: Text(
        "Thủ tục đã bị bãi bỏ; mã thủ tục không được dùng lại.",
        "The procedure was abolished; its code is not reused.",
    ),
    Refusal.NO_DRAFT: Text("Không có bản dự thảo để công bố.", "There is no draft to publish."),
    Refusal.NOT_PUBLISHED: Text(
        "Chỉ thủ tục đang được công bố mới có thể bãi bỏ.",
        "Only a published procedure can be abolished.",
    ),
}


@contextmanager
def _refusals_as_conflicts() -> Iterator[None]:
    """What the lifecycle refuses, told to the caller: the one place it becomes a 409."""
    try:
        yield
    except domain.LifecycleRefused as refused:
        raise conflict(_REFUSALS[refused.reason]) from None
    except domain.DuplicateName as duplicate:
        other = duplicate.other_code
        raise conflict(
            Text(
                f"Tên thủ tục trùng với thủ tục {other} cùng cấp thực hiện; "
                'gửi {"force": true} nếu vẫn muốn công bố.',
                f"The name duplicates procedure {other} at the same agency level; "
                'send {"force": true} to publish anyway.',
            ),
            conflicting_code=other,
        ) from None


# -- the API's models <-> the lifecycle's types -------------------------------------------
def content_from(body: ProcedureBody) -> ProcedureContent:
    return ProcedureContent(
        name=body.name,
        field=body.field,
        agency_ids=tuple(body.agency_ids),
        agency_level=body.agency_level,
        service_level=body.service_level,
        processing_days=body.processing_days,
        fees=tuple(domain.Fee(fee.name, fee.amount_vnd) for fee in body.fees),
        documents=tuple(
            domain.RequiredDocument(doc.name, doc.copies, doc.original_required)
            for doc in body.documents
        ),
        legal_bases=tuple(body.legal_bases),
        result=body.result,
        online_payment=body.online_payment,
        e_result=body.e_result,
    )


def as_procedure(record: ProcedureRecord) -> Procedure:
    return Procedure(
        code=record.code,
        **record.content.as_dict(),
        fee_total_vnd=record.fee_total_vnd,
        status=record.status,
        version=record.version,
        updated_at=record.updated_at,
        published_at=record.published_at,
        abolished_at=record.abolished_at,
        abolition_reason=record.abolition_reason,
    )


def _known_code(code: str) -> str:
    """``code`` if it can name a procedure; anything else names nothing (404), and never
    reaches DynamoDB, whose keys have a size limit."""
    if not is_procedure_code(code):
        raise not_found(_NO_PROCEDURE)
    return national_code(code)  # a local code (2.000815.000.00.00.H55) means the national one


def may_edit(principal: Principal | None, agency_ids: Iterable[str]) -> bool:
    return principal is not None and principal.acts_for(list(agency_ids))


# -- procedures ----------------------------------------------------------------------------
def _declarable_code(code: str) -> str:
    if not is_procedure_code(code):
        raise invalid([FieldError("code", "a procedure code looks like 1.001234")])
    return national_code(code)


def _may_declare(
    principal: Principal, state: domain.ProcedureState, content: ProcedureContent
) -> None:
    # An official may only declare procedures of their own agency, and only touch those
    # that already belong to it.
    if not may_edit(principal, content.agency_ids) or (
        state.exists and not may_edit(principal, state.agency_ids)
    ):
        raise forbidden(
            Text(
                "Chỉ cán bộ của cơ quan thực hiện thủ tục hoặc quản trị viên "
                "mới được sửa thủ tục này.",
                "Only officials of the procedure's agencies or operators may edit it.",
            )
        )


def put_draft(principal: Principal, code: str, body: ProcedureBody) -> ProcedureRecord:
    return _put_draft(principal, _declarable_code(code), content_from(body))


def _put_draft(principal: Principal, code: str, content: ProcedureContent) -> ProcedureRecord:
    state = storage.load_state(code)
    _may_declare(principal, state, content)
    missing = sorted(set(content.agency_ids) - storage.existing_agencies(content.agency_ids))
    if missing:
        raise invalid([FieldError("agency_ids", f"unknown agency: {', '.join(missing)}")])
    with _refusals_as_conflicts():
        draft = domain.new_draft(state, code, content, clock.now())
    try:
        storage.save_draft(state, draft)
    except Conflict:
        raise conflict(_RACE) from None
    return draft


def get_procedure(principal: Principal | None, code: str, view: str) -> ProcedureRecord:
    code = _known_code(code)
    if view == "current":
        current = storage.load_current(code)
        if current is not None:
            return current
    if principal is None or not principal.has(Role.OPERATOR, Role.OFFICIAL):
        raise not_found(_NO_PROCEDURE)
    state = storage.load_state(code)
    # A draft is shown only to those who may edit it; to anyone else it does not exist.
    if state.draft is not None and may_edit(principal, state.draft.content.agency_ids):
        return state.draft
    raise not_found(_NO_PROCEDURE)


def publish(code: str, *, force: bool, relay_now: bool = True) -> ProcedureRecord:
    """Publish the draft; ``relay_now=False`` leaves the change message in the outbox for a
    bulk caller to relay in batches."""
    code = _known_code(code)
    state = storage.load_state(code)
    if not state.exists:
        raise not_found(_NO_PROCEDURE)
    now = clock.now()
    with _refusals_as_conflicts():
        published = domain.publish(state, now)
        owner = storage.name_owner(domain.name_key(published))
        claim = domain.claims_name(code, owner, force=force)
        try:
            storage.save_publication(state, published, claim_name=claim, now=now)
        except Conflict:
            # Lost to another writer: to one that took the name, or to one that changed
            # the procedure itself.
            domain.claims_name(code, storage.name_owner(domain.name_key(published)), force=False)
            raise conflict(_RACE) from None
    metrics.add_metric(name="ProceduresPublished", unit=MetricUnit.Count, value=1)
    _note_for_new_containers(published, now)
    if relay_now:
        relay_quietly()
    return published


def abolish(code: str, reason: str) -> ProcedureRecord:
    code = _known_code(code)
    state = storage.load_state(code)
    if not state.exists:
        raise not_found(_NO_PROCEDURE)
    now = clock.now()
    with _refusals_as_conflicts():
        abolished = domain.abolish(state, reason, now)
    try:
        storage.save_abolition(state, abolished, now)
    except Conflict:
        raise conflict(_RACE) from None
    metrics.add_metric(name="ProceduresAbolished", unit=MetricUnit.Count, value=1)
    _note_for_new_containers(abolished, now)
    relay_quietly()
    return abolished


def _note_for_new_containers(record: ProcedureRecord, now: datetime) -> None:
    """Add a committed change to the search snapshot's delta, so that a container
    starting now has it without reading the feed. Best effort: without it, a new container
    reads the feed instead (a bulk import never notes its changes: the schedule rewrites
    the snapshot after it)."""
    try:
        storage.note_change(record, now)
    except Exception as error:
        log.warning(
            "search snapshot delta not updated", extra={"trace": observability.safe_trace(error)}
        )


ImportOutcome = Literal["created", "updated", "unchanged"]


def import_procedures(
    principal: Principal,
    lines: list[tuple[str, ProcedureBody]],
    *,
    publishing: bool,
    force: bool,
) -> list[ImportOutcome | Problem]:
    """Lines of a bulk import, in order, under the same rules as the API; for each, what
    it did or the problem that refused it. Content equal to what the catalogue holds is
    left alone, so importing the same file twice changes nothing. The lines' records and
    agencies are read in one batch each, and each line that changes something is one
    transaction: a published line is written as published at once, with the version a
    draft and its publication would have given it. Change messages wait in the outbox for
    the importer to relay in bulk."""
    outcomes: list[ImportOutcome | Problem] = []
    codes = [code for code, _ in lines if is_procedure_code(code)]
    states = storage.load_states(codes) if codes else {}
    agencies = storage.existing_agencies(a for _, body in lines for a in body.agency_ids)
    for code, body in lines:
        try:
            outcome, state = _import_one(
                principal,
                _declarable_code(code),
                content_from(body),
                states.get(code, domain.ProcedureState(None, None)),
                agencies,
                publishing=publishing,
                force=force,
            )
            states[code] = state  # a later line of the same code starts from this one
            outcomes.append(outcome)
        except Problem as problem:
            outcomes.append(problem)
    return outcomes


def _import_one(
    principal: Principal,
    code: str,
    content: ProcedureContent,
    state: domain.ProcedureState,
    agencies: set[str],
    *,
    publishing: bool,
    force: bool,
) -> tuple[ImportOutcome, domain.ProcedureState]:
    target = state.current if publishing else state.draft
    if _holds(target, content) and (not publishing or state.draft is None):
        return "unchanged", state
    outcome: ImportOutcome = "updated" if state.exists else "created"
    if not _holds(state.draft, content):
        _may_declare(principal, state, content)
        missing = sorted(set(content.agency_ids) - agencies)
        if missing:
            raise invalid([FieldError("agency_ids", f"unknown agency: {', '.join(missing)}")])
    now = clock.now()
    with _refusals_as_conflicts():
        draft = state.draft
        if draft is None or draft.content != content:
            draft = domain.new_draft(state, code, content, now)
        if not publishing:
            try:
                storage.save_draft(state, draft)
            except Conflict:
                raise conflict(_RACE) from None
            return outcome, domain.ProcedureState(state.current, draft)
        published = domain.publish(domain.ProcedureState(state.current, draft), now)
        # The name is claimed on trust: in a first import it is free, and the transaction's
        # condition says when it was not; only then is its owner read.
        try:
            storage.save_publication(state, published, claim_name=True, now=now)
        except Conflict:
            owner = storage.name_owner(domain.name_key(published))
            if domain.claims_name(code, owner, force=force):
                raise conflict(_RACE) from None
            try:
                storage.save_publication(state, published, claim_name=False, now=now)
            except Conflict:
                raise conflict(_RACE) from None
    metrics.add_metric(name="ProceduresPublished", unit=MetricUnit.Count, value=1)
    return outcome, domain.ProcedureState(published, None)


def _holds(record: ProcedureRecord | None, content: ProcedureContent) -> bool:
    return record is not None and record.content == content


# -- procedure changes ---------------------------------------------------------------------
# Each publication and abolition writes its change item in its own transaction, and the item
# is the outbox entry too, so a change is never lost: it is sent right after the commit and,
# should that fail, by the schedule. Consumers key on (code, version), so a change sent
# twice is applied once.
def _change_message(entry: storage.OutboxEntry) -> ProcedurePublished | ProcedureAbolished:
    if entry.status == "abolished":
        return ProcedureAbolished(
            code=entry.code, version=entry.version, occurred_at=entry.occurred_at
        )
    return ProcedurePublished(code=entry.code, version=entry.version, occurred_at=entry.occurred_at)


def relay_changes(limit: int = 100) -> int:
    """Send the changes waiting in the outbox; how many the queue took. Only those leave
    the outbox: what it refused waits for the next relay."""
    pending = storage.pending_outbox(limit)
    if not pending:
        return 0
    by_id = {str(number): entry for number, entry in enumerate(pending)}
    # Reports hears of the change first: an entry leaves the outbox only when both queues
    # took it, and both consumers apply a (code, version) once.
    reports: list[tuple[str, Message]] = [
        (entry_id, report) for entry_id, entry in by_id.items() if (report := _report(entry))
    ]
    reported = set(queues.send_batch(get_settings().report_events_queue, reports))
    reported |= set(by_id) - {entry_id for entry_id, _ in reports}
    taken = queues.send_batch(
        get_settings().procedure_changes_queue,
        [(entry_id, _change_message(entry)) for entry_id, entry in by_id.items()],
    )
    storage.mark_relayed(by_id[entry_id] for entry_id in taken if entry_id in reported)
    return len(taken)


def _report(entry: storage.OutboxEntry) -> ProcedureReported | None:
    """The procedure as it stands for the index: its newest public record."""
    current = storage.load_state(entry.code).current
    if current is None:
        return None
    return _procedure_report(current, max(current.version, entry.version), entry.occurred_at)


def _procedure_report(
    record: ProcedureRecord, version: int, occurred_at: datetime
) -> ProcedureReported:
    content = record.content
    return ProcedureReported(
        code=record.code,
        version=version,
        agency_ids=list(content.agency_ids),
        published=record.status == "published",
        online_level=content.service_level if content.service_level != "offline" else None,
        online_payment=content.online_payment,
        electronic_result=content.e_result,
        occurred_at=occurred_at,
    )


def report_facts(segment: int, segments: int) -> Iterator[ProcedureReported]:
    """Every public procedure of one scan segment as reports counts it, the same message
    the relay sends (``portal reports rebuild``)."""
    for record in storage.public_records_in(segment, segments):
        yield _procedure_report(record, record.version, record.updated_at)


def relay_quietly() -> int:
    """Send what waits in the outbox; how many were sent (0 when sending failed)."""
    try:
        return relay_changes()
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
    code = _known_code(code)
    if storage.load_current(code) is None:
        get_procedure(principal, code, "current")  # 404 unless an editor sees a draft
    scope = f"versions:{code}"
    start = storage.decode_start(decode_cursor(cursor, scope)) if cursor else None
    records, last = storage.versions_page(code, limit, start)
    return records, encode_cursor({"start": last}, scope) if last else None


def keep_search_snapshot() -> bool:
    """Rewrite the snapshot new search containers start from once it lags the catalogue
    (run every minute with the relay); whether it was rewritten."""
    return search_model.keep_snapshot()


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


@dataclass(frozen=True, slots=True)
class Finding:
    """A published procedure declared fully online that is not, and why, in both languages."""

    record: ProcedureRecord
    reasons: list[tuple[GapCode, Text]]


def _gap_text(gap: Gap) -> Text:
    if gap.code == "fee_not_payable_online":
        return Text(
            "Có phí, lệ phí nhưng không thanh toán trực tuyến được.",
            "A fee is due but cannot be paid online.",
        )
    if gap.code == "result_not_electronic":
        return Text(
            "Kết quả không được trả bản điện tử.", "The result is not returned electronically."
        )
    documents = "; ".join(gap.in_person)
    return Text(
        "Phải xuất trình bản chính trực tiếp: " + documents,
        "Originals must be shown in person: " + documents,
    )


def service_level_audit(limit: int, cursor: str | None) -> tuple[list[Finding], str | None]:
    scope = "audit:service-levels"
    start = storage.decode_start(decode_cursor(cursor, scope)) if cursor else None
    records, last = storage.audit_page(limit, start)
    findings = []
    for record in records:
        gaps = full_online_gaps(record.content)
        findings.append(Finding(record, [(gap.code, _gap_text(gap)) for gap in gaps]))
    return findings, encode_cursor({"start": last}, scope) if last else None


# -- agencies ------------------------------------------------------------------------------
def put_agency(agency_id: str, body: AgencyBody) -> dict[str, Any]:
    if not is_agency_id(agency_id):
        raise invalid([FieldError("agency_id", "lower-case letters, digits and hyphens")])
    if body.parent_id is not None:
        _check_parent(agency_id, body.parent_id)
    return storage.put_agency(agency_id, body.model_dump(), clock.now())


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
    if not is_agency_id(agency_id):
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
        items, last = storage.children_page(parent_id, limit, start)
    else:
        items, last = storage.agencies_page(limit, start)
    return items, encode_cursor({"start": last}, scope) if last else None
