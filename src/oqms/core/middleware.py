from __future__ import annotations

import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from oqms.core import audit


class AuditContextMiddleware:
    """Per request: an audit context (request id, the signed-in user as actor) and the user's time zone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request.headers.get("X-Request-ID", "")[:32] or uuid.uuid4().hex
        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
        zone = getattr(actor, "time_zone", "") if actor is not None else ""
        if zone:
            timezone.activate(zone)
        try:
            with audit.audit_context(actor=actor, source="web", request_id=request_id):
                response = self.get_response(request)
        finally:
            if zone:
                timezone.deactivate()
        response["X-Request-ID"] = request_id
        return response
