"""Scorecard workflow steps on the scorecard page, and the vendor comparison per service type."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from oqms.contracts.models import ServiceType
from oqms.core.errors import DomainError
from oqms.kpis import insights, workflow
from oqms.kpis.models import KPI, Period, Scorecard
from oqms.kpis.scorecards import period_bounds


class StepForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("text"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    kpi = forms.ModelChoiceField(
        label=gettext_lazy("about the KPI"), queryset=KPI.objects.none(), required=False
    )

    def __init__(self, *args: Any, scorecard: Scorecard, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kpi"].queryset = KPI.objects.filter(results__scorecard=scorecard).order_by("code")


@login_required
@require_POST
def scorecard_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    scorecard = Scorecard.objects.visible_to(request.user).filter(pk=pk).first()
    if scorecard is None or step not in workflow.STEP_LABELS:
        raise Http404
    form = StepForm(request.POST, scorecard=scorecard)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(scorecard.get_absolute_url())
    try:
        workflow.run(step, scorecard, request.user, form.cleaned_data["text"], form.cleaned_data["kpi"])
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("%(scorecard)s: %(step)s") % {"scorecard": scorecard, "step": workflow.STEP_LABELS[step]},
        )
    return redirect(scorecard.get_absolute_url())


def _period_start(text: str, kind: str) -> datetime.date:
    """The first day of the period holding ``text`` (2026-10 or 2026-10-01); the last ended period when it is
    missing or not a date this product has data for."""
    try:
        day = datetime.date.fromisoformat(f"{text}-01" if len(text) == 7 else text)
        if not 2000 <= day.year <= 2100:
            raise ValueError(text)
    except ValueError:
        day = period_bounds(kind, timezone.localdate())[0] - datetime.timedelta(days=1)
    return period_bounds(kind, day)[0]


@login_required
def comparison(request: HttpRequest) -> HttpResponse:
    """The vendors of a service type side by side (enterprise only: a vendor sees only its own scorecards)."""
    if request.user.is_vendor_user or not request.user.has_perm("kpis.view_scorecard"):
        raise PermissionDenied
    service_types = list(ServiceType.objects.visible_to(request.user).order_by("code"))
    kind = request.GET.get("period") if request.GET.get("period") in Period.values else Period.MONTH
    chosen = next((s for s in service_types if str(s.pk) == request.GET.get("service_type")), None)
    chosen = chosen or (service_types[0] if service_types else None)
    start = _period_start(request.GET.get("start", ""), kind)
    data = insights.comparison(request.user, chosen, kind, start) if chosen else None
    return render(
        request,
        "kpis/comparison.html",
        {
            "service_types": service_types,
            "service_type": chosen,
            "kind": kind,
            "periods": Period.choices,
            "start": start,
            "data": data,
        },
    )
