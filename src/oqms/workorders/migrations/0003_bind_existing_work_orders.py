"""Existing work orders keep the round-the-clock clocks they were raised under (no calendar: 24x7), get their
contract's first SLA policy version, and are queued for the SLA monitor, which recomputes their clocks."""

from django.db import migrations
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone

OPEN = ["new", "assigned", "in_progress", "paused"]


def bind(apps, schema_editor):
    WorkOrder = apps.get_model("workorders", "WorkOrder")
    SLAPolicy = apps.get_model("contracts", "SLAPolicy")
    first = SLAPolicy.objects.filter(contract=OuterRef("contract")).order_by("number").values("pk")[:1]
    WorkOrder.objects.filter(sla_policy__isnull=True).update(
        sla_policy=Subquery(first), paused_business_seconds=F("paused_seconds")
    )
    finished = WorkOrder.objects.exclude(status__in=OPEN).filter(resolution_due_at__isnull=False)
    finished.filter(resolved_at__lte=F("resolution_due_at")).update(sla_state="met")
    finished.filter(resolved_at__gt=F("resolution_due_at")).update(sla_state="missed")
    WorkOrder.objects.filter(status__in=OPEN, resolution_due_at__isnull=False).update(
        sla_state="on_track", sla_next_check_at=timezone.now()
    )


class Migration(migrations.Migration):
    dependencies = [
        ("workorders", "0002_workorder_at_risk_at_workorder_calendar_and_more"),
        ("contracts", "0003_first_sla_policy_versions"),
    ]

    operations = [migrations.RunPython(bind, migrations.RunPython.noop)]
