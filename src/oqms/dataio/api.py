"""The integration API: other systems (a vendor's ServiceNow or Jira, a homegrown ticket system) create and update
work orders by their own ticket number, one at a time or up to 1,000 per call, and report the steps of their work.

* ``POST /api/integration/work-orders/`` — create or update one work order by ``external_id``;
* ``POST /api/integration/work-orders/bulk/`` — ``{"records": [...]}``, at most 1,000: every record is checked and
  answered on its own (``created``, ``updated``, ``unchanged`` or ``invalid`` with its errors); the valid ones are
  written together;
* ``POST /api/integration/work-orders/events/`` — a step of the work: ``responded``, ``paused``, ``resumed`` or
  ``resolved``, at the time it happened, through the same workflow as the pages (the clocks stand still while
  paused).

Every write may carry an ``Idempotency-Key`` header: the same key with the same body gets the stored answer again
and writes nothing; the same key with another body is refused. The records go through the checks of the file
import (:mod:`oqms.dataio.work`), so a row refused on the import page is refused here with the same message.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from typing import Any

import numpy as np
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from oqms.core import audit
from oqms.core.errors import DomainError
from oqms.dataio import dates, work
from oqms.dataio.models import IdempotencyKey
from oqms.dataio.reading import Table
from oqms.workorders.choices import Origin, PauseReason

MAX_RECORDS = 1000
FIELDS = [
    "external_id",
    "contract",
    "site",
    "service_type",
    "priority",
    "status",
    "pause_reason",
    "title",
    "description",
    "opened_at",
    "responded_at",
    "resolved_at",
    "closed_at",
    "paused_at",
    "requester",
    "assignee",
    "resolution_note",
    "rating",
]


class RecordSerializer(serializers.Serializer):  # type: ignore[type-arg]
    external_id = serializers.CharField(max_length=64, help_text="The ticket's number in the calling system.")
    contract = serializers.CharField(help_text="Contract number.")
    site = serializers.CharField(help_text="Site code or name.")
    service_type = serializers.CharField(help_text="Service type code or name.")
    opened_at = serializers.CharField(help_text="ISO 8601, e.g. 2025-01-03T08:05:00+08:00.")
    title = serializers.CharField(required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    priority = serializers.CharField(
        required=False, allow_blank=True, help_text="P1-P4 (or 1 - Critical, High...)."
    )
    status = serializers.CharField(
        required=False, allow_blank=True, help_text="new, in_progress, paused, ..."
    )
    pause_reason = serializers.CharField(required=False, allow_blank=True)
    responded_at = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    resolved_at = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    closed_at = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    paused_at = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    requester = serializers.CharField(required=False, allow_blank=True, help_text="Username or e-mail.")
    assignee = serializers.CharField(
        required=False, allow_blank=True, help_text="Username of the vendor's staff."
    )
    resolution_note = serializers.CharField(required=False, allow_blank=True)
    rating = serializers.IntegerField(required=False, allow_null=True)


class BulkSerializer(serializers.Serializer):  # type: ignore[type-arg]
    records = serializers.ListField(child=serializers.DictField(), max_length=MAX_RECORDS, allow_empty=False)


class EventSerializer(serializers.Serializer):  # type: ignore[type-arg]
    external_id = serializers.CharField(max_length=64)
    contract = serializers.CharField(
        required=False, allow_blank=True, help_text="Needed when several vendors use the same ticket number."
    )
    event = serializers.ChoiceField(choices=["responded", "paused", "resumed", "resolved"])
    at = serializers.DateTimeField(required=False, help_text="When it happened (default: now).")
    reason = serializers.ChoiceField(choices=PauseReason.choices, required=False)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    assignee = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Who responded (username), when the work order is not yet assigned.",
    )


def _fingerprint(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


class IntegrationView(APIView):
    """Records are written by the enterprise's integration accounts (quality managers, administrators); steps of
    the work may also come from a vendor's manager, for that vendor's work orders only."""

    permission_classes = [IsAuthenticated]
    endpoint = ""
    roles: frozenset[str] = frozenset({"quality_manager", "admin"})

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        audit.set_actor(request.user, source="api")
        user = request.user
        if user.role not in self.roles or not user.has_perm("workorders.change_workorder"):
            from rest_framework.exceptions import PermissionDenied

            raise PermissionDenied(_("This account may not do this through the integration API."))

    def post(self, request: Any) -> Response:
        key = (request.headers.get("Idempotency-Key") or "").strip()
        if len(key) > 100:
            return Response({"detail": _("The Idempotency-Key is longer than 100 characters.")}, status=400)
        fingerprint = _fingerprint(request.data)
        if key:
            stored = IdempotencyKey.objects.filter(user=request.user, key=key).first()
            if stored is not None:
                if stored.fingerprint != fingerprint or stored.endpoint != self.endpoint:
                    return Response(
                        {
                            "detail": _("This Idempotency-Key was used for a different request."),
                            "code": "idempotency_conflict",
                        },
                        status=422,
                    )
                response = Response(stored.response, status=stored.status_code)
                response["Idempotent-Replayed"] = "true"
                return response
        body, code = self.handle(request)
        if key and code < 500:
            try:
                with transaction.atomic():
                    IdempotencyKey.objects.create(
                        user=request.user,
                        key=key,
                        endpoint=self.endpoint,
                        fingerprint=fingerprint,
                        status_code=code,
                        response=body,
                    )
            except IntegrityError:  # the same key, sent twice at once: the first one's answer stands
                pass
        return Response(body, status=code)

    def handle(self, request: Any) -> tuple[Any, int]:
        raise NotImplementedError


def _table(records: list[dict[str, Any]]) -> Table:
    columns = {}
    for name in FIELDS:
        values = []
        for record in records:
            value = record.get(name)
            values.append("" if value is None else str(value))
        columns[name] = np.array(values, dtype=object)
    return Table(list(FIELDS), columns, "json", rows=len(records))


MAPPING = {
    "columns": {name: [name] for name in FIELDS},
    "date_order": dates.DAY_FIRST,
    "duplicates": "error",
}


def upsert_records(records: list[dict[str, Any]], user: Any) -> list[dict[str, Any]]:
    """Check every record, write the valid ones, answer each."""
    from oqms.workorders import bulk

    answers: list[dict[str, Any]] = [
        {"index": i, "external_id": str(r.get("external_id") or ""), "result": "invalid", "errors": {}}
        for i, r in enumerate(records)
    ]
    shaped = RecordSerializer()
    for index, record in enumerate(records):
        unknown = sorted(set(record) - set(FIELDS))
        if unknown:
            answers[index]["errors"]["non_field_errors"] = [
                _("Unknown fields: %(fields)s.") % {"fields": ", ".join(unknown)}
            ]
        for name, field in shaped.fields.items():
            if field.required and not str(record.get(name) or "").strip():
                answers[index]["errors"].setdefault(name, []).append(_("This field is required."))
    table = _table(records)
    prepared = work.prepare(table, {**MAPPING, "time_zone": timezone.get_current_timezone_name()}, user)
    for index, column, _value, message in prepared.problems.items:
        answers[index]["errors"].setdefault(column or "non_field_errors", []).append(message)
    keep = np.array([not answers[i]["errors"] for i in prepared.rows.tolist()], bool)
    rows = prepared.rows[keep]
    columns = {name: values[keep] for name, values in prepared.columns.items()}
    outcome = bulk.upsert(columns, origin=Origin.API) if len(rows) else None
    if outcome is not None:
        from oqms.workorders.models import WorkOrder

        numbers = dict(
            WorkOrder._base_manager.filter(pk__in=outcome.ids.tolist()).values_list("pk", "number")
        )
        results = {"create": "created", "update": "updated", "same": "unchanged"}
        for position, index in enumerate(rows.tolist()):
            pk = int(outcome.ids[position])
            answers[index].update(result=results[outcome.actions[position]], id=pk, number=numbers.get(pk))
            answers[index].pop("errors")
    return answers


class WorkOrderUpsert(IntegrationView):
    endpoint = "work-orders"

    @extend_schema(
        request=RecordSerializer,
        responses={200: dict, 201: dict, 400: dict},
        summary="Create or update a work order by its external id",
    )
    def post(self, request: Any) -> Response:
        return super().post(request)

    def handle(self, request: Any) -> tuple[Any, int]:
        if not isinstance(request.data, dict):
            return {"detail": _("Send one work order as a JSON object.")}, 400
        answer = upsert_records([dict(request.data)], request.user)[0]
        if answer["result"] == "invalid":
            return answer, 400
        return answer, 201 if answer["result"] == "created" else 200


class WorkOrderBulk(IntegrationView):
    endpoint = "work-orders/bulk"

    @extend_schema(
        request=BulkSerializer,
        responses={200: dict, 400: dict},
        summary="Create or update up to 1,000 work orders; every record is answered",
    )
    def post(self, request: Any) -> Response:
        return super().post(request)

    def handle(self, request: Any) -> tuple[Any, int]:
        serializer = BulkSerializer(data=request.data)
        if not serializer.is_valid():
            errors = serializer.errors
            if "records" in errors and any("1000" in str(e) for e in errors["records"]):
                errors = {"records": [_("At most %(n)d records per call.") % {"n": MAX_RECORDS}]}
            return errors, 400
        answers = upsert_records(serializer.validated_data["records"], request.user)
        counts: dict[str, int] = {}
        for answer in answers:
            counts[answer["result"]] = counts.get(answer["result"], 0) + 1
        return {"counts": counts, "records": answers}, 200


class WorkOrderEvent(IntegrationView):
    endpoint = "work-orders/events"
    roles = frozenset({"quality_manager", "admin", "vendor_manager"})

    @extend_schema(
        request=EventSerializer,
        responses={200: dict, 400: dict, 404: dict, 409: dict},
        summary="Report a step of the work on a work order: responded, paused, resumed, resolved",
    )
    def post(self, request: Any) -> Response:
        return super().post(request)

    def handle(self, request: Any) -> tuple[Any, int]:
        from oqms.accounts.choices import VENDOR_ROLES
        from oqms.accounts.models import User
        from oqms.workorders import services
        from oqms.workorders.models import WorkOrder

        serializer = EventSerializer(data=request.data)
        if not serializer.is_valid():
            return serializer.errors, 400
        data = serializer.validated_data
        user = request.user
        found = WorkOrder.objects.restrict(user, "change").filter(external_id=data["external_id"])
        if data.get("contract"):
            found = found.filter(contract__number=data["contract"])
        found = list(found[:2])
        if not found:
            return {
                "detail": _("No work order you may change has this external id."),
                "code": "not_found",
            }, 404
        if len(found) > 1:
            return {
                "detail": _("Several vendors use this external id: give the contract."),
                "code": "ambiguous",
            }, 400
        wo = found[0]
        at = data.get("at") or timezone.now()
        if at > timezone.now() + datetime.timedelta(minutes=5):
            return {"at": [_("The time is in the future.")]}, 400
        if at < wo.opened_at:
            return {"at": [_("The time is before the work order was opened.")]}, 400
        event, note = data["event"], data.get("note", "")
        try:
            with transaction.atomic():
                if event == "responded":
                    if wo.status == "new":
                        name = (data.get("assignee") or "").strip()
                        assignee = (
                            User.objects.filter(
                                username=name, vendor_id=wo.vendor_id, role__in=VENDOR_ROLES, is_active=True
                            ).first()
                            if name
                            else None
                        )
                        if assignee is None:
                            raise DomainError(
                                _(
                                    "The work order is not assigned yet: give the assignee (a username of the "
                                    "vendor's staff)."
                                ),
                                code="assignee",
                            )
                        wo = services.assign(wo, user, assignee, at=at)
                    wo = services.start(wo, user, note, at=at)
                elif event == "paused":
                    wo = services.pause(wo, user, data.get("reason") or "", note, at=at)
                elif event == "resumed":
                    wo = services.resume(wo, user, note, at=at)
                else:
                    wo = services.resolve(wo, user, note or _("Resolved in the vendor's system."), at=at)
        except DomainError as error:
            return {"detail": str(error.message), "code": error.code}, error.status_code
        return {
            "id": wo.pk,
            "number": wo.number,
            "external_id": wo.external_id,
            "status": wo.status,
            "response_state": wo.response_state,
            "sla_state": wo.sla_state,
            "resolution_due_at": wo.resolution_due_at.isoformat() if wo.resolution_due_at else None,
        }, 200
