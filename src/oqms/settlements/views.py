"""The settlement of a scorecard, and its statement as Excel and PDF."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from oqms.kpis.models import Scorecard
from oqms.settlements import statement
from oqms.settlements.models import Settlement


def _visible(request: HttpRequest, pk: int) -> Settlement:
    settlement = (
        Settlement.objects.visible_to(request.user)
        .select_related("scorecard", "contract", "vendor")
        .filter(pk=pk)
        .first()
    )
    if settlement is None:
        raise Http404
    return settlement


@login_required
def for_scorecard(request: HttpRequest, pk: int) -> HttpResponse:
    scorecard = Scorecard.objects.visible_to(request.user).filter(pk=pk).first()
    if scorecard is None:
        raise Http404
    settlement = Settlement.objects.visible_to(request.user).filter(scorecard=scorecard).first()
    if settlement is None:
        messages.info(
            request, _("This scorecard has no settlement yet: it is made when the scorecard is computed.")
        )
        return redirect(scorecard.get_absolute_url())
    return redirect(settlement.get_absolute_url())


@login_required
def export_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    return statement.xlsx(_visible(request, pk))


@login_required
def export_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return statement.pdf(_visible(request, pk))
