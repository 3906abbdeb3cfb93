"""The recurring jobs exist after every migrate, once each, pointing at importable functions."""

from __future__ import annotations

import importlib
from typing import Any

from django.utils import timezone

from oqms.schedules import SCHEDULES, ensure_schedules


def test_schedules_are_created_once_and_point_at_real_functions(db: Any) -> None:
    from django_q.models import Schedule

    ensure_schedules()
    ensure_schedules()  # idempotent
    for name, func, kind, minutes, *at in SCHEDULES:
        (schedule,) = Schedule.objects.filter(name=name)
        if at:  # a nightly job starts at its local time of day
            assert timezone.localtime(schedule.next_run).strftime("%H:%M") == at[0]
        assert (schedule.func, schedule.schedule_type, schedule.repeats) == (func, kind, -1)
        if minutes:
            assert schedule.minutes == minutes
        module, attribute = func.rsplit(".", 1)
        assert callable(getattr(importlib.import_module(module), attribute))
    assert Schedule.objects.get(name="oqms-sla-monitor").minutes == 1


def test_an_operators_timing_is_kept(db: Any) -> None:
    from django_q.models import Schedule

    ensure_schedules()
    Schedule.objects.filter(name="oqms-sla-monitor").update(minutes=5)
    ensure_schedules()
    assert Schedule.objects.get(name="oqms-sla-monitor").minutes == 5
