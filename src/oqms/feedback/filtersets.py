import django_filters
from django.utils.translation import gettext_lazy as _

from oqms.core.filtersets import SearchFilterSet
from oqms.feedback.models import (
    Channel,
    Complaint,
    ComplaintCategory,
    ComplaintStatus,
    FeedbackKind,
    FeedbackPoint,
    Survey,
    SurveyCampaign,
    SurveyTrigger,
)


class ComplaintFilterSet(SearchFilterSet):
    search_fields = ("number", "description", "site__name")
    status = django_filters.MultipleChoiceFilter(label=_("status"), choices=ComplaintStatus.choices)
    kind = django_filters.ChoiceFilter(label=_("kind"), choices=FeedbackKind.choices)
    channel = django_filters.ChoiceFilter(label=_("channel"), choices=Channel.choices)
    received_after = django_filters.DateFilter(
        label=_("received from"), field_name="received_at", lookup_expr="date__gte"
    )
    received_before = django_filters.DateFilter(
        label=_("received until"), field_name="received_at", lookup_expr="date__lte"
    )

    class Meta:
        model = Complaint
        fields = ["status", "kind", "channel", "site", "vendor", "contract", "category"]


class CategoryFilterSet(SearchFilterSet):
    search_fields = ("code", "name", "name_en")

    class Meta:
        model = ComplaintCategory
        fields = ["parent", "is_active"]


class FeedbackPointFilterSet(SearchFilterSet):
    search_fields = ("name", "site__name", "site__code")

    class Meta:
        model = FeedbackPoint
        fields = ["site", "is_active"]


class SurveyFilterSet(SearchFilterSet):
    search_fields = ("code", "name", "name_en")

    class Meta:
        model = Survey
        fields = ["anonymous", "is_active"]


class TriggerFilterSet(SearchFilterSet):
    search_fields = ("survey__name",)

    class Meta:
        model = SurveyTrigger
        fields = ["survey", "contract", "is_active"]


class CampaignFilterSet(SearchFilterSet):
    search_fields = ("name", "survey__name")

    class Meta:
        model = SurveyCampaign
        fields = ["survey", "contract"]
