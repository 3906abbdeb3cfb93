"""The steps of a nonconformance and of its corrective action request, as forms on their pages."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from oqms.capa import services, workflow
from oqms.capa.choices import OPEN_SCAR, NCStatus, ScarStatus
from oqms.capa.forms import CommentForm, EvidenceForm, IssueForm, ItemForm, RootCauseForm, VerifyForm
from oqms.capa.models import ActionItem, CorrectiveAction, Nonconformance
from oqms.core.errors import DomainError
from oqms.core.forms import NoteForm

STAGES = [
    (ScarStatus.ISSUED, gettext_lazy("Issued")),
    (ScarStatus.ACKNOWLEDGED, gettext_lazy("Acknowledged")),
    (ScarStatus.ANALYSED, gettext_lazy("Root cause")),
    (ScarStatus.PLANNED, gettext_lazy("Action plan")),
    (ScarStatus.IMPLEMENTED, gettext_lazy("Implemented")),
    (ScarStatus.CLOSED, gettext_lazy("Verified")),
]


def _step(action: str, label: Any, form: Any, url: str, danger: bool = False) -> dict[str, Any]:
    return {"action": action, "label": label, "form": form, "url": url, "danger": danger}


def nc_steps(nc: Nonconformance, user: Any, data: Any = None) -> list[dict[str, Any]]:
    """The steps this user may take on the nonconformance now, each with its form."""
    url = lambda action: reverse("capa:nonconformance_step", args=[nc.pk, action])  # noqa: E731
    manager = user.role in services.MANAGERS and user.has_perm("capa.change_nonconformance")
    vendor = user.role == "vendor_manager" and user.vendor_id == nc.vendor_id
    live = nc.status in (NCStatus.OPEN, NCStatus.ACTION)
    has_open_scar = nc.scars.filter(status__in=OPEN_SCAR).exists()
    found = []
    if manager and live and not has_open_scar and user.has_perm("capa.add_correctiveaction"):
        found.append(_step("issue", gettext_lazy("Request corrective action"), IssueForm(data), url("issue")))
    if (vendor or manager) and live and nc.containment and nc.containment_done_at is None:
        found.append(
            _step(
                "contain",
                gettext_lazy("Record the containment"),
                NoteForm(data, label=gettext_lazy("how it was contained")),
                url("contain"),
            )
        )
    if manager and nc.status == NCStatus.OPEN and not has_open_scar:
        found.append(
            _step(
                "close",
                gettext_lazy("Close without corrective action"),
                NoteForm(data, label=gettext_lazy("why no corrective action is needed")),
                url("close"),
            )
        )
    if manager and live and not has_open_scar:
        found.append(
            _step(
                "cancel",
                gettext_lazy("Cancel (raised in error)"),
                NoteForm(data, label=gettext_lazy("reason")),
                url("cancel"),
                danger=True,
            )
        )
    return found


def _errors(request: HttpRequest, form: Any) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


@login_required
@require_POST
def nc_step(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    nc = Nonconformance.objects.visible_to(request.user).filter(pk=pk).first()
    if nc is None:
        raise Http404
    user = request.user
    if action == "evidence":
        return _evidence(request, nc, None)
    step = next((s for s in nc_steps(nc, user, request.POST) if s["action"] == action), None)
    if step is None:
        messages.error(request, _("This step is not possible now."))
        return redirect(nc.get_absolute_url())
    form = step["form"]
    if not form.is_valid():
        _errors(request, form)
        return redirect(nc.get_absolute_url())
    data = form.cleaned_data
    try:
        if action == "issue":
            due = data.get("due_date")
            due_at = (
                timezone.make_aware(datetime.datetime.combine(due, datetime.time(23, 59))) if due else None
            )
            scar = workflow.issue(
                nc, user, data.get("requirements", ""), data.get("verify_after_days"), due_at
            )
            messages.success(request, _("%(number)s sent to the vendor.") % {"number": scar.number})
            return redirect(scar.get_absolute_url())
        if action == "contain":
            services.contain(nc, user, data["note"])
        elif action == "close":
            services.close(nc, user, data["note"])
        elif action == "cancel":
            services.cancel(nc, user, data["note"])
        messages.success(request, _("Done."))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect(nc.get_absolute_url())


def _evidence(request: HttpRequest, nc: Nonconformance, scar: CorrectiveAction | None) -> HttpResponse:
    target = scar or nc
    if not request.user.has_perm("capa.add_evidence") or nc.status in (NCStatus.CLOSED, NCStatus.CANCELLED):
        messages.error(request, _("This step is not possible now."))
        return redirect(target.get_absolute_url())
    if scar is not None and not (workflow.is_manager(request.user) or workflow.is_vendor(request.user, scar)):
        messages.error(request, _("This step is not possible now."))
        return redirect(target.get_absolute_url())
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        _errors(request, form)
        return redirect(target.get_absolute_url())
    item = None
    if scar is not None and request.POST.get("item", "").isdigit():
        item = scar.items.filter(pk=int(request.POST["item"])).first()
    try:
        with transaction.atomic():
            row = form.save(commit=False)
            row.nonconformance, row.scar, row.item = nc, scar, item
            row.stage = scar.status if scar is not None else nc.status
            row.uploaded_by = request.user
            row.save()
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
        return redirect(target.get_absolute_url())
    messages.success(request, _("File added: %(name)s") % {"name": row})
    return redirect(target.get_absolute_url())


def scar_steps(scar: CorrectiveAction, user: Any, data: Any = None) -> list[dict[str, Any]]:
    url = lambda action: reverse("capa:correctiveaction_step", args=[scar.pk, action])  # noqa: E731
    manager, vendor = workflow.is_manager(user), workflow.is_vendor(user, scar)
    status = scar.status
    found = []
    if vendor and status == ScarStatus.ISSUED:
        found.append(
            _step(
                "acknowledge",
                gettext_lazy("Acknowledge"),
                NoteForm(data, required=False, label=gettext_lazy("note")),
                url("acknowledge"),
            )
        )
    if vendor and status in workflow.PLAN_EDITABLE:
        found.append(
            _step(
                "analyse",
                gettext_lazy("Root cause: 5 whys"),
                RootCauseForm(
                    data,
                    initial_whys=scar.why_chain,
                    initial={"category": scar.cause_category, "root_cause": scar.root_cause},
                ),
                url("analyse"),
            )
        )
        found.append(
            _step("add_item", gettext_lazy("Add an action to the plan"), ItemForm(data), url("add_item"))
        )
    if vendor and status == ScarStatus.ANALYSED:
        found.append(
            _step(
                "submit_plan",
                gettext_lazy("Submit the action plan"),
                NoteForm(data, required=False, label=gettext_lazy("note")),
                url("submit_plan"),
            )
        )
    if vendor and status == ScarStatus.PLANNED:
        found.append(
            _step(
                "implement",
                gettext_lazy("Report it implemented"),
                NoteForm(data, label=gettext_lazy("what was implemented, and the evidence")),
                url("implement"),
            )
        )
    if manager and status == ScarStatus.IMPLEMENTED:
        found.append(_step("verify", gettext_lazy("Verify the effect"), VerifyForm(data), url("verify")))
    if manager and status in (ScarStatus.ANALYSED, ScarStatus.PLANNED):
        label = (
            gettext_lazy("Send the root cause back")
            if status == ScarStatus.ANALYSED
            else gettext_lazy("Send the plan back")
        )
        found.append(
            _step("send_back", label, NoteForm(data, label=gettext_lazy("what is missing")), url("send_back"))
        )
    if manager and status in OPEN_SCAR:
        found.append(
            _step(
                "cancel",
                gettext_lazy("Cancel the request"),
                NoteForm(data, label=gettext_lazy("reason")),
                url("cancel"),
                danger=True,
            )
        )
    return found


def scar_context(scar: CorrectiveAction, user: Any) -> dict[str, Any]:
    order = [s for s, _label in STAGES]
    reached = order.index(ScarStatus(scar.status)) if scar.status in order else -1
    vendor, manager = workflow.is_vendor(user, scar), workflow.is_manager(user)
    return {
        "steps": scar_steps(scar, user),
        "stages": [
            {"label": label, "done": i < reached, "current": i == reached}
            for i, (_s, label) in enumerate(STAGES)
        ],
        "items": scar.items.all(),
        "events": scar.events.select_related("actor"),
        "comments": scar.comments.select_related("author"),
        "evidence": scar.evidence.select_related("uploaded_by", "item"),
        "nc": scar.nonconformance,
        "can_edit_plan": vendor and scar.status in workflow.PLAN_EDITABLE,
        "can_complete_items": vendor and scar.status == ScarStatus.PLANNED,
        "done_form": NoteForm(label=gettext_lazy("how it was done")),
        "can_comment": user.has_perm("capa.add_scarcomment")
        and (vendor or manager or user.role == "assessor"),
        "comment_form": CommentForm(),
        "can_add_evidence": user.has_perm("capa.add_evidence") and (vendor or manager) and scar.is_open,
        "evidence_form": EvidenceForm(),
        "verify_opens": scar.verify_from,
        "too_early": scar.status == ScarStatus.IMPLEMENTED
        and scar.verify_from is not None
        and timezone.localdate() < scar.verify_from,
    }


@login_required
@require_POST
def scar_step(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    scar = (
        CorrectiveAction.objects.visible_to(request.user)
        .select_related("nonconformance")
        .filter(pk=pk)
        .first()
    )
    if scar is None:
        raise Http404
    user = request.user
    back = redirect(scar.get_absolute_url())
    try:
        if action == "comment":
            form = CommentForm(request.POST)
            if not form.is_valid():
                _errors(request, form)
                return back
            workflow.comment(scar, user, form.cleaned_data["text"])
            return back
        if action == "evidence":
            return _evidence(request, scar.nonconformance, scar)
        if action in ("complete_item", "remove_item"):
            item = (
                ActionItem.objects.filter(scar=scar, pk=request.POST.get("item") or 0).first()
                if str(request.POST.get("item", "")).isdigit()
                else None
            )
            if item is None:
                messages.error(request, _("This step is not possible now."))
                return back
            if action == "remove_item":
                workflow.remove_item(item, user)
            else:
                form = NoteForm(request.POST)
                if not form.is_valid():
                    _errors(request, form)
                    return back
                workflow.complete_item(item, user, form.cleaned_data["note"])
            messages.success(request, _("Done."))
            return back
        step = next((s for s in scar_steps(scar, user, request.POST) if s["action"] == action), None)
        if step is None:
            messages.error(request, _("This step is not possible now."))
            return back
        form = step["form"]
        if not form.is_valid():
            _errors(request, form)
            return back
        data = form.cleaned_data
        if action == "acknowledge":
            workflow.acknowledge(scar, user, data.get("note", ""))
        elif action == "analyse":
            workflow.analyse(scar, user, form.whys(), data["category"], data["root_cause"])
        elif action == "add_item":
            workflow.add_item(
                scar, user, data["kind"], data["description"], data["owner_name"], data["due_date"]
            )
        elif action == "submit_plan":
            workflow.submit_plan(scar, user, data.get("note", ""))
        elif action == "implement":
            workflow.implement(scar, user, data["note"])
        elif action == "verify":
            workflow.verify(scar, user, data["effective"], data["note"])
        elif action == "send_back":
            workflow.send_back(scar, user, data["note"])
        elif action == "cancel":
            workflow.cancel(scar, user, data["note"])
        messages.success(request, _("Done."))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return back
