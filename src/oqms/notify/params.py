"""Notification parameters are stored raw (ISO times, codes) and localised when shown."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from django.utils.formats import localize
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

SEVERITIES = {
    "minor": pgettext_lazy("severity", "minor"),
    "major": pgettext_lazy("severity", "major"),
    "critical": pgettext_lazy("severity", "critical"),
}
STAGES = {
    "acknowledge": gettext_lazy("acknowledgement"),
    "plan": gettext_lazy("root cause and action plan"),
    "implement": gettext_lazy("implementation"),
    "verify": gettext_lazy("verification"),
}


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
    severity = params.get("severity")
    if severity in SEVERITIES:
        values["severity"] = str(SEVERITIES[severity])
    stage = params.get("stage")
    if stage in STAGES:
        values["stage"] = str(STAGES[stage])
    if "repeat" in params:
        values["repeat_text"] = (
            _("It repeats %(number)s, so its severity was raised. ") % {"number": params["repeat"]}
            if params["repeat"]
            else ""
        )
    if "containment_due" in params:
        values["containment_text"] = (
            _("Contain it by %(due)s. ") % {"due": values["containment_due"]}
            if params["containment_due"]
            else ""
        )
    audience = params.get("audience")
    if audience:
        from oqms.notify.audiences import AUDIENCES

        values["audience"] = str(AUDIENCES.get(audience, audience))
    return values
