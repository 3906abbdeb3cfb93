import django_filters
from django.utils.translation import gettext_lazy as _

from oqms.accounts.choices import Role
from oqms.accounts.models import User
from oqms.core.filtersets import SearchFilterSet


class UserFilterSet(SearchFilterSet):
    search_fields = ("username", "display_name", "email", "first_name", "last_name")
    role = django_filters.ChoiceFilter(label=_("role"), choices=Role.choices)
    is_active = django_filters.BooleanFilter(label=_("active"))

    class Meta:
        model = User
        fields = ["role", "vendor", "org_unit", "is_active"]
