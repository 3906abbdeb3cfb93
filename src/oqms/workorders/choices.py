from django.db import models
from django.utils.translation import gettext_lazy as _

# Re-exported: pause reasons live with the contracts, which say which of them stop the SLA clock.
from oqms.contracts.choices import PauseReason as PauseReason


class Status(models.TextChoices):
    NEW = "new", _("New")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    PAUSED = "paused", _("Paused")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


Status.colours = {  # type: ignore[attr-defined]
    "new": "primary",
    "assigned": "info",
    "in_progress": "warning",
    "paused": "secondary",
    "resolved": "success",
    "closed": "dark",
}
OPEN_STATUSES = (Status.NEW, Status.ASSIGNED, Status.IN_PROGRESS, Status.PAUSED)


class Action(models.TextChoices):
    CREATE = "create", _("Raised")
    ASSIGN = "assign", _("Assigned")
    START = "start", _("Started")
    PAUSE = "pause", _("Paused")
    RESUME = "resume", _("Resumed")
    RESOLVE = "resolve", _("Resolved")
    CLOSE = "close", _("Closed with rating")
    REOPEN = "reopen", _("Reopened")


# The button of each action (imperative), apart from its past-tense label in the timeline.
ACTION_VERBS = {
    Action.ASSIGN: _("Assign"),
    Action.START: _("Start work"),
    Action.PAUSE: _("Pause"),
    Action.RESUME: _("Resume"),
    Action.RESOLVE: _("Mark resolved"),
    Action.CLOSE: _("Confirm and rate"),
    Action.REOPEN: _("Reopen"),
}

# The workflow: which action moves a work order from which states, and to which state.
TRANSITIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    Action.ASSIGN: ((Status.NEW, Status.ASSIGNED), Status.ASSIGNED),
    Action.START: ((Status.ASSIGNED,), Status.IN_PROGRESS),
    Action.PAUSE: ((Status.IN_PROGRESS,), Status.PAUSED),
    Action.RESUME: ((Status.PAUSED,), Status.IN_PROGRESS),
    Action.RESOLVE: ((Status.IN_PROGRESS,), Status.RESOLVED),
    Action.CLOSE: ((Status.RESOLVED,), Status.CLOSED),
    Action.REOPEN: ((Status.RESOLVED, Status.CLOSED), None),  # back to assigned, or new if nobody is assigned
}


class Origin(models.TextChoices):
    PAGE = "page", _("OQMS pages")
    IMPORT = "import", _("File import")
    API = "api", _("Integration API")


class PhotoKind(models.TextChoices):
    BEFORE = "before", _("Before")
    AFTER = "after", _("After")
    EVIDENCE = "evidence", _("Evidence")


class SLAState(models.TextChoices):
    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("At risk")
    BREACHED = "breached", _("Breached")
    MET = "met", _("Met")
    MISSED = "missed", _("Missed")
    NONE = "none", _("No target")


SLAState.colours = {  # type: ignore[attr-defined]
    "on_track": "info",
    "at_risk": "warning",
    "breached": "danger",
    "met": "success",
    "missed": "danger",
    "none": "secondary",
}
