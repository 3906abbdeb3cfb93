"""Raising nonconformances (from a finding, a complaint, a missed KPI, an audit or by hand), recognising repeats,
and what happens to a nonconformance outside its corrective action: containment, closing, cancelling.

A source is named by its model label and key (``inspections.finding:12``); what the nonconformance takes from it
(vendor, contract, site, severity, description) is read from the source's attributes, so this app imports none
of the apps above it.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from oqms.accounts.choices import Role
from oqms.capa.choices import OPEN_SCAR, RAISED, NCStatus, Severity, Source
from oqms.capa.models import DueRule, Nonconformance
from oqms.core.errors import DomainError
from oqms.core.models import Sequence

MANAGERS = {Role.QUALITY_MANAGER, Role.ADMIN}
# Who may raise a nonconformance: quality managers, inspectors on site, third-party assessors (audits).
RAISERS = MANAGERS | {Role.INSPECTOR, Role.ASSESSOR}
SOURCES = {
    "inspections.finding": Source.INSPECTION,
    "feedback.complaint": Source.COMPLAINT,
    "kpis.kpiresult": Source.KPI,
}
COMPLAINT_SEVERITY = {"low": Severity.MINOR, "medium": Severity.MAJOR, "high": Severity.CRITICAL}


class StepError(DomainError):
    status_code = 409


def repeat_window_days() -> int:
    return int(getattr(settings, "OQMS_NC_REPEAT_DAYS", 90))


def parse_source(text: str) -> tuple[str, str]:
    """``"inspections.finding:12"`` → (label, key); a malformed or unknown one raises DomainError."""
    label, _sep, key = (text or "").partition(":")
    if label not in SOURCES or not key.isdigit():
        raise DomainError(_("The record the nonconformance comes from is not recognised."), code="source")
    return label, key


def find_source(text: str, user: Any) -> Any:
    """The source record, if the user may see it (else DomainError: never another vendor's record)."""
    label, key = parse_source(text)
    model = apps.get_model(label)
    found = model.objects.visible_to(user).filter(pk=key).first()
    if found is None:
        raise DomainError(_("The record the nonconformance comes from is not recognised."), code="source")
    return found


def kpi_missed(result: Any) -> str | None:
    """None when the result meets its target, else the severity of the miss (below the minimum: major)."""
    if result.value is None:
        return None
    kpi = result.kpi
    higher = kpi.direction == "higher"
    value, target, minimum = float(result.value), float(kpi.target), float(kpi.minimum)
    if (value >= target) if higher else (value <= target):
        return None
    beyond = (value < minimum) if higher else (value > minimum)
    return str(Severity.MAJOR if beyond else Severity.MINOR)


def defaults_from(source: Any) -> dict[str, Any]:
    """What a nonconformance raised from this record starts with."""
    label = source._meta.label_lower
    if label == "inspections.finding":
        inspection = source.inspection
        template = inspection.version.template
        return {
            "title": f"{inspection.number} · {source.description[:150]}",
            "description": source.description,
            "vendor": source.vendor,
            "contract": source.contract,
            "site": source.site,
            "service_type": getattr(template, "service_type", None),
            "severity": source.severity,
            "detected_at": inspection.completed_at or timezone.now(),
            "label": f"{inspection.number} · {source.description[:120]}",
        }
    if label == "feedback.complaint":
        if source.vendor_id is None:
            raise DomainError(
                _("Assign the complaint to its vendor before raising a nonconformance."), code="source"
            )
        return {
            "title": f"{source.number} · {source.description[:150]}",
            "description": source.description,
            "vendor": source.vendor,
            "contract": source.contract,
            "site": source.site,
            "service_type": source.service_type,
            "severity": COMPLAINT_SEVERITY.get(source.severity, Severity.MAJOR),
            "detected_at": source.received_at,
            "label": f"{source.number} · {source.site}",
        }
    if label == "kpis.kpiresult":
        severity = kpi_missed(source)
        if severity is None:
            raise DomainError(_("This KPI met its target: there is nothing to raise."), code="source")
        card, kpi = source.scorecard, source.kpi
        period = f"{card.period_start:%Y-%m-%d} – {card.period_end:%Y-%m-%d}"
        text = _(
            "%(kpi)s was %(value).2f%(unit)s in %(period)s; the target is %(target)s and the minimum %(minimum)s."
        ) % {
            "kpi": kpi.name,
            "value": source.value,
            "unit": kpi.unit,
            "period": period,
            "target": kpi.target.normalize(),
            "minimum": kpi.minimum.normalize(),
        }
        return {
            "title": f"{kpi.name} · {card.contract.number} · {period}",
            "description": text,
            "vendor": card.vendor,
            "contract": card.contract,
            "site": kpi.site,
            "service_type": kpi.service_type,
            "severity": severity,
            "detected_at": timezone.now(),
            "label": f"{kpi.name} · {card.contract.number} · {period}",
        }
    raise DomainError(_("The record the nonconformance comes from is not recognised."), code="source")


def earlier_of(vendor_id: int, category_id: int, at: datetime.datetime, exclude: int | None = None) -> Any:
    """The latest nonconformance of the vendor in the category within the repeat window before ``at``."""
    rows = Nonconformance.objects.filter(
        vendor_id=vendor_id,
        category_id=category_id,
        detected_at__gte=at - datetime.timedelta(days=repeat_window_days()),
        detected_at__lte=at,
    ).exclude(status=NCStatus.CANCELLED)
    if exclude:
        rows = rows.exclude(pk=exclude)
    return rows.order_by("-detected_at", "-pk").first()


def _may_raise(user: Any) -> None:
    if user is None or user.role not in RAISERS or not user.has_perm("capa.add_nonconformance"):
        raise StepError(_("You may not raise nonconformances."), code="role")


@transaction.atomic
def raise_nonconformance(
    user: Any,
    *,
    title: str,
    description: str,
    vendor: Any,
    category: Any,
    severity: str,
    contract: Any = None,
    site: Any = None,
    service_type: Any = None,
    detected_at: datetime.datetime | None = None,
    containment: str = "",
    owner: Any = None,
    source: Any = None,
    kind: str | None = None,
) -> Nonconformance:
    """Record a nonconformance. A repeat (same vendor and category within the window) is linked to the earlier
    one and its severity raised a level; due dates follow the (final) severity's rule."""
    _may_raise(user)
    if severity not in Severity.values:
        raise DomainError(_("Choose a severity."), code="severity")
    if category is None or not category.is_active:
        raise DomainError(_("Choose a category from the list."), code="category")
    if vendor is None:
        raise DomainError(_("Choose the vendor responsible."), code="vendor")
    if contract is not None and contract.vendor_id != vendor.pk:
        raise DomainError(_("The contract belongs to another vendor."), code="contract")
    if not title.strip() or not description.strip():
        raise DomainError(_("Give the nonconformance a title and a description."), code="description")
    now = timezone.now()
    detected_at = detected_at or now
    if detected_at > now + datetime.timedelta(minutes=5):
        raise DomainError(_("A nonconformance cannot be found in the future."), code="detected_at")
    # One at a time per vendor, so two raised together cannot both miss each other as repeats.
    type(vendor).objects.select_for_update().filter(pk=vendor.pk).first()
    earlier = earlier_of(vendor.pk, category.pk, detected_at)
    final = RAISED[severity] if earlier is not None else severity
    rule = DueRule.for_severity(final)
    row = Nonconformance(
        number=f"NC{Sequence.take('nonconformance'):08d}",
        title=title.strip()[:200],
        description=description.strip()[:4000],
        source=kind or (SOURCES[source._meta.label_lower] if source is not None else Source.MANUAL),
        vendor=vendor,
        contract=contract,
        site=site,
        service_type=service_type,
        category=category,
        severity=final,
        reported_severity=severity,
        repeat_of=earlier,
        detected_at=detected_at,
        containment=containment.strip()[:2000],
        containment_due_at=(detected_at + datetime.timedelta(hours=rule.containment_hours))
        if containment.strip()
        else None,
        due_at=detected_at + datetime.timedelta(days=rule.close_days),
        raised_by=user,
        owner=owner or (user if user.role in MANAGERS else None),
    )
    if source is not None:
        row.source_type = ContentType.objects.get_for_model(source)
        row.source_id = str(source.pk)
        row.source_label = str(defaults_from(source)["label"])[:200]
    row.full_clean(exclude=["number", "reported_severity", "source_type"])
    row.save()
    _tell_vendor(row)
    return row


def raise_from(user: Any, source: Any, category: Any, containment: str = "") -> Nonconformance:
    """Raise a nonconformance from a finding, a complaint or a KPI result, with what the record says."""
    found = defaults_from(source)
    found.pop("label")
    return raise_nonconformance(user, category=category, containment=containment, source=source, **found)


def _tell_vendor(row: Nonconformance) -> None:
    from oqms.accounts.models import User
    from oqms.notify import services as notify
    from oqms.notify.kinds import Kind

    people = list(User.objects.filter(is_active=True, role=Role.VENDOR_MANAGER, vendor_id=row.vendor_id))
    if row.contract_id and row.contract and row.contract.owner:
        people.append(row.contract.owner)
    notify.send(
        people,
        Kind.NONCONFORMANCE_RAISED,
        f"nc-raised:{row.pk}",
        {
            "number": row.number,
            "title": row.title,
            "severity": row.severity,
            "repeat": row.repeat_of.number if row.repeat_of else "",
            "containment_due": row.containment_due_at.isoformat() if row.containment_due_at else "",
        },
        row.get_absolute_url(),
    )


def _locked(row: Nonconformance) -> Nonconformance:
    return Nonconformance.objects.select_for_update().get(pk=row.pk)


@transaction.atomic
def contain(row: Nonconformance, user: Any, note: str) -> Nonconformance:
    """The vendor (or the quality manager for it) records the containment done."""
    row = _locked(row)
    vendor_side = user.role == Role.VENDOR_MANAGER and user.vendor_id == row.vendor_id
    if not (vendor_side or user.role in MANAGERS):
        raise StepError(
            _("Only the vendor responsible (or a quality manager) records the containment."), code="role"
        )
    if row.status not in (NCStatus.OPEN, NCStatus.ACTION) or row.containment_done_at is not None:
        raise StepError(
            _("The containment is recorded already, or the nonconformance is closed."), code="status"
        )
    if not note.strip():
        raise DomainError(_("Say how the problem was contained."), code="note")
    row.containment_done_at = timezone.now()
    row.containment_note = note.strip()[:2000]
    row.save()
    return row


@transaction.atomic
def close(row: Nonconformance, user: Any, note: str) -> Nonconformance:
    """Close without a corrective action request (a minor slip put right on the spot), with the reason."""
    if user.role not in MANAGERS:
        raise StepError(_("Only a quality manager closes a nonconformance."), code="role")
    row = _locked(row)
    if row.status != NCStatus.OPEN:
        raise StepError(
            _("Only an open nonconformance without a corrective action is closed here."), code="status"
        )
    if row.scars.filter(status__in=OPEN_SCAR).exists():
        raise StepError(_("Its corrective action is still open."), code="status")
    if not note.strip():
        raise DomainError(_("Say why it is closed without a corrective action."), code="note")
    row.status = NCStatus.CLOSED
    row.closed_at = timezone.now()
    row.close_note = note.strip()[:2000]
    row.save()
    return row


@transaction.atomic
def cancel(row: Nonconformance, user: Any, note: str) -> Nonconformance:
    """Withdraw a nonconformance raised in error (it then no longer counts, nor makes later ones repeats)."""
    if user.role not in MANAGERS:
        raise StepError(_("Only a quality manager cancels a nonconformance."), code="role")
    row = _locked(row)
    if row.status in (NCStatus.CLOSED, NCStatus.CANCELLED):
        raise StepError(_("It is closed already."), code="status")
    if row.scars.filter(status__in=OPEN_SCAR).exists():
        raise StepError(_("Cancel its corrective action first."), code="status")
    if not note.strip():
        raise DomainError(_("Say why it is cancelled."), code="note")
    row.status = NCStatus.CANCELLED
    row.closed_at = timezone.now()
    row.close_note = note.strip()[:2000]
    row.save()
    return row


def raised_from(source: Any, user: Any) -> Any:
    """The nonconformances raised from this record that the user may see."""
    return Nonconformance.objects.visible_to(user).filter(
        source_type=ContentType.objects.get_for_model(source), source_id=str(source.pk)
    )
