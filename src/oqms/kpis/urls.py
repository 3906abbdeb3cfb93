from django.urls import path

from oqms.kpis import views, voice
from oqms.kpis.ui import KPIUI, ScorecardUI

app_name = "kpis"
urlpatterns = [
    *KPIUI.urls(),
    *ScorecardUI.urls(),
    path("scorecards/<int:pk>/<slug:step>/", views.scorecard_step, name="scorecard_step"),
    path("comparison/", views.comparison, name="comparison"),
    path("voice/", voice.voice, name="voice"),
]
