from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def inbox(request: HttpRequest) -> dict[str, Any]:
    """``unread_notifications``: counted only when a template shows it (the navigation bar)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    from oqms.notify.services import unread_count

    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(user))}
