"""Bad work order input on the pages and the API: field errors, 400 (never 500), nothing half-written — no work
order, no event, no audit entry, no number used up."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from oqms.core import audit
from oqms.core.models import AuditEntry, Sequence
from oqms.workorders.models import WorkOrder, WorkOrderAttachment, WorkOrderEvent
from tests.core.helpers import JPEG, PNG, TEXT, api_client, has_chinese, page_client, upload


def _state() -> tuple[Any, ...]:
    sequence = Sequence.objects.filter(name="workorder").values_list("value", flat=True).first()
    return (
        WorkOrder.objects.count(),
        WorkOrderEvent.objects.count(),
        AuditEntry.objects.count(),
        sequence,
        WorkOrderAttachment.objects.count(),
    )


@pytest.fixture
def elsewhere(cast: Any) -> Any:
    """A site no contract covers."""
    from oqms.org.models import Site

    return Site.objects.create(code="WH-01", name="武汉园区", org_unit=cast.org_unit, address="武汉市")


def _form(cast: Any, **overrides: Any) -> dict[str, Any]:
    return {
        "site": cast.site.pk,
        "service_type": cast.service_type.pk,
        "contract": cast.contract_a.pk,
        "priority": "P2",
        "title": "投影仪不亮",
        "description": "",
    } | overrides


def test_valid_creation_on_the_page(cast: Any) -> None:
    response = page_client(cast.requester).post(reverse("workorders:workorder_create"), _form(cast))
    assert response.status_code == 302
    wo = WorkOrder.objects.latest("pk")
    assert response["Location"] == wo.get_absolute_url()
    assert (wo.requester, wo.vendor, wo.title) == (cast.requester, cast.vendor_a, "投影仪不亮")


def test_quality_manager_raises_on_behalf_of_a_requester_on_the_page(cast: Any) -> None:
    url = reverse("workorders:workorder_create")
    form = page_client(cast.qm).get(url).context["form"]
    assert cast.requester in form.fields["requester"].queryset
    assert cast.staff_a not in form.fields["requester"].queryset  # never a vendor's person
    response = page_client(cast.qm).post(url, _form(cast, requester=cast.requester.pk))
    assert response.status_code == 302
    wo = WorkOrder.objects.latest("pk")
    assert (wo.requester, wo.events.get().actor) == (cast.requester, cast.qm)
    # Left empty, the quality manager is the requester.
    page_client(cast.qm).post(url, _form(cast, title="空调漏水"))
    assert WorkOrder.objects.get(title="空调漏水").requester == cast.qm


def test_requesters_raise_only_in_their_own_name_on_the_page(cast: Any) -> None:
    url = reverse("workorders:workorder_create")
    assert "requester" not in page_client(cast.requester).get(url).context["form"].fields
    page_client(cast.requester).post(url, _form(cast, requester=cast.admin.pk))  # not a field: ignored
    assert WorkOrder.objects.latest("pk").requester == cast.requester


def test_vendor_person_as_requester_is_a_field_error(cast: Any) -> None:
    before = _state()
    response = page_client(cast.qm).post(
        reverse("workorders:workorder_create"), _form(cast, requester=cast.staff_a.pk)
    )
    assert response.status_code == 400
    assert "requester" in response.context["form"].errors
    assert _state() == before


def test_site_the_contract_does_not_cover(cast: Any, elsewhere: Any) -> None:
    before = _state()
    response = page_client(cast.requester).post(
        reverse("workorders:workorder_create"), _form(cast, site=elsewhere.pk)
    )
    assert response.status_code == 400
    assert response.context["form"].errors["site"] == ["The contract does not cover this site."]
    response = api_client(cast.requester, "en").post(
        "/api/work-orders/", _form(cast, site=elsewhere.pk), format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"site": ["The contract does not cover this site."]}
    assert _state() == before


def test_site_not_covered_message_is_translated(cast: Any, elsewhere: Any) -> None:
    response = api_client(cast.requester, "zh-hans").post(
        "/api/work-orders/", _form(cast, site=elsewhere.pk), format="json"
    )
    assert has_chinese(response.json()["site"][0])


def test_inactive_contract(cast: Any) -> None:
    cast.contract_a.status = "suspended"
    cast.contract_a.save()
    before = _state()
    response = api_client(cast.requester).post("/api/work-orders/", _form(cast), format="json")
    assert response.status_code == 400 and "contract" in response.json()
    # On the page an inactive contract is not even a choice.
    response = page_client(cast.requester).post(reverse("workorders:workorder_create"), _form(cast))
    assert response.status_code == 400 and "contract" in response.context["form"].errors
    assert _state() == before


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"site": 987654}, "site"),
        ({"service_type": 987654}, "service_type"),
        ({"contract": 987654}, "contract"),
        ({"priority": "P0"}, "priority"),
        ({"title": ""}, "title"),
        ({"title": "长" * 201}, "title"),
    ],
)
def test_field_errors_on_page_and_api(cast: Any, overrides: dict[str, Any], field: str) -> None:
    before = _state()
    response = page_client(cast.requester).post(
        reverse("workorders:workorder_create"), _form(cast, **overrides)
    )
    assert response.status_code == 400 and field in response.context["form"].errors
    response = api_client(cast.requester).post("/api/work-orders/", _form(cast, **overrides), format="json")
    assert response.status_code == 400 and field in response.json()
    assert _state() == before


@pytest.mark.parametrize(("covering", "code"), [("both", "ambiguous_contract"), ("none", "no_contract")])
def test_no_single_contract_through_the_api(cast: Any, elsewhere: Any, covering: str, code: str) -> None:
    before = _state()
    site = cast.site if covering == "both" else elsewhere
    body = _form(cast, site=site.pk)
    del body["contract"]
    response = api_client(cast.requester).post("/api/work-orders/", body, format="json")
    assert response.status_code == 400 and response.json()["code"] == code
    assert _state() == before


@pytest.mark.parametrize("covering", ["both", "none"])
def test_no_single_contract_on_the_page_is_a_form_error(cast: Any, elsewhere: Any, covering: str) -> None:
    before = _state()
    site = cast.site if covering == "both" else elsewhere
    client = page_client(cast.requester, "en")
    response = client.post(reverse("workorders:workorder_create"), _form(cast, site=site.pk, contract=""))
    assert response.status_code == 400
    text = str(response.context["form"].errors)
    assert ("choose one" in text) if covering == "both" else ("No active contract" in text), text
    assert _state() == before


def test_edit_page_refuses_changes_to_closed_work(cast: Any) -> None:
    from oqms.workorders import services

    with audit.audit_context(actor=cast.qm):
        wo = services.assign(cast.wo_a, cast.qm, cast.staff_a)
        wo = services.start(wo, cast.qm)
        wo = services.resolve(wo, cast.qm, "ok")
        services.close(wo, cast.requester, 5)
    before = _state()
    response = page_client(cast.requester).post(
        reverse("workorders:workorder_update", args=[cast.wo_a.pk]),
        _form(cast, title="改个标题"),
        follow=True,
    )
    # Refused as the form page refuses it: back to the record with the reason, nothing changed.
    assert response.redirect_chain[-1][0] == cast.wo_a.get_absolute_url()
    assert "can no longer be edited" in response.content.decode()
    assert _state() == before


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("close", {}),
        ("close", {"rating": "9"}),
        ("resolve", {"note": ""}),
        ("pause", {"reason": "nap"}),
        ("assign", {"assignee": 987654}),
    ],
)
def test_page_steps_with_bad_data_show_errors_and_change_nothing(
    cast: Any, action: str, data: dict[str, Any]
) -> None:
    from oqms.workorders import services

    with audit.audit_context(actor=cast.qm):
        wo = cast.wo_a
        if action != "assign":
            wo = services.assign(wo, cast.qm, cast.staff_a)
            wo = services.start(wo, cast.qm)
        if action == "close":
            wo = services.resolve(wo, cast.qm, "ok")
    before = (WorkOrder.objects.get(pk=wo.pk).status, _state())
    response = page_client(cast.qm).post(
        reverse("workorders:workorder_transition", args=[wo.pk, action]), data, follow=True
    )
    assert response.status_code == 200
    messages = [(m.level_tag, str(m)) for m in response.context["messages"]]
    assert messages and all(level == "error" for level, _text in messages), messages
    assert (WorkOrder.objects.get(pk=wo.pk).status, _state()) == before


def test_unknown_step_on_the_page_is_404(cast: Any) -> None:
    client = page_client(cast.qm)
    assert (
        client.post(reverse("workorders:workorder_transition", args=[cast.wo_a.pk, "explode"])).status_code
        == 404
    )
    response = client.post(
        reverse("workorders:workorder_transition", args=[cast.wo_a.pk, "create"]), follow=True
    )
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert (
        client.get(reverse("workorders:workorder_transition", args=[cast.wo_a.pk, "start"])).status_code
        == 405
    )


@pytest.mark.parametrize(
    ("name", "content"),
    [("photo.jpg", PNG), ("photo.png", TEXT), ("photo.gif", JPEG)],
    ids=["png-named-jpg", "text-named-png", "jpeg-named-gif"],
)
def test_photo_of_the_wrong_type(cast: Any, name: str, content: bytes) -> None:
    before = _state()
    response = page_client(cast.requester).post(
        reverse("workorders:workorder_photo", args=[cast.wo_a.pk]),
        {"photo": upload(name, content), "kind": "evidence"},
        follow=True,
    )
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    response = api_client(cast.requester).post(
        "/api/work-order-photos/",
        {"work_order": cast.wo_a.pk, "photo": upload(name, content)},
        format="multipart",
    )
    assert response.status_code == 400 and "photo" in response.json()
    assert _state() == before


def test_photo_without_a_file_or_with_a_bad_kind(cast: Any) -> None:
    before = _state()
    client = api_client(cast.requester)
    response = client.post("/api/work-order-photos/", {"work_order": cast.wo_a.pk}, format="multipart")
    assert response.status_code == 400 and "photo" in response.json()
    response = client.post(
        "/api/work-order-photos/",
        {"work_order": cast.wo_a.pk, "kind": "selfie", "photo": upload("a.png", PNG)},
        format="multipart",
    )
    assert response.status_code == 400 and "kind" in response.json()
    assert _state() == before
