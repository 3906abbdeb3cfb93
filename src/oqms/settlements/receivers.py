"""The settlement follows its scorecard: recomputed with it while unapproved, approved with it, and the
consequence rules applied on approval (in the approval's transaction: if they fail, nothing is approved)."""

from __future__ import annotations

from typing import Any


def _computed(sender: Any, scorecard: Any, **kwargs: Any) -> None:
    from oqms.settlements import rules

    rules.compute(scorecard)


def _approved(sender: Any, scorecard: Any, user: Any = None, **kwargs: Any) -> None:
    from oqms.settlements import consequences, rules

    rules.approve(scorecard)
    consequences.apply(scorecard, user)


def connect() -> None:
    from oqms.kpis.signals import scorecard_approved, scorecard_computed

    scorecard_computed.connect(_computed, dispatch_uid="oqms-settlement-computed")
    scorecard_approved.connect(_approved, dispatch_uid="oqms-settlement-approved")
