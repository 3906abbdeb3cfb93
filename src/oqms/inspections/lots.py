"""Acceptance inspection of lots (ISO 2859-1) in the product.

A lot is the work orders of a contract and service type closed in a span of days, or a delivered batch of a
stated size. Opening it looks up the single sampling plan (``oqms.engine.sampling``) under the switching state
of that contract and service type, and draws the sample at random from a seed kept on the lot (the work orders
to check, or the unit numbers of a batch). The inspector records how many sampled items are nonconforming; the
lot is accepted when that is at most Ac, and the switching state moves on (normal, tightened, reduced,
discontinued), each step kept in its history with the clause that caused it.
"""

from __future__ import annotations

import datetime
import hashlib
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from oqms.accounts.choices import Role
from oqms.core.errors import DomainError
from oqms.core.models import Sequence
from oqms.engine import draws, sampling
from oqms.inspections.choices import LotKind, LotStatus
from oqms.inspections.models import Lot, SamplingEvent, SamplingState

MANAGING = {Role.QUALITY_MANAGER, Role.ADMIN}
DECIDING = {Role.QUALITY_MANAGER, Role.ADMIN, Role.INSPECTOR}

REASON_TEXT = {
    "start": gettext_lazy("started on normal inspection"),
    "accepted": gettext_lazy("lot accepted"),
    "not_accepted": gettext_lazy("lot not accepted"),
    "normal_to_tightened": gettext_lazy("2 of 5 or fewer consecutive lots not accepted: tightened (9.3.1)"),
    "tightened_to_normal": gettext_lazy("5 consecutive lots accepted: back to normal (9.3.2)"),
    "normal_to_reduced": gettext_lazy("switching score reached 30, approved: reduced (9.3.3)"),
    "reduced_to_normal_not_accepted": gettext_lazy("a lot not accepted on reduced: back to normal (9.3.4 a)"),
    "reduced_to_normal_irregular": gettext_lazy("production irregular: back to normal (9.3.4 b)"),
    "reduced_to_normal_other": gettext_lazy("other conditions: back to normal (9.3.4 c)"),
    "discontinued": gettext_lazy("5 lots not accepted on tightened: inspection discontinued (9.4)"),
    "resumed": gettext_lazy("supplier's action accepted: resumed on tightened (9.4)"),
}
STATE_TEXT = {
    "normal": gettext_lazy("Normal"),
    "tightened": gettext_lazy("Tightened"),
    "reduced": gettext_lazy("Reduced"),
    "discontinued": gettext_lazy("Discontinued"),
}
ERRORS = {
    "lot_size": gettext_lazy("A lot has at least 2 items."),
    "lot_size_not_integer": gettext_lazy("A lot has at least 2 items."),
    "lot_size_too_small": gettext_lazy("A lot has at least 2 items."),
    "unknown_aql": gettext_lazy("Choose one of the standard's AQL values (0.010 to 1000)."),
    "unknown_level": gettext_lazy("Choose an inspection level: S-1 to S-4, I, II or III."),
    "score_too_low": gettext_lazy(
        "The switching score is below 30: reduced inspection cannot be approved yet."
    ),
    "production_not_steady": gettext_lazy("Reduced inspection needs production at a steady rate."),
    "not_normal": gettext_lazy("Reduced inspection follows normal inspection."),
    "not_reduced": gettext_lazy("Inspection is not on reduced."),
    "not_discontinued": gettext_lazy("Inspection is not discontinued."),
}


CODES = {"lot_size_not_integer": "lot_size", "lot_size_too_small": "lot_size", "unknown_aql": "aql"}
CODES |= {"unknown_level": "level"}


def _domain(exc: sampling.SamplingError) -> DomainError:
    """The engine's error as a translated one (codes shortened for the pages and the API)."""
    message = ERRORS.get(exc.code, gettext_lazy("The sampling step is not possible."))
    return DomainError(message, code=CODES.get(exc.code, exc.code))


def state_of(contract: Any, service_type: Any, lock: bool = False) -> SamplingState:
    """The switching state of a contract's service type (started on normal inspection the first time)."""
    from django.db import IntegrityError

    rows = SamplingState.objects.filter(contract=contract, service_type=service_type)
    if lock:
        rows = rows.select_for_update()
    row = rows.first()
    if row is None:
        try:
            with transaction.atomic():  # two first lots at once: one creates the state, the other reads it
                row = SamplingState.objects.create(
                    contract=contract,
                    service_type=service_type,
                    vendor_id=contract.vendor_id,
                    state=sampling.Switching.start().to_dict(),
                )
                SamplingEvent.objects.create(state=row, before="", after="normal", reason="start", score=0)
        except IntegrityError:
            pass
        row = rows.get()
    return row


def switching(row: SamplingState) -> sampling.Switching:
    return sampling.Switching.from_dict(row.state)


def population(contract: Any, service_type: Any, first: datetime.date, last: datetime.date) -> list[int]:
    """The work orders of the lot: closed in the days ``first``..``last`` (local), by id."""
    from zoneinfo import ZoneInfo

    from django.conf import settings

    from oqms.workorders.models import WorkOrder

    zone = ZoneInfo(settings.TIME_ZONE)  # the enterprise's days, whoever asks
    start = datetime.datetime.combine(first, datetime.time(), tzinfo=zone)
    end = datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time(), tzinfo=zone)
    rows = WorkOrder._base_manager.filter(
        contract=contract, service_type=service_type, status="closed", closed_at__gte=start, closed_at__lt=end
    )
    return list(rows.order_by("pk").values_list("pk", flat=True))


def _plan_of(lot_size: int, aql: Decimal, level: str, severity: str) -> sampling.Plan:
    try:
        return sampling.single_plan(lot_size, aql, level, severity)
    except sampling.SamplingError as exc:
        raise _domain(exc) from exc


MAX_LOT = 2**31 - 1


def _draw(lot: Lot, items: list[int] | None) -> list[int]:
    """The sample: of the lot's work orders, or (``items`` None) of unit numbers 1..lot size."""
    if items is None:
        return sorted(
            draws.sample_range(lot.seed, lot.number, lot.lot_size, min(lot.sample_size, lot.lot_size))
        )
    return sorted(draws.sample(lot.seed, lot.number, items, min(lot.sample_size, len(items))))


@transaction.atomic
def open_lot(
    *,
    user: Any,
    contract: Any,
    service_type: Any,
    aql: Decimal,
    level: str = "II",
    kind: str = LotKind.WORK_ORDERS,
    first_day: datetime.date | None = None,
    last_day: datetime.date | None = None,
    lot_size: int | None = None,
    description: str = "",
) -> Lot:
    if user.role not in MANAGING | {Role.INSPECTOR}:
        raise DomainError(_("Only quality managers and inspectors open lots."), code="role")
    if not contract.service_types.filter(pk=service_type.pk).exists():
        raise DomainError(_("The contract does not cover this service type."), code="service_type")
    row = state_of(contract, service_type, lock=True)
    state = switching(row)
    if state.severity is None:
        raise DomainError(
            _(
                "Acceptance inspection of this service is discontinued until the vendor's corrective action is "
                "accepted."
            ),
            code="discontinued",
        )
    if kind == LotKind.WORK_ORDERS:
        if first_day is None or last_day is None or last_day < first_day:
            raise DomainError(_("Give the first and the last day of the lot."), code="days")
        items = population(contract, service_type, first_day, last_day)
        size = len(items)
    else:
        if isinstance(lot_size, bool) or not isinstance(lot_size, int):
            raise DomainError(ERRORS["lot_size"], code="lot_size")
        size, items = lot_size, []
        if size > MAX_LOT:
            raise DomainError(_("A lot has at most %(max)s items.") % {"max": MAX_LOT}, code="lot_size")
    if size < 2:
        raise DomainError(
            _("The lot has %(count)s item(s); a lot has at least 2.") % {"count": size}, code="lot_size"
        )
    plan = _plan_of(size, aql, level, state.severity)
    lot = Lot(
        number=f"LT{Sequence.take('lot'):08d}",
        kind=kind,
        contract=contract,
        vendor_id=contract.vendor_id,
        service_type=service_type,
        description=description.strip()[:300],
        first_day=first_day if kind == LotKind.WORK_ORDERS else None,
        last_day=last_day if kind == LotKind.WORK_ORDERS else None,
        lot_size=size,
        aql=Decimal(str(aql)),
        level=level,
        severity=plan.severity,
        code_letter=plan.code_letter,
        sample_size=plan.sample_size,
        accept=plan.accept,
        reject=plan.reject,
        seed=draws.new_seed(),
        inspector=user if user.role == Role.INSPECTOR else None,
    )
    lot.sample = _draw(lot, items if kind == LotKind.WORK_ORDERS else None)
    lot.save()
    return lot


def _plan_of_lot(lot: Lot) -> sampling.Plan:
    return sampling.Plan(
        code_letter=lot.code_letter,
        sample_size=lot.sample_size,
        accept=lot.accept,
        reject=lot.reject,
        severity=lot.severity,  # type: ignore[arg-type]
        aql=float(lot.aql),
        level=lot.level,  # type: ignore[arg-type]
        full_inspection=lot.sample_size >= lot.lot_size,
    )


@transaction.atomic
def redraw(lot: Lot, user: Any) -> Lot:
    """Look the plan up again under the current switching state and draw a new sample (a lot opened before
    the state switched, not decided yet)."""
    if user.role not in DECIDING:
        raise DomainError(_("Only quality managers and inspectors decide lots."), code="role")
    lot = Lot.objects.select_for_update().get(pk=lot.pk)
    if lot.status != LotStatus.OPEN:
        raise DomainError(_("The lot is already decided."), code="decided")
    state = switching(state_of(lot.contract, lot.service_type, lock=True))
    if state.severity is None:
        raise DomainError(_("Acceptance inspection of this service is discontinued."), code="discontinued")
    if state.state == lot.severity:  # a sample is not drawn again at will: only after a switch
        raise DomainError(_("The switching state has not changed: the sample stands."), code="no_switch")
    plan = _plan_of(lot.lot_size, lot.aql, lot.level, state.severity)
    lot.severity, lot.code_letter, lot.sample_size = plan.severity, plan.code_letter, plan.sample_size
    lot.accept, lot.reject = plan.accept, plan.reject
    # The new seed follows from the old one: the redraw is as reproducible as the first draw.
    lot.seed = hashlib.sha256(f"{lot.seed}|{plan.severity}".encode()).hexdigest()[:32]
    items: list[int] | None = None
    if lot.kind == LotKind.WORK_ORDERS and lot.first_day and lot.last_day:
        items = population(lot.contract, lot.service_type, lot.first_day, lot.last_day)
        if len(items) < 2:
            raise DomainError(
                _("The lot has %(count)s item(s); a lot has at least 2.") % {"count": len(items)},
                code="lot_size",
            )
        lot.lot_size = len(items)
    lot.sample = _draw(lot, items)
    lot.save()
    return lot


@transaction.atomic
def decide(lot: Lot, user: Any, nonconforming: Any, notes: str = "") -> Lot:
    """Record the nonconforming items found in the sample: the lot is accepted or not, and the switching
    state moves on."""
    if user.role not in DECIDING:
        raise DomainError(_("Only quality managers and inspectors decide lots."), code="role")
    lot = Lot.objects.select_for_update().get(pk=lot.pk)
    if lot.status != LotStatus.OPEN:
        raise DomainError(_("The lot is already decided."), code="decided")
    try:
        count = int(str(nonconforming).strip())
    except (TypeError, ValueError):
        count = -1
    if count < 0 or count > lot.sample_size:
        raise DomainError(
            _("Enter how many of the %(n)s sampled items are nonconforming (0 to %(n)s).")
            % {"n": lot.sample_size},
            code="nonconforming",
        )
    row = state_of(lot.contract, lot.service_type, lock=True)
    before = switching(row)
    if before.state != lot.severity:
        raise DomainError(
            _("Inspection switched to %(state)s since this lot was opened: draw its sample again first.")
            % {"state": STATE_TEXT.get(before.state, before.state)},
            code="replan",
        )
    plan = _plan_of_lot(lot)
    after = before.record_lot(plan, count)
    lot.defects = count
    lot.status = LotStatus.ACCEPTED if plan.accepts(count) else LotStatus.REJECTED
    lot.decided_at = timezone.now()
    lot.inspector = lot.inspector or user
    lot.notes = notes.strip()[:4000]
    lot.save()
    _move(row, before, after, user, lot)
    return lot


def _move(
    row: SamplingState, before: sampling.Switching, after: sampling.Switching, user: Any, lot: Lot | None
) -> None:
    row.state = after.to_dict()
    row.save()
    SamplingEvent.objects.create(
        state=row,
        lot=lot,
        before=before.state,
        after=after.state,
        reason=after.reason,
        score=after.score,
        actor=user,
    )


def _managed(row: SamplingState, user: Any) -> tuple[SamplingState, sampling.Switching]:
    if user.role not in MANAGING:
        raise DomainError(_("Only a quality manager changes the inspection severity."), code="role")
    row = SamplingState.objects.select_for_update().get(pk=row.pk)
    return row, switching(row)


@transaction.atomic
def approve_reduced(row: SamplingState, user: Any, production_steady: bool) -> SamplingState:
    row, before = _managed(row, user)
    try:
        after = before.approve_reduced(production_steady=production_steady)
    except sampling.SamplingError as exc:
        raise _domain(exc) from exc
    _move(row, before, after, user, None)
    return row


@transaction.atomic
def end_reduced(row: SamplingState, user: Any, cause: str) -> SamplingState:
    row, before = _managed(row, user)
    try:
        after = before.end_reduced("production_irregular" if cause == "production_irregular" else "other")
    except sampling.SamplingError as exc:
        raise _domain(exc) from exc
    _move(row, before, after, user, None)
    return row


@transaction.atomic
def resume(row: SamplingState, user: Any) -> SamplingState:
    row, before = _managed(row, user)
    try:
        after = before.resume()
    except sampling.SamplingError as exc:
        raise _domain(exc) from exc
    _move(row, before, after, user, None)
    return row
