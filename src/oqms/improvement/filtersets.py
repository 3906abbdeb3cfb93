import django_filters
from django.utils.translation import gettext_lazy as _

from oqms.core.filtersets import SearchFilterSet
from oqms.improvement.models import Improvement, ImprovementStatus, Lesson, LessonKind


class ImprovementFilterSet(SearchFilterSet):
    search_fields = ("number", "title", "description", "result")
    status = django_filters.MultipleChoiceFilter(label=_("status"), choices=ImprovementStatus.choices)

    class Meta:
        model = Improvement
        fields = ["status", "category", "vendor", "contract"]


class LessonFilterSet(SearchFilterSet):
    search_fields = ("title", "situation", "learning")
    kind = django_filters.ChoiceFilter(label=_("kind"), choices=LessonKind.choices)

    class Meta:
        model = Lesson
        fields = ["kind", "category", "service_type", "shared"]
