"""Organisation API: units and sites, their filters and ordering, and what vendor users see of them."""

from __future__ import annotations

from typing import Any

from oqms.core import audit
from oqms.org.models import OrgUnit, Site
from tests.core.helpers import api_client


def _ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_site_filters_and_ordering(cast: Any) -> None:
    factory = OrgUnit.objects.create(code="MFG", name="制造部")
    plant = Site.objects.create(
        code="SU-01", name="苏州工厂", org_unit=factory, city="苏州", address="工业园区"
    )
    closed = Site.objects.create(
        code="SU-02", name="苏州老厂", org_unit=factory, city="苏州", address="吴中区", is_active=False
    )
    client = api_client(cast.qm)
    assert _ids(client.get("/api/sites/", {"org_unit": factory.pk})) == {plant.pk, closed.pk}
    assert _ids(client.get("/api/sites/", {"city": "苏州", "is_active": "false"})) == {closed.pk}
    assert _ids(client.get("/api/sites/", {"q": "工业园"})) == {plant.pk}
    codes = [r["code"] for r in client.get("/api/sites/", {"ordering": "-code"}).json()["results"]]
    assert codes == ["SU-02", "SU-01", "SH-01"]


def test_org_unit_tree_filter(cast: Any) -> None:
    child = OrgUnit.objects.create(code="HQ-IT", name="信息部", parent=cast.org_unit)
    client = api_client(cast.qm)
    assert _ids(client.get("/api/org-units/", {"parent": cast.org_unit.pk})) == {child.pk}
    assert client.get(f"/api/org-units/{child.pk}/").json()["parent"] == cast.org_unit.pk


def test_a_unit_cannot_be_its_own_ancestor(cast: Any) -> None:
    child = OrgUnit.objects.create(code="HQ-IT", name="信息部", parent=cast.org_unit)
    response = api_client(cast.qm).patch(
        f"/api/org-units/{cast.org_unit.pk}/", {"parent": child.pk}, format="json"
    )
    assert response.status_code == 400 and "parent" in response.json()
    cast.org_unit.refresh_from_db()
    assert cast.org_unit.parent_id is None


def test_vendor_users_see_only_sites_under_their_contracts(cast: Any) -> None:
    only_a = Site.objects.create(code="A-ONLY", name="甲独有", org_unit=cast.org_unit, address="x")
    with audit.audit_context(actor=cast.qm):
        cast.contract_a.sites.add(only_a)
    assert _ids(api_client(cast.manager_a).get("/api/sites/")) == {cast.site.pk, only_a.pk}
    assert _ids(api_client(cast.manager_b).get("/api/sites/")) == {cast.site.pk}
    assert _ids(api_client(cast.staff_b).get("/api/sites/")) == {cast.site.pk}
    assert _ids(api_client(cast.qm).get("/api/sites/")) == {cast.site.pk, only_a.pk}
    # A site shared by both vendors' contracts is listed once.
    assert api_client(cast.assessor).get("/api/sites/").json()["count"] == 2


def test_site_writes_are_for_quality_and_admin(cast: Any) -> None:
    body = {"code": "X-1", "name": "x", "org_unit": cast.org_unit.pk, "address": "x"}
    assert api_client(cast.manager_a).post("/api/sites/", body, format="json").status_code == 403
    assert api_client(cast.requester).post("/api/sites/", body, format="json").status_code == 403
    response = api_client(cast.qm).post("/api/sites/", body, format="json")
    assert response.status_code == 201 and response.json()["time_zone"] == "Asia/Shanghai"
