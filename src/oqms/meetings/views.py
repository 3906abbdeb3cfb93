"""Meeting pages beyond the generic ones: action items, and the monthly review pack."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from oqms.core.errors import DomainError
from oqms.meetings import review, services
from oqms.meetings.forms import ActionForm, ActionStatusForm
from oqms.meetings.models import ActionItem, ActionStatus, Meeting


def action_rows(meeting: Meeting, user: Any) -> list[dict[str, Any]]:
    organiser = services.may_take_minutes(meeting, user)
    rows = []
    for action in ActionItem.objects.visible_to(user).filter(meeting=meeting).select_related("owner"):
        open_ = action.status == ActionStatus.OPEN
        rows.append(
            {
                "action": action,
                "can_close": open_ and (organiser or action.owner_id == user.pk),
                "can_cancel": open_ and organiser,
            }
        )
    return rows


def _meeting(request: HttpRequest, pk: int) -> Meeting:
    meeting = Meeting.objects.visible_to(request.user).filter(pk=pk).first()
    if meeting is None:
        raise Http404
    return meeting


@login_required
@require_POST
def add_action(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    form = ActionForm(request.POST, meeting=meeting)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(meeting.get_absolute_url())
    data = form.cleaned_data
    try:
        services.add_action(meeting, request.user, data["description"], data["owner"], data["due_date"])
        messages.success(request, _("Action added; its owner is told."))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect(meeting.get_absolute_url())


@login_required
@require_POST
def action_status(request: HttpRequest, pk: int) -> HttpResponse:
    action = ActionItem.objects.visible_to(request.user).select_related("meeting").filter(pk=pk).first()
    if action is None:
        raise Http404
    form = ActionStatusForm(request.POST)
    back = redirect(action.meeting.get_absolute_url())
    if not form.is_valid():
        messages.error(request, _("This step is not possible now."))
        return back
    try:
        services.set_action_status(
            action, request.user, form.cleaned_data["status"], form.cleaned_data["note"]
        )
        messages.success(request, _("Done."))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return back


def _vendor_for(request: HttpRequest) -> Any:
    from oqms.vendors.models import Vendor

    vendors = Vendor.objects.visible_to(request.user)
    key = request.GET.get("vendor", "")
    if request.user.vendor_id:
        return vendors.filter(pk=request.user.vendor_id).first(), vendors
    chosen = vendors.filter(pk=key).first() if key.isdigit() else None
    return chosen, vendors


@login_required
def review_pack(request: HttpRequest) -> HttpResponse:
    """The monthly review pack of a vendor: ``?vendor=&month=2026-11``; ``&format=pdf`` for the PDF."""
    if not request.user.has_perm("meetings.view_meeting") or request.user.role == "vendor_staff":
        raise PermissionDenied
    vendor, vendors = _vendor_for(request)
    first, last = review.month_bounds(request.GET.get("month"))
    context: dict[str, Any] = {"vendors": vendors, "month": f"{first:%Y-%m}", "chosen": vendor}
    if vendor is not None:
        pack = review.build(vendor, first, last, request.user)
        if request.GET.get("format") == "pdf":
            response = HttpResponse(review.pdf(pack), content_type="application/pdf")
            response["Content-Disposition"] = f'attachment; filename="review-{vendor.pk}-{first:%Y-%m}.pdf"'
            return response
        context["pack"] = pack
    elif request.GET.get("vendor"):
        raise Http404
    return render(request, "meetings/review.html", context)
