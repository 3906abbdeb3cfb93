from django.urls import path

from oqms.feedback import views
from oqms.feedback.ui import (
    CategoryUI,
    ComplaintUI,
    FeedbackPointUI,
    SurveyCampaignUI,
    SurveyTriggerUI,
    SurveyUI,
)

app_name = "feedback"
urlpatterns = [
    path("complaints/hotline/", views.hotline, name="hotline"),
    *ComplaintUI.urls(),
    *CategoryUI.urls(),
    *FeedbackPointUI.urls(),
    *SurveyUI.urls(),
    *SurveyTriggerUI.urls(),
    *SurveyCampaignUI.urls(),
    path("surveycampaigns/<int:pk>/send/", views.send_campaign, name="campaign_send"),
    path("complaints/<int:pk>/reveal/", views.reveal, name="complaint_reveal"),
    path("complaints/<int:pk>/<slug:action>/", views.step, name="complaint_step"),
    path("feedbackpoints/<int:pk>/qr.pdf", views.qr_sheet, name="point_qr"),
    path("feedbackpoints/qr.pdf", views.qr_sheet, name="site_qr"),
]
