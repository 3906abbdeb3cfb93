"""The one scoping function every queryset goes through.

Pages, the REST API, exports and jobs all call :func:`restrict` (usually through
``Model.objects.visible_to(user)``). It fails closed: an anonymous or inactive user, a user without the
model permission, or a vendor-scoped user on a model that declares no path to a vendor, gets nothing.

A model declares how it reaches a vendor with ``vendor_scope_field``:

* ``"vendor"`` / ``"contract__vendor"`` — a lookup path to the owning vendor;
* ``"pk"`` — the model *is* the vendor;
* :data:`SHARED` — reference data every signed-in user with the permission may read (catalogues);
* absent / ``None`` — internal data: vendor-scoped users never see it.

It may also define ``restrict_rows(queryset, user, action)`` for row rules within a vendor (a vendor's staff
see only work assigned to them, a requester only their own requests).
"""

from __future__ import annotations

from typing import Any

from django.db import models

SHARED = "*"


def permission_codename(model: type[models.Model], action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def restrict(queryset: models.QuerySet[Any], user: Any, action: str = "view") -> models.QuerySet[Any]:
    model = queryset.model
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return queryset.none()
    if not user.has_perm(permission_codename(model, action)):
        return queryset.none()
    vendor_ids = user.vendor_scope_ids()
    if vendor_ids is not None:
        field = getattr(model, "vendor_scope_field", None)
        if field is None:
            return queryset.none()
        if field != SHARED:
            queryset = queryset.filter(**{f"{field}__in": vendor_ids})
            if "__" in field:
                queryset = queryset.distinct()
    row_rule = getattr(model, "restrict_rows", None)
    if row_rule is not None:
        queryset = row_rule(queryset, user, action)
    return queryset


class ScopedQuerySet(models.QuerySet):  # type: ignore[type-arg]
    def visible_to(self, user: Any) -> ScopedQuerySet:
        return restrict(self, user, "view")  # type: ignore[return-value]

    def restrict(self, user: Any, action: str = "view") -> ScopedQuerySet:
        return restrict(self, user, action)  # type: ignore[return-value]


ScopedManager = models.Manager.from_queryset(ScopedQuerySet)
