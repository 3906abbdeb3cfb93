from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SettlementsConfig(AppConfig):
    name = "oqms.settlements"
    label = "settlements"
    verbose_name = _("Rewards, penalties and settlements")

    def ready(self) -> None:
        from oqms.settlements import receivers

        receivers.connect()
