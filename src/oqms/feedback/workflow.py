"""What happens to a complaint after it arrives (投诉处理流程).

received → classified (category, severity) → assigned to the vendor responsible (the active contract covering the
site and the category's service type) with a response deadline on the contract's business calendar → the vendor
responds → resolved → the complainant confirms through their link (closed) or reopens it (assigned again, with a
new deadline). A complaint whose response is overdue is escalated once to the quality managers, the contract's
owner and the vendor's managers. Praise is classified and routed the same way, then closed: it is recorded and
counted, and the vendor sees it.

Every step is one transaction on the locked row, is audited, and is kept as an event (those the complainant may
read are marked public: the vendor's response and the resolution are).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from oqms.accounts.choices import Role
from oqms.core.errors import DomainError
from oqms.feedback.models import Complaint, ComplaintEvent, ComplaintStatus, FeedbackKind

MANAGERS = {Role.QUALITY_MANAGER, Role.ADMIN}
OPEN = (
    ComplaintStatus.RECEIVED,
    ComplaintStatus.CLASSIFIED,
    ComplaintStatus.ASSIGNED,
    ComplaintStatus.RESPONDED,
)
AUTO_CLOSE_DAYS = 7  # a resolution the complainant neither confirms nor reopens is closed after this


class StepError(DomainError):
    status_code = 409


def _locked(complaint: Complaint) -> Complaint:
    return Complaint.objects.select_for_update().get(pk=complaint.pk)


def _event(
    complaint: Complaint,
    action: str,
    actor: Any,
    note: str = "",
    public: bool = False,
    at: datetime.datetime | None = None,
) -> None:
    ComplaintEvent.objects.create(
        complaint=complaint,
        action=action,
        actor=actor,
        at=at or timezone.now(),
        note=note.strip()[:4000],
        public=public,
    )


def covering_contract(site: Any, service_type: Any, on: datetime.date | None = None) -> Any:
    """The one active contract covering the site and the service type on the day (None: none, or several)."""
    from oqms.contracts.choices import ContractStatus
    from oqms.contracts.models import Contract

    if site is None or service_type is None:
        return None
    on = on or timezone.localdate()
    found = list(
        Contract.objects.filter(
            status=ContractStatus.ACTIVE,
            start_date__lte=on,
            end_date__gte=on,
            sites=site,
            service_types=service_type,
        )[:2]
    )
    return found[0] if len(found) == 1 else None


def response_due(contract: Any, site_id: int, start: datetime.datetime) -> datetime.datetime:
    """``contract.complaint_response_hours`` business hours after ``start`` on the contract's SLA calendar."""
    from oqms.calendars.services import clock_calendar

    timeline = clock_calendar(contract.sla_calendar, site_id)
    return timeline.add(start, contract.complaint_response_hours * 3600.0)  # type: ignore[no-any-return]


def route(complaint: Complaint, actor: Any = None, at: datetime.datetime | None = None) -> Complaint:
    """Classify (if it has a category) and assign it to the vendor of the contract covering its site and
    service type, when there is exactly one (the caller holds the transaction and the row)."""
    if complaint.status == ComplaintStatus.RECEIVED and complaint.category_id:
        complaint.status = ComplaintStatus.CLASSIFIED
        _event(complaint, "classified", actor, at=at)
    if complaint.status != ComplaintStatus.CLASSIFIED:
        return complaint
    contract = complaint.contract or covering_contract(complaint.site, complaint.service_type)
    if contract is None:
        return complaint
    _assign(complaint, contract, actor, at)
    return complaint


def _assign(complaint: Complaint, contract: Any, actor: Any, at: datetime.datetime | None = None) -> None:
    now = at or timezone.now()
    complaint.contract = contract
    complaint.vendor_id = contract.vendor_id
    if complaint.kind == FeedbackKind.PRAISE:
        complaint.status = ComplaintStatus.CLOSED
        complaint.closed_at = now
        _event(complaint, "assigned", actor, str(contract.vendor), at=now)
        _event(complaint, "closed", actor, public=True, at=now)
    else:
        complaint.status = ComplaintStatus.ASSIGNED
        complaint.response_due_at = response_due(contract, complaint.site_id, now)
        _event(complaint, "assigned", actor, str(contract.vendor), public=True, at=now)
    complaint.save()
    if complaint.kind == FeedbackKind.COMPLAINT:
        _tell_vendor(complaint.pk)  # in the same transaction: rolled back with it


def _tell_vendor(pk: int) -> None:
    from oqms.accounts.models import User
    from oqms.notify import services as notify
    from oqms.notify.kinds import Kind

    complaint = Complaint.objects.select_related("site", "contract").get(pk=pk)
    people = User.objects.filter(is_active=True, role=Role.VENDOR_MANAGER, vendor_id=complaint.vendor_id)
    notify.send(
        people,
        Kind.COMPLAINT_ASSIGNED,
        f"complaint-assigned:{complaint.pk}:{complaint.reopen_count}",
        {
            "number": complaint.number,
            "site": str(complaint.site),
            "due": timezone.localtime(complaint.response_due_at).strftime("%Y-%m-%d %H:%M")
            if complaint.response_due_at
            else "",
        },
        complaint.get_absolute_url(),
    )


def _manager(user: Any) -> None:
    if user.role not in MANAGERS:
        raise StepError(_("Only a quality manager classifies and assigns feedback."), code="role")


@transaction.atomic
def classify(
    complaint: Complaint, user: Any, category: Any, severity: str, service_type: Any = None
) -> Complaint:
    from oqms.feedback.models import Severity

    _manager(user)
    row = _locked(complaint)
    if row.status not in (ComplaintStatus.RECEIVED, ComplaintStatus.CLASSIFIED):
        raise StepError(_("Only feedback not yet assigned is classified."), code="status")
    if category is None or not category.is_active:
        raise DomainError(_("Choose a category from the list."), code="category")
    if severity not in Severity.values:
        raise DomainError(_("Choose a severity."), code="severity")
    row.category, row.severity = category, severity
    row.service_type = service_type or category.service_type or row.service_type
    row.status = ComplaintStatus.CLASSIFIED
    row.save()
    _event(row, "classified", user, f"{category} · {row.get_severity_display()}")
    return route(row, user)


@transaction.atomic
def assign(complaint: Complaint, user: Any, contract: Any) -> Complaint:
    """Assign by hand to a contract (its vendor): when no rule found one, or to correct the routing."""
    _manager(user)
    row = _locked(complaint)
    if row.status not in (ComplaintStatus.RECEIVED, ComplaintStatus.CLASSIFIED, ComplaintStatus.ASSIGNED):
        raise StepError(_("This feedback can no longer be reassigned."), code="status")
    if contract is None or not contract.sites.filter(pk=row.site_id).exists():
        raise DomainError(_("Choose a contract covering the site."), code="contract")
    _assign(row, contract, user)
    return row


def _vendor_side(row: Complaint, user: Any) -> None:
    if user.role == Role.VENDOR_MANAGER and user.vendor_id == row.vendor_id:
        return
    if user.role in MANAGERS:
        return
    raise StepError(_("Only the vendor it is assigned to (or a quality manager) answers it."), code="role")


@transaction.atomic
def respond(complaint: Complaint, user: Any, note: str, at: datetime.datetime | None = None) -> Complaint:
    row = _locked(complaint)
    _vendor_side(row, user)
    if row.status != ComplaintStatus.ASSIGNED:
        raise StepError(_("Only an assigned complaint is responded to."), code="status")
    if not note.strip():
        raise DomainError(_("Write the response the complainant will read."), code="note")
    at = at or timezone.now()
    row.status = ComplaintStatus.RESPONDED
    row.responded_at = row.responded_at or at
    row.save()
    _event(row, "responded", user, note, public=True, at=at)
    return row


@transaction.atomic
def resolve(complaint: Complaint, user: Any, note: str, at: datetime.datetime | None = None) -> Complaint:
    row = _locked(complaint)
    _vendor_side(row, user)
    if row.status not in (ComplaintStatus.ASSIGNED, ComplaintStatus.RESPONDED):
        raise StepError(_("Only an assigned complaint is resolved."), code="status")
    if not note.strip():
        raise DomainError(_("Say what was done: the complainant reads it."), code="note")
    now = at or timezone.now()
    row.status = ComplaintStatus.RESOLVED
    row.responded_at = row.responded_at or now
    row.resolved_at = now
    row.save()
    _event(row, "resolved", user, note, public=True, at=now)
    return row


@transaction.atomic
def confirm(complaint: Complaint, at: datetime.datetime | None = None) -> Complaint:
    """The complainant, through their link, confirms the resolution."""
    row = _locked(complaint)
    if row.status != ComplaintStatus.RESOLVED:
        raise StepError(_("There is nothing to confirm now."), code="status")
    row.status = ComplaintStatus.CLOSED
    row.closed_at = at or timezone.now()
    row.save()
    _event(row, "confirmed", None, public=True, at=row.closed_at)
    return row


@transaction.atomic
def reopen(complaint: Complaint, reason: str, at: datetime.datetime | None = None) -> Complaint:
    """The complainant, through their link, says it is not resolved: back to the vendor with a new deadline."""
    row = _locked(complaint)
    if row.status != ComplaintStatus.RESOLVED:
        raise StepError(_("Only a resolved complaint can be reopened."), code="status")
    if not reason.strip():
        raise DomainError(_("Tell us what is still wrong."), code="reason")
    row.reopen_count += 1
    row.status = ComplaintStatus.ASSIGNED
    row.resolved_at = None
    row.escalated_at = None
    at = at or timezone.now()
    if row.contract is not None:
        row.response_due_at = response_due(row.contract, row.site_id, at)
    row.save()
    _event(row, "reopened", None, reason, public=True, at=at)
    _tell_vendor(row.pk)
    return row


@transaction.atomic
def close(complaint: Complaint, user: Any, note: str = "") -> Complaint:
    """A quality manager closes feedback (resolved and not confirmed, or not to be pursued)."""
    _manager(user)
    row = _locked(complaint)
    if row.status == ComplaintStatus.CLOSED:
        raise StepError(_("It is closed already."), code="status")
    if row.status != ComplaintStatus.RESOLVED and not note.strip():
        raise DomainError(_("Say why it is closed without a resolution."), code="note")
    row.status = ComplaintStatus.CLOSED
    row.closed_at = timezone.now()
    row.save()
    _event(row, "closed", user, note, public=True)
    return row


@transaction.atomic
def link_work_order(complaint: Complaint, user: Any, work_order: Any) -> Complaint:
    _manager(user)
    row = _locked(complaint)
    if work_order is not None and row.contract_id and work_order.contract_id != row.contract_id:
        raise DomainError(_("The work order belongs to another contract."), code="work_order")
    row.work_order = work_order
    row.save()
    _event(row, "linked", user, work_order.number if work_order else "")
    return row


def escalate_overdue(now: datetime.datetime | None = None) -> int:
    """Escalate, once, complaints whose response is overdue (a job every few minutes); returns how many."""
    from oqms.accounts.models import User
    from oqms.notify import services as notify
    from oqms.notify.kinds import Kind

    now = now or timezone.now()
    late = Complaint.objects.filter(
        status=ComplaintStatus.ASSIGNED, response_due_at__lt=now, escalated_at__isnull=True
    ).select_related("site", "contract", "contract__owner")
    managers = list(User.objects.filter(is_active=True, role=Role.QUALITY_MANAGER, vendor__isnull=True))
    done = 0
    for row in late[:1000]:
        if not Complaint.objects.filter(pk=row.pk, escalated_at__isnull=True).update(escalated_at=now):
            continue  # another worker took it
        ComplaintEvent.objects.create(complaint=row, action="escalated", at=now)
        people = [
            *managers,
            *User.objects.filter(is_active=True, role=Role.VENDOR_MANAGER, vendor_id=row.vendor_id),
        ]
        if row.contract and row.contract.owner:
            people.append(row.contract.owner)
        notify.send(
            people,
            Kind.COMPLAINT_OVERDUE,
            f"complaint-overdue:{row.pk}:{row.reopen_count}",
            {
                "number": row.number,
                "site": str(row.site),
                "due": timezone.localtime(row.response_due_at).strftime("%Y-%m-%d %H:%M"),
            },
            row.get_absolute_url(),
        )
        done += 1
    return done


def close_unconfirmed(now: datetime.datetime | None = None) -> int:
    """Close resolutions neither confirmed nor reopened within AUTO_CLOSE_DAYS (a daily job)."""
    now = now or timezone.now()
    rows = Complaint.objects.filter(
        status=ComplaintStatus.RESOLVED, resolved_at__lt=now - datetime.timedelta(days=AUTO_CLOSE_DAYS)
    )
    done = 0
    for row in rows[:2000]:
        with transaction.atomic():
            if Complaint.objects.filter(pk=row.pk, status=ComplaintStatus.RESOLVED).update(
                status=ComplaintStatus.CLOSED, closed_at=now
            ):
                ComplaintEvent.objects.create(complaint=row, action="closed", at=now, public=True)
                done += 1
    return done
