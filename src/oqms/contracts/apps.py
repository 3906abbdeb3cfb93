from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "oqms.contracts"
    label = "contracts"
    verbose_name = _("Contracts")

    def ready(self) -> None:
        from oqms.contracts import sla

        sla.connect()
