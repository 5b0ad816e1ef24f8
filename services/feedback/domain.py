"""Feedback cases (phản ánh, kiến nghị) and the steps officials take on them. No I/O.

```
received ──accept──> accepted ──answer──> answered ──(publish)──> published
   │  │                  │                    │                       │
   │  └──reject──> rejected                   └────── closed <────────┘  (by schedule)
   └──transfer──> transferred (at the new agency) ──accept / reject / transfer──> ...
```

An agency has ``RESPOND_DAYS`` working days from receiving a case to accept, reject or
transfer it, and ``ANSWER_DAYS`` working days from accepting it to answer. A step that the
state does not allow is refused (:class:`StepRefused`; the service answers it as a
conflict); every step lands in the timeline with who took it and when.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

Status = Literal[
    "received", "accepted", "rejected", "transferred", "answered", "published", "closed"
]
Action = Literal["accept", "reject", "transfer", "answer"]
Channel = Literal["web", "phone", "letter", "email"]

RESPOND_DAYS = 5
ANSWER_DAYS = 10
OPEN: frozenset[str] = frozenset({"received", "accepted", "transferred"})
FINISHED: tuple[Status, ...] = ("answered", "published", "rejected")
"""The agency's work is done: the case closes some days later."""

TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # no 0/O, 1/I/L, U: read out by phone
TRACKING_LENGTH = 10


def new_tracking_code() -> str:
    """``PA-XXXXX-XXXXX``: typable from a letter or a phone call, 49 bits of randomness so
    codes are not guessed in sequence (the access key, not the code, guards the case)."""
    body = "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))
    return f"PA-{body[:5]}-{body[5:]}"


def tracking_code_from(seed: str) -> str:
    """A tracking code derived from ``seed`` (a keyed digest), for a case that must be
    opened once however often it is asked for."""
    number = int(seed, 16)
    chars = []
    for _ in range(TRACKING_LENGTH):
        number, digit = divmod(number, len(TRACKING_ALPHABET))
        chars.append(TRACKING_ALPHABET[digit])
    body = "".join(chars)
    return f"PA-{body[:5]}-{body[5:]}"


def is_tracking_code(text: str) -> bool:
    parts = text.split("-")
    return (
        len(parts) == 3
        and parts[0] == "PA"
        and all(len(p) == 5 and all(c in TRACKING_ALPHABET for c in p) for p in parts[1:])
    )


def new_access_key() -> str:
    return secrets.token_urlsafe(24)


def key_digest(access_key: str) -> str:
    """What is stored of the access key: enough to check it, useless to anyone who reads it."""
    return hashlib.sha256(f"feedback-access:{access_key}".encode()).hexdigest()


ATTACHMENTS_PER_CASE = 5
UPLOAD_LINK_SECONDS = 900


def unused_links(links: dict[str, int], uploaded: set[str], now: datetime) -> dict[str, int]:
    """The upload links (attachment id -> expiry, epoch seconds) that still hold a slot:
    not expired and not used yet. A file uploaded holds its slot itself, so a slot is taken
    by a file, or for 15 minutes by a link that may still bring one; a link never used
    gives its slot back when it expires."""
    moment = now.timestamp()
    return {i: ends for i, ends in links.items() if ends > moment and i not in uploaded}


def slots_taken(links: dict[str, int], uploaded: set[str], now: datetime) -> int:
    return len(uploaded) + len(unused_links(links, uploaded, now))


@dataclass(frozen=True, slots=True)
class Step:
    at: datetime
    actor: str  # "submitter", "system", or "<role>:<agency>"; never a person's name
    action: str
    status: Status
    note: str | None = None
    agency_id: str | None = None


@dataclass(frozen=True, slots=True)
class Case:
    tracking_code: str
    title: str
    content: str
    channel: Channel
    status: Status
    received_at: datetime
    procedure_code: str | None = None
    agency_id: str | None = None
    respond_by: datetime | None = None
    answer_by: datetime | None = None
    answer: str | None = None
    published: bool = False
    overdue: bool = False  # missed a deadline at some step: stays, for the on-time share
    duplicate_of: str | None = None
    kind: str | None = None  # phan_anh or kien_nghi, set when routed
    procedure_field: str | None = None  # the procedure's field (lĩnh vực), if any
    dossier_code: str | None = None  # the dossier a dissatisfied rating was about
    timeline: tuple[Step, ...] = field(default_factory=tuple)
    version: int = 0

    @property
    def deadline(self) -> datetime | None:
        """The next deadline the agency must meet, if any."""
        if self.status in ("received", "transferred"):
            return self.respond_by
        if self.status == "accepted":
            return self.answer_by
        return None


class StepRefused(Exception):
    """The case's status does not allow this step."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


Deadline = Callable[[datetime, int], datetime]


def routed(
    case: Case,
    agency_id: str,
    now: datetime,
    deadline: Deadline,
    *,
    kind: str | None = None,
    procedure_field: str | None = None,
) -> Case:
    """The time to respond counts from when the case was received, however late the
    routing message came (a redelivery, or the sweep asking again)."""
    step = Step(now, "system", "route", "received", agency_id=agency_id)
    return replace(
        case,
        agency_id=agency_id,
        kind=kind,
        procedure_field=procedure_field,
        respond_by=deadline(case.received_at, RESPOND_DAYS),
        timeline=(*case.timeline, step),
        version=case.version + 1,
    )


def take(
    case: Case,
    action: Action,
    *,
    actor: str,
    now: datetime,
    deadline: Deadline,
    note: str | None = None,
    answer: str | None = None,
    to_agency_id: str | None = None,
    publish: bool = False,
) -> Case:
    """The case after ``action``, or :class:`StepRefused`."""
    if action == "accept":
        _require(case, {"received", "transferred"}, "only a received case can be accepted")
        changes: dict[str, object] = {
            "status": "accepted",
            "answer_by": deadline(now, ANSWER_DAYS),
        }
    elif action == "reject":
        _require(case, {"received", "transferred"}, "only a received case can be rejected")
        if not note:
            raise StepRefused("a rejection needs its reason in note")
        changes = {"status": "rejected"}
    elif action == "transfer":
        _require(case, {"received", "transferred"}, "only a case not yet accepted moves")
        if not to_agency_id or to_agency_id == case.agency_id:
            raise StepRefused("a transfer needs another agency in to_agency_id")
        changes = {
            "status": "transferred",
            "agency_id": to_agency_id,
            "respond_by": deadline(now, RESPOND_DAYS),
        }
    else:
        _require(case, {"accepted"}, "only an accepted case can be answered")
        if not answer:
            raise StepRefused("an answer needs its text in answer")
        changes = {
            "status": "published" if publish else "answered",
            "answer": answer,
            "published": publish,
        }
    status = changes["status"]
    step = Step(
        now,
        actor,
        action,
        status,  # type: ignore[arg-type]
        note=note,
        agency_id=to_agency_id if action == "transfer" else case.agency_id,
    )
    # A step taken after its deadline is late even if the sweep has not marked it yet.
    late = case.overdue or (case.deadline is not None and now > case.deadline)
    return replace(
        case,
        **changes,  # type: ignore[arg-type]
        overdue=late,
        timeline=(*case.timeline, step),
        version=case.version + 1,
    )


def linked(case: Case, earlier: str, now: datetime) -> Case:
    """Mark ``case`` as a duplicate of the same submitter's ``earlier`` case; both stay open
    (the agency answers once and may reject the duplicate citing the first)."""
    step = Step(now, "system", "link", case.status, note=f"duplicate of {earlier}")
    return replace(
        case, duplicate_of=earlier, timeline=(*case.timeline, step), version=case.version + 1
    )


def close(case: Case, now: datetime) -> Case:
    if case.status not in FINISHED:
        raise StepRefused("only a finished case closes")
    step = Step(now, "system", "close", "closed")
    return replace(case, status="closed", timeline=(*case.timeline, step), version=case.version + 1)


def mark_overdue(case: Case, now: datetime) -> Case | None:
    """The case marked overdue, or None when it is not (or already marked)."""
    deadline = case.deadline
    if case.overdue or deadline is None or now <= deadline:
        return None
    step = Step(now, "system", "overdue", case.status)
    return replace(case, overdue=True, timeline=(*case.timeline, step), version=case.version + 1)


def _require(case: Case, allowed: set[str], reason: str) -> None:
    if case.status not in allowed:
        raise StepRefused(reason)
