"""Inspections (质量检查): versioned checklists, periodic and random plans, inspections done on site, their
findings; and acceptance sampling of deliverable lots (ISO 2859-1)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from oqms.accounts.choices import Role
from oqms.core.choices import colour_of
from oqms.core.files import validate_photo
from oqms.core.models import BaseModel
from oqms.core.scoping import SHARED, ScopedManager
from oqms.engine import checklists
from oqms.inspections.choices import (
    AssignBy,
    InspectionKind,
    InspectionStatus,
    ItemKind,
    LotKind,
    LotStatus,
    PlanKind,
    SamplingPeriod,
    Severity,
    VersionStatus,
)

VENDOR_ROLES = (Role.VENDOR_MANAGER, Role.VENDOR_STAFF)


class ChecklistTemplate(BaseModel):
    """A checklist (检查表) by name; what is asked lives in its versions. Vendors may read the checklists they
    are inspected against."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    service_type = models.ForeignKey(
        "contracts.ServiceType",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("service type"),
    )
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    vendor_scope_field = SHARED

    class Meta:
        verbose_name = _("checklist")
        verbose_name_plural = _("checklists")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def current_version(self) -> ChecklistVersion | None:
        """The latest published version: the one new inspections are done with."""
        return self.versions.filter(status=VersionStatus.PUBLISHED).order_by("-number").first()


class ChecklistVersion(BaseModel):
    """One version of a checklist: its sections, items and pass mark. A draft may be edited; once published it
    never changes (inspections keep the version they were done with); a change is a new version."""

    template = models.ForeignKey(
        ChecklistTemplate, on_delete=models.CASCADE, related_name="versions", verbose_name=_("checklist")
    )
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=12, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    pass_mark = models.DecimalField(
        _("pass mark"),
        max_digits=5,
        decimal_places=2,
        default=80,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("The lowest score (0-100) that passes; any failed critical item fails anyway."),
    )
    note = models.TextField(_("what changed"), blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("published by"),
    )

    vendor_scope_field = SHARED

    class Meta:
        verbose_name = _("checklist version")
        verbose_name_plural = _("checklist versions")
        ordering = ["template", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="inspections_one_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.template.code} v{self.number}"

    def status_colour(self) -> str:
        return colour_of(VersionStatus, self.status)

    @property
    def is_draft(self) -> bool:
        return self.status == VersionStatus.DRAFT

    def ordered_items(self) -> list[ChecklistItem]:
        return list(self.items.select_related("section").order_by("section__position", "position", "pk"))

    def engine_items(self) -> list[checklists.Item]:
        return [item.engine_item() for item in self.ordered_items()]


class ChecklistSection(BaseModel):
    version = models.ForeignKey(
        ChecklistVersion, on_delete=models.CASCADE, related_name="sections", verbose_name=_("version")
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    title = models.CharField(_("section"), max_length=200)

    vendor_scope_field = SHARED

    class Meta:
        verbose_name = _("checklist section")
        verbose_name_plural = _("checklist sections")
        ordering = ["version", "position", "pk"]

    def __str__(self) -> str:
        return self.title


class ChecklistItem(BaseModel):
    """One question of a checklist version; see ``oqms.engine.checklists`` for how each kind is scored."""

    version = models.ForeignKey(
        ChecklistVersion, on_delete=models.CASCADE, related_name="items", verbose_name=_("version")
    )
    section = models.ForeignKey(
        ChecklistSection,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="items",
        verbose_name=_("section"),
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    text = models.CharField(_("item"), max_length=300)
    guidance = models.TextField(
        _("guidance"), blank=True, help_text=_("How to check it, what good looks like.")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=ItemKind.choices, default=ItemKind.PASS_FAIL)
    weight = models.DecimalField(
        _("weight"), max_digits=6, decimal_places=2, default=1, validators=[MinValueValidator(0)]
    )
    critical = models.BooleanField(
        _("critical"), default=False, help_text=_("Failing it fails the whole inspection.")
    )
    severity = models.CharField(
        _("severity of a failure"), max_length=10, choices=Severity.choices, default=Severity.MINOR
    )
    max_score = models.PositiveSmallIntegerField(_("highest score"), default=0, blank=True)
    pass_score = models.DecimalField(
        _("passing score"), max_digits=6, decimal_places=2, default=0, blank=True
    )
    lower = models.DecimalField(_("lower limit"), max_digits=12, decimal_places=4, null=True, blank=True)
    upper = models.DecimalField(_("upper limit"), max_digits=12, decimal_places=4, null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    choices = models.JSONField(
        _("choices"),
        default=list,
        blank=True,
        help_text=_('For a choice item: [{"label": "干净", "worth": 1, "passes": true}, ...].'),
    )

    vendor_scope_field = SHARED

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["version", "position", "pk"]

    def __str__(self) -> str:
        return self.text

    @property
    def key(self) -> str:
        return str(self.pk)

    def engine_item(self) -> checklists.Item:
        return checklists.Item(
            key=self.key,
            kind=self.kind,
            weight=float(self.weight),
            critical=self.critical,
            max_score=int(self.max_score or 0),
            pass_score=float(self.pass_score or 0),
            lower=None if self.lower is None else float(self.lower),
            upper=None if self.upper is None else float(self.upper),
            choices=tuple(
                checklists.Choice(
                    str(c.get("label", "")), float(c.get("worth", 1)), bool(c.get("passes", True))
                )
                for c in (self.choices or [])
                if isinstance(c, dict)
            ),
        )

    @property
    def score_range(self) -> range:
        return range(0, int(self.max_score or 0) + 1)

    def choice_labels(self) -> list[str]:
        return [str(c.get("label", "")) for c in (self.choices or []) if isinstance(c, dict)]


class InspectionPlan(BaseModel):
    """When and where a contract's service is inspected: periodically by a rule (every Monday, the 1st of the
    month, every N days), or at random — K inspections a week or a month, at sites, people and times drawn from
    the plan's secret seed. Plans are internal: vendors never see them."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=PlanKind.choices, default=PlanKind.PERIODIC)
    contract = models.ForeignKey(
        "contracts.Contract",
        on_delete=models.PROTECT,
        related_name="inspection_plans",
        verbose_name=_("contract"),
    )
    template = models.ForeignKey(
        ChecklistTemplate, on_delete=models.PROTECT, related_name="plans", verbose_name=_("checklist")
    )
    sites = models.ManyToManyField(
        "org.Site",
        blank=True,
        related_name="+",
        verbose_name=_("sites"),
        help_text=_("Leave empty for every site of the contract."),
    )
    rule = models.JSONField(_("rule"), default=dict, blank=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    time_of_day = models.TimeField(_("time of day"), null=True, blank=True)
    window_hours = models.PositiveSmallIntegerField(
        _("hours to complete"),
        default=8,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 31)],
        help_text=_("An inspection not completed this long after its time is overdue."),
    )
    per_period = models.PositiveSmallIntegerField(
        _("inspections per period"), default=0, validators=[MaxValueValidator(500)]
    )
    period = models.CharField(
        _("period"), max_length=8, choices=SamplingPeriod.choices, default=SamplingPeriod.MONTH
    )
    draw_staff = models.BooleanField(
        _("draw a staff member"),
        default=False,
        help_text=_("Also draw which of the vendor's people to check."),
    )
    seed = models.CharField(_("seed"), max_length=64, editable=False)
    assign_by = models.CharField(
        _("assign inspectors"), max_length=10, choices=AssignBy.choices, default=AssignBy.ROTATION
    )
    remind_hours = models.PositiveSmallIntegerField(
        _("remind hours before"), default=24, validators=[MaxValueValidator(24 * 14)]
    )
    is_active = models.BooleanField(_("active"), default=True)
    scheduled_until = models.DateField(_("scheduled until"), null=True, blank=True, editable=False)

    # Internal: vendor roles have no permission on plans (a vendor must not learn when it will be checked); a
    # third-party assessor scoped to a vendor may read that vendor's plans, seeds included, to audit the draws.
    vendor_scope_field = "contract__vendor"

    class Meta:
        verbose_name = _("inspection plan")
        verbose_name_plural = _("inspection plans")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def kind_colour(self) -> str:
        return colour_of(PlanKind, self.kind)

    @property
    def rule_text(self) -> str:
        """The rule in words ("every week on Monday, Thursday"), or the draw of a random plan."""
        if self.kind == PlanKind.RANDOM:
            return str(_("%(count)s at random per %(period)s")) % {
                "count": self.per_period,
                "period": self.get_period_display(),
            }
        rule = self.rule or {}
        if rule.get("kind") == "weekly":
            names = dict(WEEKDAY_NAMES)
            days = ", ".join(str(names.get(d, d)) for d in rule.get("weekdays", []))
            return str(_("every week on %(days)s")) % {"days": days}
        if rule.get("kind") == "monthly":
            days = ", ".join(str(_("last day")) if d == -1 else str(d) for d in rule.get("days", []))
            return str(_("every month on day %(days)s")) % {"days": days}
        if rule.get("kind") == "every":
            return str(_("every %(n)s days")) % {"n": rule.get("days")}
        return ""

    @property
    def sites_text(self) -> str:
        chosen = [str(site) for site in self.sites.all()]
        return ", ".join(chosen) if chosen else str(_("every site of the contract"))


WEEKDAY_NAMES = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


class PlanInspector(models.Model):
    """An inspector of a plan: for one site (assigned by site), or for any (in turn)."""

    plan = models.ForeignKey(InspectionPlan, on_delete=models.CASCADE, related_name="inspectors")
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("inspector")
    )
    site = models.ForeignKey(
        "org.Site", null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("site")
    )

    objects = ScopedManager()
    vendor_scope_field = "plan__contract__vendor"

    class Meta:
        verbose_name = _("plan inspector")
        verbose_name_plural = _("plan inspectors")
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "inspector", "site"], name="inspections_plan_inspector_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.inspector} {self.site or ''}".strip()


class Inspection(BaseModel):
    """One inspection (检查) of a site under a contract, done with one checklist version. Once completed it is
    never edited: a correction is a new inspection that supersedes it."""

    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    kind = models.CharField(
        _("kind"), max_length=10, choices=InspectionKind.choices, default=InspectionKind.ADHOC
    )
    plan = models.ForeignKey(
        InspectionPlan,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name=_("plan"),
    )
    occurrence = models.CharField(_("occurrence"), max_length=40, blank=True, editable=False)
    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.PROTECT, related_name="inspections", verbose_name=_("contract")
    )
    vendor = models.ForeignKey(
        "vendors.Vendor", on_delete=models.PROTECT, related_name="inspections", verbose_name=_("vendor")
    )
    site = models.ForeignKey(
        "org.Site", on_delete=models.PROTECT, related_name="inspections", verbose_name=_("site")
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inspections_of",
        verbose_name=_("staff member inspected"),
    )
    version = models.ForeignKey(
        ChecklistVersion, on_delete=models.PROTECT, related_name="inspections", verbose_name=_("checklist")
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inspections_done",
        verbose_name=_("inspector"),
    )
    scheduled_for = models.DateTimeField(_("scheduled for"))
    due_at = models.DateTimeField(_("due"))
    status = models.CharField(
        _("status"), max_length=12, choices=InspectionStatus.choices, default=InspectionStatus.SCHEDULED
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(_("passed"), null=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    location_accuracy = models.PositiveIntegerField(_("location accuracy (m)"), null=True, blank=True)
    acknowledged_by = models.CharField(_("vendor representative"), max_length=100, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledgement = models.TextField(_("representative's remarks"), blank=True)
    summary = models.TextField(_("summary"), blank=True)
    draw = models.JSONField(_("draw"), default=dict, blank=True, editable=False)
    revision = models.PositiveSmallIntegerField(_("revision"), default=1, editable=False)
    supersedes = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
        verbose_name=_("corrects"),
    )
    correction_reason = models.TextField(_("reason for the correction"), blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    overdue_notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    vendor_scope_field = "vendor"

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-scheduled_for"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "occurrence"],
                condition=~models.Q(occurrence=""),
                name="inspections_one_per_occurrence",
            )
        ]
        indexes = [models.Index(fields=["status", "due_at"], name="inspections_status_due_idx")]

    def __str__(self) -> str:
        return f"{self.number} {self.site}"

    @staticmethod
    def restrict_rows(queryset: Any, user: Any, action: str) -> Any:
        """A vendor never sees a random inspection before it happens, nor a corrected (superseded) one's
        draft; an inspector sees the inspections assigned to them and those they may pick up."""
        if user.role in VENDOR_ROLES:
            queryset = queryset.exclude(kind=InspectionKind.RANDOM, status=InspectionStatus.SCHEDULED)
            queryset = queryset.exclude(status=InspectionStatus.CANCELLED, started_at__isnull=True)
            if user.role == Role.VENDOR_STAFF:
                queryset = queryset.filter(staff=user)
        if user.role == Role.INSPECTOR and action != "view":
            queryset = queryset.filter(models.Q(inspector=user) | models.Q(inspector__isnull=True))
        return queryset

    def status_colour(self) -> str:
        return colour_of(InspectionStatus, self.status)

    def kind_colour(self) -> str:
        return colour_of(InspectionKind, self.kind)

    @property
    def is_open(self) -> bool:
        return self.status in (InspectionStatus.SCHEDULED, InspectionStatus.IN_PROGRESS)

    @property
    def result_label(self) -> str:
        if self.passed is None:
            return ""
        return str(_("passed") if self.passed else _("failed"))


class Answer(models.Model):
    """The answer to one item, saved as the inspector goes."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    value = models.JSONField(_("answer"), null=True, blank=True)
    applicable = models.BooleanField(_("applicable"), default=True)
    note = models.TextField(_("note"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), auto_now=True)
    worth = models.FloatField(null=True, blank=True, editable=False)
    failed = models.BooleanField(default=False, editable=False)

    objects = ScopedManager()
    vendor_scope_field = "inspection__vendor"

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [models.UniqueConstraint(fields=["inspection", "item"], name="inspections_one_answer")]

    def __str__(self) -> str:
        return f"{self.inspection_id}/{self.item_id}"

    @staticmethod
    def restrict_rows(queryset: Any, user: Any, action: str) -> Any:
        """The rows of the inspections the user may see (or act on)."""
        if user.role not in (*VENDOR_ROLES, Role.INSPECTOR):
            return queryset
        return queryset.filter(
            inspection__in=Inspection.restrict_rows(Inspection.objects.all(), user, action)
        )


class InspectionPhoto(BaseModel):
    """A photo taken during an inspection, for one item or the whole; stored compressed (JPEG, at most 1600
    pixels a side), with when it was taken."""

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="photos", verbose_name=_("inspection")
    )
    item = models.ForeignKey(
        ChecklistItem,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("item"),
    )
    photo = models.FileField(_("photo"), upload_to="inspections/%Y/%m/", validators=[validate_photo])
    taken_at = models.DateTimeField(_("taken at"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("uploaded by"),
    )

    vendor_scope_field = "inspection__vendor"

    class Meta:
        verbose_name = _("inspection photo")
        verbose_name_plural = _("inspection photos")
        ordering = ["taken_at", "pk"]

    def __str__(self) -> str:
        return self.photo.name.rsplit("/", 1)[-1]

    restrict_rows = staticmethod(Answer.restrict_rows)


class Finding(BaseModel):
    """A failed item of a completed inspection, with its severity. A failed critical item or a failed
    inspection needs action from the vendor: until the corrective-action workflow exists it is listed as
    "action required"."""

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="findings", verbose_name=_("inspection")
    )
    item = models.ForeignKey(
        ChecklistItem,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("item"),
    )
    vendor = models.ForeignKey(
        "vendors.Vendor", on_delete=models.PROTECT, related_name="findings", verbose_name=_("vendor")
    )
    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.PROTECT, related_name="findings", verbose_name=_("contract")
    )
    site = models.ForeignKey("org.Site", on_delete=models.PROTECT, related_name="+", verbose_name=_("site"))
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    description = models.TextField(_("description"))
    action_required = models.BooleanField(_("action required"), default=False)

    vendor_scope_field = "vendor"

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.description[:60]

    @staticmethod
    def restrict_rows(queryset: Any, user: Any, action: str) -> Any:
        if user.role == Role.VENDOR_STAFF:
            return queryset.filter(inspection__staff=user)
        return queryset

    def severity_colour(self) -> str:
        return colour_of(Severity, self.severity)


class SamplingState(models.Model):
    """Where a contract's service type stands in ISO 2859-1 switching (normal, tightened, reduced,
    discontinued), as ``oqms.engine.sampling`` keeps it."""

    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.CASCADE, related_name="+", verbose_name=_("contract")
    )
    service_type = models.ForeignKey(
        "contracts.ServiceType", on_delete=models.PROTECT, related_name="+", verbose_name=_("service type")
    )
    vendor = models.ForeignKey("vendors.Vendor", on_delete=models.PROTECT, related_name="+")
    state = models.JSONField(_("state"), default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager()
    vendor_scope_field = "vendor"

    class Meta:
        verbose_name = _("sampling state")
        verbose_name_plural = _("sampling states")
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "service_type"], name="inspections_one_sampling_state"
            )
        ]

    def __str__(self) -> str:
        return f"{self.contract.number} · {self.service_type}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("inspections:samplingstate_detail", args=[self.pk])

    @property
    def severity_text(self) -> str:
        from oqms.inspections.lots import STATE_TEXT

        return str(STATE_TEXT.get(self.state.get("state", ""), ""))

    def severity_colour(self) -> str:
        return {
            "normal": "primary",
            "tightened": "warning",
            "reduced": "success",
            "discontinued": "danger",
        }.get(self.state.get("state", ""), "secondary")

    @property
    def score(self) -> int:
        return int(self.state.get("score", 0))


class Lot(BaseModel):
    """A lot of deliverables submitted for acceptance (验收批): the work orders of a contract closed in a span
    of days, or a delivered batch of a stated size. The plan is looked up from ISO 2859-1 under the contract's
    switching state, the sample is drawn at random, the inspector records the defects, and the lot is accepted
    or rejected."""

    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=12, choices=LotKind.choices, default=LotKind.WORK_ORDERS)
    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.PROTECT, related_name="lots", verbose_name=_("contract")
    )
    vendor = models.ForeignKey(
        "vendors.Vendor", on_delete=models.PROTECT, related_name="lots", verbose_name=_("vendor")
    )
    service_type = models.ForeignKey(
        "contracts.ServiceType", on_delete=models.PROTECT, related_name="+", verbose_name=_("service type")
    )
    description = models.CharField(_("description"), max_length=300, blank=True)
    first_day = models.DateField(_("closed from"), null=True, blank=True)
    last_day = models.DateField(_("closed to"), null=True, blank=True)
    lot_size = models.PositiveIntegerField(_("lot size"), validators=[MinValueValidator(2)])
    aql = models.DecimalField(_("AQL"), max_digits=7, decimal_places=3)
    level = models.CharField(_("inspection level"), max_length=4, default="II")
    severity = models.CharField(_("inspection severity"), max_length=12, editable=False)
    code_letter = models.CharField(_("code letter"), max_length=1, editable=False)
    sample_size = models.PositiveIntegerField(_("sample size"), editable=False)
    accept = models.PositiveIntegerField(_("accept number (Ac)"), editable=False)
    reject = models.PositiveIntegerField(_("reject number (Re)"), editable=False)
    seed = models.CharField(_("seed"), max_length=64, editable=False)
    sample = models.JSONField(_("sample"), default=list, editable=False)
    defects = models.PositiveIntegerField(_("nonconforming units found"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=LotStatus.choices, default=LotStatus.OPEN)
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("inspector"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    vendor_scope_field = "vendor"
    audit_exclude = (
        "seed",
        "sample",
    )  # the audit trail is shown to the vendor: never the sample of an open lot

    class Meta:
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.number

    def status_colour(self) -> str:
        return colour_of(LotStatus, self.status)

    @property
    def severity_text(self) -> str:
        from oqms.inspections.lots import STATE_TEXT

        return str(STATE_TEXT.get(self.severity, self.severity))


class SamplingEvent(models.Model):
    """One step of a switching state's history: a lot decided, or a switch (with its clause)."""

    state = models.ForeignKey(SamplingState, on_delete=models.CASCADE, related_name="events")
    lot = models.ForeignKey(Lot, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    before = models.CharField(_("before"), max_length=12)
    after = models.CharField(_("after"), max_length=12)
    reason = models.CharField(_("reason"), max_length=40)
    score = models.IntegerField(_("switching score"), null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    objects = ScopedManager()
    vendor_scope_field = "state__vendor"

    class Meta:
        verbose_name = _("sampling history")
        verbose_name_plural = _("sampling history")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.before} -> {self.after}"

    @property
    def reason_text(self) -> str:
        from oqms.inspections.lots import REASON_TEXT

        return str(REASON_TEXT.get(self.reason, self.reason))
