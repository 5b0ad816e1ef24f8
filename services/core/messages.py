"""Every message that travels on a queue, as a typed model: producers build them, consumers
parse them, and ``tests/contracts/`` proves, queue by queue, that what each producer sends its
consumer accepts.

Each message carries its ``type`` and a ``schema_version``. A consumer reads a queue
through that queue's :class:`Inbox`, which accepts exactly the types the queue carries; a
body that is not one of them is :class:`Unreadable`, and will not become readable by coming
back, so consumers drop it (with a log line naming the message id, never its content).

>>> body = encode(PaymentSettled(order_id="01ARZ3NDEKTSV4RRFFQ69G5FAV", agency_id="a",
...     procedure_code="1.001234", dossier_code="D-1", amount_vnd=50000, paid_at=None,
...     bank_transaction_no="14226112"))
>>> PAYMENT_SETTLED.parse(body).order_id
'01ARZ3NDEKTSV4RRFFQ69G5FAV'
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from services.core import identifiers
from services.core.identifiers import AgencyId, DossierCode, Moment, OfficialId, ProcedureCode


class Message(BaseModel):
    """What every message has: its kind and the version of its shape."""

    # Built on first use, not at import: every app imports the messages it sends, and a
    # cold start should not pay for validators of messages it never reads.
    model_config = ConfigDict(frozen=True, str_strip_whitespace=True, defer_build=True)

    type: str
    schema_version: Literal[1] = 1


# -- catalogue -> procedure-changes --------------------------------------------------------
class ProcedurePublished(Message):
    type: Literal["procedure.published"] = "procedure.published"
    code: ProcedureCode
    version: int = Field(ge=1, description="The procedure's version, not the message's")
    occurred_at: AwareDatetime


class ProcedureAbolished(Message):
    type: Literal["procedure.abolished"] = "procedure.abolished"
    code: ProcedureCode
    version: int = Field(ge=1)
    occurred_at: AwareDatetime


# -- payments -> payment-settled -----------------------------------------------------------
class PaymentSettled(Message):
    type: Literal["payment.settled"] = "payment.settled"
    order_id: str = Field(min_length=1, max_length=64)
    agency_id: AgencyId
    procedure_code: ProcedureCode
    dossier_code: DossierCode
    amount_vnd: int = Field(ge=0)
    paid_at: AwareDatetime | None
    bank_transaction_no: str | None


# -- feedback-intake: feedback's own routing request, and ratings' dissatisfied rating -----
class CaseReceived(Message):
    type: Literal["case.received"] = "case.received"
    tracking_code: str = Field(min_length=1, max_length=32)


class RatingDissatisfied(Message):
    """A rating whose overall answer is the dissatisfied level: feedback opens a case for
    the agency, once per dossier, carrying nothing of the citizen but the comment."""

    type: Literal["rating.dissatisfied"] = "rating.dissatisfied"
    dossier_code: DossierCode
    agency_id: AgencyId
    procedure_code: ProcedureCode | None = None
    comment: str | None = Field(default=None, max_length=2000)


# -- rating-events: ratings' own counting request ------------------------------------------
class RatingCreated(Message):
    type: Literal["rating.created"] = "rating.created"
    dossier_code: DossierCode


# -- dossier-events: a dossier's state, from one-stop systems (and the dossiers service) ---
class DossierEvent(Message):
    """The body of ``POST /ratings/dossiers``, and of a message on ``dossier-events``: one-stop
    systems send it without ``type`` or ``schema_version``, which default."""

    model_config = ConfigDict(
        frozen=True, str_strip_whitespace=True, extra="forbid", defer_build=True
    )

    type: Literal["dossier.event"] = "dossier.event"
    dossier_code: DossierCode
    procedure_code: ProcedureCode
    agency_id: AgencyId
    official_id: OfficialId | None = None
    citizen_id: str = Field(min_length=1, max_length=64)
    status: int = Field(ge=1, le=10, description="National dossier status; 9 handled, 10 returned")
    # With an offset: a moment without one would be compared with aware ones (a 500) or read
    # in the server's zone (the wrong day, month or on-time answer).
    received_at: Moment
    due_at: Moment
    completed_at: Moment | None = None

    @model_validator(mode="after")
    def _completed_when_handled(self) -> DossierEvent:
        # Handled without a completion time would count as late and open a rating window
        # from nowhere: the one-stop system knows when it finished, so it must say.
        if self.status in (9, 10) and self.completed_at is None:
            raise ValueError("a handled dossier (status 9 or 10) needs completed_at")
        return self


# -- notifications: e-mail and SMS to citizens, one path for every service -----------------
EMAIL_PATTERN = identifiers.EMAIL_PATTERN
SMS_NUMBER_PATTERN = r"^\+[1-9][0-9]{7,14}$"
"""An SMS recipient in E.164 (``+84912345678``), as SNS takes it: see :func:`sms_number`."""


def sms_number(phone: str) -> str | None:
    """A Vietnamese phone number as SNS sends to it: ``0912 345 678`` is ``+84912345678``;
    a number already in E.164 stays; anything else is None.

    >>> sms_number("0912 345 678"), sms_number("+84912345678"), sms_number("12")
    ('+84912345678', '+84912345678', None)
    """
    digits = "".join(ch for ch in phone if ch.isdigit() or ch == "+")
    if digits.startswith("0"):
        digits = "+84" + digits[1:]
    return digits if re.fullmatch(SMS_NUMBER_PATTERN, digits) else None


class NotificationAbout(BaseModel):
    """What a notification is about, for the delivery record: never the recipient."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    kind: Literal["apology", "result-ready", "feedback-answer"]
    reference: str = Field(min_length=1, max_length=128, description="A dossier or case code")


class NotificationRequested(Message):
    """An e-mail or an SMS to send once. ``id`` is the sender's own and names the one
    delivery: the consumer sends each id once, however often the message arrives. The
    recipient travels only in this body (the queue is encrypted) and is never logged."""

    type: Literal["notification.requested"] = "notification.requested"
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9:._#-]{0,127}$")
    channel: Literal["email", "sms"]
    recipient: str = Field(min_length=3, max_length=254)
    subject: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=4000)
    about: NotificationAbout

    @model_validator(mode="after")
    def _recipient_fits_the_channel(self) -> NotificationRequested:
        pattern = EMAIL_PATTERN if self.channel == "email" else SMS_NUMBER_PATTERN
        if not re.fullmatch(pattern, self.recipient):
            raise ValueError(f"the recipient is not an address for {self.channel}")
        return self


# -- payments -> dossier-payments ----------------------------------------------------------
class DossierPaid(Message):
    """A dossier's fee paid through the portal: the dossiers service marks it paid online.
    Payments' own ``payment.settled`` stays on its receipt queue."""

    type: Literal["dossier.paid"] = "dossier.paid"
    dossier_code: DossierCode
    procedure_code: ProcedureCode
    agency_id: AgencyId
    order_id: str = Field(min_length=1, max_length=64)
    amount_vnd: int = Field(ge=0)
    paid_at: AwareDatetime


# -- report-events: every producer's facts for the 766 index (no personal data) -----------
MAX_COUNT = 10**9
"""The largest version or count a report message carries: far above any real one, and far
below DynamoDB's 38 digits, so that no message can make the counters' update fail (and come
back until it reaches the dead-letter queue) or hold a fact at a version no real write reaches."""


class DossierReported(Message):
    """A dossier as its last write left it, sent by the dossiers service after each write.
    ``version`` grows with every write, and marking a dossier overdue keeps the version:
    reports applies only a state newer than the one it holds (version, then overdue)."""

    type: Literal["report.dossier"] = "report.dossier"
    dossier_code: DossierCode
    version: int = Field(ge=1, le=MAX_COUNT)
    overdue: bool = Field(default=False, description="Marked overdue, as last written")
    agency_id: AgencyId
    procedure_code: ProcedureCode
    channel: Literal["online", "counter", "post"]
    received_at: Moment
    due_at: Moment = Field(description="The date before any apology")
    status: int = Field(ge=1, le=10)
    status_at: Moment
    completed_at: Moment | None = None
    late: bool = Field(description="Late as on-time handling counts it, when it was sent")
    apologies: int = Field(ge=0, le=MAX_COUNT, default=0)
    digitized: bool = False
    paid_online: bool = False


class DossiersReported(Message):
    """The dossiers one write left, in one message: a batch of a hundred is one request to
    SQS, not ten (about 45 KB, within a message's 256 KB). Each is counted as if it came
    alone, so a delivery repeated whole counts nothing twice."""

    type: Literal["report.dossiers"] = "report.dossiers"
    dossiers: list[DossierReported] = Field(min_length=1, max_length=100)


class ProcedureReported(Message):
    """A procedure's state for the agencies that implement it, from the catalogue."""

    type: Literal["report.procedure"] = "report.procedure"
    code: ProcedureCode
    version: int = Field(ge=1, le=MAX_COUNT)
    agency_ids: list[AgencyId] = Field(max_length=500)
    published: bool
    online_level: Literal["full", "partial"] | None = None
    online_payment: bool = False
    electronic_result: bool = False
    occurred_at: Moment


class FeedbackReported(Message):
    """A feedback case received or answered, from the feedback service."""

    type: Literal["report.feedback"] = "report.feedback"
    tracking_code: str = Field(min_length=1, max_length=32)
    version: int = Field(
        ge=0, le=MAX_COUNT, default=0, description="The case's, growing with each step"
    )
    agency_id: AgencyId
    received_at: Moment
    due_at: Moment | None = None
    answered_at: Moment | None = None
    overdue: bool = Field(default=False, description="Missed a deadline at some step")
    finished: bool = Field(default=False, description="Answered, published or rejected")


class RatingReported(Message):
    """A rating counted by the ratings service: satisfied or not, nothing of the citizen."""

    type: Literal["report.rating"] = "report.rating"
    dossier_code: DossierCode
    agency_id: AgencyId
    rated_at: Moment
    satisfied: bool


# -- reading a queue -----------------------------------------------------------------------
Received = TypeVar("Received")


class Unreadable(ValueError):
    """A body that is not one of the messages its queue carries."""


class Inbox(Generic[Received]):
    """The messages one queue carries, and how its consumer reads them. The validator is
    built on the first message read, not at import."""

    def __init__(self, queue: str, accepts: Any) -> None:
        self.queue = queue
        self._accepts = accepts
        self._adapter: TypeAdapter[Received] | None = None

    def parse(self, body: str) -> Received:
        if self._adapter is None:
            self._adapter = TypeAdapter(self._accepts)
        try:
            return self._adapter.validate_json(body)
        except ValidationError:
            raise Unreadable(self.queue) from None


def encode(message: Message) -> str:
    return message.model_dump_json()


def attributes(message: Message) -> dict[str, Any]:
    """SQS message attributes: the type, so a subscription filter can route on it."""
    return {"type": {"DataType": "String", "StringValue": message.type}}


ProcedureChange = Annotated[ProcedurePublished | ProcedureAbolished, Field(discriminator="type")]
FeedbackIntake = Annotated[CaseReceived | RatingDissatisfied, Field(discriminator="type")]

PROCEDURE_CHANGES: Inbox[ProcedurePublished | ProcedureAbolished] = Inbox(
    "procedure-changes", ProcedureChange
)
PAYMENT_SETTLED: Inbox[PaymentSettled] = Inbox("payment-settled", PaymentSettled)
FEEDBACK_INTAKE: Inbox[CaseReceived | RatingDissatisfied] = Inbox("feedback-intake", FeedbackIntake)
RATING_EVENTS: Inbox[RatingCreated] = Inbox("rating-events", RatingCreated)
DOSSIER_EVENTS: Inbox[DossierEvent] = Inbox("dossier-events", DossierEvent)
NOTIFICATIONS: Inbox[NotificationRequested] = Inbox("notifications", NotificationRequested)
DOSSIER_PAYMENTS: Inbox[DossierPaid] = Inbox("dossier-payments", DossierPaid)

ReportEvent = Annotated[
    DossierReported
    | DossiersReported
    | ProcedureReported
    | FeedbackReported
    | RatingReported
    | PaymentSettled,
    Field(discriminator="type"),
]
REPORT_EVENTS: Inbox[
    DossierReported
    | DossiersReported
    | ProcedureReported
    | FeedbackReported
    | RatingReported
    | PaymentSettled
] = Inbox("report-events", ReportEvent)
