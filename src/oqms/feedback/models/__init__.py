"""The voice of the customer: complaints and praise (``complaints``) and satisfaction surveys (``surveys``)."""

from oqms.feedback.models.complaints import (
    EVENT_LABELS,
    Channel,
    Complaint,
    ComplaintCategory,
    ComplaintEvent,
    ComplaintStatus,
    ContactReveal,
    FeedbackKind,
    FeedbackPoint,
    FollowLink,
    Severity,
)
from oqms.feedback.models.surveys import (
    QuestionKind,
    Survey,
    SurveyCampaign,
    SurveyInvitation,
    SurveyQuestion,
    SurveyResponse,
    SurveyTrigger,
)

__all__ = [
    "EVENT_LABELS",
    "Channel",
    "Complaint",
    "ComplaintCategory",
    "ComplaintEvent",
    "ComplaintStatus",
    "ContactReveal",
    "FeedbackKind",
    "FeedbackPoint",
    "FollowLink",
    "QuestionKind",
    "Severity",
    "Survey",
    "SurveyCampaign",
    "SurveyInvitation",
    "SurveyQuestion",
    "SurveyResponse",
    "SurveyTrigger",
]
