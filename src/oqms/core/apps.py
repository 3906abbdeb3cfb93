from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "oqms.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from oqms.core import audit

        audit.connect_m2m_logging()
        audit.connect_delete_logging()
