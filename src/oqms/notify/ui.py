from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from oqms.core.filtersets import SearchFilterSet
from oqms.core.ui import Column, RecordUI
from oqms.notify.models import Delivery, DeliveryStatus


class DeliveryFilterSet(SearchFilterSet):
    search_fields = ("address", "last_error")
    status = django_filters.ChoiceFilter(label=_("status"), choices=DeliveryStatus.choices)

    class Meta:
        model = Delivery
        fields = ["status", "channel"]


class DeliveryUI(RecordUI):
    """The delivery log: every e-mail of a notification, its attempts and its last error."""

    model = Delivery
    filterset_class = DeliveryFilterSet
    select_related = ("notification", "notification__recipient")
    ordering = ("-created_at", "-pk")
    can_delete = False
    icon = "envelope-paper"
    columns = [
        Column("created_at", link=True),
        Column("notification.recipient", label=_("recipient"), sort=""),
        Column("address"),
        Column("notification", label=_("notification"), sort=""),
        Column("status", badge=True),
        Column("attempts"),
        Column("sent_at"),
        Column("last_error"),
    ]
    detail_fields = [
        ("notification.recipient", _("recipient")),
        "address",
        "notification",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "last_error",
        "created_at",
    ]
