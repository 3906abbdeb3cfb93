"""Each existing contract gets its first SLA policy version, in force since the contract was created."""

from django.db import migrations


def publish_first_versions(apps, schema_editor):
    Contract = apps.get_model("contracts", "Contract")
    SLAPolicy = apps.get_model("contracts", "SLAPolicy")
    for contract in Contract.objects.filter(sla_policies__isnull=True).iterator():
        SLAPolicy.objects.create(
            contract=contract,
            number=1,
            effective_from=contract.created_at,
            definition={
                "targets": {
                    t.priority: [t.response_minutes, t.resolution_minutes]
                    for t in contract.sla_targets.order_by("priority")
                },
                "calendar_id": contract.sla_calendar_id,
                "at_risk_percent": contract.sla_at_risk_percent,
                "pausing_reasons": sorted(contract.sla_pausing_reasons or []),
                "stops_at": contract.sla_stops_at,
                "escalations": [],
            },
        )


class Migration(migrations.Migration):
    dependencies = [("contracts", "0002_contract_owner_contract_sla_at_risk_percent_and_more")]

    operations = [migrations.RunPython(publish_first_versions, migrations.RunPython.noop)]
