"""Every list, detail, create and edit page answers 200 for the quality manager (a first safety net)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

LIST_PAGES = [
    "org:orgunit_list",
    "org:site_list",
    "vendors:vendor_list",
    "vendors:vendorcontact_list",
    "vendors:qualificationdocument_list",
    "vendors:servicecategory_list",
    "contracts:contract_list",
    "contracts:servicetype_list",
    "contracts:contractattachment_list",
    "workorders:workorder_list",
    "accounts:user_list",
    "core:auditentry_list",
    "capa:nonconformance_list",
    "capa:correctiveaction_list",
    "capa:category_list",
    "capa:duerule_list",
    "improvement:improvement_list",
    "improvement:lesson_list",
    "meetings:meetingseries_list",
    "meetings:meeting_list",
    "meetings:actionitem_list",
]


@pytest.mark.parametrize("name", LIST_PAGES)
def test_list_and_export_pages_render(cast: Any, login: Any, name: str) -> None:
    client = login(cast.admin)
    response = client.get(reverse(name))
    assert response.status_code == 200
    export = client.get(reverse(name.replace("_list", "_export")))
    assert export.status_code == 200
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")


@pytest.mark.parametrize(
    "user", ["qm", "requester", "manager_a", "staff_a", "inspector", "assessor", "admin"]
)
def test_home_page_per_role(cast: Any, login: Any, user: str) -> None:
    response = login(getattr(cast, user)).get(reverse("home"))
    assert response.status_code == 200


def test_detail_and_forms_render(cast: Any, login: Any) -> None:
    client = login(cast.admin)
    for obj in (cast.vendor_a, cast.contract_a, cast.wo_a, cast.site, cast.org_unit, cast.service_type):
        assert client.get(obj.get_absolute_url()).status_code == 200
        meta = obj._meta
        assert client.get(reverse(f"{meta.app_label}:{meta.model_name}_create")).status_code == 200
        assert (
            client.get(reverse(f"{meta.app_label}:{meta.model_name}_update", args=[obj.pk])).status_code
            == 200
        )
