"""The workflow's steps as pure rules: no table, no queue, no calendar.

Deadlines come from a stand-in that counts calendar days, so each expected moment can be
written out by hand; the working-day calendar has tests of its own."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from services.feedback import domain
from services.feedback.domain import Case, Status, Step, StepRefused

RECEIVED = datetime(2026, 3, 9, 3, 0, tzinfo=UTC)
NOW = datetime(2026, 3, 11, 2, 0, tzinfo=UTC)
OFFICIAL = "official:bo-cong-an"


def days_later(start: datetime, days: int) -> datetime:
    """The stand-in calendar: ``days`` calendar days after ``start``."""
    return start + timedelta(days=days)


def a_case(status: Status = "received", **changes: object) -> Case:
    case = Case(
        tracking_code="PA-23456-789AB",
        title="Chậm trả kết quả đổi giấy phép lái xe",
        content="Quá hạn hẹn trả kết quả mà chưa nhận được.",
        channel="web",
        status=status,
        received_at=RECEIVED,
        procedure_code="1.002804",
        agency_id="bo-cong-an",
        respond_by=datetime(2026, 3, 14, 3, 0, tzinfo=UTC),
        answer_by=datetime(2026, 3, 21, 2, 0, tzinfo=UTC) if status == "accepted" else None,
        timeline=(Step(RECEIVED, "submitter", "submit", "received"),),
        version=3,
    )
    return replace(case, **changes)  # type: ignore[arg-type]


def take(case: Case, action: domain.Action, **details: object) -> Case:
    return domain.take(
        case,
        action,
        actor=OFFICIAL,
        now=NOW,
        deadline=days_later,
        **details,  # type: ignore[arg-type]
    )


# What each action needs to be complete, so that only the status decides.
COMPLETE: dict[str, dict[str, object]] = {
    "accept": {},
    "reject": {"note": "Không thuộc thẩm quyền."},
    "transfer": {"to_agency_id": "bo-xay-dung"},
    "answer": {"answer": "Đã trả kết quả qua bưu điện."},
}
STATUSES: list[Status] = [
    "received",
    "accepted",
    "rejected",
    "transferred",
    "answered",
    "published",
    "closed",
]
# (status, action) -> the status the step leads to; every pair not listed is refused.
ALLOWED: dict[tuple[str, str], str] = {
    ("received", "accept"): "accepted",
    ("received", "reject"): "rejected",
    ("received", "transfer"): "transferred",
    ("transferred", "accept"): "accepted",
    ("transferred", "reject"): "rejected",
    ("transferred", "transfer"): "transferred",
    ("accepted", "answer"): "answered",
}


@pytest.mark.parametrize("action", list(COMPLETE))
@pytest.mark.parametrize("status", STATUSES)
def test_each_action_from_each_status(status: Status, action: domain.Action) -> None:
    before = a_case(status)
    expected = ALLOWED.get((status, action))

    if expected is None:
        with pytest.raises(StepRefused):
            take(before, action, **COMPLETE[action])
        return
    after = take(before, action, **COMPLETE[action])

    assert after.status == expected
    assert after.version == 4
    assert after.timeline[:-1] == before.timeline
    step = after.timeline[-1]
    assert (step.at, step.actor, step.action, step.status) == (NOW, OFFICIAL, action, expected)


def test_refusals_say_why() -> None:
    reasons = {
        ("accepted", "accept"): "only a received case can be accepted",
        ("answered", "reject"): "only a received case can be rejected",
        ("accepted", "transfer"): "only a case not yet accepted moves",
        ("received", "answer"): "only an accepted case can be answered",
    }
    for (status, action), reason in reasons.items():
        with pytest.raises(StepRefused) as refused:
            take(a_case(status), action, **COMPLETE[action])  # type: ignore[arg-type]
        assert refused.value.reason == reason


@pytest.mark.parametrize(
    "status, action, details, reason",
    [
        ("received", "reject", {}, "a rejection needs its reason in note"),
        ("received", "reject", {"note": ""}, "a rejection needs its reason in note"),
        ("received", "transfer", {}, "a transfer needs another agency in to_agency_id"),
        (
            "received",
            "transfer",
            {"to_agency_id": "bo-cong-an"},  # where it is already
            "a transfer needs another agency in to_agency_id",
        ),
        ("accepted", "answer", {}, "an answer needs its text in answer"),
    ],
)
def test_a_step_missing_what_it_needs_is_refused(
    status: Status, action: domain.Action, details: dict[str, object], reason: str
) -> None:
    with pytest.raises(StepRefused) as refused:
        take(a_case(status), action, **details)

    assert refused.value.reason == reason


def test_routing_counts_the_time_to_respond_from_receipt() -> None:
    unrouted = a_case(agency_id=None, respond_by=None)

    routed = domain.routed(
        unrouted, "bo-xay-dung", NOW, days_later, kind="phan_anh", procedure_field="Xây dựng"
    )

    assert routed.agency_id == "bo-xay-dung"
    assert routed.respond_by == datetime(2026, 3, 14, 3, 0, tzinfo=UTC)  # received + 5
    assert routed.deadline == datetime(2026, 3, 14, 3, 0, tzinfo=UTC)
    assert (routed.kind, routed.procedure_field) == ("phan_anh", "Xây dựng")
    assert routed.timeline[-1] == Step(NOW, "system", "route", "received", agency_id="bo-xay-dung")
    assert routed.version == 4


def test_accepting_gives_ten_days_from_now_to_answer() -> None:
    accepted = take(a_case("received"), "accept", note="Tiếp nhận.")

    assert accepted.answer_by == datetime(2026, 3, 21, 2, 0, tzinfo=UTC)  # now + 10
    assert accepted.deadline == datetime(2026, 3, 21, 2, 0, tzinfo=UTC)
    assert accepted.timeline[-1].note == "Tiếp nhận."
    assert accepted.timeline[-1].agency_id == "bo-cong-an"


def test_a_transfer_moves_the_case_with_five_days_from_now() -> None:
    moved = take(a_case("received"), "transfer", to_agency_id="bo-xay-dung")

    assert moved.agency_id == "bo-xay-dung"
    assert moved.respond_by == datetime(2026, 3, 16, 2, 0, tzinfo=UTC)  # now + 5
    assert moved.timeline[-1].agency_id == "bo-xay-dung"  # where it went


def test_an_answer_finishes_the_case_and_may_publish_it() -> None:
    answered = take(a_case("accepted"), "answer", answer="Đã trả lời.")
    published = take(a_case("accepted"), "answer", answer="Đã trả lời.", publish=True)

    assert (answered.status, answered.published, answered.answer) == (
        "answered",
        False,
        "Đã trả lời.",
    )
    assert (published.status, published.published) == ("published", True)
    assert answered.deadline is None and published.deadline is None


@pytest.mark.parametrize(
    "status, deadline",
    [
        ("received", datetime(2026, 3, 14, 3, 0, tzinfo=UTC)),  # respond_by
        ("transferred", datetime(2026, 3, 14, 3, 0, tzinfo=UTC)),  # respond_by
        ("accepted", datetime(2026, 3, 21, 2, 0, tzinfo=UTC)),  # answer_by
        ("rejected", None),
        ("answered", None),
        ("published", None),
        ("closed", None),
    ],
)
def test_the_deadline_is_the_next_one_the_agency_must_meet(
    status: Status, deadline: datetime | None
) -> None:
    assert a_case(status).deadline == deadline


def test_a_step_after_its_deadline_is_late_and_stays_late() -> None:
    respond_by = datetime(2026, 3, 14, 3, 0, tzinfo=UTC)
    case = a_case("received", respond_by=respond_by)

    at_the_deadline = domain.take(
        case, "accept", actor=OFFICIAL, now=respond_by, deadline=days_later
    )
    just_after = domain.take(
        case,
        "accept",
        actor=OFFICIAL,
        now=respond_by + timedelta(microseconds=1),
        deadline=days_later,
    )
    answered = domain.take(  # at once: in time for the answer's own deadline
        just_after,
        "answer",
        actor=OFFICIAL,
        now=respond_by + timedelta(minutes=5),
        deadline=days_later,
        answer="Trả lời.",
    )

    assert at_the_deadline.overdue is False
    assert just_after.overdue is True
    assert answered.overdue is True  # late once, late for the on-time share


def test_mark_overdue_at_the_exact_boundary() -> None:
    respond_by = datetime(2026, 3, 14, 3, 0, tzinfo=UTC)
    case = a_case("received", respond_by=respond_by)

    assert domain.mark_overdue(case, respond_by) is None  # the deadline itself is in time
    marked = domain.mark_overdue(case, respond_by + timedelta(microseconds=1))

    assert marked is not None
    assert marked.overdue is True
    assert marked.status == "received"  # a mark, not a status
    assert marked.timeline[-1] == Step(
        respond_by + timedelta(microseconds=1), "system", "overdue", "received"
    )
    assert marked.version == 4
    assert domain.mark_overdue(marked, NOW + timedelta(days=30)) is None  # marked once


@pytest.mark.parametrize("status", ["rejected", "answered", "published", "closed"])
def test_a_case_without_a_deadline_is_never_overdue(status: Status) -> None:
    assert domain.mark_overdue(a_case(status), NOW + timedelta(days=365)) is None


@pytest.mark.parametrize("status", ["answered", "published", "rejected"])
def test_a_finished_case_closes(status: Status) -> None:
    closed = domain.close(a_case(status), NOW)

    assert closed.status == "closed"
    assert closed.timeline[-1] == Step(NOW, "system", "close", "closed")
    assert closed.version == 4


@pytest.mark.parametrize("status", ["received", "accepted", "transferred", "closed"])
def test_only_a_finished_case_closes(status: Status) -> None:
    with pytest.raises(StepRefused) as refused:
        domain.close(a_case(status), NOW)

    assert refused.value.reason == "only a finished case closes"


def test_a_duplicate_is_linked_and_stays_open() -> None:
    linked = domain.linked(a_case("received"), "PA-ZZZZZ-22222", NOW)

    assert linked.duplicate_of == "PA-ZZZZZ-22222"
    assert linked.status == "received"
    assert linked.timeline[-1] == Step(
        NOW, "system", "link", "received", note="duplicate of PA-ZZZZZ-22222"
    )


def test_tracking_codes() -> None:
    assert domain.is_tracking_code("PA-23456-789AB")
    assert not domain.is_tracking_code("PA-23456-789A0")  # 0 is read as O
    assert not domain.is_tracking_code("PA-2345-6789AB")
    assert not domain.is_tracking_code("XX-23456-789AB")
    assert domain.is_tracking_code(domain.new_tracking_code())
    # A seed always gives the same code: a case opened twice is the same case.
    assert domain.tracking_code_from("0" * 64) == "PA-22222-22222"
    assert domain.tracking_code_from("ff") == domain.tracking_code_from("ff")
    assert domain.tracking_code_from("ff") != domain.tracking_code_from("fe")


def test_a_link_is_a_new_version_of_the_case() -> None:
    linked = domain.linked(a_case("received"), "PA-ZZZZZ-22222", NOW)

    assert linked.version == 4


def test_a_tracking_code_from_a_seed_reads_it_in_hexadecimal() -> None:
    # 0x1f = 31 = 1 x 30 + 1: the first two characters are the alphabet's second ("3").
    assert domain.tracking_code_from("1f") == "PA-33222-22222"
    assert domain.tracking_code_from("1e") == "PA-23222-22222"


def test_each_group_of_a_tracking_code_is_checked() -> None:
    assert not domain.is_tracking_code("PA-2345O-789AB")  # O, not a digit
    assert not domain.is_tracking_code("PA-234-56789AB")


def test_the_stored_digest_of_an_access_key_is_its_salted_sha256() -> None:
    # sha256("feedback-access:abc"), computed apart from the code
    digest = "19727859f1d6b9b80978be95755658b70529ecce163449092081376e5dd3e08b"
    assert domain.key_digest("abc") == digest


def test_an_access_key_is_24_random_bytes_in_32_url_safe_characters() -> None:
    keys = {domain.new_access_key() for _ in range(5)}
    assert len(keys) == 5
    assert {len(key) for key in keys} == {32}


def test_a_link_holds_a_slot_until_it_expires_or_brings_its_file() -> None:
    now = datetime(2026, 5, 4, 3, 0, tzinfo=UTC)
    at = int(now.timestamp())
    links = {"waiting": at + 1, "expired-now": at, "used": at + 600}
    assert domain.unused_links(links, {"used"}, now) == {"waiting": at + 1}
    assert domain.slots_taken(links, {"used", "uploaded-before"}, now) == 3
