from django.urls import path

from oqms.calendars import views
from oqms.calendars.ui import CalendarDayUI, CalendarUI, ClosureUI

app_name = "calendars"
urlpatterns = [
    *CalendarUI.urls(),
    *CalendarDayUI.urls(),
    *ClosureUI.urls(),
    path("calendars/<int:pk>/import/", views.import_year, name="calendar_import"),
]
