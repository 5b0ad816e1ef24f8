"""Feedback use cases: intake, routing, access, officials' steps, sweeps and reports.

Intake answers at once and leaves routing to the ``feedback-intake`` queue, so a spike of
submissions costs one write and one message each; the consumer routes, finds duplicates
and sets deadlines, once per case however often the message arrives.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta
from functools import cache
from typing import Any, Literal

from services.core import catalogue_view, clock, observability, queues
from services.core.auth import Principal, Role
from services.core.dynamo import Conflict, iso
from services.core.messages import (
    CaseReceived,
    FeedbackReported,
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
from services.core.text import ascii_text, fold
from services.feedback import attachments, contacts, domain, storage
from services.feedback.domain import Case, Step, StepRefused
from services.feedback.models import (
    ActionBody,
    AttachmentBody,
    AttachmentUpload,
    CaseBody,
    Submitter,
)

log = observability.logger("feedback")
metrics = observability.metrics("feedback")

UNASSIGNED_AGENCY = "van-phong-chinh-phu"
"""Where a case naming neither a procedure nor an agency goes: the Government Office runs
the national portal's feedback desk and forwards what it receives."""
CLOSE_AFTER_DAYS = 10
CONTACT_LIMIT_PER_HOUR = 5
ADDRESS_LIMIT_PER_HOUR = 20
LIMIT_WINDOW_SECONDS = 3600
DUPLICATE_LIKENESS = 0.8
WRONG_KEYS_PER_WINDOW = 10
WRONG_KEY_WINDOW_SECONDS = 15 * 60
"""Wrong access keys one case takes in 15 minutes before it stops checking keys until the
window ends. A submitter copying a 32-character key from a letter or a phone call may
mistype it a few times, and 10 leaves room for that; past it, nobody honest is still
typing, and a guesser gets 40 tries an hour instead of as many as the portal can answer
(the key's 192 bits already make guessing hopeless: this stops the traffic and the
load). The window is short so that a submitter locked out by someone else's guessing
waits minutes, not hours; signed in, they are never locked out."""

_NO_CASE = Text("Không tìm thấy phản ánh, kiến nghị.", "There is no such case.")
_SLOW_DOWN = Text(
    "Bạn đã gửi quá nhiều phản ánh, vui lòng thử lại sau.",
    "Too many submissions; try again later.",
)
_ON_BEHALF = Text(
    "Chỉ cán bộ được nhập phản ánh nhận qua điện thoại, thư hoặc e-mail.",
    "Only officials enter cases received by phone, letter or e-mail.",
)
_NOT_YOURS = Text(
    "Chỉ cán bộ của cơ quan đang xử lý được thao tác.",
    "Only officials of the handling agency may act on this case.",
)
_UNKNOWN_AGENCY = Text("Cơ quan không tồn tại.", "There is no such agency.")
_CHANGED = Text("Phản ánh vừa được cập nhật, vui lòng tải lại.", "The case changed; reload it.")
_FULL = Text("Mỗi phản ánh chỉ được đính kèm tối đa 5 tệp.", "A case takes at most 5 attachments.")
_ATTACH_NOT_YOURS = Text(
    "Chỉ người gửi và cán bộ của cơ quan đang xử lý được đính kèm tệp.",
    "Only the submitter and officials of the handling agency may attach files.",
)
_TOO_MANY_KEYS = Text(
    "Mã truy cập bị nhập sai quá nhiều lần, vui lòng thử lại sau.",
    "Too many wrong access keys for this case; try again later.",
)


def deadline(start: datetime, days: int) -> datetime:
    from services.core.calendar import deadline_at

    return deadline_at(start, days)


# -- intake -----------------------------------------------------------------------------------
def submit(body: CaseBody, principal: Principal | None, client_ip: str) -> tuple[str, str]:
    """Receive a case: (tracking code, access key). Routing follows through the queue."""
    now = clock.now()
    if body.channel != "web" and not (principal and principal.has(Role.OFFICIAL)):
        raise forbidden(_ON_BEHALF)
    digests = [_submitter_digest(c) for c in (body.submitter.phone, body.submitter.email) if c]
    limits: list[tuple[str, str, int]] = []
    if principal is None:
        limits = [("contact", digest, CONTACT_LIMIT_PER_HOUR) for digest in digests]
        limits.append(("address", _submitter_digest(f"ip:{client_ip}"), ADDRESS_LIMIT_PER_HOUR))
    code, key = domain.new_tracking_code(), domain.new_access_key()
    sealed = _sealed_within_limits(body.submitter, code, limits, now)
    actor = (
        "submitter"
        if body.channel == "web"
        else f"official:{principal.agency_id if principal else ''}"
    )
    case = Case(
        tracking_code=code,
        title=body.title,
        content=body.content,
        channel=body.channel,
        status="received",
        received_at=now,
        procedure_code=body.procedure_code,
        agency_id=None,
        timeline=(Step(now, actor, "submit", "received"),),
    )
    extra: dict[str, Any] = {
        "key_digest": domain.key_digest(key),
        "contact": sealed,
        "submitter_digests": digests,
        "routed": False,
        "requested_agency": body.agency_id,
    }
    if principal is not None and principal.has(Role.CITIZEN):
        extra["owner"] = _submitter_digest(f"sub:{principal.sub}")
    storage.create(case, extra)
    _ask_routing(code)
    metrics.add_metric(name="CasesReceived", unit="Count", value=1)
    return code, key


def _submitter_digest(contact: str) -> str:
    """One submitter across cases (duplicates, rate limits) without keeping the contact: a
    keyed pseudonym, since a plain hash of a phone number is reversed by trying them all."""
    return pseudonym("feedback-submitter", "".join(contact.lower().split()))


def _sealed_within_limits(
    submitter: Submitter, code: str, limits: list[tuple[str, str, int]], now: datetime
) -> bytes:
    """The submitter's contact sealed for the case, once every rate limit in ``limits``
    (what, digest, most an hour) has counted the submission; a 429 when one is spent.

    The limits' updates and the KMS call depend on nothing of each other, so they go out
    together: one round trip before the case's write where there were four one after
    another. Each limit is still one conditional update, atomic in DynamoDB, so the limits
    stay exact however many submissions race, and as before a refused submission is
    counted by the limits it did not exceed. A refused submission has made its KMS call
    for nothing: refusals come from abuse, and each already costs its updates."""
    if not limits:
        return contacts.seal(submitter, code)
    pool = _intake_pool()
    sealing = pool.submit(contacts.seal, submitter, code)
    counting = [
        pool.submit(storage.take_rate, what, digest, LIMIT_WINDOW_SECONDS, most, now)
        for what, digest, most in limits
    ]
    # Every window ends on the hour, so any spent limit gives the same wait.
    waits = [wait for wait in (counted.result() for counted in counting) if wait is not None]
    if waits:
        raise Problem(429, _SLOW_DOWN, headers={"Retry-After": str(max(waits))})
    return sealing.result()


@cache
def _intake_pool() -> ThreadPoolExecutor:
    """Threads for intake's requests that go out together (the KMS call and up to three
    limits: a phone, an e-mail, an address), kept for the container's life: they wait on
    the network, not on Python."""
    return ThreadPoolExecutor(max_workers=4, thread_name_prefix="intake")


def _ask_routing(code: str) -> None:
    """Send the routing message; if that fails the sweep sends it again later."""
    try:
        queues.send(get_settings().feedback_intake_queue, CaseReceived(tracking_code=code))
    except Exception as error:
        log.warning("routing not asked yet", extra={"trace": observability.safe_trace(error)})


def open_from_rating(
    dossier_code: str, agency_id: str, procedure_code: str | None, comment: str | None
) -> bool:
    """A case for the agency that handled a dossier its citizen rated dissatisfied: opened
    once per dossier (its tracking code derives from the dossier), routed at once, carrying
    nothing of the citizen but what they wrote. False when it was opened already."""
    code = domain.tracking_code_from(pseudonym("feedback-rating", dossier_code))
    now = clock.now()
    case = Case(
        tracking_code=code,
        title=f"Người dân không hài lòng với việc giải quyết hồ sơ {dossier_code}",
        content=comment
        or "Người dân đánh giá không hài lòng với việc giải quyết hồ sơ, không kèm ý kiến.",
        channel="web",
        status="received",
        received_at=now,
        procedure_code=procedure_code,
        dossier_code=dossier_code,
        timeline=(Step(now, "system", "submit", "received", note="from a rating"),),
    )
    extra: dict[str, Any] = {"routed": False, "route_to": agency_id, "submitter_digests": []}
    if not storage.create(case, extra):
        route(code)  # opened by an earlier delivery whose routing may have failed: finish it
        return False
    route(code)
    metrics.add_metric(name="CasesFromRatings", unit="Count", value=1)
    return True


# -- routing (the intake queue's consumer) ----------------------------------------------------
def _procedure(procedure_code: str | None) -> tuple[str | None, str | None]:
    """(implementing agency, field) of a procedure as the catalogue last published it. An
    abolished procedure still routes: the complaint is about how it was handled."""
    found = catalogue_view.procedure(procedure_code) if procedure_code else None
    if found is None:
        return None, None
    return (found.agency_ids[0] if found.agency_ids else None), found.field


def agency_exists(agency_id: str) -> bool:
    return catalogue_view.agency(agency_id) is not None


def _words(text: str) -> set[str]:
    return set(fold(text).split())


def _likeness(a: str, b: str) -> float:
    left, right = _words(a), _words(b)
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)


def _duplicate_of(case: Case, digests: list[str]) -> str | None:
    since = case.received_at - storage.SUBMITTER_MEMORY
    earlier: list[storage.EarlierCase] = []
    for digest in digests:
        for other in storage.recent_of_submitter(digest, since):
            if other.tracking_code == case.tracking_code:
                continue
            same_title = fold(other.title) == fold(case.title)
            if same_title or _likeness(other.content, case.content) >= DUPLICATE_LIKENESS:
                earlier.append(other)
    return min(earlier).tracking_code if earlier else None


def route(code: str) -> bool:
    """Route a received case once: False when it was routed already."""
    found = storage.load(code)
    if found is None:
        return False  # never written: nothing to route
    case, extra = found
    if extra.get("routed"):
        return False
    now = clock.now()
    requested = extra.get("requested_agency")
    if requested and not agency_exists(requested):
        requested = None  # a name no agency answers to: the national desk forwards it
    implementing, procedure_field = _procedure(case.procedure_code)
    agency = extra.get("route_to") or implementing or requested or UNASSIGNED_AGENCY
    digests = list(extra.get("submitter_digests") or [])
    from services.feedback.classify import kind_of

    kind = kind_of(case.title, case.content)
    after = domain.routed(case, agency, now, deadline, kind=kind, procedure_field=procedure_field)
    duplicate = _duplicate_of(case, digests)
    if duplicate:
        after = domain.linked(after, duplicate, now)
    # Redacted once, here, for everyone who sees the case without handling it (operators,
    # other lists): the submitter's own contacts are known only with the sealed contact.
    known = _known_contacts(extra, code)
    shown = {
        "shown_title": redact(case.title, known),
        "shown_content": redact(case.content, known),
    }
    try:
        storage.save(
            case,
            after,
            {**extra, **shown, "routed": True},
            counters={"total": 1, "status_received": 1, f"channel_{case.channel}": 1},
            also=storage.submitter_items(digests, case),
        )
    except Conflict:
        latest = storage.load(code)
        if latest is not None and latest[1].get("routed"):
            return False  # another delivery routed it first
        raise
    metrics.add_metric(name="CasesRouted", unit="Count", value=1)
    _tell_reports(after)
    return True


def _tell_reports(case: Case) -> None:
    """The case's state for the index, no personal data. Best effort: a state lost here
    is counted by the case's next step, or by ``portal reports rebuild``."""
    try:
        message = _report(case)
        if message is not None:
            queues.send(get_settings().report_events_queue, message)
    except Exception as error:
        log.warning("report event not sent", extra={"trace": observability.safe_trace(error)})


def _report(case: Case) -> FeedbackReported | None:
    """What reports counts of a case: nothing until it is routed to an agency."""
    if not case.agency_id:
        return None
    answered_at = next(
        (step.at for step in case.timeline if step.status in ("answered", "published")), None
    )
    return FeedbackReported(
        tracking_code=case.tracking_code,
        version=case.version,
        agency_id=case.agency_id,
        received_at=case.received_at,
        due_at=case.answer_by,
        answered_at=answered_at,
        overdue=case.overdue,
        finished=case.status in domain.FINISHED,
    )


def report_facts(segment: int, segments: int) -> Iterator[FeedbackReported]:
    """Every routed case of one scan segment as reports counts it, the same message each
    step sends (``portal reports rebuild``)."""
    for case in storage.cases_in(segment, segments):
        message = _report(case)
        if message is not None:
            yield message


# -- reading a case ---------------------------------------------------------------------------
def _handles(principal: Principal | None, case: Case) -> bool:
    return bool(
        principal
        and principal.has(Role.OFFICIAL)
        and case.agency_id
        and principal.agency_id == case.agency_id
    )


Access = Literal["submitter", "handler", "operator"]
"""Who opened a case: its submitter (by key or token), an official of its agency, an
operator."""


def view(
    code: str, access_key: str | None, principal: Principal | None
) -> tuple[Case, Submitter | None]:
    """The case and, to its submitter and its handling officials, the submitter's details.
    To anyone else the case does not exist. Keys are checked only while the case has not
    taken too many wrong ones (:func:`_check_key`)."""
    case, extra, access = _open(code, access_key, principal)
    submitter = None
    if access != "operator" and extra.get("contact"):
        submitter = contacts.open_sealed(extra["contact"], code)
    if access == "handler":
        return case, submitter
    # Only the handling officials learn that the submitter sent a similar case before: to
    # anyone else the link would tie this case to another, perhaps published, one.
    shown = replace(
        case,
        duplicate_of=None,
        timeline=tuple(step for step in case.timeline if step.action != "link"),
    )
    if access == "operator":  # the text without what was typed into it
        if "shown_title" not in extra:  # not routed yet: redact now
            known = _known_contacts(extra, code)
            extra = {
                **extra,
                "shown_title": redact(case.title, known),
                "shown_content": redact(case.content, known),
            }
        shown = replace(shown, title=extra["shown_title"], content=extra["shown_content"])
    return shown, submitter


def _open(
    code: str, access_key: str | None, principal: Principal | None
) -> tuple[Case, dict[str, Any], Access]:
    """The case, what the table keeps beside it, and who is asking; 404 to anyone who may
    not see it."""
    if not domain.is_tracking_code(code):
        raise not_found(_NO_CASE)
    found = storage.load(code)
    case, extra = found if found is not None else (None, {})
    by_token = bool(principal and extra.get("owner")) and extra.get("owner") == (
        _submitter_digest(f"sub:{principal.sub}") if principal else None
    )
    handler = case is not None and _handles(principal, case)
    operator = bool(principal and principal.has(Role.OPERATOR))
    by_key = False
    if access_key and not (by_token or handler or operator):
        by_key = _check_key(code, access_key, extra.get("key_digest"))
    if case is None or not (by_key or by_token or handler or operator):
        raise not_found(_NO_CASE)
    if handler:
        return case, extra, "handler"
    return case, extra, "submitter" if by_key or by_token else "operator"


def _check_key(code: str, access_key: str, key_digest: str | None) -> bool:
    """Whether ``access_key`` opens the case; a 429 without checking it once the case took
    its most wrong keys in the window. A code that names no case counts its wrong keys too,
    so that a 429 does not tell a guesser that the case exists."""
    now = clock.now()
    window, most = WRONG_KEY_WINDOW_SECONDS, WRONG_KEYS_PER_WINDOW
    wait = storage.rate_spent("key", code, window, most, now)
    if wait is None and key_digest and domain.key_digest(access_key) == key_digest:
        return True
    if wait is None:
        wait = storage.take_rate("key", code, window, most, now)  # None while under the limit
    if wait is not None:
        metrics.add_metric(name="AccessKeysSlowedDown", unit="Count", value=1)
        raise Problem(429, _TOO_MANY_KEYS, headers={"Retry-After": str(wait)})
    return False


# -- attachments ------------------------------------------------------------------------------
def add_attachment(
    code: str, body: AttachmentBody, principal: Principal | None
) -> AttachmentUpload:
    """A presigned upload of one file to the case, for its submitter and its handling
    officials (an operator who sees the case gets a 403: attaching is a party's act); a 409
    once its files and its links not yet expired fill its slots."""
    _, _, access = _open(code, body.access_key, principal)
    if access == "operator":
        raise forbidden(_ATTACH_NOT_YOURS)
    # Each attempt that loses the conditional write lost it to a link given to another
    # request, so after as many attempts as a case has slots the case is surely full.
    for _ in range(domain.ATTACHMENTS_PER_CASE + 1):
        now = clock.now()
        links, version = storage.upload_links(code)
        uploaded = attachments.uploaded(code)
        if domain.slots_taken(links, uploaded, now) >= domain.ATTACHMENTS_PER_CASE:
            raise conflict(_FULL)
        attachment_id = attachments.new_id()
        expires = int(now.timestamp()) + domain.UPLOAD_LINK_SECONDS
        kept = {**domain.unused_links(links, uploaded, now), attachment_id: expires}
        if storage.save_upload_links(code, kept, version):
            return attachments.presigned_upload(
                code, attachment_id, body.content_type, body.size_bytes
            )
    raise conflict(_CHANGED)


# -- officials' steps -------------------------------------------------------------------------
def act(code: str, body: ActionBody, principal: Principal) -> Case:
    found = storage.load(code) if domain.is_tracking_code(code) else None
    if found is None:
        raise not_found(_NO_CASE)
    case, extra = found
    if not _handles(principal, case):
        raise forbidden(_NOT_YOURS)
    _require_fields(body, case)
    if body.action == "transfer" and body.to_agency_id and not agency_exists(body.to_agency_id):
        raise invalid([FieldError("to_agency_id", "no such agency")], _UNKNOWN_AGENCY)
    now = clock.now()
    try:
        after = domain.take(
            case,
            body.action,
            actor=f"official:{principal.agency_id}",
            now=now,
            deadline=deadline,
            note=body.note,
            answer=body.answer,
            to_agency_id=body.to_agency_id,
            publish=body.publish,
        )
    except StepRefused as refusal:
        raise _refused(refusal) from None
    counters, moved_out, also = _bookkeeping(case, after, extra, now)
    new_extra = dict(extra)
    if after.status in domain.FINISHED:
        new_extra["closes_at"] = iso(deadline(now, CLOSE_AFTER_DAYS))
    try:
        storage.save(
            case,
            after,
            new_extra,
            counters=counters,
            uncount_agency=case if moved_out else None,
            uncount=moved_out,
            also=also,
        )
    except Conflict:
        raise conflict(_CHANGED) from None
    metrics.add_metric(name=f"Cases{after.status.capitalize()}", unit="Count", value=1)
    _tell_reports(after)
    if body.action == "answer":
        _notify_answered(after, extra)
    return after


def _notify_answered(case: Case, extra: dict[str, Any]) -> None:
    """Tell the submitter their case is answered, by e-mail (else SMS), through the portal's
    one notifications queue. The answer stands whatever happens here: a message that cannot
    be built or sent is a log line, without the contact."""
    if not extra.get("contact"):
        return  # a case opened from a rating has no submitter to tell
    try:
        message = _answered_message(
            case, contacts.open_sealed(extra["contact"], case.tracking_code)
        )
        if message is not None:
            queues.send(get_settings().notifications_queue, message)
    except Exception as error:
        log.warning(
            "answer notification not sent", extra={"trace": observability.safe_trace(error)}
        )


ANSWER_IN_EMAIL = 3000
"""Characters of the answer an e-mail quotes; the case itself holds all of it."""


def _answered_message(case: Case, submitter: Submitter) -> NotificationRequested | None:
    number = sms_number(submitter.phone) if submitter.phone else None
    link = f"{get_settings().public_url}/feedback/cases/{case.tracking_code}"
    about = NotificationAbout(kind="feedback-answer", reference=case.tracking_code)
    subject = f"Phản ánh, kiến nghị {case.tracking_code} đã được trả lời"
    if submitter.email:
        answer = case.answer or ""
        if len(answer) > ANSWER_IN_EMAIL:
            answer = answer[:ANSWER_IN_EMAIL] + "…"
        return NotificationRequested(
            id=f"feedback-answer:{case.tracking_code}",
            channel="email",
            recipient=submitter.email,
            subject=subject,
            text=f"Kính gửi Ông/Bà {submitter.name},\n\n"
            f"Phản ánh, kiến nghị {case.tracking_code} đã được trả lời:\n\n"
            f"{answer}\n\nTra cứu bằng mã phản ánh và mã truy cập: {link}",
            about=about,
        )
    if number:
        return NotificationRequested(
            id=f"feedback-answer:{case.tracking_code}",
            channel="sms",
            recipient=number,
            subject=subject,
            text=ascii_text(f"PAKN {case.tracking_code} đã được trả lời. Tra cứu: {link}"),
            about=about,
        )
    return None


def _refused(refusal: StepRefused) -> Problem:
    """A step the case's status does not allow, as the caller is told it."""
    return conflict(Text(refusal.reason, refusal.reason))


def _require_fields(body: ActionBody, case: Case) -> None:
    """A step missing what it needs is an invalid request (422), whatever the case's status."""
    if body.action == "reject" and not body.note:
        raise invalid([FieldError("note", "a rejection needs its reason")])
    if body.action == "answer" and not body.answer:
        raise invalid([FieldError("answer", "an answer needs its text")])
    if body.action == "transfer" and (not body.to_agency_id or body.to_agency_id == case.agency_id):
        raise invalid([FieldError("to_agency_id", "another agency is needed")])


def _bookkeeping(
    case: Case, after: Case, extra: dict[str, Any], now: datetime
) -> tuple[dict[str, int], dict[str, int] | None, list[dict[str, Any]]]:
    """Counter changes (for the agency now holding the case, and for the one it left) and
    the published answer, if any."""
    also: list[dict[str, Any]] = []
    if after.agency_id != case.agency_id:  # a transfer: the counts move with the case
        moved_out = {"total": -1, f"status_{case.status}": -1, f"channel_{case.channel}": -1}
        counters = {"total": 1, f"status_{after.status}": 1, f"channel_{case.channel}": 1}
    else:
        moved_out = None
        counters = {f"status_{case.status}": -1, f"status_{after.status}": 1}
    if after.status in domain.FINISHED:
        counters["finished"] = 1
        if not after.overdue:
            counters["finished_on_time"] = 1
    if after.published and after.answer:
        known = _known_contacts(extra, case.tracking_code)
        title = redact(case.title, known)  # submitters type their names here too
        question = redact(case.content, known)
        answer = redact(after.answer, known)
        # Spaces around every word, so that a search matches whole words ("hong" must not
        # find "khong").
        search = " " + " ".join(fold(f"{title} {question} {answer}").split()) + " "
        also.append(storage.answer_item(after, title, question, answer, now, search))
    return counters, moved_out, also


def redact(text: str, known: Submitter | None = None) -> str:
    """``text`` without personal data: what the patterns find, and every form of the
    ``known`` submitter's own name, phone, e-mail, ID number and address."""
    # Imported on first use: its patterns cost more to compile than a cold start should pay.
    from services.feedback import redaction

    if known is None:
        return redaction.redact(text)
    values = [known.name, known.phone, known.email, known.national_id]
    return redaction.redact(
        text,
        known=[v for v in values if v],
        addresses=[known.address] if known.address else [],
    )


def _known_contacts(extra: dict[str, Any], code: str) -> Submitter | None:
    """The sealed submitter of a case, for redaction only; None for a case without one (a
    rating's)."""
    if not extra.get("contact"):
        return None
    return contacts.open_sealed(extra["contact"], code)


# -- lists and reports ------------------------------------------------------------------------
def work_list(
    agency_id: str, status: str | None, limit: int, cursor: str | None, principal: Principal
) -> tuple[list[Case], str | None]:
    if not (
        principal.has(Role.OPERATOR)
        or (principal.has(Role.OFFICIAL) and principal.agency_id == agency_id)
    ):
        raise forbidden(_NOT_YOURS)
    scope = f"feedback-work:{agency_id}:{status or ''}"
    start = decode_cursor(cursor, scope) if cursor else None
    found, last = storage.work_list(agency_id, status, limit, start)
    if principal.has(Role.OFFICIAL) and principal.agency_id == agency_id:
        cases = [case for case, _ in found]
    else:  # an operator looking in: titles without what submitters typed into them
        cases = [
            replace(case, title=shown or redact(case.title), duplicate_of=None)
            for case, shown in found
        ]
    return cases, encode_cursor(last, scope) if last else None


def published_answers(
    q: str | None, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    words = fold(q or "").split()[:8]
    scope = f"feedback-answers:{' '.join(words)}"
    start = decode_cursor(cursor, scope) if cursor else None
    items, last = storage.answers_page(words, limit, start)
    return items, encode_cursor(last, scope) if last else None


def stats(agency_id: str, period: str) -> dict[str, Any]:
    counts = storage.stats(agency_id, period)
    by_status = {
        k.removeprefix("status_"): v for k, v in counts.items() if k.startswith("status_") and v
    }
    by_channel = {
        k.removeprefix("channel_"): v for k, v in counts.items() if k.startswith("channel_") and v
    }
    finished = counts.get("finished", 0)
    on_time = counts.get("finished_on_time", 0)
    return {
        "agency_id": agency_id,
        "period": period,
        "total": counts.get("total", 0),
        "by_status": by_status,
        "by_channel": by_channel,
        "finished": finished,
        "finished_on_time": on_time,
        "on_time_share": round(on_time / finished, 4) if finished else None,
    }


# -- sweeps (the schedule) --------------------------------------------------------------------
def sweep() -> dict[str, int]:
    """Mark overdue cases, close finished ones whose time has come, re-ask routing of cases
    whose message was lost."""
    now = clock.now()
    done = {"overdue": 0, "closed": 0, "rerouted": 0}
    for code in storage.past_deadline(now):
        done["overdue"] += _change(code, lambda case: domain.mark_overdue(case, now))
    for code in storage.closing(now):
        done["closed"] += _change(code, lambda case: _closing(case, now))
    for code in storage.unrouted(now - timedelta(minutes=2)):
        _ask_routing(code)
        storage.asked_routing(code, now)  # not again for two minutes, however slow the queue
        done["rerouted"] += 1
    return done


def _closing(case: Case, now: datetime) -> Case | None:
    try:
        return domain.close(case, now)
    except StepRefused:
        return None


def _change(code: str, change: Any) -> int:
    found = storage.load(code)
    if found is None:
        return 0
    case, extra = found
    after = change(case)
    if after is None:
        return 0
    counters = {}
    if after.status != case.status:
        counters = {f"status_{case.status}": -1, f"status_{after.status}": 1}
    new_extra = {k: v for k, v in extra.items() if k != "closes_at" or after.status != "closed"}
    try:
        storage.save(case, after, new_extra, counters=counters)
    except Conflict:
        return 0  # changed meanwhile: the next sweep looks again
    _tell_reports(after)
    return 1
