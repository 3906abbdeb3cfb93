from django.db import migrations

# The deadlines a deployment starts with (editable on the deadline rules page).
DEFAULTS = {
    "critical": (24, 1, 5, 15, 14),
    "major": (48, 2, 10, 30, 30),
    "minor": (120, 5, 15, 60, 30),
}


def seed(apps, schema_editor):
    DueRule = apps.get_model("capa", "DueRule")
    for severity, (containment, acknowledge, plan, close, verify) in DEFAULTS.items():
        DueRule.objects.get_or_create(
            severity=severity,
            defaults={
                "containment_hours": containment,
                "acknowledge_days": acknowledge,
                "plan_days": plan,
                "close_days": close,
                "verify_after_days": verify,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("capa", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
