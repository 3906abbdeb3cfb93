"""THE VENDOR-SCOPING MATRIX, continued for the SLA records: notifications, the e-mail delivery log, SLA policy
versions and escalation levels, the SLA fields of work orders, and business calendars.

Same rule as ``test_scoping_matrix``: a vendor user never sees another vendor's data. Notifications go further
(each person sees and marks only their own), the delivery log is for administrators only, and calendars are
shared reference data that vendor managers may read but never change. Every negative check has a positive control
through the same URL and payload, so a broken harness cannot make these tests pass.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from oqms.core import audit
from oqms.core.models import AuditEntry
from tests.core.helpers import api_client, listed_pks, page_client, xlsx_text

MISSING_PK = 987654
INTRUDERS = ["manager_b", "staff_b"]


def _ids(response: Any) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


# --- 1. notifications: each person sees and marks only their own --------------------------------------------


def _params(cast: Any, number: str | None = None) -> dict[str, Any]:
    return {
        "number": number or cast.wo_a.number,
        "clock": "resolution",
        "vendor": str(cast.vendor_a),
        "site": str(cast.site),
        "percent": 100,
        "due": "",
    }


def _notify(cast: Any, user: Any, key: str, number: str | None = None) -> Any:
    from oqms.notify import services
    from oqms.notify.kinds import Kind

    (notification,) = services.send(
        [user], Kind.SLA_BREACHED, key, _params(cast, number), cast.wo_a.get_absolute_url()
    )
    return notification


def _read_at(notification: Any) -> Any:
    from oqms.notify.models import Notification

    return Notification.objects.get(pk=notification.pk).read_at


def test_owner_sees_and_marks_their_notification_everywhere(cast: Any) -> None:
    mine = _notify(cast, cast.manager_a, "k:a")
    second = _notify(cast, cast.manager_a, "k:a2", number="WO-SECOND")
    client = api_client(cast.manager_a)
    assert _ids(client.get("/api/notifications/")) == {mine.pk, second.pk}
    assert _ids(client.get("/api/notifications/", {"kind": "sla_breached", "unread": "true"})) == {
        mine.pk,
        second.pk,
    }
    detail = client.get(f"/api/notifications/{mine.pk}/")
    assert detail.status_code == 200 and cast.wo_a.number in detail.json()["title"]
    html = page_client(cast.manager_a).get(reverse("notify:inbox")).content.decode()
    assert mine.title in html and cast.wo_a.number in html
    response = client.post(f"/api/notifications/{mine.pk}/read/")
    assert response.status_code == 200 and response.json()["read_at"] is not None
    assert _read_at(mine) is not None
    response = page_client(cast.manager_a).post(reverse("notify:read", args=[second.pk]))
    assert response.status_code == 302 and _read_at(second) is not None
    third = _notify(cast, cast.manager_a, "k:a3")
    assert client.post("/api/notifications/read-all/").json() == {"marked": 1}
    fourth = _notify(cast, cast.manager_a, "k:a4")
    assert page_client(cast.manager_a).post(reverse("notify:read_all")).status_code == 302
    assert _read_at(third) is not None and _read_at(fourth) is not None


# Everyone but manager_a: vendor B's people, manager_a's own colleague, and the internal roles.
OTHERS = ["manager_b", "staff_b", "staff_a", "qm"]


@pytest.mark.parametrize("other", OTHERS)
def test_nobody_else_sees_or_marks_a_notification(cast: Any, other: str) -> None:
    user = getattr(cast, other)
    theirs = _notify(cast, cast.manager_a, "k:a")
    own = _notify(cast, user, "k:own", number="WO-OWN-MARK")  # the control: their own is listed and marked
    client = api_client(user)
    # The REST API: absent from the list (whatever the query string says), 404 like a missing record.
    for query in ({}, {"unread": "true", "kind": "sla_breached", "recipient": cast.manager_a.pk}):
        response = client.get("/api/notifications/", query)
        assert response.status_code == 200
        assert _ids(response) == {own.pk}, query
        assert cast.wo_a.number not in response.content.decode()
    for method, url in (("get", "/api/notifications/{}/"), ("post", "/api/notifications/{}/read/")):
        response = getattr(client, method)(url.format(theirs.pk))
        missing = getattr(client, method)(url.format(MISSING_PK))
        assert response.status_code == missing.status_code == 404
        assert cast.wo_a.number not in response.content.decode()
    assert client.post("/api/notifications/read-all/").json() == {"marked": 1}
    assert _read_at(own) is not None
    # The pages: not in the inbox, and marking it (one or all) changes nothing of it.
    first, own = own, _notify(cast, user, "k:own2", number="WO-OWN-MARK")
    pages = page_client(user)
    inbox = pages.get(reverse("notify:inbox"))
    assert inbox.status_code == 200
    assert [n.pk for n in inbox.context["page"]] == [own.pk, first.pk]
    html = inbox.content.decode()
    assert "WO-OWN-MARK" in html
    assert theirs.title not in html and cast.wo_a.number not in html
    marked = pages.post(reverse("notify:read", args=[theirs.pk]))
    missing = pages.post(reverse("notify:read", args=[MISSING_PK]))
    assert marked.status_code == missing.status_code == 302 and marked["Location"] == missing["Location"]
    assert pages.post(reverse("notify:read_all")).status_code == 302
    assert _read_at(own) is not None
    assert _read_at(theirs) is None
    # The owner still has it unread and listed.
    assert _ids(api_client(cast.manager_a).get("/api/notifications/", {"unread": "true"})) == {theirs.pk}


def test_notification_settings_are_per_person(cast: Any) -> None:
    from oqms.notify.kinds import Kind
    from oqms.notify.models import Preference

    everything_on = {f"{kind}__{channel}": "on" for kind in Kind.values for channel in ("in_app", "email")}
    owner = page_client(cast.manager_a)
    assert (
        owner.post(reverse("notify:preferences"), everything_on | {"sla_breached__in_app": ""}).status_code
        == 302
    )
    before = sorted(Preference.objects.filter(user=cast.manager_a).values_list("kind", "in_app", "email"))
    assert ("sla_breached", False, True) in before
    intruder = page_client(cast.manager_b)
    form = intruder.get(reverse("notify:preferences")).context["form"]
    assert form["sla_breached__in_app"].value() is True  # manager_a's setting is not shown to manager_b
    assert (
        intruder.post(reverse("notify:preferences"), {"sla_at_risk__in_app": ""}).status_code == 302
    )  # all off
    assert (
        sorted(Preference.objects.filter(user=cast.manager_a).values_list("kind", "in_app", "email"))
        == before
    )
    assert not Preference.objects.filter(user=cast.manager_b, in_app=True).exists()
    assert owner.get(reverse("notify:preferences")).context["form"]["sla_at_risk__in_app"].value() is True


def test_the_sla_monitor_tells_vendor_a_only(cast: Any) -> None:
    """End to end: a breach and an escalation of vendor A's work order reach vendor A, never vendor B."""
    from oqms.contracts import sla
    from oqms.contracts.models import EscalationLevel
    from oqms.notify.models import Notification
    from oqms.workorders import monitor, services

    with (
        audit.audit_context(actor=cast.qm),
        sla.publisher.deferred(at=timezone.now() - datetime.timedelta(days=1)),
    ):
        EscalationLevel.objects.create(contract=cast.contract_a, percent=150, audience="vendor_manager")
        EscalationLevel.objects.create(contract=cast.contract_a, percent=200, audience="quality_managers")
    opened = timezone.now()
    wo = services.create(
        requester=cast.requester,
        contract=cast.contract_a,
        site=cast.site,
        service_type=cast.service_type,
        title="服务器宕机",
        priority="P1",
        opened_at=opened,
    )
    services.assign(wo, cast.qm, cast.staff_a, at=opened)
    for minutes in (23, 31, 241, 361, 481):
        monitor.run(opened + datetime.timedelta(minutes=minutes))
    recipients = set(
        Notification.objects.filter(key__startswith=f"wo:{wo.pk}:").values_list(
            "recipient__username", flat=True
        )
    )
    assert {"manager_a", "staff_a", "qm"} <= recipients
    assert recipients.isdisjoint({"manager_b", "staff_b"})
    kinds = {row["kind"] for row in api_client(cast.manager_a).get("/api/notifications/").json()["results"]}
    assert kinds >= {"sla_breached", "sla_escalation"}
    # Vendor B hears about its own work order only (the same run crossed wo_b's thresholds: the control).
    from_b = Notification.objects.filter(recipient__vendor=cast.vendor_b)
    assert from_b.exists() and {n.params["number"] for n in from_b} == {cast.wo_b.number}
    for name in INTRUDERS:
        user = getattr(cast, name)
        body = api_client(user).get("/api/notifications/", {"page_size": 500}).content.decode()
        html = page_client(user).get(reverse("notify:inbox")).content.decode()
        assert wo.number not in body and wo.number not in html, name


# --- 2. the e-mail delivery log: administrators only, no API ------------------------------------------------


@pytest.fixture
def delivery(cast: Any) -> Any:
    from oqms.notify.models import Delivery

    cast.manager_a.email = "manager_a@a.example"
    cast.manager_a.save(update_fields=["email"])
    notification = _notify(cast, cast.manager_a, "k:mail")
    return Delivery.objects.get(notification=notification)


def test_delivery_url_names() -> None:
    assert reverse("notify:delivery_list") == "/inbox/deliverys/"
    assert reverse("notify:delivery_export") == "/inbox/deliverys/export.xlsx"
    assert reverse("notify:delivery_detail", args=[1]) == "/inbox/deliverys/1/"


def test_only_administrators_read_the_delivery_log_and_no_api_exposes_it(cast: Any, delivery: Any) -> None:
    pages = page_client(cast.admin)
    assert delivery.pk in listed_pks(pages.get(reverse("notify:delivery_list")))
    assert "manager_a@a.example" in xlsx_text(pages.get(reverse("notify:delivery_export")))
    detail = pages.get(reverse("notify:delivery_detail", args=[delivery.pk]))
    assert detail.status_code == 200 and "manager_a@a.example" in detail.content.decode()
    # No API for deliveries, for anyone (the router lists notifications only).
    root = api_client(cast.admin).get("/api/")
    assert "notifications" in root.json() and [name for name in root.json() if "deliver" in name] == []
    for name in ("admin", "qm", "manager_a", "manager_b"):
        client = api_client(getattr(cast, name))
        assert client.get("/api/deliveries/").status_code == 404
        assert client.get(f"/api/deliveries/{delivery.pk}/").status_code == 404
        assert "manager_a@a.example" not in client.get("/api/notifications/").content.decode()


OUTSIDERS = ["qm", "manager_a", "manager_b", "staff_a", "staff_b"]


@pytest.mark.parametrize("page", ["list", "export", "detail"])
def test_nobody_else_reads_the_delivery_log(cast: Any, delivery: Any, page: str) -> None:
    for name in OUTSIDERS:  # manager_a included: the e-mail was theirs, the log is not
        pages = page_client(getattr(cast, name))
        if page == "detail":
            for pk in (delivery.pk, MISSING_PK):
                response = pages.get(reverse("notify:delivery_detail", args=[pk]))
                assert response.status_code in {403, 404}, name
                assert "manager_a@a.example" not in response.content.decode()
        else:
            assert pages.get(reverse(f"notify:delivery_{page}"), {"q": "manager_a"}).status_code == 403, name


# --- 3. SLA policy versions and escalation levels of contract A ---------------------------------------------


def _escalate(cast: Any) -> Any:
    """An escalation level on contract A, added by the quality manager through the API (publishes version 2)."""
    from oqms.contracts.models import EscalationLevel, SLAPolicy

    assert SLAPolicy.objects.filter(contract=cast.contract_a).count() == 1  # from the cast
    body = {"escalation_levels": [{"clock": "resolution", "percent": 137, "audience": "vendor_manager"}]}
    response = api_client(cast.qm).patch(f"/api/contracts/{cast.contract_a.pk}/", body, format="json")
    assert response.status_code == 200, response.content
    assert SLAPolicy.objects.filter(contract=cast.contract_a).count() == 2
    return EscalationLevel.objects.get(contract=cast.contract_a)


def _inline(response: Any, title: str) -> list[Any]:
    (inline,) = [i for i in response.context["inlines"] if str(i["title"]) == title]
    return [obj for obj, _cells in inline["rows"]]


def _sla_state(contract: Any) -> tuple[Any, ...]:
    from oqms.contracts.models import Contract, EscalationLevel, SLAPolicy, SLATarget

    return (
        Contract.objects.filter(pk=contract.pk).values().get(),
        sorted(
            SLATarget.objects.filter(contract=contract).values_list(
                "priority", "response_minutes", "resolution_minutes", "updated_at"
            )
        ),
        sorted(EscalationLevel.objects.filter(contract=contract).values_list("clock", "percent", "audience")),
        sorted(SLAPolicy.objects.filter(contract=contract).values_list("number", "effective_from")),
        AuditEntry.objects.count(),
    )


def test_owners_see_contract_a_sla_policy_and_escalations(cast: Any) -> None:
    from oqms.contracts.models import SLAPolicy

    level = _escalate(cast)
    current = SLAPolicy.objects.get(contract=cast.contract_a, number=2)
    for name in ("manager_a", "qm"):  # vendor A's manager, and the quality manager
        user = getattr(cast, name)
        detail = page_client(user).get(cast.contract_a.get_absolute_url())
        assert detail.status_code == 200
        assert "SLA policy versions" in detail.content.decode()
        assert {p.number for p in _inline(detail, "SLA policy versions")} == {1, 2}
        assert _inline(detail, "Escalation levels") == [level]
        client = api_client(user)
        body = client.get(f"/api/contracts/{cast.contract_a.pk}/").json()
        assert body["sla_policy"]["number"] == 2 and body["sla_policy"]["definition"] == current.definition
        assert body["sla_policy"]["definition"]["escalations"] == [["resolution", 137, "vendor_manager"]]
        assert body["escalation_levels"] == [
            {"clock": "resolution", "percent": 137, "audience": "vendor_manager"}
        ]
        assert cast.contract_a.pk in _ids(client.get("/api/contracts/"))
        trail = client.get("/api/audit-entries/", {"page_size": 500}).json()["results"]
        assert str(level.pk) in {r["object_id"] for r in trail if r["record_type"] == "escalationlevel"}


@pytest.mark.parametrize("intruder", INTRUDERS)
def test_intruders_never_see_contract_a_sla(cast: Any, intruder: str) -> None:
    from oqms.contracts.models import SLAPolicy

    _escalate(cast)
    user = getattr(cast, intruder)
    before = _sla_state(cast.contract_a)
    pages = page_client(user)
    assert pages.get(cast.contract_a.get_absolute_url()).status_code == 404
    assert pages.get(reverse("contracts:contract_update", args=[cast.contract_a.pk])).status_code == 404
    client = api_client(user)
    url = f"/api/contracts/{cast.contract_a.pk}/"
    expected = 404 if user.has_perm("contracts.view_contract") else 403
    for response in (client.get(url), client.get(f"/api/contracts/{MISSING_PK}/")):
        assert response.status_code == expected
        assert "137" not in response.content.decode()
    body = {
        "escalation_levels": [],
        "sla_targets": [{"priority": "P1", "response_minutes": 1, "resolution_minutes": 2}],
    }
    assert client.patch(url, body, format="json").status_code in {403, 404}
    assert _sla_state(cast.contract_a) == before
    # The audit trail of contract A's SLA rows (the levels, the targets) is not theirs to read either.
    trail = client.get("/api/audit-entries/", {"page_size": 500})
    if user.has_perm("core.view_auditentry"):
        rows = {(r["record_type"], r["object_id"]) for r in trail.json()["results"]}
        theirs = {("contract", str(cast.contract_b.pk))}
        theirs |= {("slatarget", str(pk)) for pk in cast.contract_b.sla_targets.values_list("pk", flat=True)}
        assert theirs <= rows  # the control: their own contract's trail is there
        contract_a = {("contract", str(cast.contract_a.pk))}
        contract_a |= {
            ("slatarget", str(pk)) for pk in cast.contract_a.sla_targets.values_list("pk", flat=True)
        }
        contract_a |= {
            ("escalationlevel", str(pk))
            for pk in cast.contract_a.escalation_levels.values_list("pk", flat=True)
        }
        assert len(contract_a) == 6 and not rows & contract_a
    else:
        assert trail.status_code == 403
    if user.has_perm("contracts.view_contract"):
        # Their own contract: its own policy and levels, nothing of contract A's.
        listed = client.get("/api/contracts/").json()["results"]
        assert [row["id"] for row in listed] == [cast.contract_b.pk]
        (own,) = listed
        policy_b = SLAPolicy.objects.get(contract=cast.contract_b)
        assert own["sla_policy"]["number"] == policy_b.number
        assert own["sla_policy"]["definition"] == policy_b.definition
        assert own["escalation_levels"] == [] and own["sla_policy"]["definition"]["escalations"] == []
        page = pages.get(cast.contract_b.get_absolute_url())
        assert {p.contract_id for p in _inline(page, "SLA policy versions")} == {cast.contract_b.pk}
        assert _inline(page, "Escalation levels") == []
        assert "C-A-001" not in page.content.decode()
    else:
        assert client.get("/api/contracts/").status_code == 403
        assert pages.get(reverse("contracts:contract_list")).status_code == 403


SLA_PATCHES = [
    {"sla_targets": [{"priority": "P1", "response_minutes": 1, "resolution_minutes": 2}]},
    {"escalation_levels": []},
    {"escalation_levels": [{"clock": "response", "percent": 100, "audience": "requester"}]},
    {"sla_at_risk_percent": 50},
    {"sla_pausing_reasons": ["awaiting_parts"]},
    {"sla_stops_at": "closed"},
]


def test_vendor_manager_reads_but_cannot_change_their_contracts_sla(cast: Any) -> None:
    _escalate(cast)
    before = _sla_state(cast.contract_a)
    client = api_client(cast.manager_a)
    url = f"/api/contracts/{cast.contract_a.pk}/"
    full = client.get(url).json()
    assert full["escalation_levels"] and full["sla_policy"]["number"] == 2
    for patch in SLA_PATCHES:
        assert client.patch(url, patch, format="json").status_code == 403, patch
    put = {k: v for k, v in full.items() if k not in {"sla_policy", "created_at", "updated_at"}}
    assert client.put(url, put | {"sla_at_risk_percent": 50}, format="json").status_code == 403
    assert client.delete(url).status_code == 403
    pages = page_client(cast.manager_a)
    assert pages.get(reverse("contracts:contract_update", args=[cast.contract_a.pk])).status_code == 404
    assert (
        pages.post(
            reverse("contracts:contract_update", args=[cast.contract_a.pk]), {"sla_at_risk_percent": "50"}
        ).status_code
        == 404
    )
    assert _sla_state(cast.contract_a) == before
    # Positive control: the same PATCH bodies are accepted from the quality manager.
    for patch in SLA_PATCHES:
        assert api_client(cast.qm).patch(url, patch, format="json").status_code == 200, patch
    assert _sla_state(cast.contract_a) != before


# --- 4. the SLA fields of work orders -----------------------------------------------------------------------

SLA_FIELDS = [
    "sla_state",
    "response_state",
    "response_due_at",
    "resolution_due_at",
    "sla_policy",
    "calendar",
    "response_target_minutes",
    "resolution_target_minutes",
    "at_risk_at",
]


def test_owner_sees_work_order_sla_fields(cast: Any) -> None:
    from oqms.contracts.models import SLAPolicy

    client = api_client(cast.manager_a)
    body = client.get(f"/api/work-orders/{cast.wo_a.pk}/").json()
    assert set(SLA_FIELDS) <= set(body)
    assert body["sla_policy"] == SLAPolicy.objects.get(contract=cast.contract_a).pk
    assert body["resolution_target_minutes"] == 480 and body["resolution_due_at"]
    assert body["sla_state"] == "on_track"
    assert cast.wo_a.pk in _ids(client.get("/api/work-orders/", {"sla_state": "on_track"}))
    assert cast.wo_a.pk not in _ids(client.get("/api/work-orders/", {"sla_state": "breached"}))
    listing = page_client(cast.manager_a).get(reverse("workorders:workorder_list"), {"sla_state": "on_track"})
    assert cast.wo_a.pk in listed_pks(listing)
    export = page_client(cast.manager_a).get(
        reverse("workorders:workorder_export"), {"sla_state": "on_track"}
    )
    assert cast.wo_a.number in xlsx_text(export)


def _filter_values() -> list[tuple[str, str]]:
    from oqms.workorders.choices import SLAState

    return [(name, value) for name in ("sla_state", "response_state") for value in SLAState.values]


@pytest.mark.parametrize("intruder", INTRUDERS)
def test_no_sla_filter_value_reveals_wo_a(cast: Any, intruder: str) -> None:
    from oqms.workorders import services
    from oqms.workorders.models import WorkOrder

    services.assign(cast.wo_b, cast.qm, cast.staff_b)  # so that staff_b has a work order of their own
    user = getattr(cast, intruder)
    client = api_client(user)
    pages = page_client(user)
    control = api_client(cast.qm)
    export_url = reverse("workorders:workorder_export")
    for name, value in _filter_values():
        # Both work orders are in exactly this state: the filter matches wo_a, the scope must drop it.
        WorkOrder.objects.filter(pk__in=[cast.wo_a.pk, cast.wo_b.pk]).update(**{name: value})
        query = {name: value}
        assert _ids(control.get("/api/work-orders/", query)) == {cast.wo_a.pk, cast.wo_b.pk}, query
        response = client.get("/api/work-orders/", query | {"page_size": 500})
        assert response.status_code == 200
        assert _ids(response) == {cast.wo_b.pk}, query
        assert cast.wo_a.number not in response.content.decode()
        if name == "response_state":
            continue  # the pages run the same filterset; once per value is enough
        assert listed_pks(pages.get(reverse("workorders:workorder_list"), query)) == {cast.wo_b.pk}, query
        if value in {"on_track", "breached"}:  # the export runs the same filtered query as the list page
            exported = xlsx_text(pages.get(export_url, query))
            assert cast.wo_b.number in exported and cast.wo_a.number not in exported, query
    # Invalid values, several values, sorting by the SLA fields, the due-date filter.
    for query in (
        {"sla_state": "bogus"},
        {"response_state": ["on_track", "breached"]},
        {"ordering": "-sla_state"},
        {"due_before": "2999-01-01T00:00:00Z"},
    ):
        response = client.get("/api/work-orders/", query)
        assert response.status_code in {200, 400}
        assert cast.wo_a.number not in response.content.decode(), query
    for query in ({"sla_state": "bogus"}, {"sort": "-resolution_due_at", "due_before": "2999-01-01T00:00"}):
        assert listed_pks(pages.get(reverse("workorders:workorder_list"), query)) == {cast.wo_b.pk}, query
        assert cast.wo_a.number not in xlsx_text(pages.get(export_url, query)), query
    assert client.get(f"/api/work-orders/{cast.wo_a.pk}/").status_code == 404


def test_intruders_do_not_learn_contract_a_policy_through_their_work_orders(cast: Any) -> None:
    from oqms.contracts.models import SLAPolicy

    policy_a = SLAPolicy.objects.get(contract=cast.contract_a)
    policy_b = SLAPolicy.objects.get(contract=cast.contract_b)
    rows = api_client(cast.manager_b).get("/api/work-orders/").json()["results"]
    assert [row["id"] for row in rows] == [cast.wo_b.pk]
    assert rows[0]["sla_policy"] == policy_b.pk != policy_a.pk
    detail = page_client(cast.manager_b).get(cast.wo_b.get_absolute_url())
    assert detail.status_code == 200 and detail.context["sla"]["policy"] == policy_b
    assert page_client(cast.manager_b).get(cast.wo_a.get_absolute_url()).status_code == 404


# --- 5. business calendars: shared, readable by vendor managers, changed by quality managers only -----------


@dataclass(frozen=True)
class CalendarRecord:
    key: str  # the model name, also the key of the ``calendar_records`` fixture
    api: str
    pages: bool
    create: Callable[[Any], dict[str, Any]]  # an API create payload, given the calendar
    page_data: Callable[
        [Any, Any], dict[str, Any]
    ]  # a page create/edit payload, given the calendar and record
    change: dict[str, Any]


def _calendar_page_data(calendar: Any, record: Any) -> dict[str, Any]:
    data = {
        "code": "plant",
        "name": "工厂",
        "time_zone": "Asia/Shanghai",
        "region": "cn",
        "description": "",
        "years": "",
        "hours_0": "08:00-12:00, 13:00-17:00",
        "hours_1": "08:00-17:00",
        "hours_2": "",
        "hours_3": "",
        "hours_4": "",
        "hours_5": "",
        "hours_6": "",
    }
    return data | ({"code": record.code} if record is not None else {})


CALENDAR_RECORDS = [
    CalendarRecord(
        "calendar",
        "calendars",
        True,
        lambda cal: {
            "code": "night",
            "name": "夜班",
            "time_zone": "Asia/Shanghai",
            "region": "",
            "weekly_hours": {"0": "20:00-24:00"},
        },
        _calendar_page_data,
        {"name": "HACKED"},
    ),
    CalendarRecord(
        "calendarday",
        "calendar-days",
        True,
        lambda cal: {"calendar": cal.pk, "date": "2026-05-05", "kind": "holiday", "name": "新假日"},
        lambda cal, rec: {
            "calendar": cal.pk,
            "date": rec.date.isoformat() if rec else "2026-05-06",
            "kind": "holiday",
            "name": "新假日",
            "hours": "",
        },
        {"name": "HACKED"},
    ),
    CalendarRecord(
        "closure",
        "calendar-closures",
        True,
        lambda cal: {
            "calendar": cal.pk,
            "starts_at": "2026-06-02T09:00:00+08:00",
            "ends_at": "2026-06-02T18:00:00+08:00",
            "reason": "停电",
        },
        lambda cal, rec: {
            "calendar": cal.pk,
            "starts_at": "2026-06-03 09:00",
            "ends_at": "2026-06-03 18:00",
            "reason": "停电",
        },
        {"reason": "HACKED"},
    ),
    CalendarRecord(
        "calendarversion",
        "calendar-versions",
        False,
        lambda cal: {"calendar": cal.pk, "number": 9, "definition": {}},
        lambda cal, rec: {},
        {"number": 99},
    ),
]
WRITABLE = [r for r in CALENDAR_RECORDS if r.pages]


@pytest.fixture
def calendar_records(cast: Any) -> dict[str, Any]:
    from oqms.calendars.models import Calendar, CalendarDay, Closure

    with audit.audit_context(actor=cast.qm, source="test"):
        calendar = Calendar.objects.create(code="office", name="办公时间 MARK-CAL", holiday_years=[])
        day = CalendarDay.objects.create(
            calendar=calendar, date=datetime.date(2026, 5, 4), kind="holiday", name="厂庆 MARK-DAY"
        )
        closure = Closure.objects.create(
            calendar=calendar,
            starts_at=timezone.make_aware(datetime.datetime(2026, 3, 4, 13)),
            ends_at=timezone.make_aware(datetime.datetime(2026, 3, 4, 18)),
            reason="台风 MARK-CLOSURE",
        )
    return {
        "calendar": calendar,
        "calendarday": day,
        "closure": closure,
        "calendarversion": calendar.latest_version(),
    }


def _calendar_state() -> tuple[Any, ...]:
    from oqms.calendars.models import Calendar, CalendarDay, CalendarVersion, Closure

    return tuple(
        sorted(map(repr, model.objects.values()))
        for model in (Calendar, CalendarDay, Closure, CalendarVersion)
    ) + (AuditEntry.objects.count(),)


def _url(record: CalendarRecord, page: str, *args: Any) -> str:
    return reverse(f"calendars:{record.key}_{page}", args=args)


def _put_payload(cast: Any, record: CalendarRecord, obj: Any) -> dict[str, Any]:
    body = api_client(cast.qm).get(f"/api/{record.api}/{obj.pk}/").json()
    return body | record.change


READERS = ["manager_a", "manager_b"]  # may read calendars: the vendor scope does not apply to shared data
WRITERS_REFUSED = ["manager_b", "staff_b"]
NO_ACCESS = ["staff_b"]  # vendor staff have no calendar permission at all


@pytest.mark.parametrize("record", CALENDAR_RECORDS, ids=lambda r: r.key)
def test_calendars_are_read_by_vendor_managers_not_by_vendor_staff(
    cast: Any, calendar_records: dict[str, Any], record: CalendarRecord
) -> None:
    obj = calendar_records[record.key]
    for name in READERS + NO_ACCESS:
        user = getattr(cast, name)
        allowed = name in READERS
        assert user.has_perm(f"calendars.view_{record.key}") is allowed, name
        client = api_client(user)
        listed = client.get(f"/api/{record.api}/", {"page_size": 500})
        detail = client.get(f"/api/{record.api}/{obj.pk}/")
        if allowed:
            assert listed.status_code == 200 and obj.pk in _ids(listed), name
            assert detail.status_code == 200, name
        else:
            assert listed.status_code == detail.status_code == 403, name
            assert "MARK-" not in listed.content.decode() + detail.content.decode()
        if not record.pages:
            continue
        pages = page_client(user)
        if allowed:
            assert obj.pk in listed_pks(pages.get(_url(record, "list"))), name
            assert pages.get(_url(record, "detail", obj.pk)).status_code == 200, name
            assert "MARK-" in xlsx_text(pages.get(_url(record, "export"))), name
        else:
            assert pages.get(_url(record, "list")).status_code == 403, name
            assert pages.get(_url(record, "export")).status_code == 403, name
            response = pages.get(_url(record, "detail", obj.pk))
            assert response.status_code in {403, 404} and "MARK-" not in response.content.decode(), name


@pytest.mark.parametrize("record", CALENDAR_RECORDS, ids=lambda r: r.key)
def test_vendor_people_never_change_calendars(
    cast: Any, calendar_records: dict[str, Any], record: CalendarRecord
) -> None:
    obj = calendar_records[record.key]
    calendar = calendar_records["calendar"]
    put = _put_payload(cast, record, obj)
    refused = {403} if record.pages else {403, 405}  # calendar versions have no write methods at all
    before = _calendar_state()
    # Calendar versions are written by publishing only: not even the quality manager writes them.
    for name in WRITERS_REFUSED if record.pages else [*WRITERS_REFUSED, "qm"]:
        user = getattr(cast, name)
        client = api_client(user)
        url = f"/api/{record.api}/{obj.pk}/"
        assert (
            client.post(f"/api/{record.api}/", record.create(calendar), format="json").status_code in refused
        )
        assert client.put(url, put, format="json").status_code in refused, name
        assert client.patch(url, record.change, format="json").status_code in refused, name
        assert client.delete(url).status_code in refused, name
        if not record.pages:
            continue
        pages = page_client(user)
        assert pages.get(_url(record, "create")).status_code == 403, name
        assert pages.post(_url(record, "create"), record.page_data(calendar, None)).status_code == 403, name
        data = record.page_data(calendar, obj) | record.change
        for page in ("update", "delete"):
            assert pages.get(_url(record, page, obj.pk)).status_code in {403, 404}, name
            assert pages.post(_url(record, page, obj.pk), data).status_code in {403, 404}, name
        if name not in NO_ACCESS:  # the managers' detail page offers no edit, delete or add
            context = pages.get(_url(record, "detail", obj.pk)).context
            assert (context["can_change"], context["can_delete"], context["can_add"]) == (False, False, False)
    assert _calendar_state() == before


@pytest.mark.parametrize("record", WRITABLE, ids=lambda r: r.key)
def test_quality_managers_change_calendars_with_the_same_payloads(
    cast: Any, calendar_records: dict[str, Any], record: CalendarRecord
) -> None:
    obj = calendar_records[record.key]
    calendar = calendar_records["calendar"]
    model = type(obj)
    client = api_client(cast.qm)
    url = f"/api/{record.api}/{obj.pk}/"
    assert client.put(url, _put_payload(cast, record, obj), format="json").status_code == 200
    ((name, value),) = record.change.items()
    assert getattr(model.objects.get(pk=obj.pk), name) == value
    assert client.patch(url, {name: "PATCHED"}, format="json").status_code == 200
    created = client.post(f"/api/{record.api}/", record.create(calendar), format="json")
    assert created.status_code == 201, created.content
    pages = page_client(cast.qm)
    assert pages.get(_url(record, "create")).status_code == 200
    response = pages.post(_url(record, "create"), record.page_data(calendar, None))
    assert response.status_code == 302, response.context and response.context["form"].errors
    data = record.page_data(calendar, obj) | {name: "EDITED ON PAGE"}
    response = pages.post(_url(record, "update", obj.pk), data)
    assert response.status_code == 302, response.context and response.context["form"].errors
    assert getattr(model.objects.get(pk=obj.pk), name) == "EDITED ON PAGE"
    assert client.delete(f"/api/{record.api}/{created.json()['id']}/").status_code == 204
    assert pages.get(_url(record, "delete", obj.pk)).status_code == 200
    assert pages.post(_url(record, "delete", obj.pk)).status_code == 302
    assert not model.objects.filter(pk=obj.pk).exists()


def test_only_calendar_editors_import_statutory_holidays(cast: Any, calendar_records: dict[str, Any]) -> None:
    calendar = calendar_records["calendar"]
    before = _calendar_state()
    for name in ("manager_a", "manager_b", "staff_b", "requester"):
        page_url = reverse("calendars:calendar_import", args=[calendar.pk])
        assert page_client(getattr(cast, name)).post(page_url, {"year": 2025}).status_code in {403, 404}, name
        client = api_client(getattr(cast, name))
        response = client.post(
            f"/api/calendars/{calendar.pk}/import-statutory-year/", {"year": 2025}, format="json"
        )
        missing = client.post(
            f"/api/calendars/{MISSING_PK}/import-statutory-year/", {"year": 2025}, format="json"
        )
        assert response.status_code in {403, 404} and response.status_code == missing.status_code, name
    assert _calendar_state() == before
    calendar.refresh_from_db()
    assert calendar.holiday_years == [] and not calendar.days.filter(date__year=2025).exists()
    # Positive control: the quality manager imports through the same URLs.
    response = page_client(cast.qm).post(
        reverse("calendars:calendar_import", args=[calendar.pk]), {"year": 2025}
    )
    assert response.status_code == 302
    calendar.refresh_from_db()
    assert calendar.holiday_years == [2025] and calendar.days.filter(date__year=2025).count() > 20
    response = api_client(cast.qm).post(
        f"/api/calendars/{calendar.pk}/import-statutory-year/", {"year": 2025}, format="json"
    )
    assert response.status_code == 200 and response.json()["holiday_years"] == [2025]
