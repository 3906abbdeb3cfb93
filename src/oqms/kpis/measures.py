"""The built-in measure library: what a KPI can be computed from, with numerator and denominator kept.

Every measure is computed from the totals of a set of rollups (:func:`totals`: monthly ones for whole months, daily
ones for the other days) — a contract or a vendor, a period, optionally one service type, priority or site — and
:func:`direct_totals` computes the same totals straight from the work orders, as a check (the tests compare both on
random data). A measure without data (a zero denominator, an empty histogram) is ``None``: "no data", never 0 or
100.

Percentiles come from fixed-bucket histograms; their error bound is that of ``oqms.engine.histogram``.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from oqms.engine import histogram
from oqms.kpis.rollups import FINISHED, day_bounds, quantized

COUNTS = (
    "opened",
    "opened_completed",
    "responded",
    "responded_in_time",
    "response_seconds",
    "resolved",
    "resolved_in_time",
    "resolved_first_time",
    "resolved_reopened",
    "resolution_seconds",
    "closed",
    "rated",
    "rating_sum",
)


@dataclass
class Totals:
    values: dict[str, float]
    response_histogram: Any  # numpy int64 array or None
    resolution_histogram: Any
    # Percentiles already computed from these histograms, (which, q) -> seconds (``oqms.kpis.bulk`` computes
    # them for many totals at once, the same way as ``histogram.percentile``).
    percentiles: dict[tuple[str, float], float | None] = field(default_factory=dict)

    def __getitem__(self, name: str) -> float:
        return self.values.get(name, 0) or 0

    def percentile(self, which: str, q: float) -> float | None:
        """The q-th percentile of the response or resolution histogram, in seconds (None without data)."""
        if (which, q) in self.percentiles:
            return self.percentiles[(which, q)]
        counts = getattr(self, f"{which}_histogram")
        return histogram.percentile(counts, q) if counts is not None else None


@dataclass(frozen=True)
class Value:
    value: float | None
    numerator: float | None
    denominator: float | None


@dataclass(frozen=True)
class Measure:
    code: str
    label: Any
    unit: str
    compute: Callable[[Totals], Value]


def _ratio(numerator: str, denominator: str, scale: float = 100.0) -> Callable[[Totals], Value]:
    def compute(t: Totals) -> Value:
        top, bottom = t[numerator], t[denominator]
        return Value(scale * top / bottom if bottom else None, top, bottom)

    return compute


def _nps(t: Totals) -> Value:
    """Net promoter score: % promoters (9–10) − % detractors (0–6) of the NPS answers; no answers, no data."""
    answers = t["nps_answers"]
    if not answers:
        return Value(None, None, 0.0)
    return Value(
        100.0 * (t["nps_promoters"] - t["nps_detractors"]) / answers,
        t["nps_promoters"] - t["nps_detractors"],
        answers,
    )


def _percentile(which: str, q: float) -> Callable[[Totals], Value]:
    def compute(t: Totals) -> Value:
        counts = getattr(t, f"{which}_histogram")
        seconds = t.percentile(which, q)
        total = float(counts.sum()) if counts is not None else 0.0
        return Value(None if seconds is None else seconds / 60, None, total)

    return compute


MEASURES = {
    m.code: m
    for m in [
        Measure(
            "response_in_target_pct",
            _("responses within target"),
            "%",
            _ratio("responded_in_time", "responded"),
        ),
        Measure(
            "resolution_in_target_pct",
            _("resolutions within target"),
            "%",
            _ratio("resolved_in_time", "resolved"),
        ),
        Measure(
            "mean_response_minutes",
            _("mean response time (business minutes)"),
            "min",
            _ratio("response_seconds", "responded", 1 / 60),
        ),
        Measure(
            "p90_response_minutes",
            _("90th percentile response time (business minutes)"),
            "min",
            _percentile("response", 90),
        ),
        Measure(
            "mean_resolution_minutes",
            _("mean resolution time (business minutes)"),
            "min",
            _ratio("resolution_seconds", "resolved", 1 / 60),
        ),
        Measure(
            "p90_resolution_minutes",
            _("90th percentile resolution time (business minutes)"),
            "min",
            _percentile("resolution", 90),
        ),
        Measure(
            "completion_pct",
            _("work orders raised in the period and completed"),
            "%",
            _ratio("opened_completed", "opened"),
        ),
        Measure(
            "first_time_fix_pct",
            _("fixed the first time (resolved without a reopen)"),
            "%",
            _ratio("resolved_first_time", "resolved"),
        ),
        Measure("reopen_pct", _("reopened after resolving"), "%", _ratio("resolved_reopened", "resolved")),
        Measure("rating_mean", _("mean requester rating (1–5)"), "★", _ratio("rating_sum", "rated", 1)),
        Measure("rating_response_pct", _("closed work orders rated"), "%", _ratio("rated", "closed")),
        Measure("opened", _("work orders raised"), "", lambda t: Value(t["opened"], t["opened"], None)),
        Measure(
            "resolved", _("work orders resolved"), "", lambda t: Value(t["resolved"], t["resolved"], None)
        ),
        Measure(
            "backlog",
            _("backlog: still open at the end of the period, raised more than N days before"),
            "",
            lambda t: Value(t.values.get("backlog"), t.values.get("backlog"), None),
        ),
        Measure(
            "inspection_pass_pct",
            _("inspections passed"),
            "%",
            _ratio("inspections_passed", "inspections"),
        ),
        Measure(
            "inspection_score_mean",
            _("mean inspection score (0–100)"),
            "",
            _ratio("inspection_score_sum", "inspections_scored", 1),
        ),
        Measure(
            "lots_accepted_pct", _("acceptance lots accepted"), "%", _ratio("lots_accepted", "lots_decided")
        ),
        Measure(
            "complaints_per_1000",
            _("complaints per 1,000 work orders raised"),
            "‰",
            _ratio("complaints", "opened", 1000.0),
        ),
        Measure(
            "complaint_response_in_time_pct",
            _("complaints responded to in time"),
            "%",
            _ratio("complaints_responded_in_time", "complaints_due"),
        ),
        Measure(
            "complaints",
            _("complaints received"),
            "",
            lambda t: Value(t["complaints"], t["complaints"], None),
        ),
        Measure("praise", _("praise received"), "", lambda t: Value(t["praise"], t["praise"], None)),
        Measure("csat_mean", _("mean satisfaction (CSAT, 1–5)"), "", _ratio("csat_sum", "csat_answers", 1)),
        Measure("nps", _("net promoter score (NPS: promoters − detractors)"), "", _nps),
        Measure(
            "survey_response_pct", _("survey response rate"), "%", _ratio("surveys_answered", "surveys_sent")
        ),
        Measure(
            "corrective_on_time_pct",
            _("corrective actions closed on time (implemented by their deadline)"),
            "%",
            _ratio("scars_closed_on_time", "scars_closed"),
        ),
        Measure(
            "nc_repeat_pct",
            _("nonconformances that repeat an earlier one"),
            "%",
            _ratio("nonconformance_repeats", "nonconformances"),
        ),
        Measure(
            "corrective_mean_days",
            _("mean days from corrective action request to closing"),
            "d",
            _ratio("scar_days", "scars_closed", 1),
        ),
        Measure(
            "nonconformances",
            _("nonconformances raised"),
            "",
            lambda t: Value(t["nonconformances"], t["nonconformances"], None),
        ),
    ]
}

# Measures not kept in the rollups: computed from the work orders when a KPI needs them.
POINT_IN_TIME = {"backlog"}
# Measures of other records over the period: the source that counts their inputs for (first, last, filters).
SOURCE_OF = {
    "inspection_pass_pct": "inspections",
    "inspection_score_mean": "inspections",
    "lots_accepted_pct": "lots",
    "complaints_per_1000": "complaints",
    "complaint_response_in_time_pct": "complaints",
    "complaints": "complaints",
    "praise": "complaints",
    "csat_mean": "surveys",
    "nps": "surveys",
    "survey_response_pct": "surveys",
    "corrective_on_time_pct": "capa",
    "nc_repeat_pct": "capa",
    "corrective_mean_days": "capa",
    "nonconformances": "capa",
}


def _period(first: datetime.date, last: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    return day_bounds(first)[0], day_bounds(last)[1]


def inspection_totals(first: datetime.date, last: datetime.date, **filters: Any) -> dict[str, float]:
    """Inspections completed in days ``first``..``last`` (the latest revision of each: a corrected one counts
    as corrected): how many, how many passed, and their scores added up. Inspections have no priority: a KPI
    of one priority has no inspection data."""
    from oqms.inspections.models import Inspection

    names = {
        "inspections": 0.0,
        "inspections_passed": 0.0,
        "inspection_score_sum": 0.0,
        "inspections_scored": 0.0,
    }
    if filters.get("priority"):
        return names
    start, end = _period(first, last)
    rows = Inspection._base_manager.filter(
        status="completed", completed_at__gte=start, completed_at__lt=end, superseded_by__isnull=True
    )
    lookups = {
        "contract": "contract",
        "vendor": "vendor",
        "site": "site",
        "service_type": "version__template__service_type",
        "assignee": "staff",
    }
    rows = rows.filter(**{lookups[k]: v for k, v in filters.items() if v is not None and k in lookups})
    found = rows.aggregate(
        n=Count("pk"),
        passed=Count("pk", filter=Q(passed=True)),
        scored=Count("score"),
        total=Sum("score"),
    )
    return {
        "inspections": float(found["n"]),
        "inspections_passed": float(found["passed"]),
        "inspection_score_sum": float(found["total"] or 0),
        "inspections_scored": float(found["scored"]),
    }


def lot_totals(first: datetime.date, last: datetime.date, **filters: Any) -> dict[str, float]:
    """Acceptance lots decided in days ``first``..``last``: how many, how many accepted. Lots have no site,
    priority or person: KPIs narrowed to those have no lot data."""
    from oqms.inspections.models import Lot

    if any(filters.get(name) for name in ("site", "priority", "assignee")):
        return {"lots_decided": 0.0, "lots_accepted": 0.0}
    start, end = _period(first, last)
    rows = Lot._base_manager.filter(
        status__in=("accepted", "rejected"), decided_at__gte=start, decided_at__lt=end
    )
    lookups = {"contract": "contract", "vendor": "vendor", "service_type": "service_type"}
    rows = rows.filter(**{lookups[k]: v for k, v in filters.items() if v is not None and k in lookups})
    found = rows.aggregate(n=Count("pk"), accepted=Count("pk", filter=Q(status="accepted")))
    return {"lots_decided": float(found["n"]), "lots_accepted": float(found["accepted"])}


def _feedback_rows(model: Any, filters: dict[str, Any], person: str | None) -> Any:
    """Feedback rows narrowed like the KPI; a filter feedback does not have (a priority) leaves no data."""
    rows = model._base_manager.all()
    lookups = {"contract": "contract", "vendor": "vendor", "site": "site", "service_type": "service_type"}
    if person:
        lookups["assignee"] = person
    for name, value in filters.items():
        if value is None:
            continue
        if name not in lookups:
            return rows.none()
        rows = rows.filter(**{lookups[name]: value})
    return rows


def complaint_totals(first: datetime.date, last: datetime.date, **filters: Any) -> dict[str, float]:
    """Complaints and praise received in days ``first``..``last`` (of the contract's vendor once routed to it),
    and of the complaints due for a response in those days, how many were answered in time. Per person: the
    staff member of the work order concerned."""
    from oqms.feedback.models import Complaint

    start, end = _period(first, last)
    rows = _feedback_rows(Complaint, filters, "work_order__assignee")
    received = rows.filter(received_at__gte=start, received_at__lt=end)
    counts = received.aggregate(
        complaints=Count("pk", filter=Q(kind="complaint")), praise=Count("pk", filter=Q(kind="praise"))
    )
    due = rows.filter(kind="complaint", response_due_at__gte=start, response_due_at__lt=end)
    timely = due.filter(responded_at__isnull=False, responded_at__lte=F("response_due_at"))
    return {
        "complaints": float(counts["complaints"]),
        "praise": float(counts["praise"]),
        "complaints_due": float(due.count()),
        "complaints_responded_in_time": float(timely.count()),
    }


def survey_totals(first: datetime.date, last: datetime.date, **filters: Any) -> dict[str, float]:
    """Survey answers given in days ``first``..``last`` (CSAT and NPS), and the invitations sent then with how
    many were answered. Per person: the staff member of the work order surveyed."""
    from oqms.feedback.models import SurveyInvitation, SurveyResponse

    start, end = _period(first, last)
    narrowed = filters
    responses = _feedback_rows(SurveyResponse, narrowed, "staff").filter(
        submitted_at__gte=start, submitted_at__lt=end
    )
    scores = responses.aggregate(
        csat_sum=Sum("csat"),
        csat_answers=Count("csat"),
        nps_answers=Count("nps"),
        promoters=Count("pk", filter=Q(nps__gte=9)),
        detractors=Count("pk", filter=Q(nps__lte=6)),
    )
    sent = _feedback_rows(SurveyInvitation, narrowed, "staff").filter(sent_at__gte=start, sent_at__lt=end)
    return {
        "csat_sum": float(scores["csat_sum"] or 0),
        "csat_answers": float(scores["csat_answers"]),
        "nps_answers": float(scores["nps_answers"]),
        "nps_promoters": float(scores["promoters"]),
        "nps_detractors": float(scores["detractors"]),
        "surveys_sent": float(sent.count()),
        "surveys_answered": float(sent.filter(answered_at__isnull=False).count()),
    }


def capa_totals(first: datetime.date, last: datetime.date, **filters: Any) -> dict[str, float]:
    """Nonconformances found in days ``first``..``last`` (cancelled ones left out) and how many repeat an
    earlier one; the corrective actions closed in those days, how many were implemented by their deadline and
    their days from request to closing. Not per person."""
    from oqms.capa.models import CorrectiveAction, Nonconformance

    start, end = _period(first, last)
    rows = _feedback_rows(Nonconformance, filters, None).exclude(status="cancelled")
    found = rows.filter(detected_at__gte=start, detected_at__lt=end).aggregate(
        n=Count("pk"), repeats=Count("pk", filter=Q(repeat_of__isnull=False))
    )
    closed = CorrectiveAction.objects.filter(
        nonconformance__in=rows.values("pk"), status="closed", closed_at__gte=start, closed_at__lt=end
    ).values_list("issued_at", "implemented_at", "due_at", "closed_at")
    on_time = days = 0.0
    count = 0
    for issued, implemented, due, closed_at in closed:
        count += 1
        on_time += implemented is not None and implemented <= due
        days += (closed_at - issued).total_seconds() / 86400
    return {
        "nonconformances": float(found["n"]),
        "nonconformance_repeats": float(found["repeats"]),
        "scars_closed": float(count),
        "scars_closed_on_time": on_time,
        "scar_days": days,
    }


SOURCES: dict[str, Callable[..., dict[str, float]]] = {
    "inspections": inspection_totals,
    "lots": lot_totals,
    "complaints": complaint_totals,
    "surveys": survey_totals,
    "capa": capa_totals,
}


def backlog(last: datetime.date, older_than_days: int, **filters: Any) -> float:
    """Work orders still open at the end of day ``last`` that were raised more than ``older_than_days`` before.

    "Open at the end" means raised before the cutoff and not resolved by the end of the day. A work order
    resolved before then and reopened later is open now but was not then: its history decides."""
    from oqms.workorders.models import WorkOrder, WorkOrderEvent

    end = day_bounds(last)[1]
    cutoff = end - datetime.timedelta(days=older_than_days)
    rows = _slice(WorkOrder._base_manager.all(), filters).filter(opened_at__lt=cutoff)
    rows = rows.filter(Q(resolved_at__isnull=True) | Q(resolved_at__gte=end))
    count = rows.filter(reopen_count=0).count()
    reopened = list(rows.filter(reopen_count__gt=0).values_list("pk", flat=True))
    last_step: dict[int, str] = {}
    for work_order_id, action in (
        WorkOrderEvent.objects.filter(
            work_order_id__in=reopened, at__lt=end, action__in=("resolve", "reopen")
        )
        .order_by("at", "pk")
        .values_list("work_order_id", "action")
    ):
        last_step[work_order_id] = action
    return float(count + sum(1 for pk in reopened if last_step.get(pk) != "resolve"))


def compute(totals: Totals, codes: list[str] | None = None) -> dict[str, Value]:
    return {code: MEASURES[code].compute(totals) for code in codes or list(MEASURES)}


def _slice(rows: QuerySet[Any], filters: dict[str, Any]) -> QuerySet[Any]:
    allowed = {
        "contract",
        "vendor",
        "service_type",
        "priority",
        "site",
        "assignee",
    }  # assignee: work orders only
    unknown = set(filters) - allowed
    if unknown:
        raise ValueError(f"unknown filters: {sorted(unknown)}")
    return rows.filter(**{k: v for k, v in filters.items() if v is not None})


def totals(first: datetime.date, last: datetime.date, **filters: Any) -> Totals:
    """The totals of the rollups of days ``first``..``last`` (inclusive) of a contract or a vendor, optionally one
    service type, priority or site: the monthly rollups for whole months, the daily ones for the other days
    (``oqms.kpis.bulk``, which totals many such groups at once the same way)."""
    from oqms.kpis import bulk

    return bulk.totals(first, last, **filters)


def direct_totals(first: datetime.date, last: datetime.date, **filters: Any) -> tuple[Totals, dict[str, Any]]:
    """The same totals straight from the work orders (a check of the rollups), plus the raw duration samples for
    exact percentiles."""
    from oqms.workorders.models import WorkOrder

    start, end = day_bounds(first)[0], day_bounds(last)[1]

    def during(name: str) -> Q:
        return Q(**{f"{name}__gte": start, f"{name}__lt": end})

    rows = _slice(WorkOrder._base_manager.all(), filters)
    opened = rows.filter(during("opened_at"))
    responded = rows.filter(during("responded_at"), response_business_seconds__isnull=False)
    resolved = rows.filter(
        during("resolved_at"), status__in=FINISHED, resolution_business_seconds__isnull=False
    )
    closed = rows.filter(during("closed_at"), status="closed")
    response = np.array(list(responded.values_list("response_business_seconds", flat=True)), dtype=float)
    resolution = np.array(list(resolved.values_list("resolution_business_seconds", flat=True)), dtype=float)
    in_time_response = sum(
        1
        for s, t in responded.values_list("response_business_seconds", "response_target_minutes")
        if t is not None and s <= t * 60
    )
    in_time_resolution = sum(
        1
        for s, t in resolved.values_list("resolution_business_seconds", "resolution_target_minutes")
        if t is not None and s <= t * 60
    )
    rated = closed.filter(rating__isnull=False)
    values = {
        "opened": opened.count(),
        "opened_completed": opened.filter(status__in=FINISHED).count(),
        "responded": len(response),
        "responded_in_time": in_time_response,
        "response_seconds": float(quantized(response).sum()),
        "resolved": len(resolution),
        "resolved_in_time": in_time_resolution,
        "resolved_first_time": resolved.filter(reopen_count=0).count(),
        "resolved_reopened": resolved.filter(reopen_count__gt=0).count(),
        "resolution_seconds": float(quantized(resolution).sum()),
        "closed": closed.count(),
        "rated": rated.count(),
        "rating_sum": rated.aggregate(s=Sum("rating"))["s"] or 0,
    }
    totals_ = Totals(
        values={k: float(v) for k, v in values.items()},
        response_histogram=histogram.counts(response) if len(response) else None,
        resolution_histogram=histogram.counts(resolution) if len(resolution) else None,
    )
    return totals_, {"response": response, "resolution": resolution}
