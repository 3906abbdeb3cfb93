from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DataioConfig(AppConfig):
    name = "oqms.dataio"
    label = "dataio"
    verbose_name = _("Data import and export")
