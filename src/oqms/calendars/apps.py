from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CalendarsConfig(AppConfig):
    name = "oqms.calendars"
    label = "calendars"
    verbose_name = _("Business calendars")

    def ready(self) -> None:
        from oqms.calendars.models import CalendarDay, Closure
        from oqms.calendars.services import publisher

        publisher.connect([(CalendarDay, "calendar_id"), (Closure, "calendar_id")])
