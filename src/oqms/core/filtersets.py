"""One filterset per model drives the list page, the Excel export and the REST list."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from oqms.core.forms import style_widgets
from oqms.core.scoping import restrict


class SearchFilterSet(django_filters.FilterSet):
    """Adds ``q``: a case-insensitive search over ``search_fields``; related choices are scoped."""

    search_fields: tuple[str, ...] = ()
    q = django_filters.CharFilter(label=_("Search"), method="search")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = getattr(self.request, "user", None)
        for filter_ in self.filters.values():
            # django-filter builds the choice field from ``filter_.queryset`` (not from ``extra``).
            queryset = getattr(filter_, "queryset", None)
            if isinstance(queryset, QuerySet) and hasattr(queryset.model.objects, "visible_to"):
                filter_.queryset = restrict(queryset, user, "view")

    @property
    def form(self) -> Any:
        form = super().form
        style_widgets(form)
        return form

    def search(self, queryset: Any, name: str, value: str) -> Any:
        value = value.strip()
        if not value:
            return queryset
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value})
        return queryset.filter(condition)
