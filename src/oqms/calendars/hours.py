"""Working hours as people type them: ``09:00-12:00, 13:00-18:00`` (an empty text is a day off)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

INTERVAL = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–~至到]\s*(\d{1,2}):(\d{2})\s*$")
Hours = list[tuple[str, str]]


def _minutes(hours: str, minutes: str) -> int:
    return int(hours) * 60 + int(minutes)


def parse_hours(text: str) -> Hours:
    """``"09:00-12:00, 13:00-18:00"`` → ``[("09:00", "12:00"), ("13:00", "18:00")]``; "24:00" may end a day.

    Raises ValidationError (translated) for a malformed interval, an impossible time, an empty or inverted
    interval, or intervals that overlap or are out of order.
    """
    result: Hours = []
    previous_end = -1
    for part in [p for p in re.split(r"[,，;；、\s]+(?=\d)", text.strip()) if p.strip()]:
        match = INTERVAL.match(part)
        if not match:
            raise ValidationError(
                _("“%(part)s” is not a time range; write it like 09:00-12:00.") % {"part": part.strip()},
                code="hours_format",
            )
        start = _minutes(match[1], match[2])
        end = _minutes(match[3], match[4])
        if int(match[2]) > 59 or int(match[4]) > 59 or start >= 24 * 60 or end > 24 * 60:
            raise ValidationError(
                _("“%(part)s” has a time that does not exist (24:00 may only end a day).")
                % {"part": part.strip()},
                code="hours_time",
            )
        if end <= start:
            raise ValidationError(
                _("“%(part)s” ends before it starts.") % {"part": part.strip()}, code="hours_inverted"
            )
        if start < previous_end:
            raise ValidationError(
                _("The time ranges overlap or are not in order: %(text)s") % {"text": text},
                code="hours_overlap",
            )
        previous_end = end
        result.append((f"{start // 60:02d}:{start % 60:02d}", f"{end // 60:02d}:{end % 60:02d}"))
    return result


def format_hours(hours: list[list[str]] | Hours | None) -> str:
    return ", ".join(f"{start}-{end}" for start, end in hours or [])


def validate_hours_json(value: object) -> None:
    """A stored list of [start, end] pairs must read back as valid hours."""
    if value in (None, []):
        return
    if not isinstance(value, list) or not all(isinstance(p, list | tuple) and len(p) == 2 for p in value):
        raise ValidationError(_("Hours must be a list of [start, end] pairs."), code="hours_format")
    parse_hours(format_hours(value))  # type: ignore[arg-type]
