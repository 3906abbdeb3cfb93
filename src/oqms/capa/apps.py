from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CapaConfig(AppConfig):
    name = "oqms.capa"
    label = "capa"
    verbose_name = _("Nonconformance and corrective action")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from oqms.capa.models.nonconformance import ensure_due_rules

        post_migrate.connect(ensure_due_rules, sender=self, dispatch_uid="oqms-capa-due-rules")
