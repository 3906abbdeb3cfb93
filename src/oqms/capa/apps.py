from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CapaConfig(AppConfig):
    name = "oqms.capa"
    label = "capa"
    verbose_name = _("Nonconformance and corrective action")
