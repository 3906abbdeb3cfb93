"""Checklist versions and inspections: every change goes through here, in one transaction on locked rows.

Checklists: a draft version is edited, then published (checked first: every item must be scorable); a
published version never changes — :func:`new_version` copies it into the next draft. Inspections: scheduled
(by a plan or by hand) → started on site → answered item by item (each answer saved and checked as it comes) →
completed with the vendor representative's acknowledgement: the score, the result and the findings follow
from ``oqms.engine.checklists``. A completed inspection is never edited: :func:`correct` starts a new revision
that supersedes it.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from oqms.accounts.choices import Role
from oqms.core.errors import DomainError
from oqms.core.files import compress_photo
from oqms.core.models import Sequence
from oqms.engine import checklists
from oqms.inspections.choices import InspectionKind, InspectionStatus, ItemKind, Severity, VersionStatus
from oqms.inspections.models import (
    Answer,
    ChecklistItem,
    ChecklistSection,
    ChecklistTemplate,
    ChecklistVersion,
    Finding,
    Inspection,
    InspectionPhoto,
)

INSPECTING_ROLES = {Role.INSPECTOR, Role.QUALITY_MANAGER, Role.ADMIN}


class InspectionError(DomainError):
    status_code = 409


# --- checklists -----------------------------------------------------------------------------------------


def _item_message(error: checklists.ChecklistError, item: ChecklistItem | None) -> str:
    messages = {
        "kind": _("The kind of item is unknown."),
        "weight": _("The weight must be a number of at least 0."),
        "max_score": _("A score item needs a highest score of at least 1."),
        "pass_score": _("The passing score must be between 0 and the highest score."),
        "limits": _("A measured item needs a lower or an upper limit, the lower not above the upper."),
        "choices": _("A choice item needs at least two choices with distinct labels, each worth 0 to 1."),
        "incomplete": _("This item has not been answered."),
        "value": _("This answer does not fit the item."),
    }
    text = str(messages.get(error.code, _("The checklist cannot be scored.")))
    return f"{item.text}: {text}" if item is not None else text


def check_version(version: ChecklistVersion) -> None:
    """Raise :class:`DomainError` (naming the item) unless every item of the version can be scored."""
    items = version.ordered_items()
    if not items:
        raise DomainError(_("A checklist needs at least one item."), code="no_items")
    for item in items:
        try:
            item.engine_item().check()
        except checklists.ChecklistError as exc:
            raise DomainError(_item_message(exc, item), code=f"item_{exc.code}") from exc


@transaction.atomic
def publish_version(version: ChecklistVersion, user: Any) -> ChecklistVersion:
    version = ChecklistVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != VersionStatus.DRAFT:
        raise InspectionError(_("Only a draft version can be published."), code="not_draft")
    check_version(version)
    ChecklistVersion.objects.filter(template=version.template, status=VersionStatus.PUBLISHED).exclude(
        pk=version.pk
    ).update(status=VersionStatus.RETIRED)
    version.status = VersionStatus.PUBLISHED
    version.published_at = timezone.now()
    version.published_by = user
    version.save()
    return version


@transaction.atomic
def new_version(template: ChecklistTemplate, user: Any, note: str = "") -> ChecklistVersion:
    """The next draft version of a checklist: a copy of the latest version, or empty for a new checklist.
    There is at most one draft at a time."""
    template = ChecklistTemplate.objects.select_for_update().get(pk=template.pk)
    draft = template.versions.filter(status=VersionStatus.DRAFT).first()
    if draft is not None:
        return draft
    latest = template.versions.order_by("-number").first()
    version = ChecklistVersion.objects.create(
        template=template,
        number=(latest.number + 1) if latest else 1,
        pass_mark=latest.pass_mark if latest else Decimal(80),
        note=note,
    )
    if latest is not None:
        sections = {}
        for section in latest.sections.order_by("position", "pk"):
            sections[section.pk] = ChecklistSection.objects.create(
                version=version, position=section.position, title=section.title
            )
        for item in latest.items.order_by("position", "pk"):
            ChecklistItem.objects.create(
                version=version,
                section=sections.get(item.section_id) if item.section_id else None,
                **{
                    name: getattr(item, name)
                    for name in (
                        "position",
                        "text",
                        "guidance",
                        "kind",
                        "weight",
                        "critical",
                        "severity",
                        "max_score",
                        "pass_score",
                        "lower",
                        "upper",
                        "unit",
                        "choices",
                    )
                },
            )
    return version


# --- inspections ------------------------------------------------------------------------------------------


def format_number(sequence: int) -> str:
    return f"IN{sequence:08d}"


def create(
    *,
    contract: Any,
    site: Any,
    template: ChecklistTemplate,
    scheduled_for: datetime.datetime,
    due_at: datetime.datetime | None = None,
    inspector: Any = None,
    staff: Any = None,
    kind: str = InspectionKind.ADHOC,
    plan: Any = None,
    occurrence: str = "",
    draw: dict[str, Any] | None = None,
) -> Inspection:
    """A scheduled inspection with the checklist's current version (the caller holds the transaction)."""
    version = template.current_version()
    if version is None:
        raise DomainError(_("The checklist has no published version yet."), code="no_version")
    if not contract.sites.filter(pk=site.pk).exists():
        raise DomainError(_("The contract does not cover this site."), code="site")
    if inspector is not None and (not inspector.is_active or inspector.role not in INSPECTING_ROLES):
        raise DomainError(_("Choose an active inspector."), code="inspector")
    if staff is not None and staff.vendor_id != contract.vendor_id:
        raise DomainError(_("The staff member inspected must work for the contract's vendor."), code="staff")
    return Inspection.objects.create(
        number=format_number(Sequence.take("inspection")),
        kind=kind,
        plan=plan,
        occurrence=occurrence,
        contract=contract,
        vendor_id=contract.vendor_id,
        site=site,
        staff=staff,
        version=version,
        inspector=inspector,
        scheduled_for=scheduled_for,
        due_at=due_at or scheduled_for + datetime.timedelta(hours=8),
        draw=draw or {},
    )


@transaction.atomic
def reschedule(
    inspection: Inspection,
    user: Any,
    *,
    scheduled_for: datetime.datetime,
    due_at: datetime.datetime | None,
    inspector: Any,
    staff: Any,
) -> Inspection:
    """Move or reassign an inspection that has not started (a quality manager's step), with create's checks."""
    row = Inspection.objects.select_for_update().get(pk=inspection.pk)
    if user.role not in (Role.QUALITY_MANAGER, Role.ADMIN):
        raise InspectionError(
            _("Only a quality manager reschedules or reassigns an inspection."), code="role"
        )
    if row.status != InspectionStatus.SCHEDULED:
        raise InspectionError(
            _("An inspection is edited only before it starts; a completed one is corrected."), code="started"
        )
    if inspector is not None and (not inspector.is_active or inspector.role not in INSPECTING_ROLES):
        raise DomainError(_("Choose an active inspector."), code="inspector")
    if staff is not None and staff.vendor_id != row.vendor_id:
        raise DomainError(_("The staff member inspected must work for the contract's vendor."), code="staff")
    row.scheduled_for = scheduled_for
    row.due_at = due_at or scheduled_for + datetime.timedelta(hours=8)
    if row.due_at <= row.scheduled_for:
        raise DomainError(_("The due time must be after the scheduled time."), code="due")
    row.inspector, row.staff = inspector, staff
    row.reminded_at = row.overdue_notified_at = None
    row.save()
    return row


def _locked(inspection: Inspection) -> Inspection:
    return Inspection.objects.select_for_update().get(pk=inspection.pk)


def _may_inspect(inspection: Inspection, user: Any) -> None:
    if user.role not in INSPECTING_ROLES:
        raise InspectionError(_("Only inspectors and quality managers carry out inspections."), code="role")
    if user.role == Role.INSPECTOR and inspection.inspector_id not in (None, user.pk):
        raise InspectionError(_("This inspection is assigned to another inspector."), code="not_yours")


def _coordinate(value: Any, limit: int, name: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except ArithmeticError as exc:
        raise DomainError(_("The location could not be read."), code=name) from exc
    if not number.is_finite() or abs(number) > limit:
        raise DomainError(_("The location could not be read."), code=name)
    return number


@transaction.atomic
def start(
    inspection: Inspection,
    user: Any,
    latitude: Any = None,
    longitude: Any = None,
    accuracy: Any = None,
    at: datetime.datetime | None = None,
) -> Inspection:
    """Begin on site (the time, and the place when the phone gives it); the inspection is the user's."""
    row = _locked(inspection)
    _may_inspect(row, user)
    if row.status != InspectionStatus.SCHEDULED:
        raise InspectionError(_("The inspection has already been started."), code="started")
    current = row.version.template.current_version()
    if current is not None and current.pk != row.version_id and row.kind != InspectionKind.CORRECTION:
        row.version = current  # scheduled before a new version was published: done with the current one
    row.status = InspectionStatus.IN_PROGRESS
    row.started_at = at or timezone.now()
    row.inspector = row.inspector or user
    row.latitude = _coordinate(latitude, 90, "latitude")
    row.longitude = _coordinate(longitude, 180, "longitude")
    if row.latitude is None or row.longitude is None:
        row.latitude = row.longitude = None
    try:
        row.location_accuracy = (
            max(0, min(int(float(accuracy)), 100_000))
            if accuracy not in (None, "") and row.latitude
            else None
        )
    except (TypeError, ValueError, OverflowError):
        row.location_accuracy = None
    row.save()
    return row


def _in_progress(inspection: Inspection, user: Any) -> Inspection:
    row = _locked(inspection)
    _may_inspect(row, user)
    if row.status != InspectionStatus.IN_PROGRESS:
        raise InspectionError(_("Only an inspection in progress can be answered."), code="not_in_progress")
    return row


def parse_value(item: ChecklistItem, raw: Any) -> Any:
    """An answer as typed or tapped (text from a form) as the value the item takes; None when empty."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if item.kind == ItemKind.PASS_FAIL:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("pass", "true", "1", "yes"):
            return True
        if text in ("fail", "false", "0", "no"):
            return False
        raise DomainError(_item_message(checklists.ChecklistError("value", ""), item), code="value")
    if item.kind in (ItemKind.SCORE, ItemKind.NUMERIC):
        try:
            number = float(str(raw).strip().replace(",", "."))
        except ValueError as exc:
            raise DomainError(f"{item.text}: {_('Enter a number.')}", code="value") from exc
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    return str(raw).strip()[:2000]


@transaction.atomic
def answer(
    inspection: Inspection,
    user: Any,
    item: ChecklistItem,
    value: Any,
    applicable: bool = True,
    note: str = "",
) -> Answer:
    """Save one item's answer (checked against the item; a bad one changes nothing)."""
    row = _in_progress(inspection, user)
    if item.version_id != row.version_id:
        raise DomainError(_("The item is not on this inspection's checklist."), code="item")
    if not applicable and (item.critical or item.kind == ItemKind.PHOTO):
        message = _("A critical item or a required photo cannot be marked not applicable.")
        raise DomainError(f"{item.text}: {message}", code="na")
    parsed = parse_value(item, value) if applicable else None
    photos = row.photos.filter(item=item).count()
    worth, failed = None, False
    if applicable and (parsed is not None or item.kind in (ItemKind.TEXT, ItemKind.PHOTO)):
        try:
            mark = checklists.mark(item.engine_item(), checklists.Answer(parsed, True, photos))
            worth, failed = mark.worth, mark.failed
        except checklists.ChecklistError as exc:
            if exc.code != "incomplete":
                raise DomainError(_item_message(exc, item), code=f"answer_{exc.code}") from exc
    saved, _created = Answer.objects.update_or_create(
        inspection=row,
        item=item,
        defaults={
            "value": parsed,
            "applicable": applicable,
            "note": note[:2000],
            "worth": worth,
            "failed": failed,
        },
    )
    return saved


@transaction.atomic
def add_photo(
    inspection: Inspection,
    user: Any,
    upload: Any,
    item: ChecklistItem | None = None,
    taken_at: datetime.datetime | None = None,
) -> InspectionPhoto:
    from oqms.core.files import validate_photo

    row = _in_progress(inspection, user)
    if item is not None and item.version_id != row.version_id:
        raise DomainError(_("The item is not on this inspection's checklist."), code="item")
    validate_photo(upload)  # the real type and the size, before anything is stored
    photo = InspectionPhoto(inspection=row, item=item, taken_at=taken_at or timezone.now(), uploaded_by=user)
    compressed = compress_photo(upload)
    photo.photo.save(compressed.name, compressed, save=False)
    photo.save()
    if item is not None and item.kind == ItemKind.PHOTO:
        Answer.objects.update_or_create(
            inspection=row, item=item, defaults={"value": None, "applicable": True, "failed": False}
        )
    return photo


def outcome(inspection: Inspection) -> checklists.Outcome:
    """Score the inspection's answers (raises :class:`DomainError` naming the first unanswered item)."""
    items = inspection.version.ordered_items()
    photos: dict[int, int] = {}
    for item_id in inspection.photos.exclude(item=None).values_list("item_id", flat=True):
        photos[item_id] = photos.get(item_id, 0) + 1
    answers = {
        str(a.item_id): checklists.Answer(a.value, a.applicable, photos.get(a.item_id, 0))
        for a in inspection.answers.all()
    }
    for item in items:  # photo items count their photos even without an answer row
        if item.kind == ItemKind.PHOTO and item.key not in answers:
            answers[item.key] = checklists.Answer(None, True, photos.get(item.pk, 0))
    by_key = {item.key: item for item in items}
    try:
        return checklists.evaluate(
            [item.engine_item() for item in items], answers, float(inspection.version.pass_mark)
        )
    except checklists.ChecklistError as exc:
        raise DomainError(_item_message(exc, by_key.get(exc.item)), code=f"answer_{exc.code}") from exc


def _finding_text(item: ChecklistItem, answer: Answer | None) -> str:
    shown = "" if answer is None or answer.value is None else f" ({answer.value}{item.unit})"
    note = f" — {answer.note}" if answer is not None and answer.note else ""
    return f"{item.text}{shown}{note}"


@transaction.atomic
def complete(
    inspection: Inspection,
    user: Any,
    acknowledged_by: str = "",
    acknowledgement: str = "",
    summary: str = "",
    at: datetime.datetime | None = None,
) -> Inspection:
    """Finish: score, pass or fail, a finding per failed item. A failed critical item or a failed inspection
    needs action from the vendor (its findings are marked "action required")."""
    row = _in_progress(inspection, user)
    result = outcome(row)
    at = at or timezone.now()
    row.status = InspectionStatus.COMPLETED
    row.completed_at = at
    row.score = None if result.score is None else Decimal(str(round(result.score, 2)))
    # The result follows the score as stored (2 decimals), so the two never disagree.
    if row.score is not None:
        row.passed = not result.critical_failed and row.score >= row.version.pass_mark
    else:
        row.passed = result.passed
    row.acknowledged_by = acknowledged_by.strip()[:100]
    row.acknowledged_at = at if row.acknowledged_by else None
    row.acknowledgement = acknowledgement.strip()[:4000]
    row.summary = summary.strip()[:4000]
    row.save()
    items = {item.key: item for item in row.version.ordered_items()}
    answers = {str(a.item_id): a for a in row.answers.all()}
    for failed in result.failed:
        item = items[failed.key]
        severity = Severity.CRITICAL if item.critical else item.severity
        Finding.objects.create(
            inspection=row,
            item=item,
            vendor_id=row.vendor_id,
            contract_id=row.contract_id,
            site_id=row.site_id,
            severity=severity,
            description=_finding_text(item, answers.get(failed.key)),
            action_required=item.critical or not result.passed,
        )
    if not result.passed and not result.failed:  # below the pass mark without any single failed item
        Finding.objects.create(
            inspection=row,
            vendor_id=row.vendor_id,
            contract_id=row.contract_id,
            site_id=row.site_id,
            severity=Severity.MAJOR,
            description=_("Score %(score)s below the pass mark %(mark)s.")
            % {"score": row.score, "mark": row.version.pass_mark},
            action_required=True,
        )
    needing = row.findings.filter(action_required=True).count()
    if needing:
        _announce_failure(row.pk, needing)  # in the same transaction: rolled back with it
    return row


def _announce_failure(pk: int, findings: int) -> None:
    """Tell the vendor's managers and the contract's owner that an inspection needs action from the vendor."""
    from oqms.accounts.models import User
    from oqms.notify import services as notify
    from oqms.notify.kinds import Kind

    row = Inspection.objects.select_related("site", "contract", "contract__owner").get(pk=pk)
    people = list(User.objects.filter(is_active=True, role=Role.VENDOR_MANAGER, vendor_id=row.vendor_id))
    if row.contract.owner is not None:
        people.append(row.contract.owner)
    notify.send(
        people,
        Kind.INSPECTION_FAILED,
        f"inspection-failed:{row.pk}",
        {
            "number": row.number,
            "site": str(row.site),
            "contract": row.contract.number,
            "findings": findings,
        },
        row.get_absolute_url(),
    )


@transaction.atomic
def cancel(inspection: Inspection, user: Any, reason: str) -> Inspection:
    row = _locked(inspection)
    if user.role not in (Role.QUALITY_MANAGER, Role.ADMIN):
        raise InspectionError(_("Only a quality manager cancels an inspection."), code="role")
    if not row.is_open:
        raise InspectionError(
            _("A completed inspection is never changed; correct it instead."), code="closed"
        )
    if row.kind == InspectionKind.CORRECTION:
        raise InspectionError(
            _("A correction is completed, not cancelled: the original stays corrected."), code="correction"
        )
    if not reason.strip():
        raise DomainError(_("Say why the inspection is cancelled."), code="reason")
    row.status = InspectionStatus.CANCELLED
    row.summary = reason.strip()[:4000]
    row.save()
    return row


@transaction.atomic
def correct(inspection: Inspection, user: Any, reason: str) -> Inspection:
    """A new revision of a completed inspection, in progress, with its answers copied, to be completed again;
    the original stays as it was and points to its correction."""
    row = _locked(inspection)
    if user.role not in (Role.QUALITY_MANAGER, Role.ADMIN):
        raise InspectionError(_("Only a quality manager corrects a completed inspection."), code="role")
    if row.status != InspectionStatus.COMPLETED:
        raise InspectionError(_("Only a completed inspection is corrected."), code="not_completed")
    if Inspection.objects.filter(supersedes=row).exists():
        raise InspectionError(_("This inspection has already been corrected."), code="corrected")
    if not reason.strip():
        raise DomainError(_("Say what is being corrected."), code="reason")
    fresh = Inspection.objects.create(
        number=format_number(Sequence.take("inspection")),
        kind=InspectionKind.CORRECTION,
        contract_id=row.contract_id,
        vendor_id=row.vendor_id,
        site_id=row.site_id,
        staff_id=row.staff_id,
        version_id=row.version_id,
        inspector=row.inspector,
        scheduled_for=row.scheduled_for,
        due_at=timezone.now() + datetime.timedelta(days=1),
        status=InspectionStatus.IN_PROGRESS,
        started_at=timezone.now(),
        latitude=row.latitude,
        longitude=row.longitude,
        location_accuracy=row.location_accuracy,
        revision=row.revision + 1,
        supersedes=row,
        correction_reason=reason.strip()[:4000],
        draw=row.draw,
    )
    for old in row.answers.all():
        Answer.objects.create(
            inspection=fresh,
            item_id=old.item_id,
            value=old.value,
            applicable=old.applicable,
            note=old.note,
            worth=old.worth,
            failed=old.failed,
        )
    for photo in row.photos.all():
        InspectionPhoto.objects.create(
            inspection=fresh,
            item_id=photo.item_id,
            photo=photo.photo.name,
            taken_at=photo.taken_at,
            uploaded_by=photo.uploaded_by,
        )
    return fresh


def current(inspection: Inspection) -> Inspection:
    """The latest revision of an inspection (itself when never corrected)."""
    seen = inspection
    while True:
        later = Inspection.objects.filter(supersedes=seen).first()
        if later is None:
            return seen
        seen = later
