"""Audit trail: who changed which business record, when, from what to what.

``AuditedModel.save()``/``delete()`` write an :class:`~oqms.core.models.AuditEntry` in the same transaction as
the change, so a change without its entry cannot be committed. Many-to-many changes made in the same request or
job are merged into the entry of that record (so "create contract with its sites" is one entry). The actor,
request id and source come from a context variable set by the middleware, the API views, the CLI and jobs.
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, pre_delete

REDACTED = "••••"


@dataclass
class AuditContext:
    actor_id: int | None = None
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    source: str = "system"
    entries: dict[tuple[str, Any], Any] = field(default_factory=dict)


_context: ContextVar[AuditContext | None] = ContextVar("oqms_audit_context", default=None)


def current() -> AuditContext:
    """The open context, or a throwaway one: outside a request or job nothing is merged or remembered."""
    context = _context.get()
    return context if context is not None else AuditContext()


@contextlib.contextmanager
def audit_context(actor: Any = None, source: str = "system", request_id: str | None = None) -> Iterator[None]:
    context = AuditContext(
        actor_id=getattr(actor, "pk", None), source=source, request_id=request_id or uuid.uuid4().hex
    )
    token = _context.set(context)
    try:
        yield
    finally:
        _context.reset(token)


def set_actor(actor: Any, source: str | None = None) -> None:
    """Name the actor once authentication is known (DRF authenticates inside the view, not in middleware)."""
    context = current()
    context.actor_id = getattr(actor, "pk", None)
    if source:
        context.source = source


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.fields.files.FieldFile):
        return value.name or None
    return value


def audited_fields(instance: models.Model) -> list[models.Field[Any, Any]]:
    skip = set(getattr(instance, "audit_exclude", ())) | {"created_at", "updated_at"}
    return [f for f in instance._meta.concrete_fields if f.name not in skip]


def snapshot(instance: models.Model) -> dict[str, Any]:
    """The audited field values; secrets stay raw here and are masked by :func:`diff`."""
    return {f.name: _jsonable(getattr(instance, f.attname)) for f in audited_fields(instance)}


def diff(
    before: dict[str, Any] | None, after: dict[str, Any] | None, redact: tuple[str, ...] = ()
) -> dict[str, list[Any]]:
    """{field: [before, after]} for the fields that differ; a redacted field shows only that it changed."""
    before = before or {}
    after = after or {}
    names = list(dict.fromkeys([*before, *after]))
    changes = {}
    for name in names:
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        if name in redact:
            old, new = (REDACTED if old else None), (REDACTED if new else None)
        changes[name] = [old, new]
    return changes


def _vendor_id(instance: models.Model) -> int | None:
    path = getattr(instance, "vendor_scope_field", None)
    if path == "pk":
        return instance.pk  # type: ignore[no-any-return]
    if path and "__" not in path and path != "*":
        return getattr(instance, f"{path}_id", None)
    if path and path != "*":
        target: Any = instance
        for part in path.split("__")[:-1]:
            target = getattr(target, part, None)
            if target is None:
                return None
        return getattr(target, f"{path.split('__')[-1]}_id", None)
    return None


def log(
    instance: models.Model,
    action: str,
    changes: dict[str, list[Any]],
    note: str = "",
    vendor_id: int | None | Any = ...,
) -> Any:
    from oqms.core.models import AuditEntry

    context = current()
    if vendor_id is ...:
        vendor_id = _vendor_id(instance)
    entry = AuditEntry.objects.create(
        content_type_id=_content_type_id(instance),
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        action=action,
        actor_id=context.actor_id,
        request_id=context.request_id,
        source=context.source,
        vendor_id=vendor_id,
        changes=changes,
        note=note[:500],
    )
    context.entries[(instance._meta.label, instance.pk)] = entry
    return entry


def _content_type_id(instance: models.Model) -> int:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(type(instance)).pk


def _on_m2m_changed(
    sender: Any, instance: Any, action: str, reverse: bool, model: Any, pk_set: Any, **kwargs: Any
) -> None:
    if reverse or not getattr(type(instance), "audited", False):
        return
    if action not in {"post_add", "post_remove", "post_clear", "pre_clear"}:
        return
    field_name = next((f.name for f in instance._meta.many_to_many if f.remote_field.through is sender), None)
    if field_name is None:
        return
    context = current()
    key = (instance._meta.label, instance.pk)
    if action == "pre_clear":
        context.entries.setdefault(("m2m-before", key, field_name), _m2m_ids(instance, field_name))
        return
    entry = context.entries.get(key)
    after = _m2m_ids(instance, field_name)
    if entry is None:
        entry = log(instance, "update", {})
    before = entry.changes.get(field_name, [None, None])[0]
    if before is None:
        before = context.entries.get(("m2m-before", key, field_name))
        if before is None:
            before = after - set(pk_set or ()) if action == "post_add" else after | set(pk_set or ())
            before = sorted(before) if entry.action != "create" else []
    if sorted(before) == sorted(after):
        entry.changes.pop(field_name, None)
    else:
        entry.changes[field_name] = [sorted(before), sorted(after)]
    # The entry may have been rolled back with an earlier failed operation of the same request: log anew.
    if not type(entry).objects.filter(pk=entry.pk).update(changes=entry.changes):
        log(instance, "update", {field_name: entry.changes.get(field_name, [sorted(before), sorted(after)])})


def _m2m_ids(instance: Any, field_name: str) -> set[int]:
    return set(getattr(instance, field_name).values_list("pk", flat=True))


def connect_m2m_logging() -> None:
    m2m_changed.connect(_on_m2m_changed, dispatch_uid="oqms-audit-m2m")


def _before_delete(sender: Any, instance: Any, **kwargs: Any) -> None:
    """Note what is about to go while its parents still exist (the vendor of a contract's SLA target)."""
    if not getattr(sender, "audited", False):
        return
    try:
        vendor_id = _vendor_id(instance)
    except ObjectDoesNotExist:
        vendor_id = None
    instance._audit_deleting = (diff(snapshot(instance), None, instance.audit_redact), vendor_id)


def _after_delete(sender: Any, instance: Any, **kwargs: Any) -> None:
    pending = instance.__dict__.pop("_audit_deleting", None)
    if pending is not None:
        changes, vendor_id = pending
        log(instance, "delete", changes, vendor_id=vendor_id)


def connect_delete_logging() -> None:
    """Every deletion of an audited record is logged: the one a user deleted and the ones Django deleted with it
    (CASCADE), and ``QuerySet.delete()`` alike — signals fire for each row the deletion collector removes."""
    pre_delete.connect(_before_delete, dispatch_uid="oqms-audit-pre-delete")
    post_delete.connect(_after_delete, dispatch_uid="oqms-audit-post-delete")
