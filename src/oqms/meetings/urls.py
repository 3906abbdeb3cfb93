from django.urls import path

from oqms.meetings import views
from oqms.meetings.ui import ActionUI, MeetingUI, SeriesUI

app_name = "meetings"
urlpatterns = [
    path("review/", views.review_pack, name="review"),
    *SeriesUI.urls(),
    *MeetingUI.urls(),
    *ActionUI.urls(),
    path("meetings/<int:pk>/actions/", views.add_action, name="meeting_add_action"),
    path("actionitems/<int:pk>/status/", views.action_status, name="action_status"),
]
