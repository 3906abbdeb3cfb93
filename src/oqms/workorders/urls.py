from django.urls import path

from oqms.workorders import views
from oqms.workorders.ui import WorkOrderUI

app_name = "workorders"
urlpatterns = [
    *WorkOrderUI.urls(),
    path("workorders/<int:pk>/photos/", views.add_photo, name="workorder_photo"),
    path("workorders/<int:pk>/<slug:action>/", views.transition, name="workorder_transition"),
]
