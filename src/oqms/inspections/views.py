"""Pages beyond the generic record pages: editing a draft checklist, scheduling a plan, and carrying out an
inspection on a phone (each answer saved as it is given). Every step calls the same service as the API."""

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
from oqms.inspections import forms, lots, scheduling, services
from oqms.inspections.choices import InspectionStatus, ItemKind
from oqms.inspections.models import (
    ChecklistItem,
    ChecklistTemplate,
    ChecklistVersion,
    Inspection,
    InspectionPlan,
    Lot,
    SamplingState,
)


def _error_text(exc: Exception) -> str:
    if isinstance(exc, DomainError):
        return str(exc.message)
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    return str(exc)


def _visible(model: Any, user: Any, pk: int, action: str = "view") -> Any:
    row = model.objects.restrict(user, action).filter(pk=pk).first()
    if row is None:
        raise Http404
    return row


# --- checklists -------------------------------------------------------------------------------------


@login_required
@require_POST
def new_version(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.has_perm("inspections.add_checklistversion"):
        raise PermissionDenied
    template = _visible(ChecklistTemplate, request.user, pk)
    version = services.new_version(template, request.user)
    messages.success(
        request, _("Version %(number)s is a draft: edit it, then publish it.") % {"number": version.number}
    )
    return redirect(version.get_absolute_url())


def _draft(request: HttpRequest, pk: int) -> ChecklistVersion:
    version = _visible(ChecklistVersion, request.user, pk, "change")
    if not version.is_draft:
        raise DomainError(_("A published version never changes: make a new version."), code="not_draft")
    return version  # type: ignore[no-any-return]


@login_required
@require_POST
def publish_version(request: HttpRequest, pk: int) -> HttpResponse:
    version = _visible(ChecklistVersion, request.user, pk, "change")
    try:
        services.publish_version(version, request.user)
        messages.success(request, _("Published: new inspections use this version."))
    except DomainError as exc:
        messages.error(request, _error_text(exc))
    return redirect(version.get_absolute_url())


@login_required
def edit_item(request: HttpRequest, pk: int, item_pk: int | None = None) -> HttpResponse:
    """Add (``item_pk`` None) or change an item of a draft version."""
    try:
        version = _draft(request, pk)
    except DomainError as exc:
        messages.error(request, _error_text(exc))
        return redirect(_visible(ChecklistVersion, request.user, pk).get_absolute_url())
    item = None
    if item_pk is not None:
        item = version.items.filter(pk=item_pk).first()
        if item is None:
            raise Http404
    form = forms.ItemForm(request.POST or None, instance=item, version=version)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Item saved."))
        return redirect(version.get_absolute_url())
    return render(
        request,
        "inspections/item_form.html",
        {"version": version, "form": form, "item": item},
        status=400 if form.is_bound else 200,
    )


@login_required
@require_POST
def delete_item(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    try:
        version = _draft(request, pk)
    except DomainError as exc:
        messages.error(request, _error_text(exc))
        return redirect(_visible(ChecklistVersion, request.user, pk).get_absolute_url())
    item = version.items.filter(pk=item_pk).first()
    if item is None:
        raise Http404
    item.delete()
    messages.success(request, _("Item removed."))
    return redirect(version.get_absolute_url())


@login_required
@require_POST
def add_section(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        version = _draft(request, pk)
    except DomainError as exc:
        messages.error(request, _error_text(exc))
        return redirect(_visible(ChecklistVersion, request.user, pk).get_absolute_url())
    form = forms.SectionForm(request.POST)
    if form.is_valid():
        section = form.save(commit=False)
        section.version = version
        section.save()
        messages.success(request, _("Section added."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect(version.get_absolute_url())


# --- plans ------------------------------------------------------------------------------------------------


@login_required
@require_POST
def schedule_plan(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _visible(InspectionPlan, request.user, pk, "change")
    try:
        made = scheduling.schedule(plan)
        messages.success(request, _("%(count)s inspections scheduled.") % {"count": made})
    except DomainError as exc:
        messages.error(request, _error_text(exc))
    return redirect(plan.get_absolute_url())


# --- inspections ------------------------------------------------------------------------------------------


def _may_work(inspection: Inspection, user: Any) -> bool:
    if not user.has_perm("inspections.change_inspection") or user.role not in services.INSPECTING_ROLES:
        return False
    return inspection.inspector_id in (None, user.pk) or user.role != "inspector"


def _rows(inspection: Inspection) -> list[dict[str, Any]]:
    """Each item of the checklist with its answer and photos, grouped by section, for the pages."""
    answers = {a.item_id: a for a in inspection.answers.all()}
    photos: dict[int | None, list[Any]] = {}
    for photo in inspection.photos.all():
        photos.setdefault(photo.item_id, []).append(photo)
    groups: list[dict[str, Any]] = []
    for item in inspection.version.ordered_items():
        title = item.section.title if item.section else ""
        if not groups or groups[-1]["title"] != title:
            groups.append({"title": title, "items": []})
        groups[-1]["items"].append(
            {"item": item, "answer": answers.get(item.pk), "photos": photos.get(item.pk, [])}
        )
    return groups


def progress(inspection: Inspection) -> tuple[int, int]:
    """(answered, to answer): items with an answer (or a photo for a photo item) out of all."""
    items = inspection.version.ordered_items()
    answered = set(inspection.answers.values_list("item_id", flat=True))
    with_photo = set(inspection.photos.exclude(item=None).values_list("item_id", flat=True))
    done = sum(
        1 for item in items if (item.pk in with_photo if item.kind == ItemKind.PHOTO else item.pk in answered)
    )
    return done, len(items)


def inspection_context(request: HttpRequest, obj: Inspection) -> dict[str, Any]:
    can_work = _may_work(obj, request.user)
    manager = request.user.role in ("quality_manager", "admin") and request.user.has_perm(
        "inspections.change_inspection"
    )
    done, total = progress(obj)
    return {
        "groups": _rows(obj),
        "findings": obj.findings.select_related("item"),
        "general_photos": obj.photos.filter(item=None),
        "can_start": can_work and obj.status == InspectionStatus.SCHEDULED,
        "can_perform": can_work and obj.status == InspectionStatus.IN_PROGRESS,
        "can_cancel": manager and obj.is_open,
        "can_correct": manager
        and obj.status == InspectionStatus.COMPLETED
        and not Inspection.objects.filter(supersedes=obj).exists(),
        "reason_form": forms.ReasonForm(),
        "corrected_by": Inspection.objects.filter(supersedes=obj).first(),
        "overdue": scheduling.is_overdue(obj),
        "done": done,
        "total": total,
    }


@login_required
@require_POST
def start(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = _visible(Inspection, request.user, pk, "change")
    form = forms.StartForm(request.POST)
    data = form.cleaned_data if form.is_valid() else {}
    try:
        services.start(
            inspection, request.user, data.get("latitude"), data.get("longitude"), data.get("accuracy")
        )
    except DomainError as exc:
        messages.error(request, _error_text(exc))
        return redirect(inspection.get_absolute_url())
    return redirect("inspections:inspection_perform", pk=inspection.pk)


@login_required
def perform(request: HttpRequest, pk: int) -> HttpResponse:
    """The phone page: the checklist, section by section, each answer saved as it is tapped or typed."""
    inspection = _visible(Inspection, request.user, pk)
    if inspection.status != InspectionStatus.IN_PROGRESS or not _may_work(inspection, request.user):
        return redirect(inspection.get_absolute_url())
    done, total = progress(inspection)
    return render(
        request,
        "inspections/perform.html",
        {
            "object": inspection,
            "groups": _rows(inspection),
            "complete_form": forms.CompleteForm(),
            "done": done,
            "total": total,
            "general_photos": inspection.photos.filter(item=None),
        },
    )


def _item_of(inspection: Inspection, raw: Any) -> ChecklistItem:
    try:
        item = ChecklistItem.objects.filter(version_id=inspection.version_id, pk=int(raw)).first()
    except (TypeError, ValueError):
        item = None
    if item is None:
        raise Http404
    return item


def _item_response(
    request: HttpRequest, inspection: Inspection, item: ChecklistItem, error: str = ""
) -> HttpResponse:
    answer = inspection.answers.filter(item=item).first()
    done, total = progress(inspection)
    return render(
        request,
        "inspections/_item.html",
        {
            "object": inspection,
            "row": {"item": item, "answer": answer, "photos": list(inspection.photos.filter(item=item))},
            "error": error,
            "done": done,
            "total": total,
            "oob": True,
        },
        status=400 if error else 200,
    )


@login_required
@require_POST
def save_answer(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = _visible(Inspection, request.user, pk, "change")
    item = _item_of(inspection, request.POST.get("item"))
    applicable = request.POST.get("na") != "1"
    error = ""
    try:
        services.answer(
            inspection,
            request.user,
            item,
            request.POST.get("value"),
            applicable=applicable,
            note=request.POST.get("note", ""),
        )
    except DomainError as exc:
        error = _error_text(exc)
    if request.headers.get("HX-Request"):
        return _item_response(request, inspection, item, error)
    if error:
        messages.error(request, error)
    return redirect("inspections:inspection_perform", pk=inspection.pk)


@login_required
@require_POST
def add_photo(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = _visible(Inspection, request.user, pk, "change")
    form = forms.PhotoForm(request.POST, request.FILES)
    item = None
    error = ""
    if not form.is_valid():
        error = "; ".join(str(e) for errors in form.errors.values() for e in errors)
    else:
        if form.cleaned_data.get("item"):
            item = _item_of(inspection, form.cleaned_data["item"])
        try:
            services.add_photo(inspection, request.user, form.cleaned_data["photo"], item=item)
        except (DomainError, ValidationError) as exc:
            error = _error_text(exc)
    if request.headers.get("HX-Request") and item is not None:
        return _item_response(request, inspection, item, error)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Photo added."))
    return redirect("inspections:inspection_perform", pk=inspection.pk)


@login_required
@require_POST
def complete(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = _visible(Inspection, request.user, pk, "change")
    form = forms.CompleteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the representative's name and remarks."))
        return redirect("inspections:inspection_perform", pk=inspection.pk)
    try:
        done = services.complete(inspection, request.user, **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, _error_text(exc))
        return redirect("inspections:inspection_perform", pk=inspection.pk)
    if done.passed:
        messages.success(request, _("Inspection completed: passed, score %(score)s.") % {"score": done.score})
    else:
        messages.warning(request, _("Inspection completed: failed, score %(score)s.") % {"score": done.score})
    return redirect(done.get_absolute_url())


@login_required
@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = _visible(Inspection, request.user, pk, "change")
    form = forms.ReasonForm(request.POST)
    try:
        services.cancel(inspection, request.user, form.data.get("reason", ""))
        messages.success(request, _("Inspection cancelled."))
    except DomainError as exc:
        messages.error(request, _error_text(exc))
    return redirect(inspection.get_absolute_url())


@login_required
@require_POST
def correct(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = _visible(Inspection, request.user, pk, "change")
    form = forms.ReasonForm(request.POST)
    try:
        fresh = services.correct(inspection, request.user, form.data.get("reason", ""))
    except DomainError as exc:
        messages.error(request, _error_text(exc))
        return redirect(inspection.get_absolute_url())
    messages.success(
        request,
        _("Correction %(number)s started: change the answers and complete it.") % {"number": fresh.number},
    )
    return redirect(fresh.get_absolute_url())


# --- lots -------------------------------------------------------------------------------------------------


@login_required
def open_lot(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("inspections.add_lot"):
        raise PermissionDenied
    form = forms.LotForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            lot = lots.open_lot(
                user=request.user,
                contract=data["contract"],
                service_type=data["service_type"],
                aql=data["aql"],
                level=data["level"],
                kind=data["kind"],
                first_day=data.get("first_day"),
                last_day=data.get("last_day"),
                lot_size=data.get("lot_size"),
                description=data.get("description", ""),
            )
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            return redirect(lot.get_absolute_url())
    return render(request, "inspections/lot_form.html", {"form": form}, status=400 if form.is_bound else 200)


@login_required
@require_POST
def decide_lot(request: HttpRequest, pk: int) -> HttpResponse:
    lot = _visible(Lot, request.user, pk, "change")
    form = forms.DecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter how many sampled items are nonconforming."))
        return redirect(lot.get_absolute_url())
    try:
        lot = lots.decide(
            lot, request.user, form.cleaned_data["nonconforming"], form.cleaned_data.get("notes", "")
        )
        if lot.status == "accepted":
            messages.success(request, _("Lot accepted."))
        else:
            messages.warning(request, _("Lot not accepted."))
    except DomainError as exc:
        messages.error(request, _error_text(exc))
    return redirect(lot.get_absolute_url())


@login_required
@require_POST
def redraw_lot(request: HttpRequest, pk: int) -> HttpResponse:
    lot = _visible(Lot, request.user, pk, "change")
    try:
        lots.redraw(lot, request.user)
        messages.success(request, _("Plan looked up again and a new sample drawn."))
    except DomainError as exc:
        messages.error(request, _error_text(exc))
    return redirect(lot.get_absolute_url())


@login_required
@require_POST
def switch_state(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    row = _visible(SamplingState, request.user, pk, "change")
    try:
        if step == "reduce":
            lots.approve_reduced(row, request.user, production_steady=request.POST.get("steady") == "1")
        elif step == "normal":
            lots.end_reduced(row, request.user, request.POST.get("cause", "other"))
        elif step == "resume":
            lots.resume(row, request.user)
        else:
            raise Http404
        messages.success(request, _("Inspection severity changed."))
    except DomainError as exc:
        messages.error(request, _error_text(exc))
    return redirect(row.get_absolute_url())
