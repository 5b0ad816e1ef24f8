"""Dossiers use cases: sync (a copy, a batch, a step), reading, lists, apologies, electronic
results, notifications, payments, and the sweep.

Sync checks who may write and what the catalogue says, reads every dossier of the request
in one BatchGetItem, lets the rules decide (``domain``), seals the applicants' contacts
under one data key, and writes the changed dossiers with parallel conditional puts; a
dossier another write changed meanwhile is read again and decided anew. A dossier that
reaches 9 or 10 is sent to ratings on ``dossier-events`` at once; what could not be sent
waits in the outbox for the sweep. Notifications leave the same way, as
``NotificationRequested`` messages, and one consumer sends them, once per id.

The rules refuse with their own exceptions; :func:`_refusal` is the one place that turns
them into problems.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from services.core import catalogue_view, clock, dossier_view, identifiers, observability, queues
from services.core.auth import Principal, Role
from services.core.calendar import WorkingCalendar, default_calendar
from services.core.dynamo import Conflict, moment
from services.core.messages import (
    DOSSIER_PAYMENTS,
    NOTIFICATIONS,
    DossierEvent,
    DossierPaid,
    DossierReported,
    DossiersReported,
    Message,
    NotificationAbout,
    NotificationRequested,
    sms_number,
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
from services.core.pseudonyms import pseudonym
from services.core.settings import get_settings
from services.core.text import ascii_text
from services.dossiers import contacts, domain, files, senders, storage
from services.dossiers.domain import Copy, Dossier, Letter, Progress, Result, SealedContact
from services.dossiers.models import (
    LETTER_NO,
    RESERVED_CODES,
    RESULT_ID_PATTERN,
    RESULT_UPLOADS,
    SHA256_PATTERN,
    ApologyBody,
    Applicant,
    DossierBody,
    ProgressBody,
    ResultBody,
    UploadEvent,
)

log = observability.logger("dossiers")
metrics = observability.metrics("dossiers")

WRITE_ROUNDS = 4
LETTER_ATTEMPTS = 20
IN_FLIGHT = timedelta(minutes=5)
"""An attempt to send recorded this recently may still be under way: its message waits."""
OUTBOX_GRACE = timedelta(minutes=1)
SWEEP_BUDGET_SECONDS = 40  # the schedule runs every minute; one run never overlaps the next

_NOT_YOURS = Text(
    "Chỉ hệ thống một cửa của cơ quan giải quyết hồ sơ được cập nhật hồ sơ này.",
    "Only the one-stop system of the dossier's agency writes it.",
)
_NOT_YOUR_AGENCY = Text(
    "Chỉ cán bộ của cơ quan giải quyết hồ sơ được thực hiện thao tác này.",
    "Only officials of the dossier's agency may do this.",
)
_NOT_IMPLEMENTED = Text(
    "Thủ tục không được công bố hoặc cơ quan không thực hiện thủ tục này.",
    "The procedure is not published, or the agency does not implement it.",
)
_NO_DOSSIER = Text("Không tìm thấy hồ sơ.", "There is no such dossier.")
_NO_LETTER = Text("Không tìm thấy phiếu xin lỗi.", "There is no such apology letter.")
_NO_RESULT = Text(
    "Kết quả điện tử chưa sẵn sàng hoặc không tồn tại.",
    "The electronic result is not available.",
)
_NO_VERIFICATION = Text(
    "Cổng không lưu kết quả điện tử nào có mã băm này.",
    "The portal holds no electronic result with this digest.",
)
_CHANGING = Text("Hồ sơ đang được cập nhật, vui lòng thử lại.", "The dossier is changing; retry.")
_REFUSALS: dict[type[domain.DossierRefused], Text] = {
    domain.NoDeadline: Text(
        "Thủ tục không có thời hạn giải quyết trong danh mục: cần gửi due_at.",
        "No processing days to count a deadline from: send due_at.",
    ),
    domain.Finished: Text(
        "Hồ sơ đã kết thúc, không xin lỗi và hẹn lại được.",
        "The dossier is finished; it cannot be apologised for.",
    ),
    domain.NotLater: Text(
        "Ngày hẹn mới phải sau ngày hẹn trả kết quả hiện tại.",
        "The new date must be after the dossier's due_at.",
    ),
    domain.NoResultHere: Text(
        "Hồ sơ không được tiếp nhận, đã rút hoặc dừng xử lý: không có kết quả.",
        "A refused, withdrawn or stopped dossier has no result.",
    ),
}


def _refusal(refused: domain.DossierRefused) -> Problem:
    """The one place where the rules' refusals become answers."""
    text = _REFUSALS[type(refused)]
    if isinstance(refused, (domain.Finished, domain.NoResultHere)):
        return conflict(text)
    return invalid([FieldError(refused.field or "", text.en)], text)


@cache
def calendar() -> WorkingCalendar:
    return default_calendar()


def _contact_digest(applicant: Applicant) -> str:
    return pseudonym("dossiers-contact", contacts.fingerprint(applicant))


def is_dossier_code(code: str) -> bool:
    return _matches(identifiers.DOSSIER_CODE_PATTERN, code) and code not in RESERVED_CODES


def _matches(pattern: str, text: str) -> bool:
    """Whether a path parameter is what it names: anything else names nothing here (and
    would not fit in a key)."""
    import re

    return re.fullmatch(pattern, text) is not None


# -- who may do what ---------------------------------------------------------------------------
def _writes_for(principal: Principal, agency_id: str) -> bool:
    return principal.has(Role.SYSTEM) and principal.agency_id == agency_id


def _official_of(principal: Principal, agency_id: str) -> bool:
    return principal.has(Role.OFFICIAL) and principal.agency_id == agency_id


def _is_applicant(principal: Principal | None, dossier: Dossier) -> bool:
    return bool(
        principal
        and principal.has(Role.CITIZEN)
        and dossier.applicant_key == dossier_view.applicant_key(principal.sub)
    )


def _may_read(principal: Principal | None, dossier: Dossier) -> bool:
    if principal is None:
        return False
    return (
        principal.has(Role.OPERATOR)
        or _official_of(principal, dossier.agency_id)
        or _is_applicant(principal, dossier)
    )


@cache
def _agency_known_cache() -> dict[str, bool]:
    return {}


def _agency_exists(agency_id: str) -> bool:
    known = _agency_known_cache()
    if agency_id not in known:
        found = catalogue_view.agency(agency_id) is not None
        if not found:
            return False  # not in the catalogue yet: ask again next time
        known[agency_id] = True
    return known[agency_id]


# -- sync ------------------------------------------------------------------------------------
@dataclass(slots=True)
class SyncResult:
    """One dossier's answer: the HTTP status it alone gets, and the dossier or the problem."""

    dossier_code: str
    status: int = 0
    applied: bool | None = None
    dossier: Dossier | None = None
    problem: Problem | None = None


@dataclass(slots=True)
class _Pending:
    index: int
    code: str
    body: DossierBody
    procedure_name: str = ""
    processing_days: int | None = None


class _Catalogue:
    """What one request asks of the catalogue, each procedure read once."""

    def __init__(self) -> None:
        self._procedures: dict[str, catalogue_view.Procedure | None] = {}

    def procedure(self, code: str) -> catalogue_view.Procedure | None:
        if code not in self._procedures:
            self._procedures[code] = catalogue_view.procedure(code)
        return self._procedures[code]


def _answered(result: SyncResult, problem: Problem) -> SyncResult:
    result.status, result.problem = problem.status, problem
    return result


def sync(code: str, body: DossierBody, principal: Principal) -> SyncResult:
    """``PUT /{code}``: the answer, or the problem raised."""
    found = sync_many([(code, body)], principal)[0]
    if found.problem is not None:
        raise found.problem
    return found


def sync_many(items: Sequence[tuple[str, DossierBody]], principal: Principal) -> list[SyncResult]:
    """Each copy applied on its own: one item's refusal never stops the others."""
    now = clock.now()
    results = [SyncResult(dossier_code=code) for code, _ in items]
    catalogue = _Catalogue()
    waiting: list[_Pending] = []
    for index, (code, body) in enumerate(items):
        problem = _admission(code, body, principal)
        if problem is not None:
            _answered(results[index], problem)
            continue
        waiting.append(_Pending(index, code, body))
    rounds = 0
    while waiting:
        rounds += 1
        # One copy per dossier in a round: a later copy of the same dossier in this request
        # waits for the round after, so it is decided on what the earlier one wrote.
        this_round: list[_Pending] = []
        later: list[_Pending] = []
        seen: set[str] = set()
        for pending in waiting:
            (later if pending.code in seen else this_round).append(pending)
            seen.add(pending.code)
        retry = _sync_round(this_round, principal, catalogue, results, now)
        if rounds >= WRITE_ROUNDS:
            for pending in retry:
                _answered(results[pending.index], conflict(_CHANGING))
            retry = []
        waiting = sorted(retry + later, key=lambda p: p.index)
    citizens = {code: body.applicant.citizen_id for code, body in items}
    _tell_ratings(
        [(r.dossier, citizens[r.dossier_code]) for r in results if r.dossier and r.applied]
    )
    _tell_reports([r.dossier for r in results if r.dossier and r.applied])
    return results


def _admission(code: str, body: DossierBody, principal: Principal) -> Problem | None:
    """What is refused before anything is read: the wrong caller, a code that is not one."""
    if not _writes_for(principal, body.agency_id):
        return forbidden(_NOT_YOURS)
    if not is_dossier_code(code):
        return invalid([FieldError("dossier_code", "not a dossier code")])
    named = identifiers.agency_in_dossier_code(code)
    if named is not None and named != body.agency_id and _agency_exists(named):
        # The code carries its agency's identifier: another agency's system may not claim
        # it first and lock the right one out.
        return forbidden(_NOT_YOURS)
    return None


def _sync_round(
    batch: list[_Pending],
    principal: Principal,
    catalogue: _Catalogue,
    results: list[SyncResult],
    now: datetime,
) -> list[_Pending]:
    """Decide and write one copy per dossier; the copies whose dossier changed meanwhile."""
    held = storage.load_many(p.code for p in batch)
    writes: list[tuple[_Pending, storage.Write]] = []
    sealer = contacts.Sealer()
    for pending in batch:
        result = results[pending.index]
        known = held.get(pending.code)
        if known is not None and known.dossier.agency_id != pending.body.agency_id:
            _answered(result, forbidden(_NOT_YOURS))  # the first to sync it owns it
            continue
        procedure = catalogue.procedure(pending.body.procedure_code)
        # A dossier received under a procedure abolished since is still handled to the end.
        continuing = (
            known is not None and known.dossier.procedure_code == pending.body.procedure_code
        )
        if (
            procedure is None
            or not (procedure.published or continuing)
            or not procedure.implemented_by(pending.body.agency_id)
        ):
            _answered(
                result,
                invalid(
                    [FieldError("procedure_code", "not a published procedure of agency_id")],
                    _NOT_IMPLEMENTED,
                ),
            )
            continue
        copy = _copy(pending, procedure.name, principal)
        try:
            if known is None:
                after = domain.open_dossier(copy, procedure.processing_days, calendar(), now)
                outcome = domain.Outcome(after, applied=True, changed=True)
            else:
                outcome = domain.take_copy(known.dossier, copy, calendar(), now)
        except domain.DossierRefused as refused:
            _answered(result, _refusal(refused))
            continue
        result.status = 200 if known is not None else 201
        result.applied = outcome.applied
        result.dossier = outcome.dossier
        if not outcome.changed:
            continue
        before = known.dossier if known is not None else None
        after = replace(outcome.dossier, version=(before.version + 1) if before else 1)
        digest = _contact_digest(pending.body.applicant)
        sealed = (
            known.contact
            if known is not None and known.contact.digest == digest
            else sealer.seal(pending.body.applicant, pending.code, digest)
        )
        writes.append((pending, storage.Write(before, after, sealed)))
    written = storage.write_many([w for _, w in writes], now)
    retry = []
    for (pending, write), ok in zip(writes, written, strict=True):
        if ok:
            results[pending.index].dossier = write.after
            metrics.add_metric(name="DossiersSynced", unit="Count", value=1)
        else:
            retry.append(pending)
    return retry


def _copy(pending: _Pending, procedure_name: str, principal: Principal) -> Copy:
    body = pending.body
    return Copy(
        dossier_code=pending.code,
        procedure_code=body.procedure_code,
        procedure_name=procedure_name,
        agency_id=body.agency_id,
        channel=body.channel,
        applicant_key=dossier_view.applicant_key(body.applicant.citizen_id),
        received_at=body.received_at,
        due_at=body.due_at,
        status=body.status,
        status_at=body.status_at,
        actor=_actor(body.official_id, principal),
        official_id=body.official_id,
        completed_at=body.completed_at,
        returned_at=body.returned_at,
        digitized=body.digitized,
        paid_online=body.paid_online,
    )


def _actor(official_id: str | None, principal: Principal) -> str:
    return f"official:{official_id}" if official_id else f"system:{principal.sub}"


def progress(code: str, body: ProgressBody, principal: Principal) -> SyncResult:
    """``POST /{code}/progress``: one handling step, ordered as copies are."""
    now = clock.now()
    for _ in range(WRITE_ROUNDS):
        held = storage.load(code) if is_dossier_code(code) else None
        if held is None:
            raise not_found(_NO_DOSSIER)
        if not _writes_for(principal, held.dossier.agency_id):
            raise forbidden(_NOT_YOURS)
        step = Progress(
            status=body.status,
            at=body.at,
            actor=_actor(body.official_id, principal),
            official_id=body.official_id,
            department=body.department,
            note=body.note,
        )
        try:
            outcome = domain.take_progress(held.dossier, step, calendar(), now)
        except domain.DossierRefused as refused:
            raise _refusal(refused) from None
        answer = SyncResult(code, 200, outcome.applied, outcome.dossier)
        if not outcome.changed:
            return answer
        after = replace(outcome.dossier, version=held.dossier.version + 1)
        if storage.write_one(held.dossier, after, held.contact, now):
            metrics.add_metric(name="DossierSteps", unit="Count", value=1)
            answer.dossier = after
            _tell_ratings([(after, None)])
            _tell_reports([after])
            return answer
    raise conflict(_CHANGING)


# -- ratings hears of handled dossiers --------------------------------------------------------
def _tell_ratings(dossiers: Sequence[tuple[Dossier, str | None]]) -> int:
    """Send each handled dossier's event to ratings (with its applicant's citizen id, opened
    from the sealed contact when the caller does not have it) and take it out of the
    outbox; what fails stays there for the sweep."""
    pending = [(d, citizen) for d, citizen in dossiers if d.event_pending is not None]
    if not pending:
        return 0
    try:
        events: list[tuple[str, Message]] = []
        for n, (dossier, citizen) in enumerate(pending):
            if citizen is None:
                held = storage.load(dossier.dossier_code)
                if held is None:
                    continue
                citizen = contacts.open_sealed(held.contact, dossier.dossier_code).citizen_id
            events.append((str(n), _dossier_event(dossier, citizen)))
        taken = queues.send_batch(get_settings().dossier_events_queue, events)
    except Exception as error:
        log.warning("dossier events not sent yet", extra={"trace": observability.safe_trace(error)})
        return 0
    for entry_id in taken:
        dossier = pending[int(entry_id)][0]
        storage.event_sent(dossier.dossier_code, dossier.event_pending or dossier.status)
    return len(taken)


REPORTED_TOGETHER = 100
"""Dossier states in one report message: a whole batch, so one request to SQS."""


def _tell_reports(dossiers: Sequence[Dossier]) -> int:
    """Send each written dossier's state to reports (no personal data), a batch's in one
    message. Best effort: a state lost here is counted by the dossier's next write, or by
    ``portal reports rebuild``."""
    if not dossiers:
        return 0
    now = clock.now()
    try:
        states = [_report(dossier, now) for dossier in dossiers]
        queue = get_settings().report_events_queue
        for start in range(0, len(states), REPORTED_TOGETHER):
            queues.send(queue, DossiersReported(dossiers=states[start : start + REPORTED_TOGETHER]))
        return len(states)
    except Exception as error:
        log.warning("report events not sent", extra={"trace": observability.safe_trace(error)})
        return 0


def report_facts(segment: int, segments: int) -> Iterator[DossierReported]:
    """Every dossier of one scan segment as reports counts it, the same message each write
    sends (``portal reports rebuild``)."""
    now = clock.now()
    for dossier in storage.dossiers_in(segment, segments):
        yield _report(dossier, now)


def _report(dossier: Dossier, now: datetime) -> DossierReported:
    return DossierReported(
        dossier_code=dossier.dossier_code,
        version=max(dossier.version, 1),
        overdue=dossier.overdue,
        agency_id=dossier.agency_id,
        procedure_code=dossier.procedure_code,
        channel=dossier.channel,
        received_at=dossier.received_at,
        due_at=dossier.original_due_at,
        status=dossier.status,
        status_at=dossier.status_at,
        completed_at=dossier.completed_at,
        late=dossier.late_at(now),
        apologies=dossier.apologies,
        digitized=bool(dossier.digitized),
        paid_online=bool(dossier.paid_online) or dossier.paid_through_portal,
    )


def _dossier_event(dossier: Dossier, citizen_id: str) -> DossierEvent:
    # Ratings counts on-time handling against the date before any apology.
    return DossierEvent(
        dossier_code=dossier.dossier_code,
        procedure_code=dossier.procedure_code,
        agency_id=dossier.agency_id,
        official_id=dossier.official_id,
        citizen_id=citizen_id,
        status=dossier.event_pending or dossier.status,
        received_at=dossier.received_at,
        due_at=dossier.original_due_at,
        completed_at=dossier.completed_at,
    )


# -- reading ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Seen:
    """A dossier as its reader sees it."""

    dossier: Dossier
    applicant: Applicant
    letters: list[Letter]
    results: list[Result]
    now: datetime


def view(code: str, principal: Principal | None) -> Seen:
    whole = storage.load_whole(code) if is_dossier_code(code) else None
    if whole is None or not _may_read(principal, whole.held.dossier):
        raise not_found(_NO_DOSSIER)
    applicant = contacts.open_sealed(whole.held.contact, code)
    return Seen(whole.held.dossier, applicant, whole.letters, whole.results, clock.now())


def public_status(code: str) -> tuple[Dossier, datetime]:
    held = storage.load(code) if is_dossier_code(code) else None
    if held is None:
        raise not_found(_NO_DOSSIER)
    return held.dossier, clock.now()


def mine(
    principal: Principal, limit: int, cursor: str | None
) -> tuple[list[Dossier], str | None, datetime]:
    key = dossier_view.applicant_key(principal.sub)
    scope = f"dossiers-mine:{key}"
    start = decode_cursor(cursor, scope) if cursor else None
    dossiers, last = storage.applicant_page(key, limit, start)
    return dossiers, encode_cursor(last, scope) if last else None, clock.now()


def agency_list(
    agency_id: str,
    status: int | None,
    overdue: bool | None,
    apologised: bool | None,
    limit: int,
    cursor: str | None,
    principal: Principal,
) -> tuple[list[Dossier], str | None, datetime]:
    """Soonest ``due_at`` first. Served by a list of their own, at the same cost whatever
    the agency holds: everything, one status, the overdue, the overdue with or without an
    apology. Other combinations are those lists with a filter, read a bounded amount at a
    time."""
    if not (principal.has(Role.OPERATOR) or _official_of(principal, agency_id)):
        raise forbidden(_NOT_YOUR_AGENCY)
    if not identifiers.is_agency_id(agency_id):
        raise invalid([FieldError("agency_id", "not an agency id")])
    now = clock.now()
    if overdue:
        choices = [apologised] if apologised is not None else [False, True]
        cells = [storage.overdue_cell(choice) for choice in choices]
        served = {"overdue", "apologised"}
    elif status is not None:
        cells, served = [storage.status_cell(status)], {"status"}
    else:
        cells, served = [storage.ALL], set()

    def keep(dossier: Dossier) -> bool:
        return (
            ("status" in served or status is None or dossier.status == status)
            and ("overdue" in served or overdue is None or dossier.overdue == overdue)
            and (
                "apologised" in served
                or apologised is None
                or (dossier.apologies > 0) == apologised
            )
        )

    filtered = (
        (status is not None and "status" not in served)
        or (overdue is not None and "overdue" not in served)
        or (apologised is not None and "apologised" not in served)
    )
    scope = f"dossiers-agency:{agency_id}:{status}:{overdue}:{apologised}"
    start = decode_cursor(cursor, scope) if cursor else None
    page = storage.list_page(agency_id, cells, limit, start, keep if filtered else None, now)
    next_cursor = encode_cursor(page.resume, scope) if page.resume else None
    return page.dossiers, next_cursor, now


# -- apologies -------------------------------------------------------------------------------
def apologise(code: str, body: ApologyBody, principal: Principal) -> Letter:
    """Issue a letter numbered per agency and year, move the dossier's date, and tell the
    applicant. The number is taken by a transaction that also moves the date only if the
    dossier is still as read, so numbers have no gaps and a letter is issued once."""
    for attempt in range(LETTER_ATTEMPTS):
        held = storage.load(code) if is_dossier_code(code) else None
        if held is None:
            raise not_found(_NO_DOSSIER)
        dossier = held.dossier
        if not _official_of(principal, dossier.agency_id):
            raise forbidden(_NOT_YOUR_AGENCY)
        now = clock.now()
        year = clock.local_date(now).year
        seen = storage.last_letter_number(dossier.agency_id, year)
        try:
            after, letter = domain.apologise(
                dossier,
                body.reason,
                body.new_due_at,
                principal.sub,
                now,
                domain.letter_no(year, seen + 1),
            )
        except domain.DossierRefused as refused:
            raise _refusal(refused) from None
        after = replace(after, version=dossier.version + 1)
        try:
            storage.issue_letter(dossier, after, held.contact, letter, year, seen, now)
        except Conflict:
            # Another letter took the number, or the dossier changed: read again.
            time.sleep(random.uniform(0, 0.01) * (attempt + 1))  # noqa: S311 - jitter
            continue
        metrics.add_metric(name="ApologiesIssued", unit="Count", value=1)
        _tell_reports([after])
        _notify_apology(letter, after, held.contact)
        return letter
    raise conflict(_CHANGING)


@dataclass(frozen=True, slots=True)
class LetterPage:
    letter: Letter
    dossier: Dossier
    applicant: Applicant
    agency_name: str
    parent_agency_name: str | None
    locality: str | None


def letter(code: str, letter_no: str, principal: Principal | None) -> LetterPage:
    held = storage.load(code) if is_dossier_code(code) else None
    if held is None or not _may_read(principal, held.dossier):
        raise not_found(_NO_LETTER)
    found = storage.load_letter(code, letter_no) if _matches(LETTER_NO, letter_no) else None
    if found is None:
        raise not_found(_NO_LETTER)
    agency = catalogue_view.agency(held.dossier.agency_id)
    parent = catalogue_view.agency(agency.parent_id) if agency and agency.parent_id else None
    return LetterPage(
        letter=found,
        dossier=held.dossier,
        applicant=contacts.open_sealed(held.contact, code),
        agency_name=agency.name if agency else held.dossier.agency_id,
        parent_agency_name=parent.name if parent else None,
        locality=agency.locality if agency else None,
    )


def _agency_name(agency_id: str) -> str:
    found = catalogue_view.agency(agency_id)
    return found.name if found else agency_id


def _vietnam(moment_: datetime) -> str:
    return moment_.astimezone(clock.VIETNAM_TZ).strftime("%H:%M ngày %d/%m/%Y")


def _letter_url(code: str, letter_no: str) -> str:
    return f"{get_settings().public_url}/dossiers/{code}/apologies/{letter_no}"


def _notify_apology(letter: Letter, dossier: Dossier, contact: SealedContact) -> bool:
    applicant = contacts.open_sealed(contact, dossier.dossier_code)
    agency = _agency_name(dossier.agency_id)
    subject = f"Phiếu xin lỗi và hẹn lại ngày trả kết quả hồ sơ {dossier.dossier_code}"
    text = (
        f"Kính gửi Ông/Bà {applicant.name},\n\n"
        f"{agency} xin lỗi Ông/Bà vì hồ sơ {dossier.dossier_code} "
        f"({dossier.procedure_name}) không được trả kết quả đúng hẹn "
        f"({_vietnam(letter.old_due_at)}).\n"
        f"Lý do: {letter.reason}\n"
        f"Ngày hẹn trả kết quả mới: {_vietnam(letter.new_due_at)}.\n\n"
        f"Phiếu xin lỗi số {letter.letter_no}: "
        f"{_letter_url(dossier.dossier_code, letter.letter_no)}\n"
        "Mong Ông/Bà thông cảm."
    )
    sms = (
        f"{agency} xin loi: ho so {dossier.dossier_code} tre hen. Hen tra ket qua moi "
        f"{_vietnam(letter.new_due_at)}. Phieu {letter.letter_no}."
    )
    sent = _notify(
        f"apology:{dossier.dossier_code}:{letter.letter_no}",
        applicant,
        subject,
        text,
        sms,
        NotificationAbout(kind="apology", reference=dossier.dossier_code),
    )
    if sent:
        storage.letter_notified(dossier.dossier_code, letter.letter_no)
    return sent


def _notify(
    notification_id: str,
    applicant: Applicant,
    subject: str,
    text: str,
    sms: str,
    about: NotificationAbout,
) -> bool:
    """Ask the notifications consumer to e-mail the applicant (or send an SMS without an
    e-mail address). True once asked, or when the applicant left no way to reach them."""
    try:
        message = _message(notification_id, applicant, subject, text, sms, about)
    except ValueError as error:  # not one a notification can carry: nobody to tell
        log.warning("notification not built", extra={"trace": observability.safe_trace(error)})
        return True
    if message is None:
        log.info("applicant has no contact to notify", extra={"about": about.kind})
        return True
    try:
        queues.send(get_settings().notifications_queue, message)
    except Exception as error:
        log.warning("notification not asked yet", extra={"trace": observability.safe_trace(error)})
        return False
    return True


def _message(
    notification_id: str,
    applicant: Applicant,
    subject: str,
    text: str,
    sms: str,
    about: NotificationAbout,
) -> NotificationRequested | None:
    number = sms_number(applicant.phone) if applicant.phone else None
    if applicant.email:
        return NotificationRequested(
            id=notification_id,
            channel="email",
            recipient=applicant.email,
            subject=subject[:200],
            text=text[:4000],
            about=about,
        )
    if number:
        return NotificationRequested(
            id=notification_id,
            channel="sms",
            recipient=number,
            subject=subject[:200],
            text=ascii_text(sms)[:480],
            about=about,
        )
    return None


# -- the notifications consumer: e-mail and SMS, once per id -----------------------------------
class StillSending(Exception):
    """Another delivery of the same notification is under way: this one comes back later."""


def send_notifications(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return queues.consume(event, context, NOTIFICATIONS, _deliver_queued, log)


def _deliver_queued(message: NotificationRequested) -> None:
    deliver(message)


def deliver(message: NotificationRequested) -> str:
    """Send one notification once, however often its message arrives: the attempt is
    recorded before sending and the delivery after, so a redelivery finds it delivered.
    What went wrong where nothing went out (the provider refused) may be tried again; an
    attempt that stopped between the two records is never sent a second time."""
    now = clock.now()
    about = message.about
    if storage.begin_delivery(message.id, message.channel, about.kind, about.reference, now):
        try:
            if message.channel == "email":
                provider_id = senders.send_email(message.recipient, message.subject, message.text)
            else:
                provider_id = senders.send_sms(message.recipient, message.text)
        except senders.NotSent:
            storage.end_delivery(message.id, "failed", clock.now())
            metrics.add_metric(name="NotificationsFailed", unit="Count", value=1)
            raise
        storage.end_delivery(message.id, "delivered", clock.now(), provider_id)
        metrics.add_metric(name="NotificationsSent", unit="Count", value=1)
        log.info("notification sent", extra={"channel": message.channel, "about": about.kind})
        return "delivered"
    record = storage.delivery(message.id) or {}
    state = str(record.get("state", ""))
    if state == "sending":
        started = moment(record.get("started_at"))
        if started is not None and now - started < IN_FLIGHT:
            raise StillSending(message.id)
        # The attempt stopped between sending and recording: it may have gone out. Sending
        # again could tell the citizen twice; an operator finds it by its state.
        storage.end_delivery(message.id, "uncertain", now)
        metrics.add_metric(name="NotificationsUncertain", unit="Count", value=1)
        log.error("notification attempt interrupted", extra={"about": about.kind})
        return "uncertain"
    log.info("notification already handled", extra={"state": state})
    return state or "delivered"


# -- electronic results ------------------------------------------------------------------------
def register_result(
    code: str, body: ResultBody, principal: Principal
) -> tuple[Result, files.Upload]:
    held = storage.load(code) if is_dossier_code(code) else None
    if held is None:
        raise not_found(_NO_DOSSIER)
    if not _writes_for(principal, held.dossier.agency_id):
        raise forbidden(_NOT_YOURS)
    try:
        domain.may_register_result(held.dossier)
    except domain.DossierRefused as refused:
        raise _refusal(refused) from None
    result = Result(
        result_id=uuid.uuid4().hex,
        dossier_code=code,
        name=body.name,
        content_type=body.content_type,
        size=body.size,
        sha256=body.sha256,
        registered_at=clock.now(),
    )
    storage.put_result(result)
    upload = files.presigned_upload(
        code, result.result_id, body.content_type, body.size, body.sha256
    )
    metrics.add_metric(name="ResultsRegistered", unit="Count", value=1)
    return result, upload


def result_link(code: str, result_id: str, principal: Principal | None) -> str:
    """A short-lived link to the result, for its applicant, once it has been checked."""
    held = storage.load(code) if is_dossier_code(code) else None
    if held is None or not _is_applicant(principal, held.dossier):
        raise not_found(_NO_RESULT)
    result = (
        storage.load_result(code, result_id) if _matches(RESULT_ID_PATTERN, result_id) else None
    )
    if result is None:
        raise not_found(_NO_RESULT)
    if not result.offered:
        result = check_result(result)  # the upload's event may not have arrived yet
    if not result.offered:
        raise not_found(_NO_RESULT)
    return files.presigned_download(code, result_id, result.version_id or "", result.name)


def check_result(result: Result, version_id: str | None = None) -> Result:
    """Read the upload back and offer it if it is the document registered."""
    read = files.read_back(result.dossier_code, result.result_id, version_id)
    if read is None:
        return result
    after = domain.checked(
        result, read.sha256, read.size, read.content_type, read.version_id, clock.now()
    )
    if after == result:
        return result
    if not storage.save_result(result, after):
        return storage.load_result(result.dossier_code, result.result_id) or result
    if not after.offered:
        metrics.add_metric(name="ResultsRejected", unit="Count", value=1)
        log.warning("result upload does not match its digest")
        return after
    metrics.add_metric(name="ResultsOffered", unit="Count", value=1)
    held = storage.load(result.dossier_code)
    if held is not None:
        dossier = held.dossier
        issued = after.checked_at or clock.now()
        storage.put_verification(
            after.sha256,
            {
                "sha256": after.sha256,
                "procedure_code": dossier.procedure_code,
                "procedure_name": dossier.procedure_name,
                "agency_id": dossier.agency_id,
                "agency_name": _agency_name(dossier.agency_id),
                "issued_at": issued.isoformat(),
            },
            issued,
        )
        _notify_result(after, dossier, held.contact)
    return after


def _notify_result(result: Result, dossier: Dossier, contact: SealedContact) -> bool:
    applicant = contacts.open_sealed(contact, dossier.dossier_code)
    link = f"{get_settings().public_url}/dossiers/{dossier.dossier_code}/results/{result.result_id}"
    subject = f"Kết quả điện tử của hồ sơ {dossier.dossier_code} đã sẵn sàng"
    text = (
        f"Kính gửi Ông/Bà {applicant.name},\n\n"
        f"Kết quả điện tử của hồ sơ {dossier.dossier_code} ({dossier.procedure_name}) "
        f"đã sẵn sàng: {result.name}.\n"
        f"Tải về (đăng nhập bằng tài khoản định danh điện tử): {link}\n"
        f"Mã kiểm tra SHA-256: {result.sha256}"
    )
    sms = f"Ket qua dien tu ho so {dossier.dossier_code} da san sang. Tai ve: {link}"
    sent = _notify(
        f"result:{dossier.dossier_code}:{result.result_id}",
        applicant,
        subject,
        text,
        sms,
        NotificationAbout(kind="result-ready", reference=dossier.dossier_code),
    )
    if sent:
        storage.save_result(result, replace(result, notified=True))
    return sent


def check_uploads(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The results bucket's upload events: each upload read back and checked."""
    return queues.consume(event, context, RESULT_UPLOADS, _check_upload, log)


def _check_upload(message: UploadEvent) -> None:
    for record in message.Records:
        ids = files.ids_of(record.s3.object.key)
        if ids is None:
            continue
        result = storage.load_result(*ids)
        if result is None or result.offered:
            continue  # an upload nobody registered, or one made over an offered result
        after = check_result(result, record.s3.object.versionId)
        log.info("result checked", extra={"state": after.state})


def verify(sha256: str) -> dict[str, Any]:
    digest = sha256.lower()
    found = storage.verification(digest) if _matches(SHA256_PATTERN, digest) else None
    if found is None:
        raise not_found(_NO_VERIFICATION)
    return found


# -- payments ----------------------------------------------------------------------------------
def mark_paid(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return queues.consume(event, context, DOSSIER_PAYMENTS, _paid_queued, log)


def _paid_queued(message: DossierPaid) -> None:
    paid(message)


def paid(message: DossierPaid) -> bool:
    """Mark the dossier paid online through the portal; False when there is nothing to do."""
    for _ in range(WRITE_ROUNDS):
        held = storage.load(message.dossier_code)
        if held is None or held.dossier.procedure_code != message.procedure_code:
            log.info("payment for no dossier held here", extra={"order_id": message.order_id})
            return False
        after = domain.paid_through_portal(held.dossier)
        if after is None:
            return False
        after = replace(after, version=held.dossier.version + 1)
        if storage.write_one(held.dossier, after, held.contact, clock.now()):
            metrics.add_metric(name="DossiersPaidOnline", unit="Count", value=1)
            _tell_reports([after])
            return True
    raise conflict(_CHANGING)  # comes back through the queue


# -- the sweep -------------------------------------------------------------------------------
def sweep(budget_seconds: float = SWEEP_BUDGET_SECONDS) -> dict[str, int]:
    """Mark overdue the dossiers whose due date has passed (reading only the due index), and
    send what is still in the outbox."""
    deadline = time.monotonic() + budget_seconds
    done = {"overdue": 0, "events": 0, "notifications": 0}
    while time.monotonic() < deadline:
        now = clock.now()
        due = storage.coming_due(now)
        moves = [(d, after) for d in due if (after := domain.marked_overdue(d, now)) is not None]
        if not moves:
            break
        marked = storage.mark_overdue_many(moves, now)
        done["overdue"] += sum(marked)
        _tell_reports([after for (_, after), ok in zip(moves, marked, strict=True) if ok])
        if len(due) < storage.SHARDS:
            break
    for pending in storage.outbox(clock.now() - OUTBOX_GRACE):
        if time.monotonic() > deadline:
            break
        try:
            done[_relay(pending)] += 1
        except Exception as error:
            log.warning(
                "outbox entry not relayed", extra={"trace": observability.safe_trace(error)}
            )
    if done["overdue"]:
        metrics.add_metric(name="DossiersOverdue", unit="Count", value=done["overdue"])
    return done


def _relay(pending: storage.Pending) -> str:
    held = storage.load(pending.dossier_code)
    if held is None:
        return "events"
    if pending.kind == "dossier":
        _tell_ratings([(held.dossier, None)])
        return "events"
    if pending.kind == "apology" and pending.reference:
        found = storage.load_letter(pending.dossier_code, pending.reference)
        if found is not None:
            _notify_apology(found, held.dossier, held.contact)
        return "notifications"
    if pending.reference:
        result = storage.load_result(pending.dossier_code, pending.reference)
        if result is not None and result.offered and not result.notified:
            _notify_result(result, held.dossier, held.contact)
    return "notifications"
