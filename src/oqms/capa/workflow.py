"""The corrective action request (SCAR) workflow.

issued ──acknowledge──▶ acknowledged ──root cause──▶ analysed ──plan──▶ planned ──implemented──▶ implemented
                             ▲  (sent back)            ▲ (sent back / not effective)                │
                             └─────────────────────────┴──────────────── verify ◀───────────────────┘
                                                                          effective ▶ closed

The vendor's manager takes the vendor's steps; a quality manager issues, sends back, verifies (no earlier than
the set period after implementation) and cancels. Every step is one transaction on the locked row, is audited
(the row's changes) and kept as an event. Overdue stages are escalated once per stage and round, however often
the job runs.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from oqms.accounts.choices import Role
from oqms.capa.choices import OPEN_SCAR, CauseCategory, ItemKind, ItemStatus, NCStatus, ScarStatus
from oqms.capa.models import ActionItem, CorrectiveAction, DueRule, Nonconformance, ScarComment, ScarEvent
from oqms.capa.services import MANAGERS, StepError
from oqms.core.errors import DomainError
from oqms.core.models import Sequence

MAX_WHYS = 7
PLAN_EDITABLE = (ScarStatus.ACKNOWLEDGED, ScarStatus.ANALYSED)


def _locked(scar: CorrectiveAction) -> CorrectiveAction:
    return CorrectiveAction.objects.select_for_update().get(pk=scar.pk)


def _event(scar: CorrectiveAction, action: str, actor: Any, note: str = "", key: str = "") -> ScarEvent:
    return ScarEvent.objects.create(
        scar=scar, action=action, actor=actor, note=note.strip()[:4000], round=scar.round, key=key
    )


def is_manager(user: Any) -> bool:
    return bool(user.role in MANAGERS and user.has_perm("capa.change_correctiveaction"))


def is_vendor(user: Any, scar: CorrectiveAction) -> bool:
    return bool(
        user.role == Role.VENDOR_MANAGER
        and user.vendor_id == scar.vendor_id
        and user.has_perm("capa.change_correctiveaction")
    )


def _manager(user: Any) -> None:
    if not is_manager(user):
        raise StepError(_("Only a quality manager takes this step."), code="role")


def _vendor(user: Any, scar: CorrectiveAction) -> None:
    if not is_vendor(user, scar):
        raise StepError(_("Only the vendor's manager takes this step."), code="role")


def _status(scar: CorrectiveAction, *allowed: str) -> None:
    if scar.status not in allowed:
        raise StepError(
            _("This step is not possible while the request is “%(status)s”.")
            % {"status": scar.get_status_display()},
            code="status",
        )


def _notify(scar: CorrectiveAction, kind: str, people: list[Any], key: str, **params: Any) -> None:
    from oqms.notify import services as notify

    notify.send(
        people,
        kind,
        key,
        {
            "number": scar.number,
            "nc": scar.nonconformance.number,
            "title": scar.nonconformance.title,
            **params,
        },
        scar.get_absolute_url(),
    )


def _vendor_people(scar: CorrectiveAction) -> list[Any]:
    from oqms.accounts.models import User

    return list(User.objects.filter(is_active=True, role=Role.VENDOR_MANAGER, vendor_id=scar.vendor_id))


def _company_people(scar: CorrectiveAction) -> list[Any]:
    people = [scar.issued_by, scar.nonconformance.owner]
    if scar.contract_id and scar.contract and scar.contract.owner:
        people.append(scar.contract.owner)
    return [p for p in people if p is not None]


@transaction.atomic
def issue(
    nonconformance: Nonconformance,
    user: Any,
    requirements: str = "",
    verify_after_days: int | None = None,
    due_at: datetime.datetime | None = None,
) -> CorrectiveAction:
    """Request corrective action from the vendor for a nonconformance; deadlines follow its severity's rule."""
    _manager(user)
    nc = Nonconformance.objects.select_for_update().get(pk=nonconformance.pk)
    if nc.status not in (NCStatus.OPEN, NCStatus.ACTION):
        raise StepError(_("The nonconformance is closed."), code="status")
    if nc.scars.filter(status__in=OPEN_SCAR).exists():
        raise StepError(_("A corrective action request for it is open already."), code="status")
    rule = DueRule.for_severity(nc.severity)
    now = timezone.now()
    if due_at is not None and due_at <= now:
        raise DomainError(_("The implementation deadline must be in the future."), code="due_at")
    if verify_after_days is not None and not 0 <= verify_after_days <= 365:
        raise DomainError(_("The verification period is 0 to 365 days."), code="verify_after_days")
    scar = CorrectiveAction(
        number=f"SCAR{Sequence.take('scar'):06d}",
        nonconformance=nc,
        vendor_id=nc.vendor_id,
        contract_id=nc.contract_id,
        requirements=requirements.strip()[:4000],
        issued_at=now,
        issued_by=user,
        acknowledge_due_at=now + datetime.timedelta(days=rule.acknowledge_days),
        plan_due_at=now + datetime.timedelta(days=rule.plan_days),
        due_at=due_at or now + datetime.timedelta(days=rule.close_days),
        verify_after_days=rule.verify_after_days if verify_after_days is None else verify_after_days,
    )
    scar.save()
    nc.status = NCStatus.ACTION
    nc.save()
    _event(scar, "issued", user, requirements)
    _notify(
        scar,
        "scar_issued",
        _vendor_people(scar),
        f"scar-issued:{scar.pk}",
        due=scar.acknowledge_due_at.isoformat(),
    )
    return scar


@transaction.atomic
def acknowledge(scar: CorrectiveAction, user: Any, note: str = "") -> CorrectiveAction:
    row = _locked(scar)
    _vendor(user, row)
    _status(row, ScarStatus.ISSUED)
    row.status = ScarStatus.ACKNOWLEDGED
    row.acknowledged_at = timezone.now()
    row.save()
    _event(row, "acknowledged", user, note)
    return row


@transaction.atomic
def analyse(
    scar: CorrectiveAction, user: Any, whys: list[str], category: str, root_cause: str
) -> CorrectiveAction:
    """The root cause: a chain of whys (each answering why the one before happened), its 6M category and the
    cause in a sentence."""
    row = _locked(scar)
    _vendor(user, row)
    _status(row, *PLAN_EDITABLE)
    chain = [w.strip()[:500] for w in whys if w and w.strip()]
    if not chain:
        raise DomainError(_("Ask “why?” at least once: write the first answer."), code="whys")
    if len(chain) > MAX_WHYS:
        raise DomainError(_("At most %(n)d whys.") % {"n": MAX_WHYS}, code="whys")
    if category not in CauseCategory.values:
        raise DomainError(_("Choose the cause category (6M)."), code="category")
    if not root_cause.strip():
        raise DomainError(_("State the root cause."), code="root_cause")
    row.why_chain = chain
    row.cause_category = category
    row.root_cause = root_cause.strip()[:2000]
    row.status = ScarStatus.ANALYSED
    row.analysed_at = timezone.now()
    row.save()
    _event(row, "analysed", user, row.root_cause)
    return row


def _plan_open(row: CorrectiveAction, user: Any) -> None:
    _vendor(user, row)
    _status(row, *PLAN_EDITABLE)


@transaction.atomic
def add_item(
    scar: CorrectiveAction, user: Any, kind: str, description: str, owner_name: str, due_date: datetime.date
) -> ActionItem:
    row = _locked(scar)
    _plan_open(row, user)
    if kind not in ItemKind.values:
        raise DomainError(_("Choose corrective or preventive."), code="kind")
    if not description.strip() or not owner_name.strip():
        raise DomainError(_("Each action needs what is to be done and who owns it."), code="description")
    if due_date is None or due_date < timezone.localdate():
        raise DomainError(_("The due date cannot be in the past."), code="due_date")
    item = ActionItem(
        scar=row,
        kind=kind,
        description=description.strip()[:2000],
        owner_name=owner_name.strip()[:100],
        due_date=due_date,
        round=row.round,
    )
    item.save()
    return item


@transaction.atomic
def remove_item(item: ActionItem, user: Any) -> None:
    row = _locked(item.scar)
    _plan_open(row, user)
    if item.status == ItemStatus.DONE and item.round < row.round:
        raise StepError(_("An action done in an earlier round stays on record."), code="status")
    item.delete()


@transaction.atomic
def submit_plan(scar: CorrectiveAction, user: Any, note: str = "") -> CorrectiveAction:
    row = _locked(scar)
    _vendor(user, row)
    _status(row, ScarStatus.ANALYSED)
    open_items = row.items.filter(status=ItemStatus.OPEN)
    if not open_items.filter(kind=ItemKind.CORRECTIVE).exists():
        raise DomainError(_("The plan needs at least one corrective action still to do."), code="items")
    row.status = ScarStatus.PLANNED
    row.planned_at = timezone.now()
    row.save()
    _event(row, "planned", user, note)
    return row


@transaction.atomic
def complete_item(item: ActionItem, user: Any, note: str) -> ActionItem:
    row = _locked(item.scar)
    _vendor(user, row)
    _status(row, ScarStatus.PLANNED)
    item = ActionItem.objects.select_for_update().get(pk=item.pk)
    if item.status == ItemStatus.DONE:
        raise StepError(_("This action is done already."), code="status")
    if not note.strip():
        raise DomainError(_("Say what was done."), code="note")
    item.status = ItemStatus.DONE
    item.done_at = timezone.now()
    item.done_note = note.strip()[:2000]
    item.save()
    _event(row, "item_done", user, f"{item.description[:80]}: {item.done_note}")
    return item


@transaction.atomic
def implement(scar: CorrectiveAction, user: Any, note: str) -> CorrectiveAction:
    """Every action of the plan done: the vendor reports the fix in place; verification opens after the set
    period."""
    row = _locked(scar)
    _vendor(user, row)
    _status(row, ScarStatus.PLANNED)
    if row.items.filter(status=ItemStatus.OPEN).exists():
        raise DomainError(_("Some actions of the plan are not done yet."), code="items")
    if not note.strip():
        raise DomainError(_("Describe what was implemented and the evidence."), code="note")
    now = timezone.now()
    row.status = ScarStatus.IMPLEMENTED
    row.implemented_at = now
    row.implementation_note = note.strip()[:4000]
    row.verify_from = timezone.localdate(now) + datetime.timedelta(days=row.verify_after_days)
    row.save()
    _event(row, "implemented", user, note)
    _notify(
        row,
        "scar_implemented",
        _company_people(row),
        f"scar-implemented:{row.pk}:{row.round}",
        verify_from=row.verify_from.isoformat(),
    )
    return row


@transaction.atomic
def send_back(scar: CorrectiveAction, user: Any, reason: str) -> CorrectiveAction:
    """Before implementation: the root cause (or the plan) is not good enough; the vendor redoes it."""
    _manager(user)
    row = _locked(scar)
    _status(row, ScarStatus.ANALYSED, ScarStatus.PLANNED)
    if not reason.strip():
        raise DomainError(_("Say what is missing: the vendor reads it."), code="reason")
    row.status = ScarStatus.ACKNOWLEDGED if row.status == ScarStatus.ANALYSED else ScarStatus.ANALYSED
    row.save()
    event = _event(row, "returned", user, reason)
    _notify(
        row, "scar_returned", _vendor_people(row), f"scar-returned:{event.pk}", reason=reason.strip()[:200]
    )
    return row


@transaction.atomic
def verify(scar: CorrectiveAction, user: Any, effective: bool, note: str) -> CorrectiveAction:
    """After the set period: effective closes it (and its nonconformance); not effective sends it back to the
    plan for another round, with the reason."""
    _manager(user)
    row = _locked(scar)
    _status(row, ScarStatus.IMPLEMENTED)
    today = timezone.localdate()
    if row.verify_from and today < row.verify_from:
        raise StepError(
            _("The effect is verified from %(date)s, once the fix has had time to work.")
            % {"date": row.verify_from.isoformat()},
            code="too_early",
        )
    if not note.strip():
        raise DomainError(_("Record what the verification found."), code="note")
    now = timezone.now()
    row.verified_at = now
    row.verified_by = user
    if effective:
        row.status = ScarStatus.CLOSED
        row.closed_at = now
        row.save()
        _event(row, "closed", user, note)
        nc = Nonconformance.objects.select_for_update().get(pk=row.nonconformance_id)
        nc.status = NCStatus.CLOSED
        nc.closed_at = now
        nc.close_note = note.strip()[:2000]
        nc.save()
        _notify(row, "scar_closed", _vendor_people(row), f"scar-closed:{row.pk}")
        return row
    _event(row, "not_effective", user, note)
    row.round += 1
    row.status = ScarStatus.ANALYSED
    row.implemented_at = None
    row.verify_from = None
    row.save()
    _notify(
        row,
        "scar_returned",
        _vendor_people(row),
        f"scar-not-effective:{row.pk}:{row.round}",
        reason=note.strip()[:200],
    )
    return row


@transaction.atomic
def cancel(scar: CorrectiveAction, user: Any, reason: str) -> CorrectiveAction:
    _manager(user)
    row = _locked(scar)
    _status(row, *OPEN_SCAR)
    if not reason.strip():
        raise DomainError(_("Say why it is cancelled."), code="reason")
    row.status = ScarStatus.CANCELLED
    row.cancelled_at = timezone.now()
    row.save()
    _event(row, "cancelled", user, reason)
    nc = Nonconformance.objects.select_for_update().get(pk=row.nonconformance_id)
    if nc.status == NCStatus.ACTION:
        nc.status = NCStatus.OPEN
        nc.save()
    return row


@transaction.atomic
def comment(scar: CorrectiveAction, user: Any, text: str) -> ScarComment:
    """Either side writes; the other side is told."""
    row = CorrectiveAction.objects.get(pk=scar.pk)
    if not (is_manager(user) or is_vendor(user, row) or user.role == Role.ASSESSOR):
        raise StepError(
            _("Only the company's quality people and the vendor's manager write here."), code="role"
        )
    if not text.strip():
        raise DomainError(_("Write the comment."), code="text")
    written = ScarComment.objects.create(scar=row, author=user, text=text.strip()[:4000])
    readers = _company_people(row) if user.vendor_id else _vendor_people(row)
    _notify(
        row,
        "scar_comment",
        [p for p in readers if p.pk != user.pk],
        f"scar-comment:{written.pk}",
        author=str(user),
    )
    return written


# --- overdue escalation ---------------------------------------------------------------------------------------
STAGES = {
    ScarStatus.ISSUED: ("acknowledge", "acknowledge_due_at"),
    ScarStatus.ACKNOWLEDGED: ("plan", "plan_due_at"),
    ScarStatus.ANALYSED: ("plan", "plan_due_at"),
    ScarStatus.PLANNED: ("implement", "due_at"),
}
VERIFY_GRACE_DAYS = 7  # the quality manager's own deadline: verify within a week of verification opening


def escalate_overdue(now: datetime.datetime | None = None) -> int:
    """Tell both sides about every stage past its deadline, once per request, stage and round (a job every few
    minutes; a second worker, or a second run, finds the escalation recorded and skips it)."""
    from oqms.accounts.models import User

    now = now or timezone.now()
    managers = list(User.objects.filter(is_active=True, role=Role.QUALITY_MANAGER, vendor__isnull=True))
    done = 0
    candidates = CorrectiveAction.objects.filter(status__in=OPEN_SCAR).select_related(
        "nonconformance", "contract", "contract__owner", "issued_by", "nonconformance__owner"
    )
    for scar in candidates.iterator(chunk_size=500):
        if scar.status == ScarStatus.IMPLEMENTED:
            late = scar.verify_from and scar.verify_from + datetime.timedelta(
                days=VERIFY_GRACE_DAYS
            ) < timezone.localdate(now)
            stage, due = "verify", None
            if not late:
                continue
            people = [*_company_people(scar), *managers]
        else:
            stage, field = STAGES[ScarStatus(scar.status)]
            due = getattr(scar, field)
            if due is None or due >= now:
                continue
            people = [*_vendor_people(scar), *_company_people(scar)]
        key = f"scar-overdue:{scar.pk}:{stage}:{scar.round}"
        try:
            with transaction.atomic():
                ScarEvent.objects.create(
                    scar=scar, action="escalated", note=stage, round=scar.round, key=key, at=now
                )
        except IntegrityError:
            continue  # escalated already
        _notify(
            scar,
            "scar_overdue",
            people,
            key,
            stage=stage,
            due=due.isoformat() if due else (scar.verify_from.isoformat() if scar.verify_from else ""),
        )
        done += 1
    return done
