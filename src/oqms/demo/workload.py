"""Six months of work orders: arrivals in office hours, SLA-shaped timings per vendor, events, bulk insert.

Every random draw is made up front with numpy (one seeded generator); then each work order's workflow steps
are laid out, cut at "now", and replayed with the same field rules as ``oqms.workorders.services`` so the row
and its events always agree. The rows go in with ``bulk_create`` (no per-row audit entry; the command writes
one entry for the whole load).
"""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db.models import F
from django.db.models.functions import Coalesce

from oqms.core.models import Sequence
from oqms.demo import clocks, data
from oqms.demo.builders import World
from oqms.workorders.models import WorkOrder, WorkOrderEvent
from oqms.workorders.services import format_number

DAYS = 182
RECENT_SECONDS = 3 * 86400
OPEN_STAGES = ("new", "assigned", "in_progress", "paused", "resolved")
# Requests per hour of the day (local time): office hours, a lunch dip, a quiet night.
HOUR_WEIGHTS = np.array(
    [
        0.15,
        0.1,
        0.08,
        0.08,
        0.1,
        0.15,
        0.3,
        0.7,
        1.6,
        2.6,
        2.8,
        2.4,
        1.3,
        1.9,
        2.6,
        2.5,
        2.2,
        1.7,
        0.9,
        0.6,
        0.5,
        0.4,
        0.3,
        0.2,
    ]
)
WEEKDAY_WEIGHTS = np.array([1.05, 1.0, 1.0, 1.0, 0.95, 0.35, 0.25])
BATCH = 2000
MINUTE = 60


@dataclass
class Draws:
    """All random choices for n work orders, as arrays (times in seconds)."""

    opened: np.ndarray
    team: np.ndarray
    priority: np.ndarray
    pick: np.ndarray  # uniform integers to choose texts, sites, types, people
    response: np.ndarray
    assign: np.ndarray
    work: np.ndarray
    pause: np.ndarray  # pause length, 0 when not paused
    pause_at: np.ndarray  # share of the work done before the pause
    close: np.ndarray
    reopen: np.ndarray
    rating: np.ndarray
    stall: np.ndarray  # index into OPEN_STAGES for recent work left open on purpose, -1 otherwise


def arrival_times(rng: np.random.Generator, n: int, now: int, tz: str = "Asia/Shanghai") -> np.ndarray:
    """Sorted epoch seconds over the last DAYS days, weighted to weekdays and office hours, none after now."""
    zone = zoneinfo.ZoneInfo(tz)
    today = datetime.datetime.fromtimestamp(now, zone).date()
    days = [today - datetime.timedelta(days=k) for k in range(DAYS - 1, -1, -1)]
    midnights = np.array([datetime.datetime.combine(d, datetime.time(), zone).timestamp() for d in days])
    day_weights = WEEKDAY_WEIGHTS[[d.weekday() for d in days]]
    chosen: list[np.ndarray] = []
    while sum(len(c) for c in chosen) < n:
        size = max(int(n * 1.1), 16)
        day = rng.choice(len(days), size=size, p=day_weights / day_weights.sum())
        hour = rng.choice(24, size=size, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
        times = midnights[day] + hour * 3600 + rng.integers(0, 3600, size=size)
        chosen.append(times[times <= now - MINUTE])
    return np.sort(np.concatenate(chosen)[:n].astype(np.int64))


def lognormal(rng: np.random.Generator, median: np.ndarray | float, sigma: float, n: int) -> np.ndarray:
    return np.asarray(median) * rng.lognormal(0.0, sigma, size=n)


def draw(world: World, rng: np.random.Generator, n: int, now: int) -> Draws:
    specs = [t.spec for t in world.teams]
    shares = np.array([s.share for s in specs])
    team = rng.choice(len(specs), size=n, p=shares / shares.sum())
    priority = rng.choice(4, size=n, p=data.PRIORITY_SHARES)
    sla = np.array([data.SLA[s.categories[0]] for s in specs], dtype=float) * MINUTE  # team x priority x 2
    sla_response, sla_resolution = sla[team, priority, 0], sla[team, priority, 1]
    response = np.maximum(
        lognormal(rng, sla_response * np.array([s.response for s in specs])[team], 0.6, n), MINUTE
    )
    resolution = lognormal(rng, sla_resolution * np.array([s.resolution for s in specs])[team], 0.55, n)
    work = np.maximum(resolution - response, rng.uniform(5, 30, n) * MINUTE)
    pause_share = np.array([data.PAUSE_SHARE[s.categories[0]] for s in specs])[team]
    paused = rng.random(n) < pause_share
    pause = np.where(paused, np.clip(lognormal(rng, 3 * 3600, 1.0, n), 15 * MINUTE, 5 * 86400), 0)
    breach = (response > sla_response).astype(float) + (response + work > sla_resolution)
    rating = np.array([s.rating for s in specs])[team] - 0.7 * breach + rng.normal(0, 0.7, n)
    opened = arrival_times(rng, n, now)
    return Draws(
        opened=opened,
        team=team,
        priority=priority,
        pick=rng.integers(0, 2**31, size=(n, 8)),
        response=response,
        assign=response * rng.uniform(0.1, 0.7, n),
        work=work,
        pause=pause,
        pause_at=rng.uniform(0.2, 0.7, n),
        close=np.clip(lognormal(rng, 4 * 3600, 1.3, n), 5 * MINUTE, 20 * 86400),
        reopen=rng.random(n) < np.array([s.reopen for s in specs])[team],
        rating=np.clip(np.rint(rating), 1, 5).astype(int),
        stall=stalls(rng, opened, now),
    )


def stalls(rng: np.random.Generator, opened: np.ndarray, now: int) -> np.ndarray:
    """A third of the last three days' work (at least the last five) is held in each open stage in turn."""
    stall = np.full(len(opened), -1)
    recent = np.flatnonzero(opened >= now - RECENT_SECONDS)
    if len(recent) < len(OPEN_STAGES):
        recent = np.arange(max(len(opened) - len(OPEN_STAGES), 0), len(opened))
    count = min(max(len(OPEN_STAGES), len(recent) // 3), len(recent))
    held = np.sort(rng.choice(recent, size=count, replace=False))
    stall[held] = np.arange(count) % len(OPEN_STAGES)
    return stall


Step = tuple[str, int]  # action, epoch seconds


def natural_steps(d: Draws, i: int) -> list[Step]:
    """The whole life of work order i as it would run if nothing held it up."""
    opened = int(d.opened[i])
    started = opened + int(d.response[i])
    steps: list[Step] = [("create", opened), ("assign", opened + int(d.assign[i])), ("start", started)]
    work, pause = int(d.work[i]), int(d.pause[i])
    if pause:
        paused_at = started + int(work * d.pause_at[i])
        steps += [("pause", paused_at), ("resume", paused_at + pause)]
    resolved = started + work + pause
    steps.append(("resolve", resolved))
    if d.reopen[i]:
        pick = d.pick[i]
        reopened = resolved + int(pick[5] % 7200) + 1800
        restarted = reopened + int(pick[6] % 5400) + 600
        resolved = restarted + int(pick[7] % 10800) + 1800
        steps += [("reopen", reopened), ("start", restarted), ("resolve", resolved)]
    steps.append(("close", resolved + int(d.close[i])))
    return steps


def held_steps(steps: list[Step], stage: str, now: int) -> list[Step]:
    """Cut the life at the first time it reaches an open stage, squeezed so that it has happened by now."""
    until = {
        "new": "create",
        "assigned": "assign",
        "in_progress": "start",
        "paused": "pause",
        "resolved": "resolve",
    }[stage]
    if stage == "paused" and all(a != "pause" for a, _at in steps):
        steps = [*steps[:3], ("pause", steps[2][1] + 1800)]
    kept = steps[: next(k for k, s in enumerate(steps) if s[0] == until) + 1]
    opened = kept[0][1]
    share = (now - opened) // len(kept)
    return [(a, min(at, opened + share * k)) for k, (a, at) in enumerate(kept)]


def life(d: Draws, i: int, now: int) -> list[Step]:
    steps = natural_steps(d, i)
    if d.stall[i] >= 0:
        steps = held_steps(steps, OPEN_STAGES[d.stall[i]], now)
    return [s for s in steps if s[1] <= now]


TARGETS = {
    "create": "new",
    "assign": "assigned",
    "start": "in_progress",
    "pause": "paused",
    "resume": "in_progress",
    "resolve": "resolved",
    "close": "closed",
    "reopen": "assigned",
}


class Replay:
    """Apply workflow steps to a work order row with the rules of ``oqms.workorders.services``."""

    def __init__(self, world: World, d: Draws, i: int) -> None:
        team = world.teams[d.team[i]]
        self.team, self.pick, self.i, self.d = team, d.pick[i], i, d
        self.category = team.spec.categories[0]
        service_type = team.service_types[self.pick[0] % len(team.service_types)]
        site = team.sites[self.pick[1] % len(team.sites)]
        self.requester = requester_for(world, site, int(self.pick[2]))
        self.assignee = team.staff[self.pick[3] % len(team.staff)]
        title = pick_text(data.TITLES[service_type.code], self.pick[4])
        opened = to_datetime(int(d.opened[i]))
        priority = data.PRIORITIES[d.priority[i]]
        target = team.contract_targets[priority]
        self.row: dict[str, Any] = dict(
            contract_id=team.contract.pk,
            vendor_id=team.vendor.pk,
            site_id=site.pk,
            service_type_id=service_type.pk,
            priority=priority,
            title=title,
            requester_id=self.requester.pk,
            status="new",
            opened_at=opened,
            description=f"{site.name}{pick_text(data.PLACES, self.pick[5])}：{title}",
            paused_seconds=0,
            reopen_count=0,
        )
        self.targets = target
        # Periods the resolution clock stood still: pauses for reasons the contract lists, and the time between
        # resolving and reopening. The SLA clocks are filled in for all work orders at once (demo/clocks.py).
        self.stops: list[tuple[datetime.datetime, datetime.datetime]] = []
        self.pausing = set(team.contract.sla_pausing_reasons or [])
        self.events: list[tuple[str, str, str, Any, datetime.datetime, str, str]] = []

    def apply(self, action: str, at: int) -> None:
        when, row = to_datetime(at), self.row
        actor = self.actor(action).pk
        note = getattr(self, f"_{action}")(when, row)
        reason = row["pause_reason"] if action == "pause" else ""
        source = row["status"] if self.events else ""
        self.events.append((action, source, TARGETS[action], actor, when, note, reason))
        row["status"] = TARGETS[action]

    def actor(self, action: str) -> Any:
        if action in {"create", "close", "reopen"}:
            return self.requester
        return self.team.manager if action == "assign" else self.assignee

    def _create(self, when: Any, row: dict[str, Any]) -> str:
        return ""

    def _assign(self, when: Any, row: dict[str, Any]) -> str:
        row.update(assignee_id=self.assignee.pk, assigned_at=when)
        return str(self.assignee)

    def _start(self, when: Any, row: dict[str, Any]) -> str:
        row.setdefault("responded_at", when)
        return ""

    def _pause(self, when: Any, row: dict[str, Any]) -> str:
        reasons, weights = zip(*data.PAUSE_REASONS[self.category], strict=True)
        reason = reasons[np.searchsorted(np.cumsum(weights), (self.pick[6] % 1000) / 1000, side="right")]
        row.update(pause_reason=reason, paused_at=when)
        return data.PAUSE_NOTES[reason]

    def _resume(self, when: Any, row: dict[str, Any]) -> str:
        paused_at = row.pop("paused_at")
        if row["pause_reason"] in self.pausing:
            self.stops.append((paused_at, when))
        row.update(
            pause_reason="", paused_seconds=row["paused_seconds"] + int((when - paused_at).total_seconds())
        )
        return ""

    def _resolve(self, when: Any, row: dict[str, Any]) -> str:
        note = pick_text(data.RESOLUTIONS[self.category], self.pick[7] + len(self.events))
        row.update(resolved_at=when, resolution_note=note)
        return note

    def _close(self, when: Any, row: dict[str, Any]) -> str:
        rating = int(self.d.rating[self.i])
        row.update(
            closed_at=when,
            rating=rating,
            rating_comment=pick_text(data.RATING_COMMENTS[rating], self.pick[0] // 7),
        )
        return str(row["rating_comment"])

    def _reopen(self, when: Any, row: dict[str, Any]) -> str:
        if row.get("resolved_at"):
            self.stops.append((row["resolved_at"], when))
        row.update(
            resolved_at=None,
            closed_at=None,
            rating=None,
            rating_comment="",
            reopen_count=row["reopen_count"] + 1,
        )
        return pick_text(data.REOPEN_NOTES, self.pick[1] // 11)


def pick_text(options: list[str], pick: Any) -> str:
    return options[int(pick) % len(options)]


def requester_for(world: World, site: Any, pick: int) -> Any:
    requesters = world.requesters()
    local = [u for u in requesters if u.org_unit_id == site.org_unit_id] or requesters
    return local[pick % len(local)]


def to_datetime(epoch: int) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(epoch, datetime.UTC)


def generate(world: World, n: int, rng: np.random.Generator, now: int) -> tuple[int, int]:
    """Create n work orders with their events; returns (work orders, events)."""
    if n <= 0:
        return 0, 0
    for team in world.teams:
        team.contract_targets = {
            t.priority: (t.response_minutes, t.resolution_minutes) for t in team.contract.sla_targets.all()
        }
        team.contract.refresh_from_db()
    d = draw(world, rng, n, now)
    first = Sequence.take("workorder", n)
    replays = []
    for i in range(n):
        replay = Replay(world, d, i)
        for step in life(d, i, now):
            replay.apply(*step)
        replays.append(replay)
    clocks.fill(world, replays, to_datetime(now))
    events = 0
    for start in range(0, n, BATCH):
        events += insert(replays[start : start + BATCH], first + start)
    WorkOrder.objects.filter(number__gte=format_number(first)).update(
        created_at=F("opened_at"),
        updated_at=Coalesce(
            "closed_at", "resolved_at", "paused_at", "responded_at", "assigned_at", "opened_at"
        ),
    )
    return n, events


def insert(replays: list[Replay], first_number: int) -> int:
    orders = [WorkOrder(number=format_number(first_number + k), **r.row) for k, r in enumerate(replays)]
    WorkOrder.objects.bulk_create(orders, batch_size=BATCH)
    if any(o.pk is None for o in orders):  # a database that cannot return ids from a bulk insert
        numbers = [o.number for o in orders]
        ids = dict(WorkOrder.objects.filter(number__in=numbers).values_list("number", "pk"))
        for order in orders:
            order.pk = ids[order.number]
    events = [
        WorkOrderEvent(
            work_order_id=order.pk,
            action=action,
            from_status=source,
            to_status=target,
            actor_id=actor,
            at=at,
            note=note,
            pause_reason=reason,
        )
        for order, replay in zip(orders, replays, strict=True)
        for action, source, target, actor, at, note, reason in replay.events
    ]
    WorkOrderEvent.objects.bulk_create(events, batch_size=BATCH * 3)
    return len(events)
