"""Workflow steps and photo uploads on the work order page; each calls the same service as the API."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from oqms.core.errors import DomainError
from oqms.workorders import services
from oqms.workorders.choices import Action
from oqms.workorders.forms import AssignForm, CloseForm, NoteForm, PauseForm, PhotoForm
from oqms.workorders.models import WorkOrder


def action_forms(work_order: WorkOrder, user: Any, data: Any = None) -> dict[str, Any]:
    """The form of each action this user may take now, keyed by action."""
    builders = {
        Action.ASSIGN: lambda: AssignForm(data, work_order=work_order),
        Action.START: lambda: NoteForm(data),
        Action.PAUSE: lambda: PauseForm(data),
        Action.RESUME: lambda: NoteForm(data),
        Action.RESOLVE: lambda: NoteForm(data, required=True, label=_("resolution")),
        Action.CLOSE: lambda: CloseForm(data),
        Action.REOPEN: lambda: NoteForm(data, required=True, label=_("reason")),
    }
    return {action: builders[action]() for action in services.allowed_actions(work_order, user)}


def _run(action: str, work_order: WorkOrder, user: Any, data: dict[str, Any]) -> WorkOrder:
    note = data.get("note", "") or ""
    if action == Action.ASSIGN:
        return services.assign(work_order, user, data["assignee"], note)
    if action == Action.START:
        return services.start(work_order, user, note)
    if action == Action.PAUSE:
        return services.pause(work_order, user, data["reason"], note)
    if action == Action.RESUME:
        return services.resume(work_order, user, note)
    if action == Action.RESOLVE:
        return services.resolve(work_order, user, note)
    if action == Action.CLOSE:
        return services.close(work_order, user, data["rating"], note)
    return services.reopen(work_order, user, note)


@login_required
@require_POST
def transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    work_order = WorkOrder.objects.visible_to(request.user).filter(pk=pk).first()
    if work_order is None or action not in Action.values:
        raise Http404
    form = action_forms(work_order, request.user, request.POST).get(action)
    if form is None:
        messages.error(request, _("This step is not possible now."))
    elif not form.is_valid():
        for field_errors in form.errors.values():
            for error in field_errors:
                messages.error(request, error)
    else:
        try:
            services_result = _run(action, work_order, request.user, form.cleaned_data)
            messages.success(
                request,
                _("%(number)s: %(action)s")
                % {"number": services_result.number, "action": Action(action).label},
            )
        except DomainError as exc:
            messages.error(request, str(exc.message))
    return redirect(work_order.get_absolute_url())


@login_required
@require_POST
def add_photo(request: HttpRequest, pk: int) -> HttpResponse:
    work_order = WorkOrder.objects.visible_to(request.user).filter(pk=pk).first()
    if work_order is None or not request.user.has_perm("workorders.add_workorderattachment"):
        raise Http404
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_photo(
                work_order,
                request.user,
                form.cleaned_data["photo"],
                form.cleaned_data["kind"],
                form.cleaned_data.get("caption", ""),
            )
            messages.success(request, _("Photo added."))
        except (DomainError, ValidationError) as exc:
            messages.error(request, str(getattr(exc, "message", None) or "; ".join(exc.messages)))
    else:
        for field_errors in form.errors.values():
            for error in field_errors:
                messages.error(request, error)
    return redirect(work_order.get_absolute_url())
