from django.utils.translation import gettext_lazy as _

from oqms.accounts.filtersets import UserFilterSet
from oqms.accounts.forms import UserForm
from oqms.accounts.models import User
from oqms.core.ui import Column, RecordUI


class UserUI(RecordUI):
    model = User
    filterset_class = UserFilterSet
    form_class = UserForm
    select_related = ("vendor", "org_unit")
    ordering = ("username",)
    can_delete = False  # people leave: deactivate them, keep who did what
    icon = "people"
    columns = [
        Column("username", link=True),
        Column("display_name"),
        Column("role", badge=True),
        Column("vendor", sort="vendor__name"),
        Column("org_unit", sort="org_unit__name"),
        Column("phone", mask=True),
        Column("is_active", label=_("active")),
        Column("last_login"),
    ]
    detail_fields = [
        "username",
        "display_name",
        "email",
        "phone",
        "role",
        "vendor",
        "org_unit",
        "time_zone",
        "access_expires_at",
        "scope_vendors",
        "is_active",
        "last_login",
        "date_joined",
    ]
