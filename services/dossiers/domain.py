"""Dossiers, their order of changes and their clock. No I/O.

A dossier (hồ sơ) is one applicant's application for one procedure, handled in an agency's
one-stop system, which syncs it here: whole copies (a PUT) and handling steps (progress).

Order: every change carries the moment it happened (a copy's ``status_at``, a step's
``at``), and a dossier takes only a change later than the one it holds. A late copy of an
older step is not applied (``applied`` false) and changes nothing; a change with the same
moment is the same change again: nothing is written, and it is answered as it was the first
time (``applied`` true). A correction of a field is a change like any other, with the moment
it was made.

The clock, on the shared working-day calendar (``services.core.calendar``):

- The deadline is the system's ``due_at`` when it sends one, else the end (23:59:59, Vietnam
  time) of the ``processing_days``-th working day after ``received_at``.
- While the dossier waits on the applicant (5, 6) the clock stands still. When it goes on,
  every deadline it has moves later by the working days it waited: the working days after
  the day it stopped, up to and including the day it went on (stopped on Wednesday, on
  again the next Monday: Thursday, Friday and Monday, three). A copy that sends its own
  ``due_at`` on going on has counted the wait itself, and is taken as it is.
- An apology promises a new date (``promised_due_at``). ``due_at`` is the later of the two
  dates, and ``overdue`` is read against it; ``late`` is read against the date before any
  apology (``original_due_at``), as on-time handling is counted.

``overdue``: not finished and past ``due_at`` (while waiting: already past it when the wait
began), or handled (9, 10) after it. ``late``: the same against ``original_due_at``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from services.core.calendar import CalendarNotCovered, WorkingCalendar, deadline_at
from services.core.clock import VIETNAM_TZ, local_date

STATUS_NAMES: dict[int, str] = {
    1: "Mới đăng ký",
    2: "Được tiếp nhận",
    3: "Không được tiếp nhận",
    4: "Đang xử lý",
    5: "Yêu cầu bổ sung giấy tờ",
    6: "Yêu cầu thực hiện nghĩa vụ tài chính",
    7: "Công dân yêu cầu rút hồ sơ",
    8: "Dừng xử lý",
    9: "Đã xử lý xong",
    10: "Đã trả kết quả",
}
FINISHED = frozenset({3, 7, 8, 9, 10})
WAITING = frozenset({5, 6})
HANDLED = frozenset({9, 10})
RETURNED = 10
NOT_FOR_RESULTS = frozenset({3, 7, 8})
"""Refused, withdrawn or stopped: such a dossier has no result to issue."""

MAX_TIMELINE = 100
"""Steps kept per dossier: a dossier takes a few dozen at most."""
TIMELINE_BYTES = 150_000
"""What the steps' texts may take of the dossier's item, in UTF-8: a Vietnamese character
takes up to 3 bytes, so a hundred 2,000-character notes would take 600 KB, past DynamoDB's
400 KB for an item, and the dossier could never be written again. The oldest steps go
first."""

LETTER_PREFIX = "PXL"
LETTER_NO_PATTERN = r"^PXL-[0-9]{4}-[0-9]{6}$"


def status_name(status: int) -> str:
    return STATUS_NAMES[status]


def letter_no(year: int, number: int) -> str:
    """A letter's number: per agency and year, without gaps (``PXL-2026-000012``).

    >>> letter_no(2026, 12)
    'PXL-2026-000012'
    """
    return f"{LETTER_PREFIX}-{year}-{number:06d}"


# -- refusals -------------------------------------------------------------------------------
class DossierRefused(Exception):
    """Why the rules refuse a change. ``field`` names the part of the request at fault; the
    service says the refusal to the caller."""

    field: str | None = None


class NoDeadline(DossierRefused):
    """No ``due_at`` sent, and none to compute: the procedure has no processing days, or
    ``received_at`` is outside the years the working-day calendar counts."""

    field = "due_at"


class Finished(DossierRefused):
    """The dossier is finished (3, 7, 8, 9 or 10): it is not late any more."""


class NotLater(DossierRefused):
    """An apology's new date must be after the dossier's current ``due_at``."""

    field = "new_due_at"


class NoResultHere(DossierRefused):
    """A refused, withdrawn or stopped dossier has no result to issue."""


# -- the dossier -----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Step:
    """One step of the timeline: when, which status, and who."""

    at: datetime
    status: int
    actor: str
    official_id: str | None = None
    department: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Dossier:
    dossier_code: str
    procedure_code: str
    procedure_name: str
    agency_id: str
    channel: str
    applicant_key: str  # a pseudonym of the applicant's citizen id, never the id itself
    received_at: datetime
    original_due_at: datetime
    status: int
    status_at: datetime
    promised_due_at: datetime | None = None
    official_id: str | None = None
    completed_at: datetime | None = None
    returned_at: datetime | None = None
    digitized: bool | None = None
    paid_online: bool | None = None
    paid_through_portal: bool = False
    waiting_since: datetime | None = None
    apologies: int = 0
    overdue: bool = False
    """As last written: what the agency's lists hold. Answers read :meth:`overdue_at`."""
    event_pending: int | None = None
    """A handled status (9, 10) not yet sent to ratings as a dossier event."""
    timeline: tuple[Step, ...] = ()
    version: int = 0

    @property
    def due_at(self) -> datetime:
        if self.promised_due_at is not None and self.promised_due_at > self.original_due_at:
            return self.promised_due_at
        return self.original_due_at

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def waiting(self) -> bool:
        return self.status in WAITING

    @property
    def handled(self) -> bool:
        return self.status in HANDLED

    def overdue_at(self, now: datetime) -> bool:
        return self._past(self.due_at, now)

    def late_at(self, now: datetime) -> bool:
        """Late as on-time handling counts it: against the date before any apology."""
        return self._past(self.original_due_at, now)

    def _past(self, due: datetime, now: datetime) -> bool:
        if self.handled:
            return self.completed_at is not None and self.completed_at > due
        if self.finished:
            return False
        if self.waiting:
            # The clock stands still while it waits: overdue if it was when the wait began
            # (a summary read from an index knows only what was written).
            return self.waiting_since > due if self.waiting_since else self.overdue
        return now > due


@dataclass(frozen=True, slots=True)
class Copy:
    """A whole dossier as a one-stop system sends it (a PUT)."""

    dossier_code: str
    procedure_code: str
    procedure_name: str
    agency_id: str
    channel: str
    applicant_key: str
    received_at: datetime
    due_at: datetime | None
    status: int
    status_at: datetime
    actor: str
    official_id: str | None = None
    completed_at: datetime | None = None
    returned_at: datetime | None = None
    digitized: bool | None = None
    paid_online: bool | None = None


@dataclass(frozen=True, slots=True)
class Progress:
    """One handling step (a progress report)."""

    status: int
    at: datetime
    actor: str
    official_id: str | None = None
    department: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a change does: the dossier afterwards (the one held when nothing changes),
    whether the change is the dossier's now (``applied``), and whether to write."""

    dossier: Dossier
    applied: bool
    changed: bool


def working_days_waited(since: datetime, until: datetime, calendar: WorkingCalendar) -> int:
    """Working days after the day the wait began, up to and including the day it ended."""
    return max(0, calendar.working_days_between(local_date(since), local_date(until)))


def later_by(moment: datetime, days: int, calendar: WorkingCalendar) -> datetime:
    """``moment`` moved ``days`` working days later, at the same time of day in Vietnam."""
    if days <= 0:
        return moment
    local = moment.astimezone(VIETNAM_TZ)
    day = calendar.add_working_days(local.date(), days)
    return datetime.combine(day, local.timetz())


def first_deadline(
    received_at: datetime, processing_days: int | None, calendar: WorkingCalendar
) -> datetime:
    """``received_at`` plus ``processing_days`` working days, to the end of that day."""
    if not processing_days or processing_days < 1:
        raise NoDeadline()
    try:
        return deadline_at(received_at, processing_days, calendar=calendar)
    except CalendarNotCovered:
        raise NoDeadline() from None


def _moved(
    before: Dossier, status: int, at: datetime, due_sent: datetime | None, calendar: WorkingCalendar
) -> tuple[datetime, datetime | None, datetime | None]:
    """(original due, promised due, waiting since) once the dossier moves to ``status`` at
    ``at``: the wait begins, goes on, or ends and moves the dates by the days it took."""
    original = due_sent or before.original_due_at
    promised = before.promised_due_at
    since = before.waiting_since
    was_waiting, waits = before.status in WAITING, status in WAITING
    if was_waiting and not waits:
        try:
            waited = working_days_waited(since, at, calendar) if since else 0
            if due_sent is None:
                original = later_by(original, waited, calendar)
            if promised is not None:
                promised = later_by(promised, waited, calendar)
        except CalendarNotCovered:
            raise NoDeadline() from None
        since = None
    elif waits and not was_waiting:
        since = at
    return original, promised, since


def _completion(
    before: Dossier | None, status: int, at: datetime, sent: datetime | None
) -> datetime | None:
    if sent is not None:
        return sent
    held = before.completed_at if before is not None else None
    if status in HANDLED:
        return held or at  # handled at the moment it reached 9 (or 10), unless told when
    return held


def _returned(
    before: Dossier | None, status: int, at: datetime, sent: datetime | None
) -> datetime | None:
    if sent is not None:
        return sent
    held = before.returned_at if before is not None else None
    return held or (at if status == RETURNED else None)


def _event_pending(before: Dossier | None, after_status: int) -> int | None:
    """Ratings hears of a dossier that reaches 9 or 10 (again at 10 after 9)."""
    if after_status in HANDLED and (before is None or before.status != after_status):
        return after_status
    return before.event_pending if before is not None else None


def _step_bytes(step: Step) -> int:
    texts = (step.actor, step.official_id, step.department, step.note)
    return 64 + sum(len(text.encode()) for text in texts if text)


def _with_step(timeline: tuple[Step, ...], step: Step) -> tuple[Step, ...]:
    kept = (*timeline, step)[-MAX_TIMELINE:]
    total = sum(_step_bytes(s) for s in kept)
    start = 0
    while total > TIMELINE_BYTES and start < len(kept) - 1:
        total -= _step_bytes(kept[start])
        start += 1
    return kept[start:]


def open_dossier(
    copy: Copy, processing_days: int | None, calendar: WorkingCalendar, now: datetime
) -> Dossier:
    """The dossier as its first copy makes it."""
    due = copy.due_at or first_deadline(copy.received_at, processing_days, calendar)
    dossier = Dossier(
        dossier_code=copy.dossier_code,
        procedure_code=copy.procedure_code,
        procedure_name=copy.procedure_name,
        agency_id=copy.agency_id,
        channel=copy.channel,
        applicant_key=copy.applicant_key,
        received_at=copy.received_at,
        original_due_at=due,
        status=copy.status,
        status_at=copy.status_at,
        official_id=copy.official_id,
        completed_at=_completion(None, copy.status, copy.status_at, copy.completed_at),
        returned_at=_returned(None, copy.status, copy.status_at, copy.returned_at),
        digitized=copy.digitized,
        paid_online=copy.paid_online,
        waiting_since=copy.status_at if copy.status in WAITING else None,
        event_pending=_event_pending(None, copy.status),
        timeline=(Step(copy.status_at, copy.status, copy.actor, copy.official_id),),
    )
    return replace(dossier, overdue=dossier.overdue_at(now))


def take_copy(before: Dossier, copy: Copy, calendar: WorkingCalendar, now: datetime) -> Outcome:
    """A later copy replaces what the dossier holds; an older or the same one changes
    nothing."""
    if copy.status_at <= before.status_at:
        return Outcome(before, applied=copy.status_at == before.status_at, changed=False)
    original, promised, since = _moved(before, copy.status, copy.status_at, copy.due_at, calendar)
    timeline = before.timeline
    if copy.status != before.status:
        timeline = _with_step(
            timeline, Step(copy.status_at, copy.status, copy.actor, copy.official_id)
        )
    after = replace(
        before,
        procedure_code=copy.procedure_code,
        procedure_name=copy.procedure_name,
        channel=copy.channel,
        applicant_key=copy.applicant_key,
        received_at=copy.received_at,
        original_due_at=original,
        promised_due_at=promised,
        status=copy.status,
        status_at=copy.status_at,
        official_id=copy.official_id,
        completed_at=_completion(before, copy.status, copy.status_at, copy.completed_at),
        returned_at=_returned(before, copy.status, copy.status_at, copy.returned_at),
        digitized=copy.digitized if copy.digitized is not None else before.digitized,
        paid_online=_paid_online(before, copy.paid_online),
        waiting_since=since,
        event_pending=_event_pending(before, copy.status),
        timeline=timeline,
    )
    return Outcome(replace(after, overdue=after.overdue_at(now)), applied=True, changed=True)


def _paid_online(before: Dossier, sent: bool | None) -> bool | None:
    if before.paid_through_portal:
        return True  # paid here: a copy that has not heard of it yet does not undo it
    return sent if sent is not None else before.paid_online


def take_progress(
    before: Dossier, step: Progress, calendar: WorkingCalendar, now: datetime
) -> Outcome:
    """A later handling step moves the dossier on; an older or the same one changes
    nothing."""
    if step.at <= before.status_at:
        return Outcome(before, applied=step.at == before.status_at, changed=False)
    original, promised, since = _moved(before, step.status, step.at, None, calendar)
    official = step.official_id or before.official_id
    after = replace(
        before,
        original_due_at=original,
        promised_due_at=promised,
        status=step.status,
        status_at=step.at,
        official_id=official,
        completed_at=_completion(before, step.status, step.at, None),
        returned_at=_returned(before, step.status, step.at, None),
        waiting_since=since,
        event_pending=_event_pending(before, step.status),
        timeline=_with_step(
            before.timeline,
            Step(step.at, step.status, step.actor, step.official_id, step.department, step.note),
        ),
    )
    return Outcome(replace(after, overdue=after.overdue_at(now)), applied=True, changed=True)


# -- apologies --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Letter:
    """A phiếu xin lỗi và hẹn lại ngày trả kết quả (Form 04 of Circular 01/2018/TT-VPCP)."""

    letter_no: str
    dossier_code: str
    agency_id: str
    issued_at: datetime
    reason: str
    old_due_at: datetime
    new_due_at: datetime
    official_id: str


def apologise(
    dossier: Dossier,
    reason: str,
    new_due_at: datetime,
    official_id: str,
    now: datetime,
    number: str,
) -> tuple[Dossier, Letter]:
    """The dossier with its new date, and the letter numbered ``number``."""
    if dossier.finished:
        raise Finished()
    if new_due_at <= dossier.due_at:
        raise NotLater()
    letter = Letter(
        letter_no=number,
        dossier_code=dossier.dossier_code,
        agency_id=dossier.agency_id,
        issued_at=now,
        reason=reason,
        old_due_at=dossier.due_at,
        new_due_at=new_due_at,
        official_id=official_id,
    )
    after = replace(dossier, promised_due_at=new_due_at, apologies=dossier.apologies + 1)
    return replace(after, overdue=after.overdue_at(now)), letter


def marked_overdue(dossier: Dossier, now: datetime) -> Dossier | None:
    """The dossier marked overdue, if it has come due since it was written; else None."""
    if dossier.overdue or not dossier.overdue_at(now):
        return None
    return replace(dossier, overdue=True)


def paid_through_portal(dossier: Dossier) -> Dossier | None:
    """The dossier marked paid online through the portal, or None if it is already."""
    if dossier.paid_through_portal:
        return None
    return replace(dossier, paid_through_portal=True, paid_online=True)


# -- results ----------------------------------------------------------------------------------
AWAITING = "awaiting-upload"
OFFERED = "offered"
REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class Result:
    """An electronic result: registered with its digest, offered only once an upload with
    that digest, size and type has been read back."""

    result_id: str
    dossier_code: str
    name: str
    content_type: str
    size: int
    sha256: str
    registered_at: datetime
    state: str = AWAITING
    checked_at: datetime | None = None
    version_id: str | None = None
    notified: bool = False

    @property
    def offered(self) -> bool:
        return self.state == OFFERED


def may_register_result(dossier: Dossier) -> None:
    if dossier.status in NOT_FOR_RESULTS:
        raise NoResultHere()


def checked(
    result: Result, sha256: str, size: int, content_type: str, version_id: str, now: datetime
) -> Result:
    """What reading an upload back makes of the result: offered if it is the document that
    was registered, rejected otherwise. An offered result stays what it is: a later upload
    over it is never offered in its place."""
    if result.offered:
        return result
    matches = (
        sha256 == result.sha256 and size == result.size and content_type == result.content_type
    )
    return replace(
        result,
        state=OFFERED if matches else REJECTED,
        checked_at=now,
        version_id=version_id if matches else result.version_id,
    )


# -- the applicant's contact, as stored -------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SealedContact:
    """The applicant's details as the table keeps them: encrypted under a data key that only
    KMS can open (``data_key``); ``digest``, a keyed pseudonym of the details, tells an
    unchanged copy without opening anything."""

    blob: bytes
    data_key: bytes
    digest: str
