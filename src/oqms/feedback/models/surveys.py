"""Satisfaction surveys (客户满意度调查): templates of questions in Chinese and English, triggers after a work order
closes and campaigns to lists of people, one-use token links that expire, and the responses."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from oqms.core.models import BaseModel
from oqms.core.scoping import ScopedManager


class QuestionKind(models.TextChoices):
    CSAT = "csat", _("Satisfaction 1–5 (CSAT)")
    NPS = "nps", _("Likelihood to recommend 0–10 (NPS)")
    SINGLE = "single", _("One choice")
    MULTIPLE = "multiple", _("Several choices")
    TEXT = "text", _("Free text")


class Survey(BaseModel):
    """A survey template: its questions, how long a link stays valid, and whether answers are anonymous (kept
    without the person or the work order)."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    intro = models.TextField(_("introduction"), blank=True)
    intro_en = models.TextField(_("English introduction"), blank=True)
    anonymous = models.BooleanField(
        _("anonymous"),
        default=False,
        help_text=_("Answers are kept without who gave them or about which work order."),
    )
    valid_days = models.PositiveSmallIntegerField(
        _("link valid for (days)"), default=14, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    remind_after_days = models.PositiveSmallIntegerField(
        _("remind after (days)"),
        default=3,
        validators=[MaxValueValidator(60)],
        help_text=_("0: no reminder."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    vendor_scope_field = None  # internal

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def title(self, language: str) -> str:
        return self.name_en if language.startswith("en") and self.name_en else self.name

    def introduction(self, language: str) -> str:
        return self.intro_en if language.startswith("en") and self.intro_en else self.intro


class SurveyQuestion(models.Model):
    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="questions", verbose_name=_("survey")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=QuestionKind.choices)
    text = models.CharField(_("question"), max_length=300)
    text_en = models.CharField(_("question in English"), max_length=300, blank=True)
    choices = models.JSONField(
        _("choices"),
        default=list,
        blank=True,
        help_text=_('For choice questions: [{"zh": "很快", "en": "Fast"}, ...].'),
    )
    required = models.BooleanField(_("required"), default=True)

    objects = ScopedManager()
    vendor_scope_field = None

    class Meta:
        verbose_name = _("survey question")
        verbose_name_plural = _("survey questions")
        ordering = ["survey", "position", "pk"]

    def __str__(self) -> str:
        return self.text

    def label(self, language: str) -> str:
        return self.text_en if language.startswith("en") and self.text_en else self.text

    def choice_labels(self, language: str) -> list[str]:
        key = "en" if language.startswith("en") else "zh"
        return [str(c.get(key) or c.get("zh") or "") for c in self.choices or [] if isinstance(c, dict)]


class SurveyTrigger(BaseModel):
    """Invite the requester after a work order closes: a share of them (sampled by a hash of the work order, so
    the choice is reproducible), after a delay, at most once per person in N days."""

    survey = models.ForeignKey(
        Survey, on_delete=models.PROTECT, related_name="triggers", verbose_name=_("survey")
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("contract"),
        help_text=_("Empty: work orders of every contract."),
    )
    sample_percent = models.PositiveSmallIntegerField(
        _("share surveyed (%)"), default=100, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    delay_hours = models.PositiveSmallIntegerField(
        _("send after (hours)"), default=2, validators=[MaxValueValidator(720)]
    )
    quiet_days = models.PositiveSmallIntegerField(
        _("at most one survey per person in (days)"), default=30, validators=[MaxValueValidator(365)]
    )
    is_active = models.BooleanField(_("active"), default=True)

    vendor_scope_field = None

    class Meta:
        verbose_name = _("survey trigger")
        verbose_name_plural = _("survey triggers")

    def __str__(self) -> str:
        return f"{self.survey} · {self.contract or _('every contract')}"


class SurveyCampaign(BaseModel):
    """A survey sent to a list of people at once (for example every requester of a site, once a quarter)."""

    survey = models.ForeignKey(
        Survey, on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("survey")
    )
    name = models.CharField(_("name"), max_length=200)
    recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("recipients")
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("about contract"),
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True, editable=False)

    vendor_scope_field = None

    class Meta:
        verbose_name = _("survey campaign")
        verbose_name_plural = _("survey campaigns")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class SurveyInvitation(models.Model):
    """One person asked once: a token link (only its hash is kept) that answers the survey once, until it
    expires. Invitations are what response rates are counted on."""

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="invitations")
    trigger = models.ForeignKey(
        SurveyTrigger, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    campaign = models.ForeignKey(
        SurveyCampaign, null=True, blank=True, on_delete=models.CASCADE, related_name="invitations"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="survey_invitations",
    )
    work_order = models.ForeignKey(
        "workorders.WorkOrder",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="survey_invitations",
    )
    contract = models.ForeignKey(
        "contracts.Contract", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    vendor = models.ForeignKey(
        "vendors.Vendor", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    site = models.ForeignKey("org.Site", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    token_sealed = models.TextField(
        blank=True, help_text="The link's token, encrypted: the reminder repeats the link."
    )
    send_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    reminded_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager()
    vendor_scope_field = "vendor"

    class Meta:
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        indexes = [models.Index(fields=["sent_at", "answered_at"], name="feedback_invitation_state_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "work_order"],
                condition=models.Q(work_order__isnull=False),
                name="feedback_one_survey_per_work_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.survey_id}/{self.pk}"


class SurveyResponse(models.Model):
    """The answers given through one invitation. For an anonymous survey the response keeps the vendor, contract,
    site, staff member and time it is counted under — never the person or the work order."""

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="responses")
    invitation = models.OneToOneField(
        SurveyInvitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="response"
    )
    vendor = models.ForeignKey(
        "vendors.Vendor", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    contract = models.ForeignKey(
        "contracts.Contract", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    site = models.ForeignKey("org.Site", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField()
    answers = models.JSONField(default=dict)
    csat = models.PositiveSmallIntegerField(null=True, blank=True)
    nps = models.PositiveSmallIntegerField(null=True, blank=True)

    objects = ScopedManager()
    vendor_scope_field = "vendor"

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        ordering = ["-submitted_at"]

    def __str__(self) -> str:
        return f"{self.survey_id} {self.submitted_at:%Y-%m-%d}"

    def answer_of(self, question: Any) -> Any:
        return (self.answers or {}).get(str(question.pk))
