"""Published versions of a record's rules (a calendar's hours, a contract's SLA).

Some records are edited like any other but read by clocks that must not change the past: every change publishes
an immutable version row (``number``, ``effective_from``, ``definition``) and clocks use the version in force at
each moment. A :class:`Publisher` does the bookkeeping: changes ask for a publication (signal receivers call
:meth:`Publisher.request`), a ``deferred()`` block collects them and publishes each owner once at its end (a form
with inline rows is one version, not one per row), and an owner being deleted publishes nothing.
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

from django.db import models, transaction
from django.utils import timezone


class Publisher:
    def __init__(
        self,
        name: str,
        owner_model: type[models.Model],
        version_model: type[models.Model],
        owner_field: str,
        definition: Callable[[Any], dict[str, Any]],
    ) -> None:
        self.owner_model = owner_model
        self.version_model = version_model
        self.owner_field = owner_field
        self.definition = definition
        self._pending: ContextVar[set[int] | None] = ContextVar(f"oqms_{name}_pending", default=None)
        self._deleting: ContextVar[frozenset[int]] = ContextVar(f"oqms_{name}_deleting", default=frozenset())
        self._at: ContextVar[datetime.datetime | None] = ContextVar(f"oqms_{name}_at", default=None)

    @contextlib.contextmanager
    def deferred(self, at: datetime.datetime | None = None) -> Iterator[None]:
        """Publish each owner touched in the block once, when it ends (from ``at``, default: that moment)."""
        if self._pending.get() is not None:  # nested: the outer block publishes
            yield
            return
        token = self._pending.set(set())
        at_token = self._at.set(at)
        try:
            yield
            pending = self._pending.get() or set()
        finally:
            self._pending.reset(token)
            self._at.reset(at_token)
        for owner in self.owner_model._default_manager.filter(pk__in=pending):
            self.publish(owner, at)

    def request(self, owner_id: int | None) -> None:
        """Called after the owner or one of its parts changed."""
        if owner_id is None or owner_id in self._deleting.get():
            return
        pending = self._pending.get()
        if pending is not None:
            pending.add(owner_id)
            return
        owner = self.owner_model._default_manager.filter(pk=owner_id).first()
        if owner is not None:
            self.publish(owner)

    def mark_deleting(self, owner_id: int, deleting: bool) -> None:
        current = self._deleting.get()
        self._deleting.set(current | {owner_id} if deleting else current - {owner_id})

    def latest(self, owner: Any) -> Any:
        return (
            self.version_model._default_manager.filter(**{self.owner_field: owner})
            .order_by("-number")
            .first()
        )

    @transaction.atomic
    def publish(self, owner: Any, at: datetime.datetime | None = None) -> Any:
        """Make the owner's current definition the one in force from ``at`` (default: now); a definition equal to
        the latest version's publishes nothing."""
        from oqms.core import audit

        self.owner_model._default_manager.select_for_update().filter(pk=owner.pk).first()  # one at a time
        content = self.definition(owner)
        latest = self.latest(owner)
        if latest is not None and latest.definition == content:
            return latest
        return self.version_model._default_manager.create(
            **{self.owner_field: owner},
            number=(latest.number + 1) if latest else 1,
            effective_from=at or self._at.get() or timezone.now(),
            definition=content,
            published_by_id=audit.current().actor_id,
        )

    def connect(self, part_models: list[tuple[type[models.Model], str]]) -> None:
        """Publish when the owner is saved or one of its parts (model, attribute naming the owner's id) changes."""
        from django.db.models.signals import post_delete, post_save, pre_delete

        def owner_saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
            if not raw:
                self.request(instance.pk)

        def owner_deleting(sender: Any, instance: Any, **kwargs: Any) -> None:
            self.mark_deleting(instance.pk, True)

        def owner_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
            self.mark_deleting(instance.pk, False)

        uid = f"oqms-publish-{self.owner_model._meta.label_lower}"
        post_save.connect(owner_saved, sender=self.owner_model, dispatch_uid=f"{uid}-saved", weak=False)
        pre_delete.connect(
            owner_deleting, sender=self.owner_model, dispatch_uid=f"{uid}-deleting", weak=False
        )
        post_delete.connect(owner_deleted, sender=self.owner_model, dispatch_uid=f"{uid}-deleted", weak=False)
        for model, attribute in part_models:

            def part_changed(
                sender: Any, instance: Any, raw: bool = False, _attr: str = attribute, **kw: Any
            ) -> None:
                if not raw:
                    self.request(getattr(instance, _attr))

            part_uid = f"{uid}-{model._meta.label_lower}"
            post_save.connect(part_changed, sender=model, dispatch_uid=f"{part_uid}-saved", weak=False)
            post_delete.connect(part_changed, sender=model, dispatch_uid=f"{part_uid}-deleted", weak=False)
