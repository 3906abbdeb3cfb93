"""Work order operations. Pages, the API and jobs call these; each runs in one transaction on a locked row."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from oqms.accounts.choices import VENDOR_ROLES, Role
from oqms.accounts.models import User
from oqms.contracts.choices import ContractStatus
from oqms.contracts.models import Contract
from oqms.core.errors import DomainError
from oqms.core.models import Sequence
from oqms.workorders import clock
from oqms.workorders.choices import ACTION_VERBS, TRANSITIONS, Action, PauseReason, Status
from oqms.workorders.models import WorkOrder, WorkOrderAttachment, WorkOrderEvent

INTERNAL_ROLES = {Role.QUALITY_MANAGER, Role.ADMIN}


class WorkflowError(DomainError):
    status_code = 409


def format_number(sequence: int) -> str:
    return f"WO{sequence:08d}"


def find_contract(site: Any, service_type: Any, user: Any, on: datetime.date | None = None) -> Contract:
    """The one active contract covering a site and a service type on a day, for requesters who don't know it."""
    on = on or timezone.localdate()
    candidates = list(
        Contract.objects.visible_to(user).filter(
            status=ContractStatus.ACTIVE,
            start_date__lte=on,
            end_date__gte=on,
            sites=site,
            service_types=service_type,
        )[:2]
    )
    if not candidates:
        raise DomainError(_("No active contract covers this service type at this site."), code="no_contract")
    if len(candidates) > 1:
        raise DomainError(
            _("Several contracts cover this service type at this site: choose one."),
            code="ambiguous_contract",
        )
    return candidates[0]


def check_scope(contract: Contract, site: Any, service_type: Any, on: datetime.date) -> None:
    errors = {}
    if not contract.is_in_force(on):
        errors["contract"] = _("The contract is not active on %(day)s.") % {"day": on.isoformat()}
    if not contract.sites.filter(pk=site.pk).exists():
        errors["site"] = _("The contract does not cover this site.")
    if not contract.service_types.filter(pk=service_type.pk).exists():
        errors["service_type"] = _("The contract does not include this service type.")
    if errors:
        from django.core.exceptions import ValidationError

        raise ValidationError(errors)


def may_raise_for_others(user: Any) -> bool:
    """Whether this user may raise a work order with someone else as its requester (a service desk's job)."""
    return bool(user and user.is_authenticated and user.is_active and user.role in INTERNAL_ROLES)


def possible_requesters() -> Any:
    """The people a work order can be raised for: active users of the enterprise, never a vendor's."""
    return (
        User.objects.filter(is_active=True)
        .exclude(role__in=VENDOR_ROLES)
        .order_by("display_name", "username")
    )


def possible_assignees(work_order: WorkOrder) -> Any:
    """The people a work order can be assigned to: the active staff and managers of its vendor."""
    return User.objects.filter(
        vendor_id=work_order.vendor_id, role__in=VENDOR_ROLES, is_active=True
    ).order_by("role", "display_name", "username")


@transaction.atomic
def create(
    *,
    requester: Any,
    site: Any,
    service_type: Any,
    title: str,
    priority: str = "P3",
    description: str = "",
    contract: Contract | None = None,
    opened_at: datetime.datetime | None = None,
    raised_by: Any = None,
) -> WorkOrder:
    """Raise a work order. ``raised_by`` is who entered it when that is not the requester (a quality manager)."""
    opened_at = opened_at or timezone.now()
    raised_by = raised_by or requester
    if raised_by != requester:
        if not may_raise_for_others(raised_by):
            raise DomainError(
                _("Only quality managers and administrators may raise a work order for someone else."),
                code="not_allowed",
            )
        if not possible_requesters().filter(pk=requester.pk).exists():
            raise DomainError(
                _("The requester must be an active user of the enterprise, not of a vendor."),
                code="bad_requester",
            )
    if contract is None:
        contract = find_contract(site, service_type, raised_by, timezone.localdate(opened_at))
    check_scope(contract, site, service_type, timezone.localdate(opened_at))
    work_order = WorkOrder(
        number=format_number(Sequence.take("workorder")),
        contract=contract,
        vendor_id=contract.vendor_id,
        site=site,
        service_type=service_type,
        priority=priority,
        title=title,
        description=description,
        requester=requester,
        opened_at=opened_at,
    )
    clock.on_create(work_order)
    work_order.full_clean()
    work_order.save()
    WorkOrderEvent.objects.create(
        work_order=work_order,
        action=Action.CREATE,
        to_status=Status.NEW,
        actor=raised_by,
        at=opened_at,
        note="" if raised_by == requester else _("Raised for %(requester)s") % {"requester": requester},
    )
    return work_order


EDITABLE_FIELDS = ("priority", "title", "description")


@transaction.atomic
def edit(work_order: WorkOrder, user: Any, **values: Any) -> WorkOrder:
    """Change what a work order asks for while it is open. A new priority keeps the business time used so far and
    applies that priority's targets to it (new due times, state and thresholds)."""
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    locked = WorkOrder.objects.select_for_update().get(pk=work_order.pk)
    if not locked.is_open:
        raise WorkflowError(_("A resolved or closed work order can no longer be edited."), code="not_open")
    if not changeable_ids(user, [locked.pk]):
        raise DomainError(_("You cannot change this work order."), code="forbidden")
    old_priority = locked.priority
    for name, value in values.items():
        setattr(locked, name, value)
    if locked.priority != old_priority:
        # The business time used so far is kept; the new priority's targets apply to it.
        clock.refresh(locked)
        locked.sla_checks += 1
    locked.full_clean()
    locked.save()
    return locked


def allowed_actions(work_order: WorkOrder, user: Any, may_change: bool | None = None) -> list[str]:
    """The workflow actions this user may take on this work order now (drives the buttons and the API).

    ``may_change`` is whether the user may change this work order at all, when the caller already knows it (a list
    works it out for a whole page in one query); otherwise it is looked up.
    """
    if may_change is None:
        may_change = changeable_ids(user, [work_order.pk]) == {work_order.pk}
    return [action for action in TRANSITIONS if _may(work_order, user, action, may_change)]


def changeable_ids(user: Any, ids: list[Any]) -> set[Any]:
    """Which of these work orders the user may change (permission, vendor scope and row rules), in one query."""
    return set(WorkOrder.objects.restrict(user, "change").filter(pk__in=ids).values_list("pk", flat=True))


def _may(work_order: WorkOrder, user: Any, action: str, may_change: bool | None = None) -> bool:
    sources, _target = TRANSITIONS[action]
    if work_order.status not in sources or not user.is_active:
        return False
    if may_change is None:
        may_change = bool(changeable_ids(user, [work_order.pk]))
    if not may_change:
        return False
    role = user.role
    vendor_manager = role == Role.VENDOR_MANAGER and user.vendor_id == work_order.vendor_id
    if action == Action.ASSIGN:
        return role in INTERNAL_ROLES or vendor_manager
    if action in {Action.START, Action.PAUSE, Action.RESUME, Action.RESOLVE}:
        return role in INTERNAL_ROLES or vendor_manager or work_order.assignee_id == user.pk
    if action in {Action.CLOSE, Action.REOPEN}:
        return role in INTERNAL_ROLES or work_order.requester_id == user.pk
    return False


def _transition(
    work_order: WorkOrder,
    user: Any,
    action: str,
    note: str = "",
    at: datetime.datetime | None = None,
    before: Any = None,
    **changes: Any,
) -> WorkOrder:
    """Move a locked work order one step; ``changes`` may be values or callables of the locked row, ``before``
    a callable run on the locked row first (the clocks note what the step ends). The clocks are then refreshed."""
    locked = WorkOrder.objects.select_for_update().get(pk=work_order.pk)
    if not _may(locked, user, action):
        raise WorkflowError(
            _("%(action)s is not possible for you on a work order that is %(status)s.")
            % {"action": ACTION_VERBS[action], "status": locked.get_status_display()},
            code="transition_not_allowed",
        )
    at = at or timezone.now()
    sources, target = TRANSITIONS[action]
    if target is None:  # reopen
        target = Status.ASSIGNED if locked.assignee_id else Status.NEW
    from_status = locked.status
    if before is not None:
        before(locked)
    for name, value in changes.items():
        setattr(locked, name, value(locked) if callable(value) else value)
    locked.status = target
    clock.refresh(locked, at)
    locked.sla_checks += 1  # a monitor run that read the row before this step must not claim it
    locked.save()
    WorkOrderEvent.objects.create(
        work_order=locked,
        action=action,
        from_status=from_status,
        to_status=target,
        actor=user,
        at=at,
        note=note,
        pause_reason=locked.pause_reason if action == Action.PAUSE else "",
    )
    return locked


@transaction.atomic
def assign(
    work_order: WorkOrder, user: Any, assignee: Any, note: str = "", at: datetime.datetime | None = None
) -> WorkOrder:
    if (
        assignee is None
        or not assignee.is_active
        or assignee.role not in VENDOR_ROLES
        or assignee.vendor_id != work_order.vendor_id
    ):
        raise DomainError(_("Assign the work order to an active person of its vendor."), code="bad_assignee")
    at = at or timezone.now()
    return _transition(
        work_order, user, Action.ASSIGN, note or str(assignee), at=at, assignee=assignee, assigned_at=at
    )


@transaction.atomic
def start(work_order: WorkOrder, user: Any, note: str = "", at: datetime.datetime | None = None) -> WorkOrder:
    at = at or timezone.now()
    return _transition(
        work_order, user, Action.START, note, at=at, responded_at=lambda row: row.responded_at or at
    )


@transaction.atomic
def pause(
    work_order: WorkOrder, user: Any, reason: str, note: str = "", at: datetime.datetime | None = None
) -> WorkOrder:
    if reason not in PauseReason.values:
        raise DomainError(_("Choose why the work is paused."), code="pause_reason")
    if reason == PauseReason.OTHER and not note.strip():
        raise DomainError(_("Describe the reason when it is 'Other'."), code="pause_note")
    at = at or timezone.now()
    return _transition(work_order, user, Action.PAUSE, note, at=at, pause_reason=reason, paused_at=at)


@transaction.atomic
def resume(
    work_order: WorkOrder, user: Any, note: str = "", at: datetime.datetime | None = None
) -> WorkOrder:
    at = at or timezone.now()

    def paused_for(row: WorkOrder) -> int:
        return max(int((at - row.paused_at).total_seconds()), 0) if row.paused_at else 0

    # Order matters: the clock and paused_seconds read paused_at before it is cleared.
    return _transition(
        work_order,
        user,
        Action.RESUME,
        note,
        at=at,
        before=lambda row: clock.on_resume(row, at),
        paused_seconds=lambda row: row.paused_seconds + paused_for(row),
        paused_at=None,
        pause_reason="",
    )


@transaction.atomic
def resolve(work_order: WorkOrder, user: Any, note: str, at: datetime.datetime | None = None) -> WorkOrder:
    if not note.strip():
        raise DomainError(_("Describe what was done to resolve it."), code="resolution_note")
    at = at or timezone.now()
    return _transition(work_order, user, Action.RESOLVE, note, at=at, resolved_at=at, resolution_note=note)


@transaction.atomic
def close(
    work_order: WorkOrder, user: Any, rating: Any, comment: str = "", at: datetime.datetime | None = None
) -> WorkOrder:
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise DomainError(_("Rate the service from 1 to 5 stars."), code="rating")
    at = at or timezone.now()
    return _transition(
        work_order, user, Action.CLOSE, comment, at=at, closed_at=at, rating=rating, rating_comment=comment
    )


@transaction.atomic
def reopen(work_order: WorkOrder, user: Any, reason: str, at: datetime.datetime | None = None) -> WorkOrder:
    if not reason.strip():
        raise DomainError(_("Say why the work order is reopened."), code="reopen_reason")
    at = at or timezone.now()
    return _transition(
        work_order,
        user,
        Action.REOPEN,
        reason,
        at=at,
        before=lambda row: clock.on_reopen(row, at),
        resolved_at=None,
        closed_at=None,
        rating=None,
        rating_comment="",
        reopen_count=lambda row: row.reopen_count + 1,
    )


@transaction.atomic
def add_photo(
    work_order: WorkOrder, user: Any, photo: Any, kind: str, caption: str = ""
) -> WorkOrderAttachment:
    if not WorkOrder.objects.visible_to(user).filter(pk=work_order.pk).exists():
        raise DomainError(_("You cannot add photos to this work order."), code="forbidden")
    attachment = WorkOrderAttachment(
        work_order=work_order, photo=photo, kind=kind, caption=caption, uploaded_by=user
    )
    attachment.full_clean()
    attachment.save()
    return attachment
