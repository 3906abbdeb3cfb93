"""Import pages: the list of imports with the upload form, and one import's page (mapping, check, import,
progress, results, problems)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from oqms.core.errors import DomainError
from oqms.dataio import services
from oqms.dataio.forms import MappingForm, UploadForm, preset_choices
from oqms.dataio.models import ImportJob, JobStatus, SavedMapping
from oqms.dataio.reading import FileProblem
from oqms.dataio.targets import Entity


def _require(request: HttpRequest) -> None:
    if not services.may_import(request.user):
        raise PermissionDenied


def _job(request: HttpRequest, pk: int) -> ImportJob:
    _require(request)
    return get_object_or_404(ImportJob.objects.visible_to(request.user).select_related("created_by"), pk=pk)


@login_required
def jobs(request: HttpRequest) -> HttpResponse:
    _require(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = services.upload(
                request.user,
                form.cleaned_data["entity"],
                form.cleaned_data["file"],
                form.cleaned_data["encoding"],
            )
        except DomainError as error:
            form.add_error("file", str(error.message))
        else:
            return redirect(job)
    listed = ImportJob.objects.visible_to(request.user).select_related("created_by").order_by("-created_at")
    page = Paginator(listed, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "dataio/jobs.html",
        {"form": form, "page": page, "title": _("Data import")},
        status=400 if request.method == "POST" else 200,
    )


def _fixed_choices(job: ImportJob, user: Any) -> dict[str, list[tuple[Any, Any]]]:
    from oqms.contracts.choices import ContractStatus, Priority
    from oqms.contracts.models import Contract, ServiceType
    from oqms.org.models import OrgUnit, Site
    from oqms.vendors.models import Vendor
    from oqms.workorders.services import possible_requesters

    if job.entity == Entity.WORK_ORDERS:
        contracts = (
            Contract.objects.visible_to(user).exclude(status=ContractStatus.DRAFT).select_related("vendor")
        )
        return {
            "contract": [(c.number, f"{c.number} {c.vendor.short_name or c.vendor.name}") for c in contracts],
            "site": [(s.code, f"{s.code} {s.name}") for s in Site.objects.filter(is_active=True)],
            "service_type": [(t.code, f"{t.code} {t.name}") for t in ServiceType.objects.all()],
            "priority": list(Priority.choices),
            "requester": [(u.username, str(u)) for u in possible_requesters()[:500]],
        }
    vendors = [(v.credit_code, v.name) for v in Vendor.objects.order_by("name")]
    if job.entity == Entity.SITES:
        return {"org_unit": [(o.code, f"{o.code} {o.name}") for o in OrgUnit.objects.all()]}
    if job.entity in {Entity.CONTRACTS, Entity.STAFF}:
        return {"vendor": vendors}
    return {}


@login_required
def job(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    saved = SavedMapping.objects.filter(entity=job.entity)
    form = MappingForm(
        request.POST
        if request.method == "POST" and "check" in request.POST or "run" in request.POST
        else None,
        job=job,
        fixed_choices=_fixed_choices(job, request.user),
        initial={"time_zone": job.mapping.get("time_zone") or timezone.get_current_timezone_name()},
    )
    status = 200
    if request.method == "POST":
        try:
            if "preset" in request.POST:
                if not request.POST.get("preset"):
                    raise DomainError(_("Choose a mapping to apply."), code="mapping")
                services.use_preset(job, request.POST.get("preset", ""))
                messages.success(request, _("The mapping was applied. Check it, then check the file."))
                return redirect(job)
            if form.is_bound and form.is_valid():
                zone = form.cleaned_data["time_zone"]
                try:
                    ZoneInfo(zone)
                except (ZoneInfoNotFoundError, ValueError):
                    form.add_error("time_zone", _("Not a time zone (such as Asia/Shanghai)."))
                    raise DomainError(_("Correct the mapping."), code="mapping") from None
                services.set_mapping(job, form.mapping(), valid_only=form.cleaned_data["valid_only"])
                if form.cleaned_data["save_as"]:
                    services.save_mapping(job, form.cleaned_data["save_as"], request.user)
                services.start(job, dry_run="check" in request.POST)
                return redirect(job)
            if form.is_bound:
                status = 400
        except FileProblem as problem:
            messages.error(request, str(problem.message))
            status = 400
        except DomainError as error:
            messages.error(request, str(error.message))
            status = 400
    job.refresh_from_db()
    try:
        sample = (
            services.table_of(job).sample(5) if not job.finished or job.status == JobStatus.REFUSED else []
        )
    except FileProblem:
        sample = []
    context = {
        "job": job,
        "form": form,
        "sample": sample,
        "presets": preset_choices(job.entity, saved),
        "editable": job.status not in {JobStatus.RUNNING, JobStatus.QUEUED, JobStatus.DONE},
        "preview_headers": _preview_headers(job),
        "title": str(job),
    }
    return render(request, "dataio/job.html", context, status=status)


def _preview_headers(job: ImportJob) -> list[str]:
    if job.entity == Entity.WORK_ORDERS:
        return [_("External id"), _("Title"), _("Priority"), _("Status"), _("Opened at"), _("Resolved at")]
    columns = job.mapping.get("columns") or {}
    from oqms.dataio.targets import targets

    return [h for t in targets(job.entity)[:2] for h in columns.get(t.name, [])]


@login_required
def progress(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    response = render(request, "dataio/_progress.html", {"job": job})
    if job.finished or job.status == JobStatus.CHECKED:
        response["HX-Refresh"] = "true"  # the results are on the whole page
    return response


@login_required
def problems(request: HttpRequest, pk: int) -> FileResponse:
    job = _job(request, pk)
    if not job.problems_file:
        raise Http404
    name = f"{job.original_name.rsplit('.', 1)[0]}-problems.csv"
    return FileResponse(
        job.problems_file.open("rb"),
        as_attachment=True,
        filename=name,
        content_type="text/csv; charset=utf-8",
    )
