from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "oqms.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from oqms.accounts.roles import sync_role_groups

        # Groups and their permissions are configuration, kept in code and re-applied after every migrate.
        post_migrate.connect(lambda **kwargs: sync_role_groups(), dispatch_uid="oqms-sync-roles", weak=False)
