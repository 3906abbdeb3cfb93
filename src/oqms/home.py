"""The home page of each role, protected media downloads, and the health check."""

from __future__ import annotations

import datetime
import mimetypes
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.db import connection
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from oqms.accounts.choices import Role
from oqms.capa.models import Evidence
from oqms.contracts.models import ContractAttachment
from oqms.feedback.models import Complaint
from oqms.inspections.models import Inspection, InspectionPhoto
from oqms.vendors.models import EXPIRY_WARNING_DAYS, QualificationDocument
from oqms.workorders.choices import OPEN_STATUSES, Status
from oqms.workorders.models import WorkOrder, WorkOrderAttachment

# Which record owns an uploaded file, by the folder it was uploaded to: a file is served only to a user who may
# see that record, so a vendor cannot fetch another vendor's photo by guessing its URL.
MEDIA_OWNERS: dict[str, tuple[Any, str]] = {
    "workorders/": (WorkOrderAttachment, "photo"),
    "inspections/": (InspectionPhoto, "photo"),
    "feedback/": (Complaint, "photo"),
    "capa/": (Evidence, "file"),
    "contracts/": (ContractAttachment, "file"),
    "vendors/documents/": (QualificationDocument, "file"),
}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    work = WorkOrder.objects.visible_to(user)
    open_work = work.filter(status__in=OPEN_STATUSES)
    now = timezone.now()
    context: dict[str, Any] = {
        "status_counts": _status_counts(open_work),
        "open_total": open_work.count(),
        "overdue_total": open_work.filter(resolution_due_at__lt=now).exclude(status=Status.PAUSED).count(),
    }
    recent = open_work.select_related("vendor", "site", "assignee").order_by("resolution_due_at")
    if user.role in {Role.QUALITY_MANAGER, Role.ADMIN, Role.INSPECTOR, Role.ASSESSOR}:
        context["by_vendor"] = _open_by_vendor(open_work)
        today = timezone.localdate()
        context["expiring_documents"] = (
            QualificationDocument.objects.visible_to(user)
            .select_related("vendor")
            .filter(
                valid_to__isnull=False, valid_to__lte=today + datetime.timedelta(days=EXPIRY_WARNING_DAYS)
            )
            .order_by("valid_to")[:10]
        )
        context["overdue"] = recent.filter(resolution_due_at__lt=now).exclude(status=Status.PAUSED)[:10]
        context["inspections"] = _inspections(user, now)
        context["now"] = now
        template = "home/manager.html"
    elif user.role == Role.VENDOR_MANAGER:
        context["unassigned"] = recent.filter(status=Status.NEW)[:20]
        context["in_hand"] = recent.exclude(status=Status.NEW)[:20]
        template = "home/vendor.html"
    elif user.role == Role.VENDOR_STAFF:
        context["in_hand"] = recent[:50]
        template = "home/staff.html"
    else:
        context["mine_open"] = recent[:20]
        context["mine_to_confirm"] = work.filter(status=Status.RESOLVED).select_related("vendor")[:20]
        context["mine_recent"] = work.filter(status=Status.CLOSED).order_by("-closed_at")[:10]
        template = "home/requester.html"
    return render(request, template, context)


def _inspections(user: Any, now: datetime.datetime) -> list[Any]:
    """The open inspections most in need of attention: the inspector's own (and those nobody has taken), due
    first; for a quality manager all of them."""
    rows = (
        Inspection.objects.visible_to(user)
        .filter(status__in=("scheduled", "in_progress"), scheduled_for__lt=now + datetime.timedelta(days=7))
        .select_related("site", "vendor", "inspector")
        .order_by("due_at")
    )
    if user.role == Role.INSPECTOR:
        rows = rows.filter(Q(inspector=user) | Q(inspector__isnull=True))
    return list(rows[:10])


def _status_counts(open_work: Any) -> list[dict[str, Any]]:
    counts = dict(open_work.order_by().values_list("status").annotate(n=Count("pk")))
    return [{"status": s, "label": s.label, "count": counts.get(s, 0)} for s in OPEN_STATUSES]


def _open_by_vendor(open_work: Any) -> list[dict[str, Any]]:
    rows = (
        open_work.order_by()
        .values("vendor_id", "vendor__name", "vendor__short_name")
        .annotate(
            total=Count("pk"),
            new=Count("pk", filter=Q(status=Status.NEW)),
            working=Count("pk", filter=Q(status__in=[Status.ASSIGNED, Status.IN_PROGRESS])),
            paused=Count("pk", filter=Q(status=Status.PAUSED)),
            overdue=Count("pk", filter=Q(resolution_due_at__lt=timezone.now()) & ~Q(status=Status.PAUSED)),
        )
        .order_by("-total")
    )
    return [{**row, "name": row["vendor__short_name"] or row["vendor__name"]} for row in rows]


@login_required
def media(request: HttpRequest, name: str) -> HttpResponse:
    if ".." in name.split("/"):
        raise Http404
    owner = next((v for prefix, v in MEDIA_OWNERS.items() if name.startswith(prefix)), None)
    if owner is None:
        raise Http404
    model, field = owner
    if not model.objects.visible_to(request.user).filter(**{field: name}).exists():
        raise Http404
    if not default_storage.exists(name):
        raise Http404
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(default_storage.open(name, "rb"), content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def healthz(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
