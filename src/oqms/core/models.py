"""Base classes every business record inherits, and the audit trail."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models.functions import Cast
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from oqms.core import audit
from oqms.core.scoping import ScopedManager


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class AuditedModel(models.Model):
    """Writes an audit entry for every create, update and delete, in the same transaction.

    Creates and updates are logged by ``save``; deletions by the pre/post_delete receivers in ``oqms.core.audit``,
    so that rows deleted by CASCADE or ``QuerySet.delete()`` are logged too."""

    audited = True
    audit_exclude: tuple[str, ...] = ()
    audit_redact: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        adding = self._state.adding or self.pk is None
        with transaction.atomic():
            before = None
            if not adding:
                stored = type(self)._base_manager.filter(pk=self.pk).first()
                before = audit.snapshot(stored) if stored is not None else None
                adding = stored is None
            super().save(*args, **kwargs)
            changes = audit.diff(before, audit.snapshot(self), self.audit_redact)
            if adding:
                audit.log(self, "create", changes)
            elif changes:
                audit.log(self, "update", changes)


class BaseModel(AuditedModel, TimeStampedModel):
    """A business record: timestamps, audit trail and vendor scoping (see ``oqms.core.scoping``)."""

    objects = ScopedManager()

    class Meta:
        abstract = True

    def get_absolute_url(self) -> str:
        try:
            return reverse(f"{self._meta.app_label}:{self._meta.model_name}_detail", args=[self.pk])
        except NoReverseMatch:
            return ""


class AuditEntry(models.Model):
    """One create, update, delete or workflow step on a business record: who, when, before/after."""

    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Updated")
        DELETE = "delete", _("Deleted")
        TRANSITION = "transition", _("Workflow step")

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, verbose_name=_("record type"))
    object_id = models.CharField(_("record id"), max_length=64)
    object_repr = models.CharField(_("record"), max_length=200)
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("actor"),
    )
    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    request_id = models.CharField(_("request id"), max_length=32, blank=True)
    source = models.CharField(_("source"), max_length=16, blank=True)
    # Kept as a plain id so that deleting a vendor never deletes or orphans the trail of its records.
    vendor_id = models.BigIntegerField(_("vendor id"), null=True, blank=True, db_index=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    objects = ScopedManager()
    vendor_scope_field = "vendor_id"

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        ordering = ["-at", "-pk"]
        indexes = [
            # The history panel of a record page: entries of one record, newest first.
            models.Index(fields=["content_type", "object_id", "-at"], name="core_audit_record_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_repr}"

    @staticmethod
    def restrict_rows(queryset: Any, user: Any, action: str) -> Any:
        # An entry repeats its record's values: show it only to those who may view that kind of record.
        readable = [
            ct
            for ct in ContentType.objects.filter(pk__in=queryset.order_by().values("content_type").distinct())
            if user.has_perm(f"{ct.app_label}.view_{ct.model}")
        ]
        if user.vendor_scope_ids() is None:
            return queryset.filter(content_type__in=[ct.pk for ct in readable])
        # A vendor's people: entries of records with row rules (a random inspection not yet started, a complaint
        # not yet assigned) only for the records they may see now.
        condition = models.Q(pk__in=[])
        for ct in readable:
            model = ct.model_class()
            if model is None or getattr(model, "restrict_rows", None) is None or model is AuditEntry:
                condition |= models.Q(content_type=ct)
                continue
            visible = model._default_manager.visible_to(user).annotate(key=Cast("pk", models.CharField()))
            condition |= models.Q(content_type=ct, object_id__in=visible.values("key"))
        return queryset.filter(condition)

    def field_changes(self) -> list[tuple[Any, Any, Any]]:
        """(label, before, after) as a person reads them: names for related ids, local times, choice labels.

        For a list of entries, call ``oqms.core.audit_display.describe(entries)`` first: one query per related
        model instead of one per entry."""
        if getattr(self, "_field_changes", None) is None:
            from oqms.core.audit_display import describe

            describe([self])
        return self._field_changes  # type: ignore[no-any-return]

    def target_url(self) -> str:
        try:
            return reverse(
                f"{self.content_type.app_label}:{self.content_type.model}_detail", args=[self.object_id]
            )
        except NoReverseMatch:
            return ""


class PublishedVersion(models.Model):
    """The whole definition of some rules (a calendar, an SLA policy) as published at a moment, in force from
    ``effective_from``. Written by ``oqms.core.publishing.Publisher`` only, never edited."""

    number = models.PositiveIntegerField(_("version"))
    effective_from = models.DateTimeField(_("effective from"))
    definition = models.JSONField(_("definition"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("published by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        abstract = True


class Sequence(models.Model):
    """A named counter for human-readable record numbers (WO00000123), safe under concurrent writers."""

    name = models.CharField(max_length=32, primary_key=True)
    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("number sequence")
        verbose_name_plural = _("number sequences")

    def __str__(self) -> str:
        return f"{self.name}={self.value}"

    @classmethod
    def take(cls, name: str, count: int = 1) -> int:
        """Reserve ``count`` numbers and return the first. Must run inside a transaction."""
        cls.objects.get_or_create(name=name)
        # The UPDATE takes the row lock on PostgreSQL (and the write lock on SQLite) before the read below.
        cls.objects.filter(name=name).update(value=models.F("value") + count)
        last = cls.objects.get(name=name).value
        return int(last - count + 1)
