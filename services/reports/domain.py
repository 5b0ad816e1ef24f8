"""The rule book of the Decision 766/QĐ-TTg index: what each fact counts, the indicators'
formulas and points, and the bands. Pure: the standard library only.

Every fact (a dossier's latest state, a procedure's, a feedback case's, a rating, a payment)
*contributes* counters to buckets, a bucket being an agency and a period. A newer state of the
same fact replaces its contribution: :func:`delta` is what must be added to the counters so
that they hold the new contribution instead of the old one.

>>> from datetime import datetime, UTC
>>> received = datetime(2026, 3, 31, 17, 30, tzinfo=UTC)  # 00:30 on 1 April in Hanoi
>>> first = dossier_contribution(DossierFacts("A", "online", received, received, 2, None,
...     late=False, apologies=0, digitized=True, paid_online=False))
>>> sorted(first)[:2]
[('A', '2026'), ('A', '2026-04')]
>>> first[("A", "2026-Q2")]["on_track"], first[("A", "2026-Q2")]["unfinished_within"]
(1, 1)
>>> later = dossier_contribution(DossierFacts("A", "online", received, received, 9,
...     received, late=True, apologies=1, digitized=True, paid_online=False))
>>> moved = delta(first, later)
>>> moved[("A", "2026-04")]["on_track"], moved[("A", "2026")]["apologies"]
(-1, 1)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.core import periods

Bucket = tuple[str, str]
"""An agency id and a period (``YYYY``, ``YYYY-Qn``, ``YYYY-MM``, or :data:`CURRENT`)."""
Contribution = dict[Bucket, dict[str, int]]

CURRENT = "current"
"""The bucket of what is a state rather than a flow: the agency's procedures as they stand."""

REFUSED, WITHDRAWN = 3, 7
FINISHED = frozenset({3, 7, 8, 9, 10})
HANDLED = frozenset({9, 10})


# -- facts ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class DossierFacts:
    agency_id: str
    channel: str
    received_at: datetime
    due_at: datetime
    status: int
    completed_at: datetime | None
    late: bool
    apologies: int
    digitized: bool
    paid_online: bool
    status_at: datetime | None = None

    @property
    def closed_at(self) -> datetime | None:
        """When it was finished (handled, refused, withdrawn or stopped); None while open."""
        if self.status not in FINISHED:
            return None
        return self.completed_at or self.status_at or self.received_at

    @property
    def on_time(self) -> bool:
        """As on-time handling counts it: an apology never makes a dossier on time."""
        if self.late or self.apologies > 0:
            return False
        if self.status in HANDLED and self.completed_at is not None:
            return self.completed_at <= self.due_at
        return True


@dataclass(frozen=True, slots=True)
class ProcedureFacts:
    agency_ids: tuple[str, ...]
    published: bool
    online_level: str | None
    online_payment: bool
    electronic_result: bool


@dataclass(frozen=True, slots=True)
class FeedbackFacts:
    agency_id: str
    received_at: datetime
    due_at: datetime | None
    answered_at: datetime | None
    overdue: bool = False
    finished: bool = False


def _in_periods(agency_id: str, moment: datetime, counts: dict[str, int]) -> Contribution:
    kept = {name: n for name, n in counts.items() if n}
    return {(agency_id, period): dict(kept) for period in periods.containing(moment)}


def plus(*parts: Contribution) -> Contribution:
    """The contributions added up, bucket by bucket."""
    total: Contribution = {}
    for part in parts:
        for bucket, counts in part.items():
            into = total.setdefault(bucket, {})
            for name, n in counts.items():
                into[name] = into.get(name, 0) + n
    return total


def dossier_contribution(facts: DossierFacts) -> Contribution:
    """A dossier counts in the periods it was received in (Hanoi time), and, for the
    periodic form's balances, in those of its due date (``due``), of its closing
    (``closed``, on time or late) and of whichever of the two came last (``settled``)."""
    flows = [_received(facts), _in_periods(facts.agency_id, facts.due_at, {"due": 1})]
    closed_at = facts.closed_at
    if closed_at is not None:
        # A refusal or a withdrawal ends the handling too: the form's results add up to
        # the dossiers it had to handle.
        closing = {
            "closed": 1,
            "closed_on_time": int(facts.on_time),
            "closed_late": int(not facts.on_time),
        }
        flows.append(_in_periods(facts.agency_id, closed_at, closing))
        flows.append(_in_periods(facts.agency_id, max(facts.due_at, closed_at), {"settled": 1}))
    return plus(*flows)


def _received(facts: DossierFacts) -> Contribution:
    counted = facts.status not in (REFUSED, WITHDRAWN)
    finished = facts.status in FINISHED
    on_time = facts.on_time
    counts = {
        "received": 1,
        f"received_{facts.channel}": 1,
        "counted": int(counted),
        "on_track": int(counted and on_time),
        "finished_on_time": int(counted and finished and on_time),
        "finished_late": int(counted and finished and not on_time),
        "unfinished_within": int(not finished and on_time),
        "unfinished_past": int(not finished and not on_time),
        "refused": int(facts.status == REFUSED),
        "withdrawn": int(facts.status == WITHDRAWN),
        "apologies": facts.apologies,
        "digitized": int(facts.digitized),
        "paid_online": int(facts.paid_online),
    }
    return _in_periods(facts.agency_id, facts.received_at, counts)


def procedure_contribution(facts: ProcedureFacts) -> Contribution:
    """A published procedure counts, as it stands now, for each agency implementing it; an
    abolished one counts for none."""
    if not facts.published:
        return {}
    counts = {
        "procedures": 1,
        "procedures_online": int(facts.online_level in ("full", "partial")),
        "procedures_online_payment": int(facts.online_payment),
        "procedures_electronic_result": int(facts.electronic_result),
    }
    kept = {name: n for name, n in counts.items() if n}
    return {(agency, CURRENT): dict(kept) for agency in sorted(set(facts.agency_ids))}


def feedback_contribution(facts: FeedbackFacts) -> Contribution:
    """A case counts in the periods it was received in."""
    answered_at = facts.answered_at
    answered = answered_at is not None
    in_time = facts.due_at is None or (answered_at is not None and answered_at <= facts.due_at)
    on_time = answered and in_time and not facts.overdue
    counts = {
        "feedback_received": 1,
        "feedback_answered_on_time": int(answered and on_time),
        "feedback_answered_late": int(answered and not on_time),
        "feedback_pending": int(not answered and not facts.finished),
    }
    return _in_periods(facts.agency_id, facts.received_at, counts)


def rating_contribution(agency_id: str, rated_at: datetime, satisfied: bool) -> Contribution:
    return _in_periods(agency_id, rated_at, {"ratings": 1, "ratings_satisfied": int(satisfied)})


def payment_contribution(agency_id: str, paid_at: datetime) -> Contribution:
    return _in_periods(agency_id, paid_at, {"payments_settled": 1})


def delta(old: Contribution, new: Contribution) -> Contribution:
    """What to add to the counters so they hold ``new`` instead of ``old``; buckets and
    counters that do not change are left out.

    >>> delta({("A", "2026"): {"x": 1, "y": 1}}, {("A", "2026"): {"x": 1, "z": 1}})
    {('A', '2026'): {'y': -1, 'z': 1}}
    """
    changes: Contribution = {}
    for bucket in sorted(set(old) | set(new)):
        before, after = old.get(bucket, {}), new.get(bucket, {})
        moved = {
            name: after.get(name, 0) - before.get(name, 0)
            for name in sorted(set(before) | set(after))
            if after.get(name, 0) != before.get(name, 0)
        }
        if moved:
            changes[bucket] = moved
    return changes


def with_period(old: Contribution, new: Contribution, period: str) -> Contribution:
    """``old`` with its buckets of ``period`` and of :data:`CURRENT` taken from ``new``:
    what a rebuild of one period leaves in a fact's row.

    >>> old = {("A", "2026-04"): {"x": 1}, ("A", "2026"): {"x": 1}}
    >>> new = {("B", "2026-04"): {"x": 1}, ("B", "2026"): {"x": 1}}
    >>> with_period(old, new, "2026-04")
    {('A', '2026'): {'x': 1}, ('B', '2026-04'): {'x': 1}}
    """
    rebuilt = {
        bucket: counts for bucket, counts in old.items() if bucket[1] not in (period, CURRENT)
    }
    rebuilt |= {
        bucket: dict(counts) for bucket, counts in new.items() if bucket[1] in (period, CURRENT)
    }
    return dict(sorted(rebuilt.items()))


# -- the index --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Indicator:
    id: str
    title: str
    numerator: str
    denominator: str
    max_points: int


@dataclass(frozen=True, slots=True)
class Group:
    id: str
    title: str
    max_points: int
    indicators: tuple[Indicator, ...]


GROUPS: tuple[Group, ...] = (
    Group(
        "cong_khai",
        "Công khai, minh bạch",
        18,
        (
            Indicator(
                "thu_tuc_dvc_truc_tuyen",
                "Thủ tục được công bố có dịch vụ công trực tuyến",
                "procedures_online",
                "procedures",
                6,
            ),
            Indicator(
                "thu_tuc_thanh_toan_truc_tuyen",
                "Thủ tục được công bố có thanh toán trực tuyến",
                "procedures_online_payment",
                "procedures",
                6,
            ),
            Indicator(
                "thu_tuc_ket_qua_dien_tu",
                "Thủ tục được công bố trả kết quả điện tử",
                "procedures_electronic_result",
                "procedures",
                6,
            ),
        ),
    ),
    Group(
        "tien_do",
        "Tiến độ giải quyết",
        20,
        (
            Indicator(
                "ho_so_dung_han",
                "Hồ sơ giải quyết đúng hạn hoặc đang giải quyết trong hạn",
                "on_track",
                "counted",
                20,
            ),
        ),
    ),
    Group(
        "truc_tuyen",
        "Dịch vụ công trực tuyến",
        12,
        (
            Indicator(
                "ho_so_truc_tuyen", "Hồ sơ tiếp nhận trực tuyến", "received_online", "received", 12
            ),
        ),
    ),
    Group(
        "thanh_toan",
        "Thanh toán trực tuyến",
        10,
        (
            Indicator(
                "ho_so_thanh_toan_truc_tuyen",
                "Hồ sơ thanh toán phí, lệ phí trực tuyến",
                "paid_online",
                "received",
                10,
            ),
        ),
    ),
    Group(
        "hai_long",
        "Mức độ hài lòng",
        18,
        (
            Indicator(
                "danh_gia_hai_long",
                "Đánh giá hài lòng về giải quyết hồ sơ",
                "ratings_satisfied",
                "ratings",
                12,
            ),
            Indicator(
                "phan_anh_dung_han",
                "Phản ánh, kiến nghị được trả lời đúng hạn",
                "feedback_answered_on_time",
                "feedback_received",
                6,
            ),
        ),
    ),
    Group(
        "so_hoa",
        "Số hóa hồ sơ",
        22,
        (
            Indicator(
                "ho_so_so_hoa", "Hồ sơ được số hóa khi tiếp nhận", "digitized", "received", 22
            ),
        ),
    ),
)

BANDS: tuple[tuple[float, str], ...] = (
    (90, "xuat_sac"),
    (80, "tot"),
    (70, "kha"),
    (50, "trung_binh"),
)


def band(score: float) -> str:
    """The contract's band of a score.

    >>> band(90), band(89.99), band(80), band(70), band(50), band(49.99)
    ('xuat_sac', 'tot', 'tot', 'kha', 'trung_binh', 'yeu')
    """
    return next((name for floor, name in BANDS if score >= floor), "yeu")


def points(numerator: int, denominator: int, max_points: int) -> float:
    """The share times the maximum, to two decimals; nothing measured earns nothing.

    >>> points(2, 3, 20), points(0, 0, 20), points(5, 5, 6)
    (13.33, 0.0, 6.0)
    """
    if denominator <= 0:
        return 0.0
    return round(max_points * min(numerator, denominator) / denominator, 2)


def index(counters: Mapping[str, int]) -> dict[str, Any]:
    """The index from one agency's counters (its period's and its current ones, merged)."""
    groups: list[dict[str, Any]] = []
    score = 0.0
    for group in GROUPS:
        indicators: list[dict[str, Any]] = []
        got = 0.0
        for ind in group.indicators:
            num, den = counters.get(ind.numerator, 0), counters.get(ind.denominator, 0)
            earned = points(num, den, ind.max_points)
            got += earned
            indicators.append(
                {
                    "id": ind.id,
                    "title": ind.title,
                    "numerator": num,
                    "denominator": den,
                    "points": earned,
                    "max_points": ind.max_points,
                }
            )
        score += round(got, 2)
        groups.append(
            {
                "id": group.id,
                "title": group.title,
                "points": round(got, 2),
                "max_points": group.max_points,
                "indicators": indicators,
            }
        )
    score = round(score, 2)
    return {"score": score, "band": band(score), "groups": groups}


def merged(parts: Iterable[Mapping[str, int]]) -> dict[str, int]:
    total: dict[str, int] = {}
    for part in parts:
        for name, n in part.items():
            total[name] = total.get(name, 0) + n
    return total


# -- the periodic forms of Circular 01/2020/TT-VPCP ------------------------------------------
@dataclass(frozen=True, slots=True)
class Form:
    """A form as the Circular lays it out: its title, two heading rows (a group heading
    spanning its columns, then each column's own), and one row of counters per agency."""

    id: str
    title: str
    groups: tuple[tuple[str, int], ...]  # a heading and how many columns it spans
    columns: tuple[tuple[str, str | None], ...]  # a heading and the counter (None: no data)


FORMS: dict[str, Form] = {
    "dossier-handling": Form(
        "dossier-handling",
        "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH",
        (
            ("STT", 1),
            ("Đơn vị", 1),
            ("Số hồ sơ nhận giải quyết", 5),
            ("Kết quả giải quyết", 4),
            ("Số văn bản xin lỗi", 1),
        ),
        (
            ("STT", None),
            ("Mã định danh", None),
            ("Trực tuyến", "received_online"),
            ("Trực tiếp", "received_counter"),
            ("Dịch vụ bưu chính", "received_post"),
            ("Từ kỳ trước", "carried_over"),
            ("Tổng số", "to_handle"),
            ("Đã giải quyết đúng hạn", "closed_on_time"),
            ("Đã giải quyết quá hạn", "closed_late"),
            ("Đang giải quyết trong hạn", "open_within"),
            ("Đang giải quyết quá hạn", "open_past"),
            ("Tổng số", "apologies"),
        ),
    ),
    "feedback-handling": Form(
        "feedback-handling",
        "TÌNH HÌNH, KẾT QUẢ TIẾP NHẬN, XỬ LÝ PHẢN ÁNH, KIẾN NGHỊ",
        (("STT", 1), ("Đơn vị", 1), ("Số phản ánh, kiến nghị", 1), ("Kết quả xử lý", 3)),
        (
            ("STT", None),
            ("Mã định danh", None),
            ("Tổng số tiếp nhận", "feedback_received"),
            ("Đã trả lời đúng hạn", "feedback_answered_on_time"),
            ("Đã trả lời quá hạn", "feedback_answered_late"),
            ("Đang xử lý", "feedback_pending"),
        ),
    ),
}


FIRST_YEAR = 2015
"""The first year the balances go back to: one-stop systems began syncing dossiers later, so
a dossier received before it is not carried over (and a form reads a constant number of
items: at most one per year since, plus the year's months)."""


def earlier(period: str) -> list[str]:
    """The periods that together hold everything before ``period`` starts: each year from
    :data:`FIRST_YEAR`, then the periods of ``period``'s length in its year before it.

    >>> earlier("2026-03")[-3:], earlier("2026-Q2")[-2:], earlier("2016")
    (['2025', '2026-01', '2026-02'], ['2025', '2026-Q1'], ['2015'])
    """
    year = int(period[:4])
    years = [str(y) for y in range(FIRST_YEAR, year)]
    if "-Q" in period:
        return years + [f"{year}-Q{q}" for q in range(1, int(period[-1]))]
    if "-" in period:
        return years + [f"{year}-{m:02d}" for m in range(1, int(period[5:]))]
    return years


def dossier_handling(
    in_period: Mapping[str, int],
    before: Mapping[str, int],
    through: Mapping[str, int],
    *,
    ended: bool,
) -> dict[str, int]:
    """The balances of the dossier-handling form: ``before`` is everything counted in the
    periods before this one (:func:`earlier`), ``through`` the same with this one.

    Carried over: received before the period and not closed before it. Still open at its
    end: what it had to handle less what it closed. Of those, past due at a period's end:
    due before the end and not closed by then, which is every ``due`` up to the end less
    every ``settled`` (a dossier is settled in the later period of its due date and its
    closing). A period still running is read as it stands now, from the open dossiers'
    state (``unfinished_within``, ``unfinished_past``), which the overdue sweep keeps.

    >>> flows = {"received": 3, "closed": 2, "received_online": 3}
    >>> row = dossier_handling(flows, {"received": 5, "closed": 4},
    ...     {"due": 7, "settled": 5, "received": 8}, ended=True)
    >>> row["carried_over"], row["to_handle"], row["open_within"], row["open_past"]
    (1, 4, 0, 2)
    """
    carried = before.get("received", 0) - before.get("closed", 0)
    to_handle = carried + in_period.get("received", 0)
    still_open = to_handle - in_period.get("closed", 0)
    if ended:
        past = through.get("due", 0) - through.get("settled", 0)
        within = still_open - past
    else:
        past, within = through.get("unfinished_past", 0), through.get("unfinished_within", 0)
    return {
        **in_period,
        "carried_over": max(carried, 0),
        "to_handle": max(to_handle, 0),
        "open_within": max(within, 0),
        "open_past": max(past, 0),
    }


def form_rows(form: Form, agency_id: str, counters: Mapping[str, int]) -> list[list[object]]:
    """The form's data rows: one for the agency. A column the portal holds no data for is
    empty, never a made-up zero.

    >>> form_rows(FORMS["feedback-handling"], "H55", {"feedback_received": 3})
    [[1, 'H55', 3, 0, 0, 0]]
    """
    row: list[object] = []
    for heading, counter in form.columns:
        if heading == "STT":
            row.append(1)
        elif heading == "Mã định danh":
            row.append(agency_id)
        else:
            row.append(counters.get(counter, 0) if counter else "")
    return [row]
