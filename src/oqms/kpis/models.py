"""Daily rollups of work orders: the numbers KPIs are computed from, kept per contract, service type, priority,
site and day, and maintained incrementally from the days a work order change touches (``oqms.kpis.rollups``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from oqms.core.models import BaseModel
from oqms.core.scoping import ScopedManager


class RollupFigures(models.Model):
    """What daily and monthly rollups count for their slice of work (``oqms.kpis.rollups``)."""

    opened = models.PositiveIntegerField(default=0)
    opened_completed = models.PositiveIntegerField(default=0)
    responded = models.PositiveIntegerField(default=0)
    responded_in_time = models.PositiveIntegerField(default=0)
    response_seconds = models.FloatField(default=0)
    response_histogram = models.BinaryField(default=b"")
    resolved = models.PositiveIntegerField(default=0)
    resolved_in_time = models.PositiveIntegerField(default=0)
    resolved_first_time = models.PositiveIntegerField(default=0)
    resolved_reopened = models.PositiveIntegerField(default=0)
    resolution_seconds = models.FloatField(default=0)
    resolution_histogram = models.BinaryField(default=b"")
    closed = models.PositiveIntegerField(default=0)
    rated = models.PositiveIntegerField(default=0)
    rating_sum = models.PositiveIntegerField(default=0)

    objects = ScopedManager()
    vendor_scope_field = "vendor"

    class Meta:
        abstract = True


class DailyRollup(RollupFigures):
    """What happened to one slice of work on one day (local calendar day of ``TIME_ZONE``).

    Each work order counts on the day of each of its events: raised (``opened``), first response
    (``responded``), resolution (``resolved``, while it stays resolved or closed) and closing (``closed``). The
    cohort counts (``opened_completed``) count, on the day a work order was raised, whether it is completed now.
    Durations are business seconds of the work order's SLA clocks; their distribution is kept as a fixed-bucket
    histogram (``oqms.engine.histogram``) so that percentiles over any set of days come from added histograms."""

    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.CASCADE, related_name="+", verbose_name=_("contract")
    )
    vendor = models.ForeignKey(
        "vendors.Vendor", on_delete=models.CASCADE, related_name="+", verbose_name=_("vendor")
    )
    service_type = models.ForeignKey(
        "contracts.ServiceType", on_delete=models.CASCADE, related_name="+", verbose_name=_("service type")
    )
    priority = models.CharField(_("priority"), max_length=2)
    site = models.ForeignKey("org.Site", on_delete=models.CASCADE, related_name="+", verbose_name=_("site"))
    day = models.DateField(_("day"))

    class Meta:
        verbose_name = _("daily rollup")
        verbose_name_plural = _("daily rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "day", "service_type", "priority", "site"],
                name="kpis_rollup_one_per_slice",
            )
        ]
        indexes = [models.Index(fields=["vendor", "day"], name="kpis_rollup_vendor_day_idx")]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.day} {self.service_type_id} {self.priority} {self.site_id}"


class DirtyDay(models.Model):
    """A contract's day whose rollups must be counted again from the work orders: a repair mark, for changes made
    without the save signals (``QuerySet.update``, raw SQL, a hand edit) and for rollups found not to add up.
    Ordinary saves record :class:`RollupChange` rows instead."""

    contract = models.ForeignKey("contracts.Contract", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    marked_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["contract", "day"], name="kpis_dirty_once")]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.day}"


class RollupChange(models.Model):
    """What one save or delete of a work order changed in the rollups, waiting to be added to them: the work
    order as the rollups see it (its slice, state, targets, durations and the local days of its events), with
    ``sign`` -1 for the state it left and +1 for the state it entered. Written in the saving transaction by the
    signal receivers of ``oqms.kpis.rollups`` and consumed by ``refresh_dirty``; no foreign keys, so that a
    change outlives a deleted work order until it has been taken out of the rollups."""

    id = models.BigAutoField(primary_key=True)
    sign = models.SmallIntegerField()
    work_order_id = models.BigIntegerField()
    contract_id = models.BigIntegerField(db_index=True)
    vendor_id = models.BigIntegerField()
    service_type_id = models.BigIntegerField()
    site_id = models.BigIntegerField()
    priority = models.CharField(max_length=2)
    finished = models.BooleanField()
    closed = models.BooleanField()
    reopened = models.BooleanField()
    rating = models.SmallIntegerField()
    response_target_minutes = models.IntegerField(null=True)
    resolution_target_minutes = models.IntegerField(null=True)
    response_business_seconds = models.FloatField(null=True)
    resolution_business_seconds = models.FloatField(null=True)
    opened_day = models.DateField(null=True)
    responded_day = models.DateField(null=True)
    resolved_day = models.DateField(null=True)
    closed_day = models.DateField(null=True)

    def __str__(self) -> str:
        return f"{self.sign:+d} {self.work_order_id}"


class Direction(models.TextChoices):
    HIGHER = "higher", _("higher is better")
    LOWER = "lower", _("lower is better")


class ScoringRule(models.TextChoices):
    LINEAR = "linear", _("linear between minimum and target")
    TIERS = "tiers", _("tiers")


class Period(models.TextChoices):
    MONTH = "month", _("month")
    QUARTER = "quarter", _("quarter")


class KPI(BaseModel):
    """A key performance indicator of a contract: a built-in measure (optionally of one service type, priority or
    site) or a formula over measures, with its target, minimum acceptable value, direction, weight and scoring."""

    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.CASCADE, related_name="kpis", verbose_name=_("contract")
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    measure = models.CharField(_("measure"), max_length=40, blank=True)
    formula = models.TextField(
        _("formula"),
        blank=True,
        help_text=_(
            "Instead of a measure: an expression over measures, e.g. min(resolution_in_target_pct, first_time_fix_pct)."
        ),
    )
    service_type = models.ForeignKey(
        "contracts.ServiceType",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("only service type"),
    )
    priority = models.CharField(_("only priority"), max_length=2, blank=True)
    site = models.ForeignKey(
        "org.Site",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("only site"),
    )
    unit = models.CharField(_("unit"), max_length=16, blank=True)
    direction = models.CharField(
        _("direction"), max_length=8, choices=Direction.choices, default=Direction.HIGHER
    )
    target = models.DecimalField(_("target"), max_digits=12, decimal_places=3)
    minimum = models.DecimalField(_("minimum acceptable"), max_digits=12, decimal_places=3)
    weight = models.DecimalField(_("weight"), max_digits=6, decimal_places=2, default=1)
    scoring = models.CharField(
        _("scoring"), max_length=8, choices=ScoringRule.choices, default=ScoringRule.LINEAR
    )
    tiers = models.JSONField(
        _("tiers"), default=list, blank=True, help_text=_("For tiered scoring: [[threshold, score], …].")
    )
    backlog_days = models.PositiveSmallIntegerField(
        _("backlog older than (days)"),
        default=7,
        help_text=_(
            "For the backlog measure: work orders still open at the end of the period, raised this long before."
        ),
    )
    period = models.CharField(_("period"), max_length=8, choices=Period.choices, default=Period.MONTH)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective until"), null=True, blank=True)

    vendor_scope_field = "contract__vendor"

    class Meta:
        verbose_name = _("KPI")
        verbose_name_plural = _("KPIs")
        ordering = ["contract", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "code", "effective_from"],
                name="kpis_kpi_unique_code_from",
                violation_error_message=_("This contract already has this KPI from that date."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.contract.number})"

    def clean(self) -> None:
        from oqms.kpis.evaluation import validate_kpi

        validate_kpi(self)

    def tiers_display(self) -> str:
        """The tiers as people read them: "≥ 98 → 100; ≥ 95 → 80" (≤ when lower is better)."""
        sign = "≥" if self.direction == Direction.HIGHER else "≤"
        return "; ".join(f"{sign} {threshold:g} → {score:g}" for threshold, score in self.tiers or [])

    def measure_label(self) -> str:
        from oqms.kpis.measures import MEASURES

        if self.formula:
            return self.formula
        measure = MEASURES.get(self.measure)
        return str(measure.label) if measure else self.measure


def default_grades() -> list[list[Any]]:
    from oqms.contracts.models import default_grade_bands

    return default_grade_bands()


class ScorecardStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published to the vendor")
    APPEALED = "appealed", _("Appealed by the vendor")
    APPROVED = "approved", _("Approved")
    LOCKED = "locked", _("Locked")


ScorecardStatus.colours = {  # type: ignore[attr-defined]
    "draft": "secondary",
    "published": "info",
    "appealed": "warning",
    "approved": "success",
    "locked": "dark",
}
FINAL_STATUSES = (ScorecardStatus.APPROVED, ScorecardStatus.LOCKED)


class Scorecard(BaseModel):
    """A contract's grade for one period: the weighted score of its KPIs, with the result of each. A scorecard
    that was approved is never recomputed: late data makes a correction, a new version that references it."""

    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.PROTECT, related_name="scorecards", verbose_name=_("contract")
    )
    vendor = models.ForeignKey(
        "vendors.Vendor", on_delete=models.PROTECT, related_name="scorecards", verbose_name=_("vendor")
    )
    period = models.CharField(_("period"), max_length=8, choices=Period.choices)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    supersedes = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("corrects")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ScorecardStatus.choices, default=ScorecardStatus.DRAFT
    )
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True, blank=True)
    grade = models.CharField(_("grade"), max_length=8, blank=True)
    grade_bands = models.JSONField(_("grade bands"), default=default_grades)
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("published by"),
    )
    appeal_until = models.DateTimeField(_("appeals until"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted by the vendor at"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("approved by"),
    )
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True)
    published_results = models.JSONField(
        _("figures as published"),
        default=dict,
        blank=True,
        help_text=_(
            "The KPI figures the vendor was shown: {KPI id: [value, numerator, denominator, score]}."
        ),
    )

    vendor_scope_field = "vendor"

    class Meta:
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")
        ordering = ["-period_start", "contract", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "period", "period_start", "version"], name="kpis_scorecard_one_version"
            )
        ]

    def __str__(self) -> str:
        suffix = f" v{self.version}" if self.version > 1 else ""
        return f"{self.contract.number} {self.period_label()}{suffix}"

    def status_colour(self) -> str:
        from oqms.core.choices import colour_of

        return colour_of(ScorecardStatus, self.status)

    @staticmethod
    def restrict_rows(queryset: Any, user: Any, action: str) -> Any:
        return _published_only(queryset, user)

    def period_label(self) -> str:
        """2026-10 for a month, 2026Q4 for a quarter."""
        if self.period == Period.QUARTER:
            return f"{self.period_start.year}Q{(self.period_start.month - 1) // 3 + 1}"
        return f"{self.period_start:%Y-%m}"

    def grade_bands_display(self) -> str:
        from oqms.contracts.models import describe_grade_bands

        return describe_grade_bands(self.grade_bands)

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES


def _published_only(queryset: Any, user: Any, path: str = "") -> Any:
    """A vendor sees a scorecard (and what belongs to it) once it is published to it, never a draft."""
    return queryset.exclude(**{f"{path}status": ScorecardStatus.DRAFT}) if user.is_vendor_user else queryset


class CommentKind(models.TextChoices):
    COMMENT = "comment", _("Comment")
    APPEAL = "appeal", _("Appeal")
    ANSWER = "answer", _("Answer to the appeal")


CommentKind.colours = {  # type: ignore[attr-defined]
    "comment": "secondary",
    "appeal": "warning",
    "answer": "info",
}


class ScorecardComment(models.Model):
    """What the vendor and the quality manager say about a scorecard: comments, the vendor's appeal (on the whole
    scorecard or one KPI) and the answer to it. Never edited or deleted: the record of the discussion."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("author")
    )
    kind = models.CharField(_("kind"), max_length=8, choices=CommentKind.choices, default=CommentKind.COMMENT)
    kpi = models.ForeignKey(
        KPI,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("about the KPI"),
    )
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    objects = ScopedManager()
    vendor_scope_field = "scorecard__vendor"

    class Meta:
        verbose_name = _("scorecard comment")
        verbose_name_plural = _("scorecard comments")
        ordering = ["scorecard", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.scorecard_id} {self.kind} {self.created_at:%Y-%m-%d}"

    def kind_colour(self) -> str:
        from oqms.core.choices import colour_of

        return colour_of(CommentKind, self.kind)

    restrict_rows = staticmethod(
        lambda queryset, user, action: _published_only(queryset, user, "scorecard__")
    )


class KPIResult(models.Model):
    """One KPI of a scorecard: its value with numerator, denominator and inputs, and its score ("no data" is
    None, never 0 or 100)."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="results")
    kpi = models.ForeignKey(KPI, on_delete=models.PROTECT, related_name="results", verbose_name=_("KPI"))
    value = models.FloatField(_("value"), null=True, blank=True)
    numerator = models.FloatField(_("numerator"), null=True, blank=True)
    denominator = models.FloatField(_("denominator"), null=True, blank=True)
    inputs = models.JSONField(_("inputs"), default=dict, blank=True)
    score = models.FloatField(_("score"), null=True, blank=True)
    weight = models.DecimalField(_("weight"), max_digits=6, decimal_places=2)

    objects = ScopedManager()
    vendor_scope_field = "scorecard__vendor"

    class Meta:
        verbose_name = _("KPI result")
        verbose_name_plural = _("KPI results")
        ordering = ["scorecard", "kpi__code"]
        constraints = [models.UniqueConstraint(fields=["scorecard", "kpi"], name="kpis_result_once")]

    def __str__(self) -> str:
        return f"{self.kpi.code}: {self.value}"

    restrict_rows = staticmethod(
        lambda queryset, user, action: _published_only(queryset, user, "scorecard__")
    )


class MonthlyRollup(RollupFigures):
    """The daily rollups of one calendar month added up: what scorecards (whole months, quarters) and other
    whole-month totals are read from. Kept with the daily rollups, in the same transaction
    (``oqms.kpis.rollups``); never written anywhere else.

    Two kinds of rows: full slices (contract, service type, priority, site), the sums of the month's daily rows,
    seconds added in day order; and the levels KPIs read most, added up from those: the whole contract (no
    service type, priority or site), and per service type, per priority and per site alone (the others empty).
    A KPI of a whole contract reads one row a month instead of dozens. Histograms are sparse: the non-zero
    buckets as little-endian (uint16 bucket, uint32 count) pairs in bucket order; no data is an empty value."""

    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.CASCADE, related_name="+", verbose_name=_("contract")
    )
    vendor = models.ForeignKey(
        "vendors.Vendor", on_delete=models.CASCADE, related_name="+", verbose_name=_("vendor")
    )
    service_type = models.ForeignKey(
        "contracts.ServiceType",
        null=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("service type"),
    )
    priority = models.CharField(_("priority"), max_length=2, blank=True)
    site = models.ForeignKey(
        "org.Site", null=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("site")
    )
    month = models.DateField(_("month"), help_text=_("Its first day."))

    class Meta:
        verbose_name = _("monthly rollup")
        verbose_name_plural = _("monthly rollups")
        constraints = [
            models.UniqueConstraint(
                models.F("contract"),
                models.F("month"),
                models.functions.Coalesce(models.F("service_type"), 0, output_field=models.BigIntegerField()),
                models.F("priority"),
                models.functions.Coalesce(models.F("site"), 0, output_field=models.BigIntegerField()),
                name="kpis_monthly_one_per_slice",
            )
        ]
        indexes = [models.Index(fields=["vendor", "month"], name="kpis_monthly_vendor_month_idx")]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.month:%Y-%m} {self.service_type_id} {self.priority} {self.site_id}"


class StaffResult(models.Model):
    """One KPI of a scorecard computed over the work orders assigned to one person of the vendor: stored with the
    scorecard when it is published and approved (``oqms.kpis.staff``), so that what the vendor was shown stays
    as it was."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="staff_results")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("person")
    )
    kpi = models.ForeignKey(KPI, on_delete=models.PROTECT, related_name="+", verbose_name=_("KPI"))
    value = models.FloatField(_("value"), null=True, blank=True)
    numerator = models.FloatField(_("numerator"), null=True, blank=True)
    denominator = models.FloatField(_("denominator"), null=True, blank=True)
    inputs = models.JSONField(_("inputs"), default=dict, blank=True)
    score = models.FloatField(_("score"), null=True, blank=True)

    objects = ScopedManager()
    vendor_scope_field = "scorecard__vendor"

    class Meta:
        verbose_name = _("KPI result of a person")
        verbose_name_plural = _("KPI results of people")
        ordering = ["scorecard", "person", "kpi__code"]
        constraints = [
            models.UniqueConstraint(fields=["scorecard", "person", "kpi"], name="kpis_staff_result_once")
        ]

    def __str__(self) -> str:
        return f"{self.kpi.code} {self.person_id}: {self.value}"

    restrict_rows = staticmethod(
        lambda queryset, user, action: _published_only(queryset, user, "scorecard__")
    )
