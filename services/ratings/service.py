"""Ratings use cases: dossier events, criteria, rating, counting, summaries, rankings.

A rating is written at once and counted by the ``rating-events`` consumer: one transaction
marks the rating counted and adds it to every aggregate it belongs to, so a redelivered
message finds it counted and adds nothing. A dissatisfied overall answer also asks the
feedback service, through its intake queue, to open a case for the agency.

Every message is a ``services.core.messages`` model, sent and consumed through
``services.core.queues``. The rules (``domain``) refuse a rating with their own exceptions;
:func:`_refusal` is the one place that turns them into problems.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import timedelta
from functools import cache
from typing import Any

from services.core import catalogue_view, clock, identifiers, observability, periods, queues
from services.core.auth import Principal, Role
from services.core.messages import (
    DOSSIER_EVENTS,
    RATING_EVENTS,
    DossierEvent,
    RatingCreated,
    RatingDissatisfied,
    RatingReported,
    Unreadable,
)
from services.core.problems import (
    FieldError,
    Problem,
    Text,
    conflict,
    forbidden,
    invalid,
    unauthenticated,
)
from services.core.pseudonyms import pseudonym
from services.core.settings import get_settings
from services.ratings import domain, storage
from services.ratings.domain import Dossier

log = observability.logger("ratings")
metrics = observability.metrics("ratings")

_ALREADY = Text("Hồ sơ này đã được đánh giá.", "This dossier has been rated already.")
_NO_DOSSIER = Text("Không tìm thấy hồ sơ.", "There is no such dossier.")
_NOT_IMPLEMENTED = Text(
    "Thủ tục không được công bố hoặc cơ quan không thực hiện thủ tục này.",
    "The procedure is not published, or the agency does not implement it.",
)
_NOT_YOURS = Text(
    "Chỉ hệ thống một cửa của cơ quan giải quyết hồ sơ được gửi sự kiện này.",
    "Only the handling agency's one-stop system sends events for this dossier.",
)
_REFUSALS: dict[type[domain.RatingRefused], Text] = {
    domain.NotTheirs: Text(
        "Chỉ công dân có hồ sơ được đánh giá hồ sơ này.", "Only the dossier's citizen rates it."
    ),
    domain.NotHandled: Text("Hồ sơ chưa được giải quyết xong.", "The dossier is not handled yet."),
    domain.WindowClosed: Text(
        "Đã hết thời hạn đánh giá hồ sơ này.", "The time to rate this dossier has passed."
    ),
    domain.UnknownCriterion: Text("Không có tiêu chí đánh giá này.", "There is no such criterion."),
    domain.UnknownLevel: Text(
        "Mức đánh giá không thuộc tiêu chí này.", "The level is not one of the criterion's."
    ),
    domain.OverallUnanswered: Text(
        "Cần đánh giá mức độ hài lòng chung.", "The overall criterion must be answered."
    ),
}


def _refusal(refused: domain.RatingRefused) -> Problem:
    """The one place where the rules' refusals of a rating become answers."""
    text = _REFUSALS[type(refused)]
    if isinstance(refused, domain.NotTheirs):
        return forbidden(text)
    return invalid([FieldError(refused.field or "", text.en)], text)


def citizen_key(citizen_id: str) -> str:
    return pseudonym("ratings-citizen", citizen_id)


# -- dossier events ---------------------------------------------------------------------------
def take_event(event: DossierEvent) -> bool:
    """Apply a dossier event; False when the same or a later status is known already.

    The first event that makes the dossier handled also counts it for the agency's on-time
    share, in the same transaction, so that count happens once per dossier.
    """
    dossier = Dossier(
        dossier_code=event.dossier_code,
        procedure_code=event.procedure_code,
        agency_id=event.agency_id,
        citizen=citizen_key(event.citizen_id),
        status=event.status,
        received_at=event.received_at,
        due_at=event.due_at,
        official_id=event.official_id,
        completed_at=event.completed_at,
    )
    for _ in range(5):
        known = storage.load_dossier(event.dossier_code)
        if known is not None and known.status >= dossier.status:
            return False  # the same event again, or one older than what is known
        also: list[dict[str, Any]] = []
        if dossier.handled and (known is None or not known.handled):
            on_time = dossier.on_time
            adds = {"completed": 1, "on_time": 1 if on_time else 0}
            moment = dossier.completed_at or clock.now()
            level = agency_level(dossier.agency_id)
            agency = domain.AgencyScope(dossier.agency_id)
            also = [
                storage.add_counts(agency, period, adds, level)
                for period in periods.containing(moment)
            ]
        if not storage.put_dossier(dossier, known.status if known else None, also):
            continue  # another event for the dossier landed meanwhile: look again
        metrics.add_metric(name="DossierEvents", unit="Count", value=1)
        return True
    raise conflict(Text("Hồ sơ đang được cập nhật.", "The dossier is being updated; retry."))


def accept_event(event: DossierEvent, principal: Principal) -> bool:
    """The HTTP route: only a one-stop system of the dossier's agency (or an operator)."""
    if not principal.has(Role.OPERATOR) and not (
        principal.has(Role.SYSTEM) and principal.agency_id == event.agency_id
    ):
        raise forbidden(_NOT_YOURS)
    procedure = catalogue_view.published_procedure(event.procedure_code)
    if procedure is None or not procedure.implemented_by(event.agency_id):
        raise invalid(
            [FieldError("procedure_code", "not a published procedure of agency_id")],
            _NOT_IMPLEMENTED,
        )
    named = identifiers.agency_in_dossier_code(event.dossier_code)
    if named is not None and named != event.agency_id and catalogue_view.agency(named):
        # The code carries its agency's identifier: another agency's system may not claim
        # it first and lock the right one out.
        raise forbidden(_NOT_YOURS)
    known = storage.load_dossier(event.dossier_code)
    moved_by_another = known is not None and known.agency_id != principal.agency_id
    if moved_by_another and not principal.has(Role.OPERATOR):
        raise forbidden(_NOT_YOURS)  # another agency's dossier: not this system's to move
    return take_event(event)


@cache
def _agency_levels() -> dict[str, str | None]:
    return {}


def agency_level(agency_id: str) -> str | None:
    """The agency's level (central, province, commune) from the catalogue, cached."""
    levels = _agency_levels()
    if agency_id not in levels:
        found = catalogue_view.agency(agency_id)
        if found is None or not found.level:
            return None  # not in the catalogue yet: ask again next time, do not remember
        levels[agency_id] = str(found.level)
    return levels[agency_id]


# -- criteria ---------------------------------------------------------------------------------
def criteria() -> list[dict[str, Any]]:
    return storage.criteria()


def replace_criteria(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """An operator's criteria; ``overall`` stays, as the contract fixes it."""
    overall = next((c for c in storage.criteria() if c["id"] == domain.OVERALL), None)
    rest = [c for c in items if c["id"] != domain.OVERALL]
    if len({c["id"] for c in rest}) != len(rest):
        raise invalid([FieldError("items", "criterion ids repeat")])
    merged = [overall, *rest] if overall else rest
    storage.put_criteria(merged)
    _counting_criteria.forget()
    return merged


COUNTING_CRITERIA_SECONDS = 300.0


class _KeptCriteria:
    """The criteria as counting reads them: from this container's memory, read again after
    :data:`COUNTING_CRITERIA_SECONDS`, and at once after an operator replaced them in this
    container. A set that old, from a replacement made in another container, counts
    exactly what the current one would: counting takes from the criteria only the
    ``overall`` criterion's dissatisfied level, and a replacement keeps ``overall`` as it
    is stored. Rating itself reads the criteria afresh, to refuse answers to a criterion
    just removed."""

    def __init__(self) -> None:
        self._items: list[dict[str, Any]] | None = None
        self._read_at = 0.0

    def get(self) -> list[dict[str, Any]]:
        now = time.monotonic()
        if self._items is None or now - self._read_at >= COUNTING_CRITERIA_SECONDS:
            self._items, self._read_at = storage.criteria(), now
        return self._items

    def forget(self) -> None:
        self._items = None


_counting_criteria = _KeptCriteria()


# -- rating -----------------------------------------------------------------------------------
def rate(
    dossier_code: str, answers: dict[str, str], comment: str | None, principal: Principal
) -> dict[str, Any]:
    dossier = storage.load_dossier(dossier_code)
    if dossier is None:
        raise Problem(404, _NO_DOSSIER)
    now = clock.now()
    try:
        domain.check_may_rate(dossier, citizen_key(principal.sub), now, window_days())
        domain.check_answers(answers, storage.criteria())
    except domain.RatingRefused as refused:
        raise _refusal(refused) from None
    if not storage.put_rating(dossier, answers, comment, now):
        raise conflict(_ALREADY)
    _ask_counting(dossier_code)
    metrics.add_metric(name="Ratings", unit="Count", value=1)
    return {"dossier_code": dossier_code, "answers": answers, "comment": comment, "rated_at": now}


def window_days() -> int:
    return int(os.environ.get("RATING_WINDOW_DAYS") or domain.RATING_WINDOW_DAYS)


def _ask_counting(dossier_code: str) -> None:
    try:
        queues.send(get_settings().rating_events_queue, RatingCreated(dossier_code=dossier_code))
    except Exception as error:
        log.warning("counting not asked yet", extra={"trace": observability.safe_trace(error)})


# -- counting (the rating-events consumer) ----------------------------------------------------
def count(dossier_code: str) -> bool:
    """Count a rating once: False if it was counted already (or does not exist)."""
    read_for_batch = _batch_ratings.get()
    rating = read_for_batch.pop(dossier_code, None) if read_for_batch else None
    if rating is None:
        rating = storage.load_rating(dossier_code)
    if rating is None or rating.counted:
        return False
    dissatisfied = domain.is_dissatisfied(rating.answers, _counting_criteria.get())
    if dissatisfied:
        # Asked before counting: if counting then fails, the message comes back and the
        # feedback service, which opens one case per dossier, takes the second ask as a repeat.
        _open_feedback_case(rating)
    adds = domain.rating_counts(rating.answers, dissatisfied)
    level = agency_level(rating.agency_id)
    additions = [
        storage.add_counts(scope, period, adds, level)
        for scope in domain.scopes(rating.agency_id, rating.procedure_code, rating.official_id)
        for period in periods.containing(rating.rated_at)
    ]
    # Reports hears of it before it is marked counted: should counting then fail, the
    # message comes back and reports takes the second telling as a repeat.
    _tell_reports(rating, dissatisfied)
    if not storage.count_rating(dossier_code, additions):
        return False  # counted by another delivery meanwhile
    metrics.add_metric(name="RatingsCounted", unit="Count", value=1)
    return True


def _tell_reports(rating: domain.Rating, dissatisfied: bool) -> None:
    queues.send(get_settings().report_events_queue, _report(rating, dissatisfied))


def _report(rating: domain.Rating, dissatisfied: bool) -> RatingReported:
    return RatingReported(
        dossier_code=rating.dossier_code,
        agency_id=rating.agency_id,
        rated_at=rating.rated_at,
        satisfied=not dissatisfied,
    )


def report_facts(segment: int, segments: int) -> Iterator[RatingReported]:
    """Every counted rating of one scan segment as reports counts it, judged by the
    criteria as they stand (``portal reports rebuild``)."""
    criteria = storage.criteria()
    for rating in storage.counted_ratings_in(segment, segments):
        yield _report(rating, domain.is_dissatisfied(rating.answers, criteria))


def _open_feedback_case(rating: domain.Rating) -> None:
    message = RatingDissatisfied(
        dossier_code=rating.dossier_code,
        agency_id=rating.agency_id,
        procedure_code=rating.procedure_code,
        comment=rating.comment,
    )
    queues.send(get_settings().feedback_intake_queue, message)


def sweep() -> int:
    """Ask again to count ratings whose message was lost."""
    waiting = storage.uncounted(clock.now() - timedelta(minutes=2))
    for code in waiting:
        _ask_counting(code)
    return len(waiting)


# -- the queues' consumers -------------------------------------------------------------------
def take_dossier_events(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The dossier-events queue: each event applied as the HTTP route applies it."""
    return queues.consume(event, context, DOSSIER_EVENTS, _take_queued_event, log)


def _take_queued_event(event: DossierEvent) -> None:
    applied = take_event(event)
    log.info("dossier event", extra={"status": event.status, "applied": applied})


_batch_ratings: ContextVar[dict[str, domain.Rating] | None] = ContextVar(
    "ratings_read_for_the_batch", default=None
)
"""The ratings a batch of rating events asks to count, read together before the first is
counted; each is taken once, so a message repeated in the batch reads its rating anew."""


def count_rating_events(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The rating-events queue: each rating counted once, however often it is asked. The
    batch's ratings are read in one request, not one per message."""
    kept = _batch_ratings.set(_read_together(event))
    try:
        return queues.consume(event, context, RATING_EVENTS, _count_asked, log)
    finally:
        _batch_ratings.reset(kept)


def _read_together(event: dict[str, Any]) -> dict[str, domain.Rating]:
    """The ratings of a batch of two or more rating events, by dossier code; none when the
    read fails, and each message then reads its own (as a batch of one does anyway)."""
    codes: list[str] = []
    for record in event.get("Records") or []:
        try:
            codes.append(RATING_EVENTS.parse(str(record.get("body", ""))).dossier_code)
        except Unreadable:
            continue  # consume() drops it, with its log line
    if len(codes) < 2:
        return {}
    try:
        return storage.load_ratings(codes)
    except Exception as error:
        log.warning("batch not read", extra={"trace": observability.safe_trace(error)})
        return {}


def _count_asked(message: RatingCreated) -> None:
    counted = count(message.dossier_code)
    log.info("rating counted", extra={"counted_now": counted})


# -- reports ----------------------------------------------------------------------------------
def summary(
    agency_id: str | None,
    procedure_code: str | None,
    official_id: str | None,
    period: str,
    principal: Principal | None,
) -> dict[str, Any]:
    if official_id:
        if not agency_id:
            raise invalid([FieldError("agency_id", "an official's summary names the agency")])
        if principal is None:
            raise unauthenticated()
        allowed = principal.has(Role.OPERATOR) or (
            principal.has(Role.OFFICIAL) and principal.agency_id == agency_id
        )
        if not allowed:
            raise forbidden()
        scope: domain.Scope = domain.OfficialScope(agency_id, official_id)
    elif agency_id and not procedure_code:
        scope = domain.AgencyScope(agency_id)
    elif procedure_code and not agency_id:
        scope = domain.ProcedureScope(procedure_code)
    else:
        raise invalid(
            [FieldError("agency_id", "name an agency, a procedure, or an agency and official")]
        )
    found = storage.counts(scope, period)
    total = found.get("count", 0)
    # Only an agency counts handled dossiers: elsewhere "none handled" would be untrue.
    completed = found.get("completed") if isinstance(scope, domain.AgencyScope) else None
    return {
        "count": total,
        "satisfied_pct": _pct(total - found.get("dissatisfied", 0), total),
        "by_criterion": domain.by_criterion(found),
        "completed": completed,
        "on_time_pct": _pct(found.get("on_time", 0), completed or 0)
        if completed is not None
        else None,
    }


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 2) if whole else None


def rankings(period: str, agency_level: str | None, min_count: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for agency_id, found in storage.ranked(period, agency_level):
        total = found.get("count", 0)
        if total < min_count:
            continue  # a small sample does not top the table
        rows.append(
            {
                "agency_id": agency_id,
                "count": total,
                "satisfied_pct": _pct(total - found.get("dissatisfied", 0), total) or 0.0,
                "on_time_pct": _pct(found.get("on_time", 0), found.get("completed", 0)),
            }
        )
    rows.sort(key=lambda r: (-float(r["satisfied_pct"]), -int(r["count"]), str(r["agency_id"])))
    return [{"rank": n, **row} for n, row in enumerate(rows, start=1)]
