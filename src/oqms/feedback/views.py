"""Staff pages beyond the generic ones: the hotline form, revealing a contact (logged), QR sheets."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from oqms.core.errors import DomainError
from oqms.core.forms import NoteForm
from oqms.feedback import services, sheets, workflow
from oqms.feedback.forms import AssignForm, ClassifyForm, HotlineForm, LinkForm
from oqms.feedback.models import Channel, Complaint, FeedbackPoint


@login_required
def hotline(request: HttpRequest) -> HttpResponse:
    """A call to the hotline, logged by the agent who took it."""
    if not request.user.has_perm("feedback.add_complaint"):
        raise PermissionDenied
    form = HotlineForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            complaint, _token, merged = services.submit(
                channel=Channel.HOTLINE,
                site=data["site"],
                kind=data["kind"],
                category=data.get("category"),
                description=data["description"],
                photo=data.get("photo"),
                phone=data.get("phone", ""),
                name=data.get("name", ""),
                logged_by=request.user,
            )
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        except ValidationError as exc:
            form.add_error("photo", exc)
        else:
            text = (
                _("%(number)s logged.") if not merged else _("Merged into %(number)s, logged a moment ago.")
            )
            messages.success(request, text % {"number": complaint.number})
            return redirect(complaint.get_absolute_url())
    return render(request, "feedback/hotline.html", {"form": form}, status=400 if form.is_bound else 200)


@login_required
@require_POST
def reveal(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = Complaint.objects.visible_to(request.user).filter(pk=pk).first()
    if complaint is None:
        raise Http404
    reason = str(request.POST.get("reason", ""))  # the service refuses a missing reason
    try:
        number = services.reveal_phone(
            complaint, request.user, reason, str(request.META.get("REMOTE_ADDR", ""))
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect(complaint.get_absolute_url())
    response = render(request, "feedback/revealed.html", {"complaint": complaint, "number": number})
    response["Cache-Control"] = "no-store"
    return response


@login_required
def qr_sheet(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """The QR sheet of one point (or of every active point of a site: ``?site=``), A4 or A6 (``?size=a6``)."""
    points = FeedbackPoint.objects.visible_to(request.user).select_related("site").filter(is_active=True)
    if pk is not None:
        points = points.filter(pk=pk)
    elif request.GET.get("site", "").isdigit():
        points = points.filter(site_id=int(request.GET["site"]))
    else:
        raise Http404
    chosen = list(points.order_by("site__code", "name"))
    if not chosen:
        raise Http404
    size = request.GET.get("size", "a4").lower()
    if size not in sheets.SIZES:
        size = "a4"
    urls = {point.pk: request.build_absolute_uri(point.public_url()) for point in chosen}
    content = sheets.sheet(chosen, urls, size)
    response = HttpResponse(content, content_type="application/pdf")
    name = f"feedback-qr-{chosen[0].site.code}-{size}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def step_forms(complaint: Complaint, user: Any, data: Any = None) -> dict[str, Any]:
    """The steps this user may take on the complaint now, each with its form."""
    from django.utils.translation import gettext_lazy

    manager = user.role in workflow.MANAGERS and user.has_perm("feedback.change_complaint")
    vendor = (user.role == "vendor_manager" and user.vendor_id == complaint.vendor_id) or manager
    status = complaint.status
    found: dict[str, Any] = {}
    if manager and status in ("received", "classified"):
        found["classify"] = (gettext_lazy("Classify"), ClassifyForm(data))
    if manager and status in ("received", "classified", "assigned"):
        found["assign"] = (gettext_lazy("Assign to a contract"), AssignForm(data, complaint=complaint))
    if vendor and status == "assigned":
        found["respond"] = (gettext_lazy("Respond"), NoteForm(data, label=gettext_lazy("response")))
    if vendor and status in ("assigned", "responded"):
        found["resolve"] = (gettext_lazy("Resolve"), NoteForm(data, label=gettext_lazy("what was done")))
    if manager and status != "closed":
        found["close"] = (gettext_lazy("Close"), NoteForm(data, required=status != "resolved"))
    if manager:
        found["link"] = (gettext_lazy("Link a work order"), LinkForm(data))
    return found


@login_required
@require_POST
def step(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    from oqms.workorders.models import WorkOrder

    complaint = Complaint.objects.visible_to(request.user).filter(pk=pk).first()
    if complaint is None:
        raise Http404
    form = step_forms(complaint, request.user, request.POST).get(action, (None, None))[1]
    if form is None:
        messages.error(request, _("This step is not possible now."))
        return redirect(complaint.get_absolute_url())
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(complaint.get_absolute_url())
    data = form.cleaned_data
    user = request.user
    try:
        if action == "classify":
            workflow.classify(complaint, user, data["category"], data["severity"])
        elif action == "assign":
            workflow.assign(complaint, user, data["contract"])
        elif action == "respond":
            workflow.respond(complaint, user, data["note"])
        elif action == "resolve":
            workflow.resolve(complaint, user, data["note"])
        elif action == "close":
            workflow.close(complaint, user, data.get("note", ""))
        else:
            order = WorkOrder.objects.visible_to(user).filter(number=data["work_order"].strip()).first()
            if order is None:
                raise DomainError(_("No work order has this number."), code="work_order")
            workflow.link_work_order(complaint, user, order)
        messages.success(request, _("Done."))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect(complaint.get_absolute_url())


@login_required
@require_POST
def send_campaign(request: HttpRequest, pk: int) -> HttpResponse:
    from oqms.feedback import surveys
    from oqms.feedback.models import SurveyCampaign

    campaign = SurveyCampaign.objects.visible_to(request.user).filter(pk=pk).first()
    if campaign is None or not request.user.has_perm("feedback.change_surveycampaign"):
        raise Http404
    try:
        count = surveys.send_campaign(campaign, request.user)
        surveys.send_due()
        messages.success(request, _("%(count)s people invited.") % {"count": count})
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect(campaign.get_absolute_url())
