from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KpisConfig(AppConfig):
    name = "oqms.kpis"
    label = "kpis"
    verbose_name = _("KPIs and evaluation")

    def ready(self) -> None:
        from oqms.kpis import rollups

        rollups.connect()
