"""The audit trail: every create, update and delete — on the pages and through the API — is recorded with its
actor, source, request id and before/after values; M2M changes merge into the record's entry; passwords never
appear; the trail is searchable, shown on the record's page, and scoped to the vendor like the records."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from oqms.core import audit
from oqms.core.models import AuditEntry
from oqms.engine.identifiers import uscc_check_character
from tests.core.helpers import api_client, listed_pks, page_client

NEW_CODE = "91310000MA1FL0000" + uscc_check_character("91310000MA1FL0000")


def entries_for(obj: Any) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            content_type__app_label=obj._meta.app_label,
            content_type__model=obj._meta.model_name,
            object_id=str(obj.pk),
        ).order_by("pk")
    )


def _vendor_form(cast: Any, **overrides: Any) -> dict[str, Any]:
    return {
        "name": "丙服务有限公司",
        "short_name": "丙服务",
        "credit_code": NEW_CODE,
        "categories": [cast.category.pk],
        "status": "qualified",
        "address": "杭州市",
        "website": "",
        "description": "",
    } | overrides


def test_vendor_lifecycle_on_the_pages_is_recorded(cast: Any) -> None:
    from oqms.vendors.models import Vendor

    client = page_client(cast.qm)
    response = client.post(
        reverse("vendors:vendor_create"), _vendor_form(cast), HTTP_X_REQUEST_ID="req-create-1"
    )
    assert response.status_code == 302
    vendor = Vendor.objects.get(credit_code=NEW_CODE)
    (created,) = entries_for(vendor)
    assert (created.action, created.actor, created.source, created.request_id) == (
        "create",
        cast.qm,
        "web",
        "req-create-1",
    )
    assert created.changes["name"] == [None, "丙服务有限公司"]
    assert created.changes["credit_code"] == [None, NEW_CODE]
    assert created.changes["categories"] == [[], [cast.category.pk]]  # the M2M of the same request, merged
    assert created.vendor_id == vendor.pk
    assert "created_at" not in created.changes and "updated_at" not in created.changes

    response = client.post(
        reverse("vendors:vendor_update", args=[vendor.pk]),
        _vendor_form(cast, short_name="丙", status="active"),
    )
    assert response.status_code == 302
    updated = entries_for(vendor)[-1]
    assert updated.action == "update" and updated.actor == cast.qm
    assert updated.changes == {"short_name": ["丙服务", "丙"], "status": ["qualified", "active"]}

    # Saving without changes writes nothing.
    count = AuditEntry.objects.count()
    assert (
        client.post(
            reverse("vendors:vendor_update", args=[vendor.pk]),
            _vendor_form(cast, short_name="丙", status="active"),
        ).status_code
        == 302
    )
    assert AuditEntry.objects.count() == count

    pk = vendor.pk
    assert client.post(reverse("vendors:vendor_delete", args=[pk])).status_code == 302
    assert not Vendor.objects.filter(pk=pk).exists()
    deleted = AuditEntry.objects.filter(content_type__model="vendor", object_id=str(pk)).latest("pk")
    assert deleted.action == "delete" and deleted.actor == cast.qm
    assert deleted.changes["name"] == ["丙服务有限公司", None]
    assert deleted.object_repr == "丙"
    assert deleted.vendor_id == pk  # kept as a plain id: the trail survives the vendor


def test_vendor_lifecycle_through_the_api_is_recorded(cast: Any) -> None:
    client = api_client(cast.qm)
    body = {"name": "丁服务有限公司", "credit_code": NEW_CODE, "categories": [cast.category.pk]}
    response = client.post("/api/vendors/", body, format="json", HTTP_X_REQUEST_ID="api-req-7")
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    response = client.patch(
        f"/api/vendors/{pk}/", {"status": "active", "website": "https://d.example"}, format="json"
    )
    assert response.status_code == 200
    assert client.delete(f"/api/vendors/{pk}/").status_code == 204
    rows = list(AuditEntry.objects.filter(content_type__model="vendor", object_id=str(pk)).order_by("pk"))
    assert [(e.action, e.actor_id, e.source) for e in rows] == [
        ("create", cast.qm.pk, "api"),
        ("update", cast.qm.pk, "api"),
        ("delete", cast.qm.pk, "api"),
    ]
    assert rows[0].request_id == "api-req-7"
    assert rows[0].changes["categories"] == [[], [cast.category.pk]]
    assert rows[1].changes == {"status": ["prospect", "active"], "website": ["", "https://d.example"]}
    assert rows[2].changes["credit_code"] == [NEW_CODE, None]


def test_refused_delete_writes_no_entry(cast: Any) -> None:
    count = AuditEntry.objects.count()
    response = api_client(cast.qm).delete(f"/api/vendors/{cast.vendor_a.pk}/")
    assert response.status_code == 409
    assert AuditEntry.objects.count() == count


def test_contract_sites_changes_merge_into_one_entry(cast: Any) -> None:
    from oqms.org.models import Site

    extra = Site.objects.create(code="BJ-01", name="北京园区", org_unit=cast.org_unit, address="北京市")
    client = api_client(cast.qm)
    body = {
        "number": "C-A-002",
        "vendor": cast.vendor_a.pk,
        "title": "新合同",
        "status": "draft",
        "start_date": "2026-01-01",
        "end_date": "2026-12-31",
        "monthly_fee": "1000.00",
        "org_units": [cast.org_unit.pk],
        "sites": [cast.site.pk, extra.pk],
        "service_types": [cast.service_type.pk],
    }
    response = client.post("/api/contracts/", body, format="json")
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    (created,) = AuditEntry.objects.filter(content_type__model="contract", object_id=str(pk))
    assert created.action == "create"
    assert created.changes["sites"] == [[], sorted([cast.site.pk, extra.pk])]
    assert created.changes["org_units"] == [[], [cast.org_unit.pk]]
    assert created.changes["service_types"] == [[], [cast.service_type.pk]]

    # Only the sites change: one update entry carrying the M2M before/after.
    response = client.patch(f"/api/contracts/{pk}/", {"sites": [extra.pk]}, format="json")
    assert response.status_code == 200
    entries = list(
        AuditEntry.objects.filter(content_type__model="contract", object_id=str(pk)).order_by("pk")
    )
    assert len(entries) == 2
    assert entries[1].action == "update"
    assert entries[1].changes == {"sites": [sorted([cast.site.pk, extra.pk]), [extra.pk]]}

    # A field and a set changed together: still one entry.
    response = client.patch(
        f"/api/contracts/{pk}/", {"title": "改名", "sites": [cast.site.pk]}, format="json"
    )
    assert response.status_code == 200
    entries = list(
        AuditEntry.objects.filter(content_type__model="contract", object_id=str(pk)).order_by("pk")
    )
    assert len(entries) == 3
    assert entries[2].changes == {"title": ["新合同", "改名"], "sites": [[extra.pk], [cast.site.pk]]}


def test_contract_sites_change_on_the_page_is_recorded(cast: Any) -> None:
    from oqms.org.models import Site

    extra = Site.objects.create(code="GZ-01", name="广州园区", org_unit=cast.org_unit, address="广州市")
    contract = cast.contract_a
    data = {
        "number": contract.number,
        "vendor": cast.vendor_a.pk,
        "title": contract.title,
        "status": "active",
        "start_date": contract.start_date.isoformat(),
        "end_date": contract.end_date.isoformat(),
        "monthly_fee": "120000.00",
        "org_units": [cast.org_unit.pk],
        "sites": [cast.site.pk, extra.pk],
        "service_types": [cast.service_type.pk],
        "description": "",
        "sla-TOTAL_FORMS": "0",
        "sla-INITIAL_FORMS": "0",
        "sla-MIN_NUM_FORMS": "0",
        "sla-MAX_NUM_FORMS": "4",
        "sla_at_risk_percent": "75",
        "sla_stops_at": "resolved",
        "esc-TOTAL_FORMS": "0",
        "esc-INITIAL_FORMS": "0",
        "sla_pausing_reasons": contract.sla_pausing_reasons,
    }
    before = AuditEntry.objects.count()
    response = page_client(cast.qm).post(reverse("contracts:contract_update", args=[contract.pk]), data)
    assert response.status_code == 302, response.context and response.context["form"].errors
    new = list(AuditEntry.objects.filter(pk__gt=0).order_by("pk"))[before:]
    assert [(e.content_type.model, e.action) for e in new] == [("contract", "update")]
    assert new[0].changes == {"sites": [[cast.site.pk], sorted([cast.site.pk, extra.pk])]}
    assert new[0].actor == cast.qm and new[0].source == "web"


def test_password_is_never_written_to_the_trail(cast: Any) -> None:
    # The user form's own save (the page adds only the redirect, see tests/accounts for that).
    from oqms.accounts.forms import UserForm

    data = {
        "username": "newbie",
        "display_name": "新人",
        "email": "",
        "phone": "",
        "role": "requester",
        "vendor": "",
        "org_unit": "",
        "time_zone": "",
        "access_expires_at": "",
        "is_active": "on",
        "password": "Very-secret-2026",
    }
    with audit.audit_context(actor=cast.admin, source="web"):
        form = UserForm(data, user=cast.admin)
        assert form.is_valid(), form.errors
        user = form.save()
    (created,) = entries_for(user)
    assert created.changes["password"] == [None, audit.REDACTED]
    assert created.actor == cast.admin
    with audit.audit_context(actor=cast.admin, source="web"):
        form = UserForm(
            data | {"password": "Another-secret-2027", "display_name": "新人二"},
            instance=user,
            user=cast.admin,
        )
        assert form.is_valid(), form.errors
        form.save()
    user.refresh_from_db()
    assert user.check_password("Another-secret-2027")
    entries = entries_for(user)
    assert entries[-1].changes["display_name"] == ["新人", "新人二"]
    for entry in entries:
        text = str(entry.changes)
        assert "Very-secret" not in text and "Another-secret" not in text
        assert user.password not in text and "md5$" not in text
        assert "last_login" not in entry.changes


def test_password_change_is_recorded_redacted(cast: Any) -> None:
    from oqms.accounts import services

    count = len(entries_for(cast.requester))
    with audit.audit_context(actor=cast.admin, source="test"):
        services.save_user(cast.requester, "A-brand-new-password-1")
    entries = entries_for(cast.requester)
    assert len(entries) == count + 1
    assert entries[-1].changes == {"password": [audit.REDACTED, audit.REDACTED]}


def test_workflow_steps_are_audited_with_the_actor(cast: Any) -> None:
    from oqms.workorders import services

    with audit.audit_context(actor=cast.manager_a, source="web"):
        services.assign(cast.wo_a, cast.manager_a, cast.staff_a)
    entry = entries_for(cast.wo_a)[-1]
    assert entry.action == "update" and entry.actor == cast.manager_a
    assert entry.changes["status"] == ["new", "assigned"]
    assert entry.changes["assignee"] == [None, cast.staff_a.pk]
    assert entry.vendor_id == cast.vendor_a.pk


def test_audit_list_is_searchable_and_filterable(cast: Any) -> None:
    from oqms.vendors.models import VendorContact

    with audit.audit_context(actor=cast.qm, request_id="needle-request-id"):
        contact = VendorContact.objects.create(vendor=cast.vendor_a, name="独一无二的联系人")
    client = page_client(cast.qm)
    url = reverse("core:auditentry_list")
    hits = listed_pks(client.get(url, {"q": "独一无二"}))
    (entry,) = entries_for(contact)
    assert hits == {entry.pk}
    assert listed_pks(client.get(url, {"q": "needle-request"})) == {entry.pk}
    assert listed_pks(client.get(url, {"q": "no such thing anywhere"})) == set()
    deletes = listed_pks(client.get(url, {"action": "delete"}))
    assert deletes == set()
    creates = listed_pks(client.get(url, {"action": "create", "actor": cast.qm.pk}))
    assert creates == {entry.pk}


def test_record_page_shows_its_history_and_entry_page_its_changes(cast: Any) -> None:
    client = page_client(cast.qm)
    with audit.audit_context(actor=cast.qm):
        cast.vendor_a.short_name = "甲改名"
        cast.vendor_a.save()
    response = client.get(cast.vendor_a.get_absolute_url())
    history = list(response.context["history"])
    assert [e.action for e in history] == ["update", "create"]
    assert history[0].actor == cast.qm
    html = response.content.decode()
    assert "甲改名" in html and "甲服务" in html
    entry = history[0]
    detail = client.get(reverse("core:auditentry_detail", args=[entry.pk]))
    assert detail.status_code == 200
    rows = detail.context["object"].field_changes()
    assert [(str(label), before, after) for label, before, after in rows] == [
        ("short name", "甲服务", "甲改名")
    ]
    assert cast.vendor_a.get_absolute_url() in detail.content.decode()


def test_choice_values_are_shown_with_their_labels(cast: Any) -> None:
    from django.utils import translation

    with audit.audit_context(actor=cast.qm):
        cast.vendor_a.status = "probation"
        cast.vendor_a.save()
    entry = entries_for(cast.vendor_a)[-1]
    with translation.override("en"):
        assert [(str(label), str(b), str(a)) for label, b, a in entry.field_changes()] == [
            ("status", "Active", "Probation")
        ]


def test_vendor_b_cannot_see_the_trail_of_vendor_a(cast: Any) -> None:
    from oqms.vendors.models import VendorContact

    with audit.audit_context(actor=cast.manager_a):
        contact_a = VendorContact.objects.create(vendor=cast.vendor_a, name="甲的联系人")
    with audit.audit_context(actor=cast.manager_b):
        contact_b = VendorContact.objects.create(vendor=cast.vendor_b, name="乙的联系人")
    (entry_a,) = entries_for(contact_a)
    (entry_b,) = entries_for(contact_b)

    pages = page_client(cast.manager_b)
    listed = listed_pks(pages.get(reverse("core:auditentry_list")))
    assert entry_b.pk in listed and entry_a.pk not in listed
    assert all(e.vendor_id == cast.vendor_b.pk for e in AuditEntry.objects.filter(pk__in=listed))
    assert pages.get(reverse("core:auditentry_detail", args=[entry_a.pk])).status_code == 404
    assert pages.get(reverse("core:auditentry_detail", args=[entry_b.pk])).status_code == 200

    client = api_client(cast.manager_b)
    rows = client.get("/api/audit-entries/", {"page_size": 500}).json()["results"]
    ids = {row["id"] for row in rows}
    assert entry_b.pk in ids and entry_a.pk not in ids
    assert client.get(f"/api/audit-entries/{entry_a.pk}/").status_code == 404
    filtered = client.get("/api/audit-entries/", {"object_id": contact_a.pk, "record_type": "vendorcontact"})
    assert filtered.json()["count"] == 0
    # Internal records (sites, users of the enterprise) carry no vendor: invisible to every vendor user.
    assert all(row["record_type"] not in {"site", "orgunit"} for row in rows)

    # The quality manager sees both.
    ids = {
        row["id"]
        for row in api_client(cast.qm).get("/api/audit-entries/", {"page_size": 500}).json()["results"]
    }
    assert {entry_a.pk, entry_b.pk} <= ids


def test_audit_api_filters(cast: Any) -> None:
    client = api_client(cast.qm)
    body = client.get("/api/audit-entries/", {"record_type": "workorder", "action": "create"}).json()
    assert {row["object_id"] for row in body["results"]} == {str(cast.wo_a.pk), str(cast.wo_b.pk)}
    assert all(
        set(row) >= {"record_type", "object_repr", "action", "actor", "at", "changes"}
        for row in body["results"]
    )
    assert client.get("/api/audit-entries/", {"action": "nonsense"}).status_code == 400


def test_audit_trail_is_read_only_everywhere(cast: Any) -> None:
    entry = AuditEntry.objects.first()
    client = api_client(cast.admin)
    assert client.delete(f"/api/audit-entries/{entry.pk}/").status_code in {403, 405}
    assert client.patch(f"/api/audit-entries/{entry.pk}/", {"note": "x"}, format="json").status_code in {
        403,
        405,
    }
    assert client.post("/api/audit-entries/", {"note": "x"}, format="json").status_code in {403, 405}
    for page in ("create", "update", "delete"):
        with pytest.raises(Exception):  # noqa: B017 - NoReverseMatch: the pages do not exist
            reverse(f"core:auditentry_{page}", args=[entry.pk] if page != "create" else [])
    entry.refresh_from_db()
    assert entry.note == ""


@pytest.fixture
def no_audit_context() -> Any:
    """Code running outside any request or job context, as in a fresh worker or management command."""
    token = audit._context.set(None)
    yield
    audit._context.reset(token)


def test_m2m_change_after_a_rolled_back_operation_outside_a_request(
    cast: Any, no_audit_context: None
) -> None:
    from django.db import transaction

    from oqms.org.models import Site

    extra = Site.objects.create(code="HZ-01", name="杭州园区", org_unit=cast.org_unit, address="杭州市")
    contract = cast.contract_a
    try:
        with transaction.atomic():  # a job that changed the contract, then failed
            contract.title = "失败的修改"
            contract.save()
            raise RuntimeError("the job failed")
    except RuntimeError:
        pass
    contract.refresh_from_db()
    contract.sites.add(extra)  # a later, separate operation
    entry = AuditEntry.objects.filter(content_type__model="contract", object_id=str(contract.pk)).latest("pk")
    assert entry.changes == {"sites": [[cast.site.pk], sorted([cast.site.pk, extra.pk])]}


def test_m2m_changes_in_separate_contexts_get_separate_entries(cast: Any) -> None:
    from oqms.org.models import Site

    extra = Site.objects.create(code="NJ-01", name="南京园区", org_unit=cast.org_unit, address="南京市")
    for operation in (lambda: cast.contract_a.sites.add(extra), lambda: cast.contract_a.sites.remove(extra)):
        with audit.audit_context(actor=cast.qm, source="job"):
            operation()
    entries = list(
        AuditEntry.objects.filter(
            content_type__model="contract", object_id=str(cast.contract_a.pk), action="update"
        ).order_by("pk")
    )
    assert [e.changes for e in entries] == [
        {"sites": [[cast.site.pk], sorted([cast.site.pk, extra.pk])]},
        {"sites": [sorted([cast.site.pk, extra.pk]), [cast.site.pk]]},
    ]
    assert {(e.actor_id, e.source) for e in entries} == {(cast.qm.pk, "job")}


def test_deleting_a_vendor_records_the_records_deleted_with_it(cast: Any) -> None:
    """Contacts and qualification documents go with their vendor (CASCADE): their deletion is a change too."""
    import datetime

    from oqms.vendors.models import QualificationDocument, Vendor, VendorContact

    with audit.audit_context(actor=cast.qm):
        vendor = Vendor.objects.create(name="辛服务有限公司", credit_code=NEW_CODE)
        contact = VendorContact.objects.create(vendor=vendor, name="赵七")
        document = QualificationDocument.objects.create(
            vendor=vendor,
            doc_type="iso9001",
            number="Q-9",
            issuer="CQC",
            valid_from=datetime.date(2025, 1, 1),
        )
    response = api_client(cast.qm).delete(f"/api/vendors/{vendor.pk}/")
    assert response.status_code == 204
    assert not VendorContact.objects.filter(pk=contact.pk).exists()
    for record in (contact, document):
        deleted = [e for e in entries_for(record) if e.action == "delete"]
        assert len(deleted) == 1, record
        assert deleted[0].actor == cast.qm and deleted[0].vendor_id == vendor.pk


def test_changes_read_as_names_local_times_and_labels(cast: Any) -> None:
    """Related ids become names (joined with 、 in Chinese), times are local and formatted, deleted records '#id'."""
    import datetime

    from django.utils import timezone, translation

    from oqms.core.audit_display import describe
    from oqms.org.models import Site
    from oqms.workorders import services

    north = Site.objects.create(code="BJ-01", name="北京园区", org_unit=cast.org_unit, address="北京市")
    gone = Site.objects.create(code="GZ-01", name="广州园区", org_unit=cast.org_unit, address="广州市")
    with audit.audit_context(actor=cast.qm):
        cast.contract_a.sites.set([cast.site, north, gone])
        gone_pk = gone.pk
        gone.delete()
        services.assign(
            cast.wo_a,
            cast.qm,
            cast.staff_a,
            at=timezone.make_aware(datetime.datetime(2026, 3, 2, 1, 30), datetime.UTC),
        )
    sites_entry = [e for e in entries_for(cast.contract_a) if "sites" in e.changes][-1]
    assign_entry = entries_for(cast.wo_a)[-1]
    with translation.override("zh-hans"), timezone.override("Asia/Shanghai"):
        describe([sites_entry, assign_entry])
        ((_label, _before, after),) = sites_entry.field_changes()
        assert after == f"上海张江园区、北京园区、#{gone_pk}"
        rows = {str(label): (before, after) for label, before, after in assign_entry.field_changes()}
        assert rows["处理人"] == (None, str(cast.staff_a))
        assert rows["状态"] == ("新建", "已分派") or rows["状态"][0] != "new"
        assert rows["分派时间"][0] is None
        assert (
            "09:30" in rows["分派时间"][1] and "2026" in rows["分派时间"][1]
        )  # 01:30 UTC, shown in Shanghai
    with translation.override("en"):
        describe([sites_entry])
        assert sites_entry.field_changes()[0][2] == f"上海张江园区, 北京园区, #{gone_pk}"


def test_history_costs_a_fixed_number_of_queries(cast: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from oqms.workorders import services

    client = page_client(cast.qm)
    client.get(cast.wo_a.get_absolute_url())  # warm caches (content types, permissions)

    last: list[Any] = []

    def cost() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(cast.wo_a.get_absolute_url()).status_code == 200
        last[:] = queries.captured_queries
        return len(queries)

    with audit.audit_context(actor=cast.qm):
        services.assign(cast.wo_a, cast.qm, cast.staff_a)
    few = cost()
    with audit.audit_context(actor=cast.qm):
        for _ in range(4):
            services.assign(cast.wo_a, cast.qm, cast.manager_a)
            services.assign(cast.wo_a, cast.qm, cast.staff_a)
    assert cost() == few, "\n".join(q["sql"][:150] for q in last)
