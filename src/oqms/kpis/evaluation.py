"""Checking KPI definitions and computing a KPI for a period: value, score, and what they were computed from."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from oqms.contracts.choices import Priority
from oqms.engine import formulas, scoring
from oqms.kpis import measures


def _problem(error: formulas.FormulaError) -> str:
    p = error.params
    problems = {
        "empty": _("the formula is empty"),
        "too_long": _("it is too long (%(length)s characters; at most %(limit)s)"),
        "too_deep": _("it is nested too deeply (at most %(limit)s levels)"),
        "unknown_character": _("“%(character)s” cannot be used in a formula"),
        "bad_number": _("“%(number)s” is not a number"),
        "unexpected_token": _("“%(token)s” is not expected here"),
        "unexpected_end": _("the formula ends too early"),
        "missing_parenthesis": _("the “(” at character %(opened)s is not closed"),
        "chained_comparison": _("comparisons cannot be chained (“%(operator)s”)"),
        "unknown_function": _("“%(name)s” is not a function"),
        "function_not_called": _("the function “%(name)s” needs parentheses"),
        "argument_count": _("“%(function)s” is given %(given)s arguments"),
        "bad_round_digits": _("round() keeps from %(low)s to %(high)s digits"),
        "unknown_name": _("“%(name)s” is not a measure"),
    }
    text = problems.get(error.code)
    if text is None:
        return error.message
    try:
        text = str(text) % {**p, "opened": (p.get("opened_at") or 0) + 1}
    except (KeyError, TypeError, ValueError):
        return error.message
    if p.get("suggestion"):
        text += _(" (did you mean “%(suggestion)s”?)") % {"suggestion": p["suggestion"]}
    return text


def formula_message(error: formulas.FormulaError) -> str:
    """A formula error in the reader's language, naming the position (counted from 1 for people)."""
    return _("The formula has an error at character %(position)s: %(problem)s") % {
        "position": error.position + 1,
        "problem": _problem(error),
    }


def validate_kpi(kpi: Any) -> None:
    errors: dict[str, Any] = {}
    if bool(kpi.measure) == bool(kpi.formula.strip()):
        errors["measure"] = _("Choose a measure or write a formula (one of the two).")
    elif kpi.measure and kpi.measure not in measures.MEASURES:
        errors["measure"] = _("“%(code)s” is not a measure of the library.") % {"code": kpi.measure}
    elif kpi.formula.strip():
        try:
            formulas.parse(kpi.formula, names=measures.MEASURES)
        except formulas.FormulaError as exc:
            errors["formula"] = formula_message(exc)
    if kpi.priority and kpi.priority not in Priority.values:
        errors["priority"] = _("Choose a priority from P1 to P4.")
    target = float(kpi.target) if kpi.target is not None else None
    minimum = float(kpi.minimum) if kpi.minimum is not None else None
    try:
        if kpi.scoring == "tiers":
            scoring.check_tiers([(float(t), float(s)) for t, s in kpi.tiers or []], kpi.direction)
        elif target is not None and minimum is not None:
            scoring.check_linear(target, minimum, kpi.direction)
    except (ScoringProblem, TypeError, ValueError) as exc:
        errors["tiers" if kpi.scoring == "tiers" else "minimum"] = scoring_message(exc, kpi.direction)
    if kpi.weight is not None and kpi.weight < 0:
        errors["weight"] = _("The weight cannot be negative.")
    if kpi.effective_to and kpi.effective_from and kpi.effective_to < kpi.effective_from:
        errors["effective_to"] = _("The end cannot be before the start.")
    if errors:
        raise ValidationError(errors)


ScoringProblem = scoring.ScoringError


def scoring_message(exc: Exception, direction: str) -> str:
    text = str(exc)
    if "minimum cannot be above" in text:
        return _("When higher is better, the minimum acceptable value cannot be above the target.")
    if "cannot be below the target" in text:
        return _(
            "When lower is better, the minimum acceptable value (the worst allowed) cannot be below the target."
        )
    if "same threshold" in text:
        return _("Two tiers have the same threshold.")
    if "at least one tier" in text:
        return _("Give at least one tier.")
    return _("Tiers are [threshold, score] pairs with scores from 0 to 100.")


@dataclass
class Result:
    value: float | None
    score: float | None
    numerator: float | None = None
    denominator: float | None = None
    inputs: dict[str, float | None] = field(default_factory=dict)


def filters_of(kpi: Any, vendor_wide: bool = False) -> dict[str, Any]:
    """The slice of work a KPI is computed over: its contract (or the whole vendor) and its optional filters."""
    filters: dict[str, Any] = (
        {"vendor": kpi.contract.vendor_id} if vendor_wide else {"contract": kpi.contract_id}
    )
    return filters | {
        "service_type": kpi.service_type_id,
        "site": kpi.site_id,
        "priority": kpi.priority or None,
    }


def wanted_measures(kpi: Any, formula: formulas.Formula | None = None) -> set[str]:
    if kpi.measure:
        return {kpi.measure}
    formula = formula or formulas.parse(kpi.formula, names=measures.MEASURES)
    return set(formula.names)


def from_totals(
    kpi: Any,
    totals: measures.Totals,
    last: datetime.date,
    filters: dict[str, Any],
    formula: formulas.Formula | None = None,
    first: datetime.date | None = None,
) -> Result:
    """The KPI's value and score from totals already added up (``formula``: the KPI's, parsed once by a caller
    evaluating many). Point-in-time measures (the backlog) are read from the work orders at the end of ``last``;
    measures of other records (inspections, lots) from those records of days ``first``..``last``."""
    if not kpi.measure and formula is None:
        formula = formulas.parse(kpi.formula, names=measures.MEASURES)
    wanted = wanted_measures(kpi, formula)
    sources = {measures.SOURCE_OF[name] for name in wanted if name in measures.SOURCE_OF}
    if wanted & measures.POINT_IN_TIME or sources:
        totals = measures.Totals(dict(totals.values), totals.response_histogram, totals.resolution_histogram)
    if wanted & measures.POINT_IN_TIME:
        totals.values["backlog"] = measures.backlog(last, kpi.backlog_days, **filters)
    if sources:
        if first is None:
            raise ValueError("measures of other records need the period's first day")
        for source in sorted(sources):
            totals.values.update(measures.SOURCES[source](first, last, **filters))
    values = measures.compute(totals, sorted(wanted))
    if kpi.measure:
        measured = values[kpi.measure]
        result = Result(measured.value, None, measured.numerator, measured.denominator)
    else:
        assert formula is not None
        inputs = {name: values[name].value for name in formula.names}
        result = Result(formula.evaluate(inputs), None, inputs=inputs)
    if kpi.scoring == "tiers":
        result.score = scoring.tiered(
            result.value, [(float(t), float(s)) for t, s in kpi.tiers], kpi.direction
        )
    else:
        result.score = scoring.linear(result.value, float(kpi.target), float(kpi.minimum), kpi.direction)
    return result


def evaluate(kpi: Any, first: datetime.date, last: datetime.date, vendor_wide: bool = False) -> Result:
    """The KPI over days ``first``..``last`` of its contract (or of the whole vendor)."""
    filters = filters_of(kpi, vendor_wide)
    return from_totals(kpi, measures.totals(first, last, **filters), last, filters, first=first)


def evaluate_for_person(kpi: Any, first: datetime.date, last: datetime.date, person_id: int) -> Result:
    """The KPI over the work of one person (the work orders assigned to them), straight from the work orders."""
    filters = filters_of(kpi) | {"assignee": person_id}
    totals, _samples = measures.direct_totals(first, last, **filters)
    return from_totals(kpi, totals, last, filters, first=first)


# Which event of a work order each measure counts it on (the drill-down from a KPI value to its work orders).
MEASURE_EVENTS = {
    "response_in_target_pct": "responded",
    "mean_response_minutes": "responded",
    "p90_response_minutes": "responded",
    "resolution_in_target_pct": "resolved",
    "mean_resolution_minutes": "resolved",
    "p90_resolution_minutes": "resolved",
    "first_time_fix_pct": "resolved",
    "reopen_pct": "resolved",
    "resolved": "resolved",
    "rating_mean": "closed",
    "rating_response_pct": "closed",
}


def records_url(kpi: Any, first: datetime.date, last: datetime.date) -> str:
    """The work order list filtered to the records a measure KPI's value is computed from ("" for a formula)."""
    from urllib.parse import urlencode

    from django.urls import reverse

    if not kpi.measure:
        return ""
    source = measures.SOURCE_OF.get(kpi.measure)
    if source is not None:  # the inspections, lots, complaints or nonconformances of the period
        return _source_records_url(kpi, source, first, last)
    query: dict[str, Any] = {"contract": kpi.contract_id}
    event = MEASURE_EVENTS.get(kpi.measure)
    if event:
        query |= {"event": event, "event_after": first.isoformat(), "event_before": last.isoformat()}
    else:  # counted on the day raised
        query |= {"opened_after": first.isoformat(), "opened_before": last.isoformat()}
    for name, value in (
        ("service_type", kpi.service_type_id),
        ("site", kpi.site_id),
        ("priority", kpi.priority),
    ):
        if value:
            query[name] = value
    return f"{reverse('workorders:workorder_list')}?{urlencode(query)}"


def _source_records_url(kpi: Any, source: str, first: datetime.date, last: datetime.date) -> str:
    from urllib.parse import urlencode

    from django.urls import reverse

    query: dict[str, Any] = {"contract": kpi.contract_id}
    if source == "inspections":
        name = "inspections:inspection_list"
        query |= {
            "status": "completed",
            "completed_after": first.isoformat(),
            "completed_before": last.isoformat(),
            "latest": "true",
            "site": kpi.site_id or "",
            "service_type_of": kpi.service_type_id or "",
        }
    elif source == "lots":
        name = "inspections:lot_list"
        query |= {
            "decided_after": first.isoformat(),
            "decided_before": last.isoformat(),
            "service_type": kpi.service_type_id or "",
        }
    elif source == "complaints":
        name = "feedback:complaint_list"
        query |= {
            "received_after": first.isoformat(),
            "received_before": last.isoformat(),
            "site": kpi.site_id or "",
        }
    elif source == "capa" and kpi.measure in ("corrective_on_time_pct", "corrective_mean_days"):
        name = "capa:correctiveaction_list"
        query |= {"status": "closed", "closed_after": first.isoformat(), "closed_before": last.isoformat()}
    elif source == "capa":
        name = "capa:nonconformance_list"
        query |= {
            "detected_after": first.isoformat(),
            "detected_before": last.isoformat(),
            "site": kpi.site_id or "",
        }
    else:  # survey answers have no list of their own
        return ""
    return f"{reverse(name)}?{urlencode({k: v for k, v in query.items() if v not in ('', None)})}"
