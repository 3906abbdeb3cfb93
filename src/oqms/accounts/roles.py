"""What each role may do, as Django groups and model permissions, kept in code.

The matrix below is applied by ``sync_role_groups()`` after every migrate (and by ``oqms setup``), so a
deployment's groups always match the release. Vendor scoping and row rules (``oqms.core.scoping``) then narrow
*which* records a permission applies to.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from oqms.accounts.choices import Role

ALL = ("view", "add", "change", "delete")
READ = ("view",)

# model label -> actions, per role
MATRIX: dict[str, dict[str, tuple[str, ...]]] = {
    Role.ADMIN: {
        "accounts.user": ALL,
        "accounts.apitoken": ALL,
        "core.auditentry": READ,
        "notify.delivery": READ,
        "org.orgunit": ALL,
        "org.site": ALL,
        "calendars.calendar": ALL,
        "calendars.calendarday": ALL,
        "calendars.closure": ALL,
        "calendars.calendarversion": READ,
        "vendors.servicecategory": ALL,
        "vendors.vendor": ALL,
        "vendors.vendorcontact": ALL,
        "vendors.qualificationdocument": ALL,
        "contracts.servicetype": ALL,
        "contracts.contract": ALL,
        "contracts.slatarget": ALL,
        "contracts.escalationlevel": ALL,
        "kpis.kpi": ALL,
        "kpis.scorecard": ALL,
        "kpis.kpiresult": READ,
        "kpis.staffresult": READ,
        "kpis.scorecardcomment": READ,
        "settlements.payrule": ALL,
        "settlements.settlement": READ,
        "settlements.settlementline": READ,
        "settlements.consequencerule": ALL,
        "settlements.consequence": READ,
        "contracts.slapolicy": READ,
        "contracts.contractattachment": ALL,
        "workorders.workorder": ALL,
        "workorders.workorderevent": READ,
        "workorders.workorderattachment": ALL,
    },
    Role.QUALITY_MANAGER: {
        "accounts.user": READ,
        "core.auditentry": READ,
        "org.orgunit": ALL,
        "org.site": ALL,
        "calendars.calendar": ALL,
        "calendars.calendarday": ALL,
        "calendars.closure": ALL,
        "calendars.calendarversion": READ,
        "vendors.servicecategory": ALL,
        "vendors.vendor": ALL,
        "vendors.vendorcontact": ALL,
        "vendors.qualificationdocument": ALL,
        "contracts.servicetype": ALL,
        "contracts.contract": ALL,
        "contracts.slatarget": ALL,
        "contracts.escalationlevel": ALL,
        "kpis.kpi": ALL,
        "kpis.scorecard": ALL,
        "kpis.kpiresult": READ,
        "kpis.staffresult": READ,
        "kpis.scorecardcomment": READ,
        "settlements.payrule": ALL,
        "settlements.settlement": READ,
        "settlements.settlementline": READ,
        "settlements.consequencerule": ALL,
        "settlements.consequence": READ,
        "contracts.slapolicy": READ,
        "contracts.contractattachment": ALL,
        "workorders.workorder": ("view", "add", "change"),
        "workorders.workorderevent": READ,
        "workorders.workorderattachment": ("view", "add", "delete"),
    },
    Role.REQUESTER: {
        "org.orgunit": READ,
        "org.site": READ,
        "calendars.calendar": READ,
        "calendars.calendarday": READ,
        "calendars.closure": READ,
        "calendars.calendarversion": READ,
        "vendors.servicecategory": READ,
        "vendors.vendor": READ,
        "contracts.servicetype": READ,
        "contracts.contract": READ,
        "contracts.slatarget": READ,
        "contracts.escalationlevel": READ,
        "kpis.kpi": READ,
        "kpis.scorecard": READ,
        "kpis.kpiresult": READ,
        "kpis.staffresult": READ,
        "kpis.scorecardcomment": READ,
        "contracts.slapolicy": READ,
        "workorders.workorder": ("view", "add", "change"),
        "workorders.workorderevent": READ,
        "workorders.workorderattachment": ("view", "add"),
    },
    Role.VENDOR_MANAGER: {
        "accounts.user": READ,
        "core.auditentry": READ,
        "org.orgunit": READ,
        "org.site": READ,
        "calendars.calendar": READ,
        "calendars.calendarday": READ,
        "calendars.closure": READ,
        "calendars.calendarversion": READ,
        "vendors.servicecategory": READ,
        "vendors.vendor": READ,
        "vendors.vendorcontact": ALL,
        "vendors.qualificationdocument": ALL,
        "contracts.servicetype": READ,
        "contracts.contract": READ,
        "contracts.slatarget": READ,
        "contracts.escalationlevel": READ,
        "kpis.kpi": READ,
        "kpis.scorecard": READ,
        "kpis.kpiresult": READ,
        "kpis.staffresult": READ,
        "kpis.scorecardcomment": READ,
        "settlements.payrule": READ,
        "settlements.settlement": READ,
        "settlements.settlementline": READ,
        "settlements.consequence": READ,
        "contracts.slapolicy": READ,
        "contracts.contractattachment": READ,
        "workorders.workorder": ("view", "change"),
        "workorders.workorderevent": READ,
        "workorders.workorderattachment": ("view", "add"),
    },
    Role.VENDOR_STAFF: {
        "org.site": READ,
        "contracts.servicetype": READ,
        "workorders.workorder": ("view", "change"),
        "workorders.workorderevent": READ,
        "workorders.workorderattachment": ("view", "add"),
    },
    Role.INSPECTOR: {
        "org.orgunit": READ,
        "org.site": READ,
        "calendars.calendar": READ,
        "calendars.calendarday": READ,
        "calendars.closure": READ,
        "calendars.calendarversion": READ,
        "vendors.servicecategory": READ,
        "vendors.vendor": READ,
        "vendors.vendorcontact": READ,
        "vendors.qualificationdocument": READ,
        "contracts.servicetype": READ,
        "contracts.contract": READ,
        "contracts.slatarget": READ,
        "contracts.escalationlevel": READ,
        "kpis.kpi": READ,
        "kpis.scorecard": READ,
        "kpis.kpiresult": READ,
        "kpis.staffresult": READ,
        "kpis.scorecardcomment": READ,
        "contracts.slapolicy": READ,
        "workorders.workorder": READ,
        "workorders.workorderevent": READ,
        "workorders.workorderattachment": READ,
    },
    Role.ASSESSOR: {
        "core.auditentry": READ,
        "org.orgunit": READ,
        "org.site": READ,
        "calendars.calendar": READ,
        "calendars.calendarday": READ,
        "calendars.closure": READ,
        "calendars.calendarversion": READ,
        "vendors.servicecategory": READ,
        "vendors.vendor": READ,
        "vendors.qualificationdocument": READ,
        "contracts.servicetype": READ,
        "contracts.contract": READ,
        "contracts.slatarget": READ,
        "contracts.escalationlevel": READ,
        "kpis.kpi": READ,
        "kpis.scorecard": READ,
        "kpis.kpiresult": READ,
        "kpis.staffresult": READ,
        "kpis.scorecardcomment": READ,
        "settlements.payrule": READ,
        "settlements.settlement": READ,
        "settlements.settlementline": READ,
        "settlements.consequence": READ,
        "contracts.slapolicy": READ,
        "contracts.contractattachment": READ,
        "workorders.workorder": READ,
        "workorders.workorderevent": READ,
        "workorders.workorderattachment": READ,
    },
}


def group_name(role: str) -> str:
    return f"role:{role}"


@transaction.atomic
def sync_role_groups() -> None:
    permissions = {
        f"{p.content_type.app_label}.{p.codename}": p
        for p in Permission.objects.select_related("content_type")
    }
    for role, grants in MATRIX.items():
        group, _created = Group.objects.get_or_create(name=group_name(role))
        wanted = []
        for label, actions in grants.items():
            app_label, model = label.split(".")
            for action in actions:
                perm = permissions.get(f"{app_label}.{action}_{model}")
                if perm is not None:
                    wanted.append(perm)
        group.permissions.set(wanted)


def apply_role(user: object) -> None:
    """Put the user in exactly the group of their role (call after saving the user)."""
    groups = getattr(user, "groups")  # noqa: B009 - typed loosely to keep this module model-free
    role = getattr(user, "role")  # noqa: B009
    group, _created = Group.objects.get_or_create(name=group_name(role))
    groups.set([group])
