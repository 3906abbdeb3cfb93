from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KpisConfig(AppConfig):
    name = "oqms.kpis"
    label = "kpis"
    verbose_name = _("KPIs and evaluation")

    def ready(self) -> None:
        from oqms.kpis import rollups, workflow
        from oqms.kpis.signals import scorecard_computed

        rollups.connect()
        scorecard_computed.connect(workflow.revise_if_changed, dispatch_uid="oqms-scorecard-revised")
