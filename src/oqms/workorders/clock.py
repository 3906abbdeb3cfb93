"""SLA clocks of work orders, in business time.

A work order keeps the SLA policy version in force when it was raised and the calendar its clocks run on. From
those and its own facts (opened, responded, paused, resolved, closed, reopened), :func:`refresh` works out and
stores everything lists and reports read: due times, business time used, paused business time, the state of each
clock, and when the next threshold (at risk, breach, escalation) will be crossed — the SLA monitor's queue.

The response clock runs from opening until work starts. The resolution clock runs from opening until the work
order is resolved (or closed, as the contract says), stands still while work is paused for a reason the contract
lists, and after a reopen continues from where it stopped (the time it was resolved does not count).

``elapsed(t) = business_seconds(opened, t) - paused``, so the instant a budget of ``b`` seconds is used up is
``add(opened, b + paused)``: pausing and reprioritising only change ``paused`` or ``b``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from oqms.calendars.services import clock_calendar
from oqms.contracts.choices import ClockStop
from oqms.workorders.choices import SLAState, Status


@dataclass(frozen=True)
class Rules:
    response_minutes: int
    resolution_minutes: int
    at_risk_percent: int
    pausing_reasons: frozenset[str]
    stops_at: str
    escalations: tuple[tuple[str, int, str], ...]  # (clock, percent, audience)


def rules(work_order: Any) -> Rules | None:
    """The SLA rules of the work order's policy for its priority (None: no target for it)."""
    return rules_for(work_order.sla_policy, work_order.priority)


def rules_for(policy: Any, priority: str) -> Rules | None:
    """The SLA rules of a policy version for a priority (None: no policy, or no target for it)."""
    if policy is None:
        return None
    target = policy.target(priority)
    if target is None:
        return None
    content = policy.definition
    return Rules(
        response_minutes=target[0],
        resolution_minutes=target[1],
        at_risk_percent=int(content.get("at_risk_percent", 75)),
        pausing_reasons=frozenset(content.get("pausing_reasons", [])),
        stops_at=content.get("stops_at", ClockStop.RESOLVED),
        escalations=tuple((c, int(p), a) for c, p, a in content.get("escalations", [])),
    )


def calendar_of(work_order: Any) -> Any:
    return clock_calendar(work_order.calendar, work_order.site_id)


def pauses_clock(work_order: Any, rule: Rules | None = None) -> bool:
    """Whether the work order is paused now for a reason that stops its resolution clock."""
    rule = rule if rule is not None else rules(work_order)
    return bool(
        rule
        and work_order.status == Status.PAUSED
        and work_order.paused_at is not None
        and work_order.pause_reason in rule.pausing_reasons
    )


def stopped_at(work_order: Any, rule: Rules) -> datetime.datetime | None:
    """When the resolution clock stopped (resolved, or closed when the contract says so), if it has."""
    if rule.stops_at == ClockStop.CLOSED:
        return work_order.closed_at if work_order.status == Status.CLOSED else None
    if work_order.status in (Status.RESOLVED, Status.CLOSED):
        return work_order.resolved_at
    return None


def running(work_order: Any, rule: Rules) -> bool:
    """Whether the resolution clock runs now: not stopped (resolved, or closed when the contract says so), not
    paused for a listed reason."""
    if work_order.status == Status.CLOSED or stopped_at(work_order, rule) is not None:
        return False
    return not pauses_clock(work_order, rule)


def _add(calendar: Any, start: datetime.datetime, seconds: float) -> datetime.datetime | None:
    try:
        return calendar.add(start, max(seconds, 0.0))  # type: ignore[no-any-return]
    except (ValueError, OverflowError):  # a calendar with no business time ahead
        return None


def state_of(elapsed: float, target: float, percent: int) -> str:
    """The state of a running clock that has used ``elapsed`` of ``target`` (at risk from ``percent`` %)."""
    if elapsed >= target:
        return SLAState.BREACHED
    if elapsed >= target * percent / 100:
        return SLAState.AT_RISK
    return SLAState.ON_TRACK


def crossings(work_order: Any, rule: Rules, calendar: Any) -> list[tuple[str, datetime.datetime]]:
    """The thresholds of the clocks still running, as (key, instant): the SLA monitor notifies each key once."""
    opened = work_order.opened_at
    result: list[tuple[str, datetime.datetime]] = []
    clocks = []
    if work_order.responded_at is None and work_order.is_open:
        clocks.append(("response", rule.response_minutes * 60.0, 0.0))
    if running(work_order, rule):
        clocks.append(("resolution", rule.resolution_minutes * 60.0, work_order.paused_business_seconds))
    for clock, target, paused in clocks:
        levels = [("at_risk", rule.at_risk_percent), ("breached", 100)]
        levels += [(f"{percent}", percent) for c, percent, _audience in rule.escalations if c == clock]
        for name, percent in dict.fromkeys(levels):
            instant = _add(calendar, opened, target * percent / 100 + paused)
            if instant is not None:
                result.append((f"{clock}:{name}", instant))
    return result


def refresh(work_order: Any, now: datetime.datetime | None = None) -> None:
    """Recompute the stored clock fields of ``work_order`` (not saved) as of ``now``."""
    now = now or timezone.now()
    rule = rules(work_order)
    if rule is None:
        work_order.response_target_minutes = work_order.resolution_target_minutes = None
        work_order.response_due_at = work_order.resolution_due_at = work_order.at_risk_at = None
        work_order.response_state = work_order.sla_state = SLAState.NONE
        work_order.sla_next_check_at = None
        return
    calendar = calendar_of(work_order)
    opened = work_order.opened_at
    work_order.response_target_minutes = rule.response_minutes
    work_order.resolution_target_minutes = rule.resolution_minutes
    response_target = rule.response_minutes * 60.0
    resolution_target = rule.resolution_minutes * 60.0

    # Response: from opening to the first start of work.
    work_order.response_due_at = _add(calendar, opened, response_target)
    if work_order.responded_at is not None:
        used = calendar.business_seconds(opened, max(work_order.responded_at, opened))
        work_order.response_business_seconds = used
        work_order.response_state = SLAState.MET if used <= response_target else SLAState.MISSED
    else:
        work_order.response_business_seconds = None
        if work_order.is_open:
            used = calendar.business_seconds(opened, max(now, opened))
            work_order.response_state = state_of(used, response_target, rule.at_risk_percent)
        else:  # finished without ever being started
            work_order.response_state = SLAState.MISSED

    # Resolution: stands still while paused for a listed reason; stops when resolved (or closed).
    paused = work_order.paused_business_seconds
    work_order.resolution_due_at = _add(calendar, opened, resolution_target + paused)
    work_order.at_risk_at = _add(calendar, opened, resolution_target * rule.at_risk_percent / 100 + paused)
    stop = stopped_at(work_order, rule)
    if stop is not None:
        used = calendar.business_seconds(opened, max(stop, opened)) - paused
        work_order.resolution_business_seconds = used
        work_order.sla_state = SLAState.MET if used <= resolution_target else SLAState.MISSED
    else:
        work_order.resolution_business_seconds = None
        until = work_order.paused_at if pauses_clock(work_order, rule) else now
        used = calendar.business_seconds(opened, max(until, opened)) - paused
        work_order.sla_state = state_of(used, resolution_target, rule.at_risk_percent)

    notified = set(work_order.sla_crossings or [])
    pending = [instant for key, instant in crossings(work_order, rule, calendar) if key not in notified]
    work_order.sla_next_check_at = min(pending) if pending else None


def used_now(work_order: Any, now: datetime.datetime | None = None) -> dict[str, float | None]:
    """Business seconds used so far by each clock (for the work order page)."""
    now = now or timezone.now()
    rule = rules(work_order)
    if rule is None:
        return {"response": None, "resolution": None}
    calendar = calendar_of(work_order)
    opened = work_order.opened_at
    response = work_order.response_business_seconds
    if response is None:
        response = calendar.business_seconds(opened, max(now, opened))
    resolution = work_order.resolution_business_seconds
    if resolution is None:
        until = work_order.paused_at if pauses_clock(work_order, rule) else now
        resolution = (
            calendar.business_seconds(opened, max(until, opened)) - work_order.paused_business_seconds
        )
    return {"response": response, "resolution": resolution}


def uncovered_years(work_order: Any) -> list[int]:
    """Years the clocks of this work order run through whose holidays its calendar lacks (its due times may be
    too early: those holidays count as working days until they are entered)."""
    calendar = work_order.calendar
    if calendar is None or (not calendar.region and not calendar.holiday_years):
        return []
    ends = [t for t in (work_order.resolution_due_at, work_order.response_due_at, work_order.opened_at) if t]
    last = max(ends).astimezone(datetime.UTC).year
    known = set(calendar.holiday_years or [])
    return [year for year in range(work_order.opened_at.year, last + 1) if year not in known]


# --- workflow hooks (called by the services on the locked row, before it is saved) -------------------


def calendar_for(policy: Any, site: Any) -> Any:
    """The business calendar the clocks of a work order under this policy version at this site run on: the
    policy's own, else the site's, else the default calendar (None: round the clock)."""
    from oqms.calendars.models import Calendar
    from oqms.calendars.services import default_calendar

    calendar_id = (policy.definition.get("calendar_id") if policy else None) or site.calendar_id
    if calendar_id:
        return Calendar.objects.get(pk=calendar_id)
    return default_calendar()


def on_create(work_order: Any) -> None:
    from oqms.contracts.sla import policy_at

    policy = policy_at(work_order.contract, work_order.opened_at)
    work_order.sla_policy = policy
    work_order.calendar = calendar_for(policy, work_order.site)
    refresh(work_order, work_order.opened_at)


def on_resume(work_order: Any, at: datetime.datetime) -> None:
    """Before the pause fields are cleared: a pause for a listed reason adds its business time."""
    rule = rules(work_order)
    if rule is not None and pauses_clock(work_order, rule):
        calendar = calendar_of(work_order)
        work_order.paused_business_seconds += calendar.business_seconds(
            work_order.paused_at, max(at, work_order.paused_at)
        )


def on_reopen(work_order: Any, at: datetime.datetime) -> None:
    """Before the resolution fields are cleared: the time it stood resolved does not count."""
    rule = rules(work_order)
    if rule is None:
        return
    stop = stopped_at(work_order, rule)
    if stop is not None:
        calendar = calendar_of(work_order)
        work_order.paused_business_seconds += calendar.business_seconds(stop, max(at, stop))
