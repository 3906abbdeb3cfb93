from django.urls import path

from oqms.capa import views
from oqms.capa.ui import CategoryUI, CorrectiveActionUI, DueRuleUI, NonconformanceUI

app_name = "capa"
urlpatterns = [
    *NonconformanceUI.urls(),
    *CorrectiveActionUI.urls(),
    *CategoryUI.urls(),
    *DueRuleUI.urls(),
    path("nonconformances/<int:pk>/<slug:action>/", views.nc_step, name="nonconformance_step"),
    path("correctiveactions/<int:pk>/<slug:action>/", views.scar_step, name="correctiveaction_step"),
]
