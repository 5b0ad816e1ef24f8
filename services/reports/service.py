"""Reports use cases: counting the facts other services send, the index, the rankings.

Each message is a fact's newest state. Its contribution to the counters is computed by the
rule book, and the difference from what the same fact contributed before is added, with the
fact's new contribution, in one transaction: a message delivered twice, or an older state
arriving after a newer one, changes nothing.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from services.core import catalogue_view, clock, observability, periods, queues
from services.core.auth import Principal, Role
from services.core.messages import (
    REPORT_EVENTS,
    DossierReported,
    DossiersReported,
    FeedbackReported,
    PaymentSettled,
    ProcedureReported,
    RatingReported,
)
from services.core.problems import Text, conflict, forbidden, not_found
from services.reports import charts, domain, forms, storage

log = observability.logger("reports")
metrics = observability.metrics("reports")

_NO_AGENCY = Text("Không tìm thấy cơ quan.", "There is no such agency.")
_NOT_YOUR_AGENCY = Text(
    "Chỉ cán bộ của cơ quan và người vận hành được xem báo cáo này.",
    "Only officials of the agency and operators see this report.",
)
_NO_FORM = Text("Không có biểu mẫu này.", "There is no such form.")
_BUSY = Text("Số liệu đang được cập nhật.", "The counters are being updated; retry.")
ATTEMPTS = 8

ReportEvent = (
    DossierReported | ProcedureReported | FeedbackReported | RatingReported | PaymentSettled
)


# -- counting ---------------------------------------------------------------------------------
def facts_of(message: ReportEvent) -> tuple[str, str, int, domain.Contribution]:
    """The fact a message is about: its kind, id, order and contribution."""
    match message:
        case DossierReported():
            facts = domain.DossierFacts(
                agency_id=message.agency_id,
                channel=message.channel,
                received_at=message.received_at,
                due_at=message.due_at,
                status=message.status,
                completed_at=message.completed_at,
                late=message.late,
                apologies=message.apologies,
                digitized=message.digitized,
                paid_online=message.paid_online,
                status_at=message.status_at,
            )
            contribution = domain.dossier_contribution(facts)
            # Marking overdue keeps a dossier's version; the next write raises it.
            order = message.version * 2 + int(message.overdue)
            return "dossier", message.dossier_code, order, contribution
        case ProcedureReported():
            procedure = domain.ProcedureFacts(
                agency_ids=tuple(message.agency_ids),
                published=message.published,
                online_level=message.online_level,
                online_payment=message.online_payment,
                electronic_result=message.electronic_result,
            )
            contribution = domain.procedure_contribution(procedure)
            return "procedure", message.code, message.version, contribution
        case FeedbackReported():
            case_facts = domain.FeedbackFacts(
                message.agency_id,
                message.received_at,
                message.due_at,
                message.answered_at,
                overdue=message.overdue,
                finished=message.finished or message.answered_at is not None,
            )
            order = message.version + 1
            contribution = domain.feedback_contribution(case_facts)
            return "feedback", message.tracking_code, order, contribution
        case RatingReported():
            contribution = domain.rating_contribution(
                message.agency_id, message.rated_at, message.satisfied
            )
            return "rating", message.dossier_code, 1, contribution
        case PaymentSettled():
            paid_at = message.paid_at or clock.now()
            contribution = domain.payment_contribution(message.agency_id, paid_at)
            return "payment", message.order_id, 1, contribution


def count(message: ReportEvent) -> bool:
    """Count a fact's state; False when the same or a newer state was counted already."""
    kind, fact_id, order, contribution = facts_of(message)
    for _ in range(ATTEMPTS):
        known = storage.load_fact(kind, fact_id)
        if known is not None and known[0] >= order:
            return False
        before = known[1] if known is not None else {}
        changes = domain.delta(before, contribution)
        levels = {agency: agency_level(agency) for agency, _ in changes}
        if storage.apply(kind, fact_id, known, order, contribution, changes, levels):
            metrics.add_metric(name="FactsCounted", unit="Count", value=1)
            return True
    raise conflict(_BUSY)  # comes back through the queue


REBUILT_ONLY = 0
"""The order of a fact only a rebuild has seen: below every message's, so the fact's first
message still counts it in every period."""


def recount(message: ReportEvent, period: str) -> bool:
    """Set a fact's share of ``period`` (and of ``current``, its procedures as they stand)
    to what its source table holds now, leaving its other periods and its order as they
    are; True when that changed a counter (``portal reports rebuild``).

    The counters stay the sum of the facts' rows, so a message that comes later adds its
    difference from the rebuilt row, and a rebuild run twice changes nothing. A fact whose
    row holds a newer state than the source read (a message overtook the scan) is left to
    that message."""
    kind, fact_id, order, contribution = facts_of(message)
    for _ in range(ATTEMPTS):
        known = storage.load_fact(kind, fact_id)
        if known is not None and known[0] > order:
            return False
        before = known[1] if known is not None else {}
        rebuilt = domain.with_period(before, contribution, period)
        changes = domain.delta(before, rebuilt)
        if not changes:
            return False
        levels = {agency: agency_level(agency) for agency, _ in changes}
        kept_order = REBUILT_ONLY if known is None else known[0]
        if storage.apply(kind, fact_id, known, kept_order, rebuilt, changes, levels):
            return True  # the command counts these (it prints them): no function metric
    raise conflict(_BUSY)


@cache
def _agency_levels() -> dict[str, str | None]:
    return {}


def agency_level(agency_id: str) -> str | None:
    """The agency's level from the catalogue, cached once known."""
    levels = _agency_levels()
    if agency_id not in levels:
        found = catalogue_view.agency(agency_id)
        if found is None or not found.level:
            return None
        levels[agency_id] = str(found.level)
    return levels[agency_id]


def take_report_events(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return queues.consume(event, context, REPORT_EVENTS, _count_queued, log)


def _count_queued(message: ReportEvent | DossiersReported) -> None:
    for fact in message.dossiers if isinstance(message, DossiersReported) else [message]:
        counted = count(fact)
        log.info("report fact", extra={"type": fact.type, "counted_now": counted})


# -- the index --------------------------------------------------------------------------------
def index(agency_id: str, period: str) -> dict[str, Any]:
    """One agency's index: two counter items and the agency's record, at any volume."""
    if catalogue_view.agency(agency_id) is None:
        raise not_found(_NO_AGENCY)
    found = storage.counters([(agency_id, period), (agency_id, domain.CURRENT)])
    return {"agency_id": agency_id, "period": period, **domain.index(domain.merged(found.values()))}


def rankings(period: str, agency_level: str | None) -> list[dict[str, Any]]:
    """Agencies by score, best first: one query per level and a BatchGet per 50 agencies."""
    agencies = sorted(set(storage.ranked(period, agency_level)))
    buckets = [b for a in agencies for b in ((a, period), (a, domain.CURRENT))]
    found = storage.counters(buckets)
    rows = []
    for agency in agencies:
        scored = domain.index(
            domain.merged([found[(agency, period)], found[(agency, domain.CURRENT)]])
        )
        rows.append({"agency_id": agency, "score": scored["score"], "band": scored["band"]})
    rows.sort(key=lambda r: (-float(r["score"]), str(r["agency_id"])))
    return [{"rank": n, **row} for n, row in enumerate(rows, start=1)]


def trend(agency_id: str, period: str) -> list[dict[str, Any]]:
    """The score over the periods before ``period`` of the same length (up to 12)."""
    earlier = periods_before(period, 6)
    found = storage.counters([(agency_id, p) for p in earlier] + [(agency_id, domain.CURRENT)])
    current = found[(agency_id, domain.CURRENT)]
    return [
        {
            "period": p,
            "score": domain.index(domain.merged([found[(agency_id, p)], current]))["score"],
        }
        for p in earlier
    ]


def periods_before(period: str, count_: int) -> list[str]:
    """``count_`` periods ending with ``period``, oldest first."""
    if "-Q" in period:
        year, quarter = int(period[:4]), int(period[-1])
        steps = [(year * 4 + quarter - 1) - n for n in range(count_)]
        return [f"{s // 4}-Q{s % 4 + 1}" for s in reversed(steps)]
    if "-" in period:
        year, month = int(period[:4]), int(period[5:])
        steps = [(year * 12 + month - 1) - n for n in range(count_)]
        return [f"{s // 12}-{s % 12 + 1:02d}" for s in reversed(steps)]
    return [str(int(period) - n) for n in reversed(range(count_))]


def current_period() -> str:
    return periods.containing(clock.now())[1]


# -- the forms --------------------------------------------------------------------------------
def may_see_agency(principal: Principal | None, agency_id: str) -> bool:
    """Officials of the agency and operators: who sees an agency's forms and dossiers."""
    if principal is None:
        return False
    return principal.has(Role.OPERATOR) or (
        principal.has(Role.OFFICIAL) and principal.agency_id == agency_id
    )


def form_file(
    form_id: str, agency_id: str, period: str, file_format: str, principal: Principal
) -> tuple[bytes | str, str, str]:
    """The form as a file: its content, content type and file name. XLSX is binary: API
    Gateway (and Chalice) send it only to a caller whose Accept names its type."""
    form = domain.FORMS.get(form_id)
    if form is None:
        raise not_found(_NO_FORM)
    if not may_see_agency(principal, agency_id):
        raise forbidden(_NOT_YOUR_AGENCY)
    agency = catalogue_view.agency(agency_id)
    if agency is None:
        raise not_found(_NO_AGENCY)
    rows = domain.form_rows(form, agency_id, _form_counters(form_id, agency_id, period))
    name = f"{form_id}-{agency_id}-{period}.{file_format}"
    if file_format == "xlsx":
        return forms.as_xlsx(form, agency.name, period, rows), forms.XLSX, name
    return forms.as_csv(form, agency.name, period, rows), forms.CSV, name


def _form_counters(form_id: str, agency_id: str, period: str) -> dict[str, int]:
    """The period's counters; for the dossier-handling form with its balances, read with
    the periods before it in one BatchGetItem (at most about 25 items, at any volume)."""
    if form_id != "dossier-handling":
        return storage.counters([(agency_id, period)])[(agency_id, period)]
    before = domain.earlier(period)
    found = storage.counters([(agency_id, p) for p in [*before, period]])
    earlier_counts = domain.merged(found[(agency_id, p)] for p in before)
    in_period = found[(agency_id, period)]
    return domain.dossier_handling(
        in_period,
        earlier_counts,
        domain.merged([earlier_counts, in_period]),
        ended=periods.bounds(period)[1] <= clock.now(),
    )


# -- the dashboard ----------------------------------------------------------------------------
BANDS = {
    "xuat_sac": "Xuất sắc",
    "tot": "Tốt",
    "kha": "Khá",
    "trung_binh": "Trung bình",
    "yeu": "Yếu",
}
DOSSIER_FILTERS = {
    # What the dossiers API can list behind each number of dossiers.
    "ho_so_dung_han": "&overdue=true",
    "ho_so_truc_tuyen": "",
    "ho_so_thanh_toan_truc_tuyen": "",
    "ho_so_so_hoa": "",
}
CHART_AGENCIES = 15


def period_label(period: str) -> str:
    """A period as Vietnamese reports name it.

    >>> period_label("2026-Q2"), period_label("2026-05"), period_label("2026")
    ('quý II/2026', 'tháng 05/2026', 'năm 2026')
    """
    if "-Q" in period:
        return f"quý {['I', 'II', 'III', 'IV'][int(period[-1]) - 1]}/{period[:4]}"
    if "-" in period:
        return f"tháng {period[5:]}/{period[:4]}"
    return f"năm {period}"


def _period_options(period: str) -> list[dict[str, str]]:
    now_month, now_quarter, now_year = periods.containing(clock.now())
    options = (
        periods_before(now_quarter, 8) + periods_before(now_month, 12) + periods_before(now_year, 3)
    )
    if period not in options:
        options.append(period)
    return [{"value": p, "label": period_label(p)} for p in options]


def _name(agency_id: str) -> str:
    found = catalogue_view.agency(agency_id)
    return found.name if found is not None else agency_id


def dashboard(agency_id: str | None, period: str | None) -> dict[str, object]:
    """Everything the dashboard page shows. Without an agency it opens on the best-ranked
    one of the period."""
    period = period or current_period()
    ranked = rankings(period, None)
    shown = ranked[:CHART_AGENCIES]
    names = {row["agency_id"]: _name(row["agency_id"]) for row in shown}
    # The best-ranked agency the catalogue knows: the counters also hold agencies only a
    # message named, and opening on one would make the public page a 404.
    chosen = agency_id or next(
        (row["agency_id"] for row in ranked if catalogue_view.agency(row["agency_id"])), None
    )
    context: dict[str, object] = {
        "period": period,
        "period_label": period_label(period),
        "periods": _period_options(period),
        "bands": BANDS,
        "dossier_filters": DOSSIER_FILTERS,
        "agency": None,
        "rankings": [{**row, "name": names[row["agency_id"]]} for row in shown],
    }
    if chosen is not None:
        found = index(chosen, period)  # 404 for an agency the catalogue does not know
        names.setdefault(chosen, _name(chosen))
        context["agency"] = {"id": chosen, "name": names[chosen]}
        context["index"] = found
        context["own_rank"] = next(
            (row["rank"] for row in ranked if row["agency_id"] == chosen), None
        )
        context["ranked_count"] = len(ranked)
        points = [(p["period"], float(p["score"])) for p in trend(chosen, period)]
        context["trend_chart"] = charts.line(
            points, f"Điểm của {names[chosen]} qua các kỳ đến {period_label(period)}"
        )
    agencies = [{"id": a, "name": n} for a, n in names.items()]
    context["agencies"] = agencies
    context["rank_chart"] = charts.bars(
        [(names[row["agency_id"]], float(row["score"])) for row in shown],
        names.get(chosen) if chosen else None,
        f"Điểm của các cơ quan, kỳ {period_label(period)}",
    )
    return context
