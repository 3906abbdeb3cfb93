"""Notification parameters are stored raw (ISO times, codes) and localised when shown."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from django.utils.formats import localize
from django.utils.translation import gettext as _
from django.utils.translation import pgettext


def localised(params: dict[str, Any]) -> dict[str, Any]:
    values = dict(params)
    for key, value in params.items():
        if key.endswith("due") and isinstance(value, str):
            try:
                moment = datetime.datetime.fromisoformat(value)
            except ValueError:
                continue
            values[key] = localize(timezone.localtime(moment)) if timezone.is_aware(moment) else value
    clock = params.get("clock")
    if clock == "response":
        values["clock"] = pgettext("SLA clock", "response")
    elif clock == "resolution":
        values["clock"] = pgettext("SLA clock", "resolution")
    consequence = params.get("consequence")
    if consequence:
        actions = {"probation": _("The vendor is put on probation."), "warning": _("The vendor is warned.")}
        values["action"] = str(actions.get(consequence, consequence))
    if "plan" in params:
        values["plan"] = str(_("An improvement plan is requested from the vendor.")) if params["plan"] else ""
    audience = params.get("audience")
    if audience:
        from oqms.notify.audiences import AUDIENCES

        values["audience"] = str(AUDIENCES.get(audience, audience))
    return values
