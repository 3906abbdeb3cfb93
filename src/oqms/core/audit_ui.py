import django_filters
from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _

from oqms.core.filtersets import SearchFilterSet
from oqms.core.models import AuditEntry
from oqms.core.ui import Column, RecordUI

AUDITED_APPS = ("accounts", "org", "vendors", "contracts", "workorders")


class AuditEntryFilterSet(SearchFilterSet):
    search_fields = ("object_repr", "object_id", "note", "request_id")
    content_type = django_filters.ModelChoiceFilter(
        label=_("record type"), queryset=ContentType.objects.filter(app_label__in=AUDITED_APPS)
    )
    action = django_filters.ChoiceFilter(label=_("action"), choices=AuditEntry.Action.choices)
    since = django_filters.DateFilter(label=_("from"), field_name="at", lookup_expr="date__gte")
    until = django_filters.DateFilter(label=_("until"), field_name="at", lookup_expr="date__lte")

    class Meta:
        model = AuditEntry
        fields = ["content_type", "action", "actor"]


class AuditEntryUI(RecordUI):
    model = AuditEntry
    filterset_class = AuditEntryFilterSet
    select_related = ("actor", "content_type")
    ordering = ("-at", "-pk")
    can_delete = False
    detail_template = "core/audit_detail.html"
    icon = "clock-history"
    columns = [
        Column("at", link=True),
        Column("action", badge=True),
        Column("content_type", sort=""),
        Column("object_repr"),
        Column("actor", sort="actor__username"),
        Column("source"),
    ]
    detail_fields = [
        "at",
        "action",
        "content_type",
        "object_repr",
        "object_id",
        "actor",
        "source",
        "request_id",
        "note",
    ]
