"""THE VENDOR-SCOPING MATRIX.

For every model exposed on the pages and the REST API, a record belonging to vendor A must be invisible and
untouchable for vendor B's manager and staff: 404 on the detail, edit and delete pages (GET and POST), the same
answer as for a record that does not exist on every API method, absent from the list page, the API list and the
Excel export — and the record is unchanged afterwards. Each negative check has a positive control (the owner
sees and edits the same record through the same URL), so a broken harness cannot make the matrix pass.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django import forms
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from oqms.core import audit
from oqms.core.models import AuditEntry
from tests.core.helpers import PDF, PNG, api_client, listed_pks, page_client, upload, xlsx_text

MISSING_PK = 987654
INTRUDERS = ["manager_b", "staff_b"]


# --- the records of vendor A ------------------------------------------------------------------------------


def _org_unit(cast: Any) -> Any:
    from oqms.org.models import OrgUnit

    unit = OrgUnit.objects.create(code="OU-A-ONLY", name="甲专属部门 MARK-OU")
    cast.contract_a.org_units.add(unit)
    return unit


def _site(cast: Any) -> Any:
    from oqms.org.models import Site

    site = Site.objects.create(
        code="SITE-A-ONLY", name="甲专属园区 MARK-SITE", org_unit=cast.org_unit, address="上海市徐汇区"
    )
    cast.contract_a.sites.add(site)
    return site


def _vendor(cast: Any) -> Any:
    cast.vendor_a.categories.add(cast.category)  # the form requires at least one category
    return cast.vendor_a


def _contact(cast: Any) -> Any:
    from oqms.vendors.models import VendorContact

    return VendorContact.objects.create(
        vendor=cast.vendor_a, name="MARK-CONTACT 张三", phone="13800001111", email="zhang@a.example"
    )


def _document(cast: Any) -> Any:
    from oqms.vendors.models import QualificationDocument

    return QualificationDocument.objects.create(
        vendor=cast.vendor_a,
        doc_type="iso9001",
        number="MARK-DOC-001",
        issuer="CQC",
        valid_from=timezone.localdate() - datetime.timedelta(days=10),
        valid_to=timezone.localdate() + datetime.timedelta(days=300),
    )


def _attachment(cast: Any) -> Any:
    from oqms.contracts.models import ContractAttachment

    attachment = ContractAttachment(
        contract=cast.contract_a, title="MARK-ATTACH 附件", file=upload("annex.pdf", PDF, "application/pdf")
    )
    attachment.full_clean()
    attachment.save()
    return attachment


def _photo(cast: Any) -> Any:
    from oqms.workorders import services

    return services.add_photo(
        cast.wo_a, cast.qm, upload("before.png", PNG, "image/png"), "before", "MARK-PHOTO"
    )


def _audit_entry(cast: Any) -> Any:
    contact = _contact(cast)
    return AuditEntry.objects.get(
        content_type__model="vendorcontact", object_id=str(contact.pk), action="create"
    )


@dataclass(frozen=True)
class Target:
    key: str
    app: str
    model_name: str
    api: str | None
    make: Callable[[Any], Any]
    marker: Callable[[Any], str]
    owner: str  # a user of the cast who may see (and, where the role allows, change) the record
    changes: dict[str, Any] = field(default_factory=dict)  # a valid edit (PATCH and page POST)
    api_methods: frozenset[str] = frozenset({"GET", "PUT", "PATCH", "DELETE"})
    editable_by_owner: bool = True

    @property
    def model(self) -> Any:
        from django.apps import apps

        return apps.get_model(self.app, self.model_name)

    def url(self, page: str, *args: Any) -> str | None:
        try:
            return reverse(f"{self.app}:{self.model_name}_{page}", args=args)
        except NoReverseMatch:
            return None


TARGETS = [
    Target(
        "org_unit", "org", "orgunit", "org-units", _org_unit, lambda o: "MARK-OU", "qm", {"name": "HACKED"}
    ),
    Target("site", "org", "site", "sites", _site, lambda o: "MARK-SITE", "qm", {"name": "HACKED"}),
    Target(
        "vendor", "vendors", "vendor", "vendors", _vendor, lambda o: o.name, "qm", {"short_name": "HACKED"}
    ),
    Target(
        "contact",
        "vendors",
        "vendorcontact",
        "vendor-contacts",
        _contact,
        lambda o: "MARK-CONTACT",
        "manager_a",
        {"name": "HACKED"},
    ),
    Target(
        "document",
        "vendors",
        "qualificationdocument",
        "qualification-documents",
        _document,
        lambda o: "MARK-DOC-001",
        "manager_a",
        {"issuer": "HACKED"},
    ),
    Target(
        "contract",
        "contracts",
        "contract",
        "contracts",
        lambda c: c.contract_a,
        lambda o: o.number,
        "qm",
        {"title": "HACKED"},
    ),
    Target(
        "contract_attachment",
        "contracts",
        "contractattachment",
        "contract-attachments",
        _attachment,
        lambda o: "MARK-ATTACH",
        "qm",
        {"title": "HACKED"},
    ),
    Target(
        "work_order",
        "workorders",
        "workorder",
        "work-orders",
        lambda c: c.wo_a,
        lambda o: o.number,
        "manager_a",
        {"title": "HACKED"},
        frozenset({"GET", "PUT", "PATCH"}),
    ),
    Target(
        "work_order_photo",
        "workorders",
        "workorderattachment",
        "work-order-photos",
        _photo,
        lambda o: "MARK-PHOTO",
        "manager_a",
        {"caption": "HACKED"},
        frozenset({"GET"}),
        editable_by_owner=False,
    ),
    Target(
        "audit_entry",
        "core",
        "auditentry",
        "audit-entries",
        _audit_entry,
        lambda o: "MARK-CONTACT",
        "manager_a",
        {"note": "HACKED"},
        frozenset({"GET"}),
        editable_by_owner=False,
    ),
    Target(
        "user",
        "accounts",
        "user",
        "users",
        lambda c: c.staff_a,
        lambda o: o.username,
        "manager_a",
        {"display_name": "HACKED"},
        frozenset({"GET"}),
        editable_by_owner=False,
    ),
]
IDS = [t.key for t in TARGETS]


def _make(cast: Any, target: Target) -> Any:
    with audit.audit_context(actor=cast.qm, source="test"):
        return target.make(cast)


def _state(target: Target, obj: Any) -> tuple[Any, ...]:
    """Everything an intruder could have changed: the fields, the M2M sets, the audit trail size."""
    model = target.model
    stored = model._base_manager.filter(pk=obj.pk).first()
    if stored is None:
        return ("deleted",)
    m2m = {
        f.name: sorted(getattr(stored, f.name).values_list("pk", flat=True)) for f in model._meta.many_to_many
    }
    values = {f.attname: getattr(stored, f.attname) for f in model._meta.concrete_fields}
    return values, m2m, AuditEntry.objects.count()


def _perm(user: Any, target: Target, action: str) -> bool:
    return bool(user.has_perm(f"{target.app}.{action}_{target.model_name}"))


_METHOD_ACTION = {"GET": "view", "PUT": "change", "PATCH": "change", "DELETE": "delete"}


def _expected_api_status(user: Any, target: Target, method: str) -> int:
    if not _perm(user, target, _METHOD_ACTION[method]):
        return 403  # the permission check comes first: the same answer whether the record exists or not
    if method not in target.api_methods:
        return 405
    return 404


def _api_call(client: Any, method: str, url: str, payload: dict[str, Any]) -> Any:
    if method == "GET":
        return client.get(url)
    if method == "DELETE":
        return client.delete(url)
    return getattr(client, method.lower())(url, payload, format="json")


def _api_payload(target: Target, obj: Any, cast: Any, method: str) -> dict[str, Any]:
    if method != "PUT":
        return dict(target.changes)
    body = api_client(cast.admin).get(f"/api/{target.api}/{obj.pk}/").json()
    body = {k: v for k, v in body.items() if not isinstance(v, str) or not v.startswith("http")}
    return body | target.changes


def _page_payload(target: Target, obj: Any, owner: Any) -> dict[str, Any]:
    """What the edit page would post back for this record, with the target's change applied."""
    from oqms.core.ui import RecordUI

    ui = next(cls for cls in _all_uis() if cls.model is target.model)
    assert issubclass(ui, RecordUI)
    form = ui.form_class(instance=obj, user=owner)
    data: dict[str, Any] = {}
    for name, form_field in form.fields.items():
        if isinstance(form_field, forms.FileField):
            continue
        value = form[name].value()
        if isinstance(form_field.widget, forms.CheckboxInput):
            if value:
                data[name] = "on"
            continue
        if isinstance(value, list | tuple):
            data[name] = [str(getattr(v, "pk", v)) for v in value]
        elif value is None:
            data[name] = ""
        else:
            data[name] = str(getattr(value, "pk", value))
    if target.model_name == "contract":
        targets = list(obj.sla_targets.order_by("priority"))
        data |= {
            "sla-TOTAL_FORMS": str(len(targets)),
            "sla-INITIAL_FORMS": str(len(targets)),
            "sla-MIN_NUM_FORMS": "0",
            "sla-MAX_NUM_FORMS": "4",
            "esc-TOTAL_FORMS": "0",
            "esc-INITIAL_FORMS": "0",
        }
        for index, sla in enumerate(targets):
            data |= {
                f"sla-{index}-id": str(sla.pk),
                f"sla-{index}-contract": str(obj.pk),
                f"sla-{index}-priority": sla.priority,
                f"sla-{index}-response_minutes": str(sla.response_minutes),
                f"sla-{index}-resolution_minutes": str(sla.resolution_minutes),
            }
    return data | target.changes


def _all_uis() -> list[Any]:
    from oqms.accounts.ui import UserUI
    from oqms.contracts.ui import ContractAttachmentUI, ContractUI, ServiceTypeUI
    from oqms.core.audit_ui import AuditEntryUI
    from oqms.org.ui import OrgUnitUI, SiteUI
    from oqms.vendors.ui import QualificationDocumentUI, ServiceCategoryUI, VendorContactUI, VendorUI
    from oqms.workorders.ui import WorkOrderUI

    return [
        UserUI,
        ContractAttachmentUI,
        ContractUI,
        ServiceTypeUI,
        AuditEntryUI,
        OrgUnitUI,
        SiteUI,
        QualificationDocumentUI,
        ServiceCategoryUI,
        VendorContactUI,
        VendorUI,
        WorkOrderUI,
    ]


# --- positive controls: the owner reaches the record through exactly these URLs -------------------------------


@pytest.mark.parametrize("target", TARGETS, ids=IDS)
def test_owner_sees_the_record_everywhere(cast: Any, target: Target) -> None:
    obj = _make(cast, target)
    owner = getattr(cast, target.owner)
    pages = page_client(owner)
    if target.url("list"):
        assert pages.get(target.url("detail", obj.pk)).status_code == 200
        assert obj.pk in listed_pks(pages.get(target.url("list")))
        assert target.marker(obj) in xlsx_text(pages.get(target.url("export")))
    client = api_client(owner)
    assert client.get(f"/api/{target.api}/{obj.pk}/").status_code == 200
    listed = client.get(f"/api/{target.api}/", {"page_size": 500}).json()
    assert obj.pk in {row["id"] for row in listed["results"]}


@pytest.mark.parametrize("target", [t for t in TARGETS if t.editable_by_owner], ids=lambda t: t.key)
def test_owner_can_edit_with_the_same_payloads(cast: Any, target: Target) -> None:
    obj = _make(cast, target)
    owner = getattr(cast, target.owner)
    response = api_client(owner).patch(f"/api/{target.api}/{obj.pk}/", target.changes, format="json")
    assert response.status_code == 200, response.content
    ((name, value),) = target.changes.items()
    obj.refresh_from_db()
    assert getattr(obj, name) == value
    data = _page_payload(target, obj, owner) | {name: "EDITED ON PAGE"}
    response = page_client(owner).post(target.url("update", obj.pk), data)
    assert response.status_code == 302, getattr(response, "context", None) and response.context["form"].errors
    obj.refresh_from_db()
    assert getattr(obj, name) == "EDITED ON PAGE"


# --- the intruders: vendor B's manager and staff -----------------------------------------------------------------


@pytest.mark.parametrize("intruder", INTRUDERS)
@pytest.mark.parametrize("target", [t for t in TARGETS if t.url("detail", 1)], ids=lambda t: t.key)
def test_pages_answer_404_and_change_nothing(cast: Any, target: Target, intruder: str) -> None:
    obj = _make(cast, target)
    user = getattr(cast, intruder)
    client = page_client(user)
    before = _state(target, obj)
    assert client.get(target.url("detail", obj.pk)).status_code == 404
    if target.url("update", obj.pk):
        owner = getattr(cast, target.owner) if target.editable_by_owner else cast.admin
        payload = _page_payload(target, obj, owner)
        assert client.get(target.url("update", obj.pk)).status_code == 404
        assert client.post(target.url("update", obj.pk), payload).status_code == 404
    if target.url("delete", obj.pk):
        assert client.get(target.url("delete", obj.pk)).status_code == 404
        assert client.post(target.url("delete", obj.pk)).status_code == 404
    assert _state(target, obj) == before


@pytest.mark.parametrize("intruder", INTRUDERS)
@pytest.mark.parametrize("target", [t for t in TARGETS if t.url("list")], ids=lambda t: t.key)
def test_list_page_and_export_leave_it_out(cast: Any, target: Target, intruder: str) -> None:
    obj = _make(cast, target)
    user = getattr(cast, intruder)
    client = page_client(user)
    listing = client.get(target.url("list"))
    export = client.get(target.url("export"))
    if not _perm(user, target, "view"):
        assert listing.status_code == 403 and export.status_code == 403
        return
    assert listing.status_code == 200
    assert obj.pk not in listed_pks(listing)
    searched = client.get(target.url("list"), {"q": target.marker(obj)})
    assert obj.pk not in listed_pks(searched)
    assert export.status_code == 200
    assert target.marker(obj) not in xlsx_text(export)


@pytest.mark.parametrize("intruder", INTRUDERS)
@pytest.mark.parametrize("target", TARGETS, ids=IDS)
def test_api_list_leaves_it_out(cast: Any, target: Target, intruder: str) -> None:
    obj = _make(cast, target)
    user = getattr(cast, intruder)
    response = api_client(user).get(f"/api/{target.api}/", {"page_size": 500})
    if not _perm(user, target, "view"):
        assert response.status_code == 403
        return
    assert response.status_code == 200
    assert obj.pk not in {row["id"] for row in response.json()["results"]}
    assert target.marker(obj) not in response.content.decode()


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("intruder", INTRUDERS)
@pytest.mark.parametrize("target", TARGETS, ids=IDS)
def test_api_record_methods_answer_as_if_it_did_not_exist(
    cast: Any, target: Target, intruder: str, method: str
) -> None:
    obj = _make(cast, target)
    user = getattr(cast, intruder)
    payload = _api_payload(target, obj, cast, method)
    before = _state(target, obj)
    client = api_client(user)
    response = _api_call(client, method, f"/api/{target.api}/{obj.pk}/", payload)
    missing = _api_call(client, method, f"/api/{target.api}/{MISSING_PK}/", payload)
    assert response.status_code == _expected_api_status(user, target, method), response.content
    assert response.status_code == missing.status_code
    assert target.marker(obj) not in response.content.decode()
    assert _state(target, obj) == before


@pytest.mark.parametrize("intruder", INTRUDERS)
def test_sla_targets_of_another_vendors_contract_cannot_be_read_or_replaced(cast: Any, intruder: str) -> None:
    from oqms.contracts.models import SLATarget

    user = getattr(cast, intruder)
    client = api_client(user)
    before = sorted(
        SLATarget.objects.values_list("contract_id", "priority", "response_minutes", "resolution_minutes")
    )
    url = f"/api/contracts/{cast.contract_a.pk}/"
    assert client.get(url).status_code in {403, 404}
    body = {"sla_targets": [{"priority": "P1", "response_minutes": 1, "resolution_minutes": 2}]}
    assert client.patch(url, body, format="json").status_code in {403, 404}
    assert client.get(f"/api/contracts/{MISSING_PK}/").status_code == client.get(url).status_code
    # Vendor B's own contract shows only its own targets.
    if user.has_perm("contracts.view_contract"):
        own = client.get(f"/api/contracts/{cast.contract_b.pk}/").json()
        assert {t["priority"] for t in own["sla_targets"]} == {"P1", "P2", "P3", "P4"}
    after = sorted(
        SLATarget.objects.values_list("contract_id", "priority", "response_minutes", "resolution_minutes")
    )
    assert after == before


# --- row rules within a vendor ------------------------------------------------------------------------------------


def _raise(cast: Any, title: str, requester: Any = None) -> Any:
    from oqms.workorders import services

    with audit.audit_context(actor=cast.qm, source="test"):
        return services.create(
            requester=requester or cast.requester,
            contract=cast.contract_a,
            site=cast.site,
            service_type=cast.service_type,
            priority="P3",
            title=title,
        )


def test_vendor_staff_see_only_work_assigned_to_them(cast: Any) -> None:
    from oqms.workorders import services

    mine = _raise(cast, "分派给 staff_a 的工单")
    services.assign(mine, cast.qm, cast.staff_a)
    other_staff = _make_user("staff_a2", "vendor_staff", cast.vendor_a)
    theirs = _raise(cast, "分派给 staff_a2 的工单")
    services.assign(theirs, cast.qm, other_staff)
    pages = page_client(cast.staff_a)
    assert listed_pks(pages.get(reverse("workorders:workorder_list"))) == {mine.pk}
    export = xlsx_text(pages.get(reverse("workorders:workorder_export")))
    assert mine.number in export and theirs.number not in export and cast.wo_a.number not in export
    for hidden in (theirs, cast.wo_a):  # another colleague's, and an unassigned one of the same vendor
        assert pages.get(hidden.get_absolute_url()).status_code == 404
    assert pages.get(mine.get_absolute_url()).status_code == 200
    listed = api_client(cast.staff_a).get("/api/work-orders/").json()
    assert [row["id"] for row in listed["results"]] == [mine.pk]
    # Reassigning takes the work order away from them.
    services.assign(mine, cast.qm, other_staff)
    assert pages.get(mine.get_absolute_url()).status_code == 404
    assert api_client(cast.staff_a).get("/api/work-orders/").json()["count"] == 0


def test_requesters_see_only_their_own_requests(cast: Any) -> None:
    other = _make_user("requester2", "requester")
    theirs = _raise(cast, "别人的报修", requester=other)
    pages = page_client(cast.requester)
    assert listed_pks(pages.get(reverse("workorders:workorder_list"))) == {cast.wo_a.pk, cast.wo_b.pk}
    assert pages.get(theirs.get_absolute_url()).status_code == 404
    assert theirs.number not in xlsx_text(pages.get(reverse("workorders:workorder_export")))
    assert api_client(cast.requester).get(f"/api/work-orders/{theirs.pk}/").status_code == 404
    response = api_client(cast.requester).patch(
        f"/api/work-orders/{theirs.pk}/", {"title": "x"}, format="json"
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.title == "别人的报修"
    listed = api_client(other).get("/api/work-orders/").json()
    assert [row["id"] for row in listed["results"]] == [theirs.pk]


def _make_user(username: str, role: str, vendor: Any = None, **extra: Any) -> Any:
    from tests.conftest import make_user

    return make_user(username, role, vendor, **extra)


ASSESSOR_READABLE = [
    ("vendors", lambda c: c.vendor_a, lambda c: c.vendor_b),
    ("contracts", lambda c: c.contract_a, lambda c: c.contract_b),
    ("work-orders", lambda c: c.wo_a, lambda c: c.wo_b),
]


@pytest.mark.parametrize(
    ("endpoint", "mine", "other"), ASSESSOR_READABLE, ids=[e[0] for e in ASSESSOR_READABLE]
)
def test_assessor_reads_vendor_a_only_and_writes_nothing(
    cast: Any, endpoint: str, mine: Any, other: Any
) -> None:
    own, foreign = mine(cast), other(cast)
    client = api_client(cast.assessor)
    listed = client.get(f"/api/{endpoint}/").json()
    assert {row["id"] for row in listed["results"]} == {own.pk}
    assert client.get(f"/api/{endpoint}/{own.pk}/").status_code == 200
    assert client.get(f"/api/{endpoint}/{foreign.pk}/").status_code == 404
    before = own._meta.model._base_manager.filter(pk=own.pk).values().get()
    assert (
        client.patch(
            f"/api/{endpoint}/{own.pk}/", {"title": "x", "short_name": "x"}, format="json"
        ).status_code
        == 403
    )
    assert client.delete(f"/api/{endpoint}/{own.pk}/").status_code == 403
    assert own._meta.model._base_manager.filter(pk=own.pk).values().get() == before


def test_assessor_pages_are_read_only(cast: Any) -> None:
    pages = page_client(cast.assessor)
    detail = pages.get(cast.wo_a.get_absolute_url())
    assert detail.status_code == 200
    assert detail.context["can_change"] is False and detail.context["actions"] == []
    assert pages.get(cast.wo_b.get_absolute_url()).status_code == 404
    assert pages.get(reverse("workorders:workorder_update", args=[cast.wo_a.pk])).status_code == 404
    assert pages.get(reverse("vendors:vendor_update", args=[cast.vendor_a.pk])).status_code == 404
    assert pages.get(reverse("vendors:vendor_delete", args=[cast.vendor_a.pk])).status_code == 404
    assert listed_pks(pages.get(reverse("vendors:vendor_list"))) == {cast.vendor_a.pk}
    assert listed_pks(pages.get(reverse("workorders:workorder_list"))) == {cast.wo_a.pk}
    assert (
        pages.post(
            reverse("workorders:workorder_transition", args=[cast.wo_a.pk, "assign"]),
            {"assignee": cast.staff_a.pk},
        ).status_code
        == 302
    )
    cast.wo_a.refresh_from_db()
    assert cast.wo_a.status == "new" and cast.wo_a.assignee_id is None
    # No vendor contacts for assessors at all, not even vendor A's.
    assert pages.get(reverse("vendors:vendorcontact_list")).status_code == 403


def test_expired_assessor_sees_nothing(cast: Any) -> None:
    from oqms.workorders.models import WorkOrder

    cast.assessor.access_expires_at = timezone.now() - datetime.timedelta(minutes=1)
    cast.assessor.save()
    assert cast.assessor.vendor_scope_ids() == []
    assert not WorkOrder.objects.visible_to(cast.assessor).exists()
    assert api_client(cast.assessor).get("/api/vendors/").json()["count"] == 0
    # A session opened before the expiry no longer signs them in.
    assert page_client(cast.assessor).get(reverse("vendors:vendor_list")).status_code == 302


# --- vendor B cannot write into vendor A through choices -----------------------------------------------------------

CREATE_FOR_OTHER_VENDOR = [
    (
        "vendors:vendorcontact_create",
        "vendor-contacts",
        "vendorcontact",
        {"name": "李四", "title": "调度", "phone": "13900000000", "email": "li@b.example"},
    ),
    (
        "vendors:qualificationdocument_create",
        "qualification-documents",
        "qualificationdocument",
        {"doc_type": "iso9001", "number": "ISO-X-1", "issuer": "CQC", "valid_from": "2026-01-01"},
    ),
]


@pytest.mark.parametrize(
    ("page", "endpoint", "model_name", "payload"), CREATE_FOR_OTHER_VENDOR, ids=["contact", "document"]
)
def test_manager_cannot_create_records_for_another_vendor(
    cast: Any, page: str, endpoint: str, model_name: str, payload: dict[str, Any]
) -> None:
    from django.apps import apps

    model = apps.get_model("vendors", model_name)
    entries = AuditEntry.objects.count()
    response = page_client(cast.manager_b).post(reverse(page), payload | {"vendor": cast.vendor_a.pk})
    assert response.status_code == 400
    assert "vendor" in response.context["form"].errors
    response = api_client(cast.manager_b).post(f"/api/{endpoint}/", payload | {"vendor": cast.vendor_a.pk})
    assert response.status_code == 400
    assert "vendor" in response.json()
    assert model.objects.count() == 0 and AuditEntry.objects.count() == entries
    # The same payload for their own vendor works (the refusal above is the scope, not the payload).
    response = api_client(cast.manager_b).post(f"/api/{endpoint}/", payload | {"vendor": cast.vendor_b.pk})
    assert response.status_code == 201, response.content
    assert model.objects.get().vendor_id == cast.vendor_b.pk


def test_manager_cannot_move_their_contact_to_another_vendor(cast: Any) -> None:
    from oqms.vendors.models import VendorContact

    contact = VendorContact.objects.create(vendor=cast.vendor_b, name="王五")
    response = api_client(cast.manager_b).patch(
        f"/api/vendor-contacts/{contact.pk}/", {"vendor": cast.vendor_a.pk}, format="json"
    )
    assert response.status_code == 400 and "vendor" in response.json()
    response = page_client(cast.manager_b).post(
        reverse("vendors:vendorcontact_update", args=[contact.pk]),
        {"vendor": cast.vendor_a.pk, "name": "王五"},
    )
    assert response.status_code == 400 and "vendor" in response.context["form"].errors
    contact.refresh_from_db()
    assert contact.vendor_id == cast.vendor_b.pk


def test_manager_cannot_assign_to_another_vendors_staff_on_the_page(cast: Any) -> None:
    client = page_client(cast.manager_a)
    detail = client.get(cast.wo_a.get_absolute_url())
    assign_form = next(a["form"] for a in detail.context["actions"] if a["action"] == "assign")
    choices = set(assign_form.fields["assignee"].queryset)
    assert cast.staff_a in choices and cast.staff_b not in choices and cast.manager_b not in choices
    response = client.post(
        reverse("workorders:workorder_transition", args=[cast.wo_a.pk, "assign"]),
        {"assignee": cast.staff_b.pk},
        follow=True,
    )
    assert response.status_code == 200
    assert any("assignee" in str(m) or "valid choice" in str(m) for m in response.context["messages"])
    cast.wo_a.refresh_from_db()
    assert cast.wo_a.status == "new" and cast.wo_a.assignee_id is None


def test_assigning_to_another_vendors_staff_is_refused_by_the_service(cast: Any) -> None:
    from oqms.core.errors import DomainError
    from oqms.workorders import services

    for wrong in (cast.staff_b, cast.manager_b, cast.requester):
        with pytest.raises(DomainError) as caught:
            services.assign(cast.wo_a, cast.qm, wrong)
        assert caught.value.code == "bad_assignee"
    response = api_client(cast.qm).post(
        f"/api/work-orders/{cast.wo_a.pk}/assign/", {"assignee": cast.staff_b.pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"assignee": ["Assign the work order to an active person of its vendor."]}
    cast.wo_a.refresh_from_db()
    assert cast.wo_a.assignee_id is None and cast.wo_a.status == "new"


def test_vendor_manager_assigning_to_another_vendors_staff_via_api_gets_a_clear_400(cast: Any) -> None:
    response = api_client(cast.manager_a).post(
        f"/api/work-orders/{cast.wo_a.pk}/assign/", {"assignee": cast.staff_b.pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"assignee": ["Assign the work order to an active person of its vendor."]}


# --- uploaded files --------------------------------------------------------------------------------------------------


def _media_url(file_field: Any) -> str:
    return reverse("media", args=[file_field.name])


@pytest.mark.parametrize(
    ("factory", "attr", "readers"),
    [
        (_photo, "photo", ["manager_a", "qm", "requester", "assessor"]),
        (_attachment, "file", ["manager_a", "qm", "assessor"]),
    ],
    ids=["work_order_photo", "contract_attachment"],
)
def test_uploaded_files_are_served_only_within_scope(
    cast: Any, factory: Any, attr: str, readers: list[str]
) -> None:
    with audit.audit_context(actor=cast.qm):
        obj = factory(cast)
    url = _media_url(getattr(obj, attr))
    for name in readers:
        response = page_client(getattr(cast, name)).get(url)
        assert response.status_code == 200, name
        assert b"".join(response.streaming_content) in (PNG, PDF)
        assert response["X-Content-Type-Options"] == "nosniff"
    for name in ("manager_b", "staff_b"):
        assert page_client(getattr(cast, name)).get(url).status_code == 404, name
    assert page_client(None).get(url).status_code == 302  # anonymous: to the sign-in page


def test_qualification_document_file_is_not_served_to_another_vendor(cast: Any) -> None:
    with audit.audit_context(actor=cast.qm):
        document = _document(cast)
        document.file = upload("licence.pdf", PDF, "application/pdf")
        document.save()
    url = _media_url(document.file)
    assert page_client(cast.manager_a).get(url).status_code == 200
    assert page_client(cast.manager_b).get(url).status_code == 404


@pytest.mark.parametrize(
    "name",
    ["workorders/../vendors/documents/x.pdf", "elsewhere/secret.txt", "workorders/2026/01/not-a-record.png"],
)
def test_media_paths_outside_known_records_are_404(cast: Any, name: str) -> None:
    assert page_client(cast.admin).get(reverse("media", args=[name])).status_code == 404


# --- workflow steps on another vendor's work order ---------------------------------------------------------------

ACTIONS = ["assign", "start", "pause", "resume", "resolve", "close", "reopen"]


def _step_payload(cast: Any, action: str) -> dict[str, Any]:
    return {
        "assign": {"assignee": cast.staff_b.pk},
        "pause": {"reason": "awaiting_parts"},
        "close": {"rating": 5},
        "resolve": {"note": "done"},
        "reopen": {"note": "again"},
    }.get(action, {})


def _wo_state(work_order: Any) -> tuple[Any, ...]:
    from oqms.workorders.models import WorkOrder

    fresh = WorkOrder.objects.get(pk=work_order.pk)
    return fresh.status, fresh.assignee_id, fresh.updated_at, fresh.events.count()


@pytest.mark.parametrize("intruder", INTRUDERS)
@pytest.mark.parametrize("action", ACTIONS)
def test_workflow_steps_on_another_vendors_work_order_change_nothing(
    cast: Any, action: str, intruder: str
) -> None:
    user = getattr(cast, intruder)
    before = _wo_state(cast.wo_a)
    payload = _step_payload(cast, action)
    page = page_client(user).post(
        reverse("workorders:workorder_transition", args=[cast.wo_a.pk, action]), payload
    )
    assert page.status_code == 404
    client = api_client(user)
    response = client.post(f"/api/work-orders/{cast.wo_a.pk}/{action}/", payload, format="json")
    missing = client.post(f"/api/work-orders/{MISSING_PK}/{action}/", payload, format="json")
    assert response.status_code in {403, 404} and response.status_code == missing.status_code
    assert client.get(f"/api/work-orders/{cast.wo_a.pk}/events/").status_code == 404
    assert _wo_state(cast.wo_a) == before


@pytest.mark.parametrize("action", ACTIONS)
def test_workflow_api_on_another_vendors_work_order_is_404(cast: Any, action: str) -> None:
    response = api_client(cast.manager_b).post(
        f"/api/work-orders/{cast.wo_a.pk}/{action}/", _step_payload(cast, action), format="json"
    )
    assert response.status_code == 404


# --- the filter forms of the list pages ------------------------------------------------------------------------------

LEAKY_FILTER_PAGES = [
    "workorders:workorder_list",
    "vendors:vendorcontact_list",
    "vendors:qualificationdocument_list",
    "contracts:contract_list",
    "contracts:contractattachment_list",
    "accounts:user_list",
    "core:auditentry_list",
]


@pytest.mark.parametrize("page", LEAKY_FILTER_PAGES)
def test_filter_choices_offer_only_visible_records(cast: Any, page: str) -> None:
    from oqms.core.scoping import restrict

    with audit.audit_context(actor=cast.qm):
        _attachment(cast)  # a contract attachment of vendor A, so its contract appears in choices if leaking
        _contact(cast)
    response = page_client(cast.manager_b).get(reverse(page))
    assert response.status_code == 200
    form = response.context["filterset"].form
    offered = 0
    for name, form_field in form.fields.items():
        queryset = getattr(form_field, "queryset", None)
        if queryset is None or not hasattr(queryset.model.objects, "visible_to"):
            continue
        visible = set(restrict(queryset.model._default_manager.all(), cast.manager_b, "view"))
        leaked = set(queryset) - visible
        assert not leaked, f"{name}: {leaked}"
        offered += 1
    assert offered
    html = response.content.decode()
    assert "甲服务" not in html and "Staff A" not in html and "C-A-001" not in html


def test_filtering_on_another_vendors_record_returns_none_of_its_rows(cast: Any) -> None:
    client = api_client(cast.manager_b)
    for query in (
        {"vendor": cast.vendor_a.pk},
        {"contract": cast.contract_a.pk},
        {"assignee": cast.staff_a.pk},
    ):
        response = client.get("/api/work-orders/", query)
        assert response.status_code in {200, 400}
        if response.status_code == 200:
            assert cast.wo_a.pk not in {row["id"] for row in response.json()["results"]}
        listing = page_client(cast.manager_b).get(reverse("workorders:workorder_list"), query)
        assert cast.wo_a.pk not in listed_pks(listing)


# --- the audit trail must not reveal records the reader may not see ---------------------------------------------


def test_audit_trail_hides_records_of_models_the_reader_cannot_view(cast: Any) -> None:
    with audit.audit_context(actor=cast.manager_a):
        contact = _contact(cast)  # phone 13800001111, e-mail zhang@a.example
    assert not cast.assessor.has_perm("vendors.view_vendorcontact")
    assert not cast.assessor.has_perm("accounts.view_user")
    client = api_client(cast.assessor)
    rows = client.get("/api/audit-entries/", {"page_size": 500}).json()["results"]
    assert {row["record_type"] for row in rows} & {"vendorcontact", "user"} == set()
    assert "13800001111" not in str(rows)
    entry = AuditEntry.objects.get(content_type__model="vendorcontact", object_id=str(contact.pk))
    assert client.get(f"/api/audit-entries/{entry.pk}/").status_code == 404
    assert (
        page_client(cast.assessor).get(reverse("core:auditentry_detail", args=[entry.pk])).status_code == 404
    )
