from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from oqms.accounts.models import ApiToken, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "display_name", "role", "vendor", "is_active", "last_login")
    list_filter = ("role", "is_active", "vendor")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (
            _("OQMS"),
            {
                "fields": (
                    "role",
                    "vendor",
                    "org_unit",
                    "display_name",
                    "phone",
                    "time_zone",
                    "access_expires_at",
                    "scope_vendors",
                )
            },
        ),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "key_prefix", "created_at", "expires_at", "last_used_at", "revoked_at")
    readonly_fields = ("key_prefix", "key_hash", "created_at", "last_used_at")
