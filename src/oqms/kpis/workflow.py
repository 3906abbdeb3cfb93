"""The scorecard workflow: draft → published to the vendor → (commented, appealed within the contract's appeal
days) → approved → locked. Pages and the API call these; each runs in one transaction on the locked row.

* Only the enterprise (quality managers, administrators) publishes, answers, approves, reopens and locks.
* The vendor's managers comment, accept or appeal — appeal only until ``appeal_until``.
* Approval needs the vendor's word or the end of the appeal window: the vendor accepted it, its appeal is
  answered, or the appeal days have passed. It sends :data:`~oqms.kpis.signals.scorecard_approved` in the same
  transaction, on which the settlement is approved and the consequence rules are applied.
* An approved or locked scorecard is never changed; late data makes a correction (``scorecards.compute``).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from oqms.accounts.choices import Role
from oqms.accounts.models import User
from oqms.core.errors import DomainError
from oqms.kpis import staff
from oqms.kpis.models import KPI, CommentKind, Scorecard, ScorecardComment, ScorecardStatus
from oqms.kpis.signals import scorecard_approved
from oqms.notify import services as notify
from oqms.notify.kinds import Kind

INTERNAL = {Role.QUALITY_MANAGER, Role.ADMIN}


class Step:
    PUBLISH = "publish"
    COMMENT = "comment"
    ACCEPT = "accept"
    APPEAL = "appeal"
    ANSWER = "answer"
    REOPEN = "reopen"
    APPROVE = "approve"
    LOCK = "lock"


STEP_LABELS = {
    Step.PUBLISH: gettext_lazy("Publish to the vendor"),
    Step.COMMENT: gettext_lazy("Comment"),
    Step.ACCEPT: gettext_lazy("Accept the scorecard"),
    Step.APPEAL: gettext_lazy("Appeal"),
    Step.ANSWER: gettext_lazy("Answer the appeal"),
    Step.REOPEN: gettext_lazy("Back to draft"),
    Step.APPROVE: gettext_lazy("Approve"),
    Step.LOCK: gettext_lazy("Lock"),
}
# Steps that need a text (the comment, the appeal's reason, the answer, why it goes back to draft).
NEEDS_TEXT = {Step.COMMENT, Step.APPEAL, Step.ANSWER, Step.REOPEN}


class ScorecardError(DomainError):
    status_code = 409


def _is_internal(user: Any) -> bool:
    return getattr(user, "role", None) in INTERNAL and user.has_perm("kpis.change_scorecard")


def _is_vendor_manager(user: Any, scorecard: Scorecard) -> bool:
    return getattr(user, "role", None) == Role.VENDOR_MANAGER and user.vendor_id == scorecard.vendor_id


def appeal_open(scorecard: Scorecard, now: datetime.datetime | None = None) -> bool:
    now = now or timezone.now()
    return scorecard.status == ScorecardStatus.PUBLISHED and bool(
        scorecard.appeal_until and now < scorecard.appeal_until
    )


def _open_appeal(scorecard: Scorecard) -> bool:
    """The vendor appealed and the appeal has no answer yet."""
    return scorecard.status == ScorecardStatus.APPEALED


def allowed_steps(scorecard: Scorecard, user: Any, now: datetime.datetime | None = None) -> list[str]:
    """The steps this user may take on the scorecard now, in the order they are offered."""
    now = now or timezone.now()
    status = scorecard.status
    steps: list[str] = []
    if _is_internal(user):
        if status == ScorecardStatus.DRAFT:
            steps.append(Step.PUBLISH)
        if status in (ScorecardStatus.PUBLISHED, ScorecardStatus.APPEALED):
            steps.append(Step.COMMENT)
        if status == ScorecardStatus.APPEALED:
            steps.append(Step.ANSWER)
        if status in (ScorecardStatus.PUBLISHED, ScorecardStatus.APPEALED):
            steps.append(Step.REOPEN)
        if status == ScorecardStatus.PUBLISHED and (scorecard.accepted_at or not appeal_open(scorecard, now)):
            steps.append(Step.APPROVE)
        if status == ScorecardStatus.APPROVED:
            steps.append(Step.LOCK)
    elif _is_vendor_manager(user, scorecard):
        if status in (ScorecardStatus.PUBLISHED, ScorecardStatus.APPEALED):
            steps.append(Step.COMMENT)
        if appeal_open(scorecard, now) and not scorecard.accepted_at:
            steps += [Step.ACCEPT, Step.APPEAL]
    return steps


def _locked(scorecard: Scorecard, user: Any, step: str) -> Scorecard:
    row = Scorecard.objects.select_for_update().select_related("contract", "vendor").get(pk=scorecard.pk)
    if step not in allowed_steps(row, user):
        vendor_side, internal = _is_vendor_manager(user, row), _is_internal(user)
        if (
            vendor_side
            and step == Step.APPEAL
            and row.status == ScorecardStatus.PUBLISHED
            and not row.accepted_at
        ):
            raise ScorecardError(_("The time to appeal this scorecard has passed."), code="appeal_closed")
        if internal and step == Step.APPROVE and row.status == ScorecardStatus.PUBLISHED:
            raise ScorecardError(
                _("The vendor may still appeal until %(until)s: approve after that, or once it accepts.")
                % {"until": timezone.localtime(row.appeal_until).strftime("%Y-%m-%d %H:%M")},
                code="appeal_window_open",
            )
        raise ScorecardError(
            _("“%(step)s” is not possible for you on a scorecard that is %(status)s.")
            % {"step": STEP_LABELS.get(step, step), "status": row.get_status_display()},
            code="step_not_allowed",
        )
    return row


def _text(text: str, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise DomainError(message, code="text_required")
    return text


def _kpi_of(scorecard: Scorecard, kpi: Any) -> KPI | None:
    if kpi in (None, ""):
        return None
    kpi_id = getattr(kpi, "pk", kpi)
    found = KPI.objects.filter(pk=kpi_id, results__scorecard=scorecard).first()
    if found is None:
        raise DomainError(_("Choose a KPI of this scorecard."), code="bad_kpi")
    return found


def _note(scorecard: Scorecard, user: Any, kind: str, text: str, kpi: KPI | None = None) -> ScorecardComment:
    return ScorecardComment.objects.create(scorecard=scorecard, author=user, kind=kind, text=text, kpi=kpi)


# --- who hears of it ----------------------------------------------------------------------------------


def vendor_managers(scorecard: Scorecard) -> list[Any]:
    return list(User.objects.filter(vendor_id=scorecard.vendor_id, role=Role.VENDOR_MANAGER, is_active=True))


def enterprise_side(scorecard: Scorecard) -> list[Any]:
    """The contract's owner, else the quality managers."""
    owner = scorecard.contract.owner
    if owner is not None and owner.is_active:
        return [owner]
    return list(User.objects.filter(role=Role.QUALITY_MANAGER, is_active=True, vendor__isnull=True))


def _notify(scorecard: Scorecard, kind: str, people: list[Any], event: str, **extra: Any) -> None:
    params = {
        "contract": scorecard.contract.number,
        "vendor": str(scorecard.vendor),
        "period": scorecard.period_label(),
        "grade": scorecard.grade or "—",
        "score": "—" if scorecard.score is None else f"{scorecard.score:.2f}",
        **extra,
    }
    notify.send(people, kind, f"scorecard:{scorecard.pk}:{event}", params, scorecard.get_absolute_url())


# --- what the vendor was shown -------------------------------------------------------------------------


def snapshot(scorecard: Scorecard) -> dict[str, list[Any]]:
    """The figures of the scorecard as shown to the vendor: {KPI id: [value, numerator, denominator, score]}."""
    return {
        str(result.kpi_id): [result.value, result.numerator, result.denominator, result.score]
        for result in scorecard.results.order_by("kpi_id")
    }


def revise_if_changed(sender: Any, scorecard: Scorecard, **kwargs: Any) -> None:
    """A published (or appealed) scorecard recomputed with other figures is shown to the vendor anew: its
    acceptance no longer counts, the appeal window opens again from now, and the vendor is told. Connected to
    ``scorecard_computed``."""
    if scorecard.status not in (ScorecardStatus.PUBLISHED, ScorecardStatus.APPEALED):
        return
    figures = snapshot(scorecard)
    if figures == (scorecard.published_results or {}):
        return
    row = Scorecard.objects.select_for_update().select_related("contract", "vendor").get(pk=scorecard.pk)
    row.published_results = figures
    row.accepted_at = None
    if row.status == ScorecardStatus.PUBLISHED:
        row.appeal_until = timezone.now() + datetime.timedelta(days=row.contract.appeal_days)
    row.save()
    staff.store(row)
    _notify(
        row,
        Kind.SCORECARD_REVISED,
        vendor_managers(row),
        f"revised:{timezone.now().isoformat()}",
        appeal_due=row.appeal_until.isoformat() if row.appeal_until else "",
    )


# --- the steps ------------------------------------------------------------------------------------------


@transaction.atomic
def publish(scorecard: Scorecard, user: Any, now: datetime.datetime | None = None) -> Scorecard:
    now = now or timezone.now()
    row = _locked(scorecard, user, Step.PUBLISH)
    row.status = ScorecardStatus.PUBLISHED
    row.published_at, row.published_by = now, user
    row.appeal_until = now + datetime.timedelta(days=row.contract.appeal_days)
    row.accepted_at = None
    row.published_results = snapshot(row)
    row.save()
    staff.store(row)  # what the vendor is shown per person stays as published
    _notify(
        row,
        Kind.SCORECARD_PUBLISHED,
        vendor_managers(row),
        f"published:{row.published_at.isoformat()}",
        appeal_due=row.appeal_until.isoformat(),
    )
    return row


@transaction.atomic
def comment(scorecard: Scorecard, user: Any, text: str, kpi: Any = None) -> ScorecardComment:
    row = _locked(scorecard, user, Step.COMMENT)
    note = _note(row, user, CommentKind.COMMENT, _text(text, _("Write the comment.")), _kpi_of(row, kpi))
    people = enterprise_side(row) if _is_vendor_manager(user, row) else vendor_managers(row)
    _notify(row, Kind.SCORECARD_COMMENT, people, f"comment:{note.pk}", author=str(user))
    return note


@transaction.atomic
def accept(scorecard: Scorecard, user: Any, now: datetime.datetime | None = None) -> Scorecard:
    row = _locked(scorecard, user, Step.ACCEPT)
    row.accepted_at = now or timezone.now()
    row.save()
    _notify(row, Kind.SCORECARD_ACCEPTED, enterprise_side(row), "accepted")
    return row


@transaction.atomic
def appeal(scorecard: Scorecard, user: Any, reason: str, kpi: Any = None) -> Scorecard:
    row = _locked(scorecard, user, Step.APPEAL)
    text = _text(reason, _("Say why the vendor appeals."))
    target = _kpi_of(row, kpi)
    row.status = ScorecardStatus.APPEALED
    row.save()
    note = _note(row, user, CommentKind.APPEAL, text, target)
    _notify(row, Kind.SCORECARD_APPEALED, enterprise_side(row), f"appeal:{note.pk}", author=str(user))
    return row


@transaction.atomic
def answer(scorecard: Scorecard, user: Any, text: str) -> Scorecard:
    """Answer the appeal and keep the scorecard as it is: it is published again, and can be approved at once."""
    row = _locked(scorecard, user, Step.ANSWER)
    note = _note(row, user, CommentKind.ANSWER, _text(text, _("Write the answer to the appeal.")))
    row.status = ScorecardStatus.PUBLISHED
    row.appeal_until = min(row.appeal_until or timezone.now(), timezone.now())  # one appeal per publication
    row.save()
    _notify(row, Kind.SCORECARD_ANSWERED, vendor_managers(row), f"answer:{note.pk}")
    return row


@transaction.atomic
def reopen(scorecard: Scorecard, user: Any, reason: str) -> Scorecard:
    """Back to draft (e.g. an appeal was upheld and work orders are corrected): recomputed, then published anew."""
    row = _locked(scorecard, user, Step.REOPEN)
    text = _text(reason, _("Say why the scorecard goes back to draft."))
    _note(
        row, user, CommentKind.ANSWER if row.status == ScorecardStatus.APPEALED else CommentKind.COMMENT, text
    )
    row.status = ScorecardStatus.DRAFT
    row.appeal_until = row.accepted_at = None
    row.save()
    _notify(row, Kind.SCORECARD_REOPENED, vendor_managers(row), f"reopen:{timezone.now().isoformat()}")
    return row


@transaction.atomic
def approve(scorecard: Scorecard, user: Any, now: datetime.datetime | None = None) -> Scorecard:
    row = _locked(scorecard, user, Step.APPROVE)
    row.status = ScorecardStatus.APPROVED
    row.approved_at, row.approved_by = now or timezone.now(), user
    row.save()
    staff.store(row)
    scorecard_approved.send(Scorecard, scorecard=row, user=user)
    _notify(row, Kind.SCORECARD_APPROVED, vendor_managers(row), "approved")
    return row


@transaction.atomic
def lock(scorecard: Scorecard, user: Any, now: datetime.datetime | None = None) -> Scorecard:
    row = _locked(scorecard, user, Step.LOCK)
    row.status = ScorecardStatus.LOCKED
    row.locked_at = now or timezone.now()
    row.save()
    return row


def run(step: str, scorecard: Scorecard, user: Any, text: str = "", kpi: Any = None) -> Any:
    """Take one step by name (pages and the API)."""
    if step == Step.PUBLISH:
        return publish(scorecard, user)
    if step == Step.COMMENT:
        return comment(scorecard, user, text, kpi)
    if step == Step.ACCEPT:
        return accept(scorecard, user)
    if step == Step.APPEAL:
        return appeal(scorecard, user, text, kpi)
    if step == Step.ANSWER:
        return answer(scorecard, user, text)
    if step == Step.REOPEN:
        return reopen(scorecard, user, text)
    if step == Step.APPROVE:
        return approve(scorecard, user)
    if step == Step.LOCK:
        return lock(scorecard, user)
    raise DomainError(_("Unknown step."), code="unknown_step")
