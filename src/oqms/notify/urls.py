from django.urls import path

from oqms.notify import views
from oqms.notify.ui import DeliveryUI

app_name = "notify"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("read/", views.mark_read, name="read_all"),
    path("<int:pk>/read/", views.mark_read, name="read"),
    path("settings/", views.preferences, name="preferences"),
    *DeliveryUI.urls(),
]
