from django.urls import path

from oqms.settlements import views
from oqms.settlements.ui import ConsequenceRuleUI, ConsequenceUI, PayRuleUI, SettlementUI

app_name = "settlements"
urlpatterns = [
    *PayRuleUI.urls(),
    *SettlementUI.urls(),
    *ConsequenceRuleUI.urls(),
    *ConsequenceUI.urls(),
    path("scorecard/<int:pk>/", views.for_scorecard, name="for_scorecard"),
    path("settlements/<int:pk>/statement.xlsx", views.export_xlsx, name="settlement_xlsx"),
    path("settlements/<int:pk>/statement.pdf", views.export_pdf, name="settlement_pdf"),
]
