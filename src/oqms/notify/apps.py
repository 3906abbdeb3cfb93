from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "oqms.notify"
    label = "notify"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from oqms.schedules import ensure_schedules

        post_migrate.connect(ensure_schedules, sender=self, dispatch_uid="oqms-notify-schedules")
