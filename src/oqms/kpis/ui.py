from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oqms.core.ui import Column, RecordUI
from oqms.kpis.filtersets import KPIFilterSet, ScorecardFilterSet
from oqms.kpis.forms import KPIForm
from oqms.kpis.measures import MEASURES
from oqms.kpis.models import KPI, Scorecard

RECENT_PERIODS = 6


def periods(kind: str, until: datetime.date, count: int) -> list[tuple[datetime.date, datetime.date]]:
    """The last ``count`` months or quarters up to the one holding ``until`` (first and last day), newest first."""
    from oqms.kpis.scorecards import period_bounds

    result = []
    for _step in range(count):
        first, last = period_bounds(kind, until)
        result.append((first, last))
        until = first - datetime.timedelta(days=1)
    return result


class KPIUI(RecordUI):
    model = KPI
    filterset_class = KPIFilterSet
    form_class = KPIForm
    select_related = ("contract", "service_type", "site")
    ordering = ("contract", "code")
    icon = "speedometer2"
    detail_template = "kpis/detail.html"
    columns = [
        Column("name", link=True),
        Column("contract", sort="contract__number"),
        Column("measure_label", label=_("measure"), sort=""),
        Column("target"),
        Column("minimum"),
        Column("weight"),
        Column("period"),
    ]
    detail_fields = [
        "contract",
        "code",
        "name",
        ("measure_label", _("measure")),
        "formula",
        "service_type",
        "priority",
        "site",
        "unit",
        "direction",
        "target",
        "minimum",
        "weight",
        "scoring",
        ("tiers_display", _("tiers")),
        "backlog_days",
        "period",
        "effective_from",
        "effective_to",
    ]

    @classmethod
    def extra_context(cls, request: HttpRequest, obj: Any) -> dict[str, Any]:
        from oqms.kpis.evaluation import evaluate, records_url

        rows = [
            (first, last, evaluate(obj, first, last), records_url(obj, first, last))
            for first, last in periods(obj.period, timezone.localdate(), RECENT_PERIODS)
        ]
        return {"results": rows, "measure": MEASURES.get(obj.measure)}


class ScorecardUI(RecordUI):
    """Scorecards, read-only here: computed every night (``oqms.kpis.scorecards``)."""

    model = Scorecard
    filterset_class = ScorecardFilterSet
    select_related = ("contract", "vendor")
    ordering = ("-period_start", "contract__number", "-version")
    can_delete = False
    icon = "clipboard-data"
    detail_template = "kpis/scorecard_detail.html"
    columns = [
        Column("contract", link=True, sort="contract__number"),
        Column("vendor", sort="vendor__name"),
        Column("period"),
        Column("period_start"),
        Column("version"),
        Column("score"),
        Column("grade"),
        Column("status", badge=True),
    ]
    detail_fields = [
        "contract",
        "vendor",
        "period",
        "period_start",
        "period_end",
        "version",
        "supersedes",
        "status",
        "score",
        "grade",
        ("grade_bands_display", _("grade bands")),
        "computed_at",
        "published_at",
        "appeal_until",
        "accepted_at",
        "approved_by",
        "approved_at",
        "locked_at",
    ]

    @classmethod
    def extra_context(cls, request: HttpRequest, obj: Any) -> dict[str, Any]:
        from oqms.kpis import insights, staff, workflow
        from oqms.kpis.evaluation import records_url
        from oqms.kpis.views import StepForm

        results = [
            (result, records_url(result.kpi, obj.period_start, obj.period_end))
            for result in obj.results.select_related("kpi").order_by("kpi__code")
        ]
        steps = workflow.allowed_steps(obj, request.user)
        trend = insights.trend(obj, request.user)
        newer = (
            Scorecard.objects.visible_to(request.user)
            .filter(
                contract=obj.contract_id,
                period=obj.period,
                period_start=obj.period_start,
                version__gt=obj.version,
            )
            .order_by("-version")
            .first()
        )
        return {
            "results": results,
            "steps": [
                {"step": step, "label": workflow.STEP_LABELS[step], "needs_text": step in workflow.NEEDS_TEXT}
                for step in steps
            ],
            "step_form": StepForm(scorecard=obj),
            "comments": obj.comments.select_related("author", "kpi"),
            "trend": trend,
            "trend_chart": {
                "periods": [row["start"].strftime("%Y-%m") for row in trend["rows"]],
                "series": [
                    {
                        "name": str(_("score")),
                        "data": [row["score"] for row in trend["rows"]],
                        "bands": [
                            {"yAxis": float(lower), "name": name}
                            for name, lower in obj.grade_bands
                            if float(lower) > 0
                        ],
                    }
                ],
            },
            "ranks": insights.ranks(obj),
            "appeal_open": workflow.appeal_open(obj),
            "staff": staff.table(obj, request.user),
            "newer": newer,
        }
