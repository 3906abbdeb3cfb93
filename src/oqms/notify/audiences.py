from django.db import models
from django.utils.translation import gettext_lazy as _


class Audience(models.TextChoices):
    """Who an SLA crossing or escalation level notifies."""

    CONTRACT_OWNER = "contract_owner", _("contract owner")
    DEPARTMENT_HEAD = "department_head", _("department head")
    VENDOR_MANAGER = "vendor_manager", _("vendor manager")
    QUALITY_MANAGERS = "quality_managers", _("quality managers")
    ASSIGNEE = "assignee", _("assignee")
    REQUESTER = "requester", _("requester")


AUDIENCES = dict(Audience.choices)
