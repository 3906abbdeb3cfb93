"""SLA clocks for the generated work orders, computed for all of them at once with the engine's array functions.

The result is what ``oqms.workorders.clock.refresh`` would store for each work order (a test checks a sample
against it); thresholds crossed before now count as notified already, so the SLA monitor starts with what
happens from now on instead of announcing six months of history.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

import numpy as np

from oqms.calendars.services import clock_calendar, default_calendar
from oqms.contracts.choices import ClockStop
from oqms.contracts.sla import policy_at
from oqms.workorders.choices import OPEN_STATUSES, SLAState
from oqms.workorders.clock import state_of

NAT = np.datetime64("NaT", "ns")


def _ns(value: datetime.datetime | None) -> np.datetime64:
    if value is None:
        return NAT
    return np.datetime64(value.astimezone(datetime.UTC).replace(tzinfo=None), "ns")


def _aware(value: np.datetime64) -> datetime.datetime | None:
    if np.isnat(value):
        return None
    micros = int(value.astype("datetime64[us]").astype(np.int64))
    return datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC) + datetime.timedelta(microseconds=micros)


def fill(world: Any, replays: list[Any], now: datetime.datetime) -> None:
    fallback = default_calendar()
    groups: dict[tuple[int, int | None, int], list[Any]] = defaultdict(list)
    policies: dict[int, Any] = {}
    for replay in replays:
        contract = replay.team.contract
        if contract.pk not in policies:
            policies[contract.pk] = policy_at(contract, replay.row["opened_at"])
        policy = policies[contract.pk]
        calendar_id = policy.definition.get("calendar_id") if policy else None
        if calendar_id is None and fallback is not None:
            calendar_id = fallback.pk
        replay.row["sla_policy_id"] = policy.pk if policy else None
        replay.row["calendar_id"] = calendar_id
        groups[(contract.pk, calendar_id, replay.row["site_id"])].append(replay)
    calendars = {c.pk: c for c in world.calendars.values()}
    for (contract_id, calendar_id, site_id), members in groups.items():
        _fill_group(members, policies[contract_id], clock_calendar(calendars.get(calendar_id), site_id), now)


def _fill_group(members: list[Any], policy: Any, calendar: Any, now: datetime.datetime) -> None:
    rows = [m.row for m in members]
    content = policy.definition
    percent = int(content.get("at_risk_percent", 75))
    stops_at_close = content.get("stops_at") == ClockStop.CLOSED
    pausing = set(content.get("pausing_reasons", []))
    now64 = _ns(now)
    n = len(rows)
    opened = np.array([_ns(r["opened_at"]) for r in rows])
    response_target = np.array([m.targets[0] * 60.0 for m in members])
    resolution_target = np.array([m.targets[1] * 60.0 for m in members])
    responded = np.array([_ns(r.get("responded_at")) for r in rows])
    status = np.array([r["status"] for r in rows])
    is_open = np.isin(status, list(OPEN_STATUSES))
    stop_field = "closed_at" if stops_at_close else "resolved_at"
    finished = status == "closed" if stops_at_close else np.isin(status, ["resolved", "closed"])
    stopped = np.array([_ns(r.get(stop_field)) for r in rows])
    stopped[~finished] = NAT
    # Paused for a listed reason right now: the clock stands at the pause.
    held = np.array([_ns(r.get("paused_at")) if r.get("pause_reason") in pausing else NAT for r in rows])
    # Business time of the finished stops (pauses, resolved-then-reopened).
    owner = [k for k, m in enumerate(members) for _stop in m.stops]
    paused = np.zeros(n)
    if owner:
        starts = np.array([_ns(a) for m in members for a, _b in m.stops])
        ends = np.array([_ns(b) for m in members for _a, b in m.stops])
        np.add.at(paused, np.array(owner), calendar.business_seconds_array(starts, ends))

    response_due = calendar.add_array(opened, response_target)
    response_used = calendar.business_seconds_array(opened, np.where(np.isnat(responded), now64, responded))
    resolution_due = calendar.add_array(opened, resolution_target + paused)
    at_risk_at = calendar.add_array(opened, resolution_target * percent / 100 + paused)
    until = np.where(~np.isnat(stopped), stopped, np.where(~np.isnat(held), held, now64))
    resolution_used = calendar.business_seconds_array(opened, until) - paused

    # The thresholds each clock passes (at risk, breached, escalations) and when.
    levels = [("at_risk", percent / 100), ("breached", 1.0)]
    escalations = content.get("escalations", [])
    crossings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for name, share in levels + [(f"{p}", p / 100) for c, p, _a in escalations if c == "response"]:
        crossings[f"response:{name}"] = (
            calendar.add_array(opened, response_target * share),
            np.isnat(responded),
        )
    for name, share in levels + [(f"{p}", p / 100) for c, p, _a in escalations if c == "resolution"]:
        crossings[f"resolution:{name}"] = (
            calendar.add_array(opened, resolution_target * share + paused),
            np.isnat(stopped) & (status != "closed") & np.isnat(held),
        )

    for k, row in enumerate(rows):
        row["response_target_minutes"] = members[k].targets[0]
        row["resolution_target_minutes"] = members[k].targets[1]
        row["response_due_at"] = _aware(response_due[k])
        row["resolution_due_at"] = _aware(resolution_due[k])
        row["at_risk_at"] = _aware(at_risk_at[k])
        row["paused_business_seconds"] = float(paused[k])
        if np.isnat(responded[k]):
            row["response_business_seconds"] = None
            row["response_state"] = (
                state_of(response_used[k], response_target[k], percent) if is_open[k] else SLAState.MISSED
            )
        else:
            row["response_business_seconds"] = float(response_used[k])
            row["response_state"] = (
                SLAState.MET if response_used[k] <= response_target[k] else SLAState.MISSED
            )
        if np.isnat(stopped[k]):
            row["resolution_business_seconds"] = None
            row["sla_state"] = state_of(resolution_used[k], resolution_target[k], percent)
        else:
            row["resolution_business_seconds"] = float(resolution_used[k])
            row["sla_state"] = SLAState.MET if resolution_used[k] <= resolution_target[k] else SLAState.MISSED
        done, pending = [], []
        for key, (instants, running) in crossings.items():
            if not running[k] or np.isnat(instants[k]):
                continue
            (done if instants[k] <= now64 else pending).append((key, instants[k]))
        row["sla_crossings"] = [key for key, _at in done]
        row["sla_next_check_at"] = _aware(min(at for _key, at in pending)) if pending else None
