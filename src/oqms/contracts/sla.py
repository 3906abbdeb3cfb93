"""A contract's SLA policy, published as versions: the rules a work order's clocks follow.

Saving a contract, its SLA targets or its escalation levels publishes a new :class:`SLAPolicy` (when something
changed). A work order binds to the version in force when it was raised (:func:`policy_at`), so an amendment
applies to work orders raised after it and never changes the clocks of earlier ones.
"""

from __future__ import annotations

import datetime
from typing import Any

from oqms.contracts.models import Contract, EscalationLevel, SLAPolicy, SLATarget
from oqms.core.publishing import Publisher


def definition(contract: Contract) -> dict[str, Any]:
    return {
        "targets": {
            t.priority: [t.response_minutes, t.resolution_minutes]
            for t in contract.sla_targets.order_by("priority")
        },
        "calendar_id": contract.sla_calendar_id,
        "at_risk_percent": contract.sla_at_risk_percent,
        "pausing_reasons": sorted(contract.sla_pausing_reasons or []),
        "stops_at": contract.sla_stops_at,
        "escalations": [
            [level.clock, level.percent, level.audience]
            for level in contract.escalation_levels.order_by("clock", "percent", "audience")
        ],
    }


publisher = Publisher("sla_policy", Contract, SLAPolicy, "contract", definition)


def connect() -> None:
    publisher.connect([(SLATarget, "contract_id"), (EscalationLevel, "contract_id")])


def policy_at(contract: Contract, moment: datetime.datetime) -> SLAPolicy | None:
    """The version in force at ``moment``; the first version also covers anything raised before it."""
    versions = SLAPolicy.objects.filter(contract=contract)
    in_force = versions.filter(effective_from__lte=moment).order_by("-effective_from", "-number").first()
    return in_force or versions.order_by("number").first()
