"""The inspection API: an inspection carried out through its endpoints, lots decided, bad input refused with
clear messages, and every endpoint scoped to the caller's vendor."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import timezone

from oqms.core import audit
from oqms.inspections import lots, services
from tests.core.helpers import api_client
from tests.inspections.test_services import jpeg


def _ids(response: Any) -> set[int]:
    return {row["id"] for row in response.json()["results"]} if response.status_code == 200 else set()


def test_an_inspection_through_the_api(cast: Any, checklist: Any) -> None:
    api = api_client(cast.inspector)
    qm = api_client(cast.qm)
    created = qm.post(
        "/api/inspections/",
        {
            "contract": cast.contract_a.pk,
            "site": cast.site.pk,
            "template": checklist.pk,
            "scheduled_for": timezone.now().isoformat(),
            "inspector": cast.inspector.pk,
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert (
        api.post(
            f"/api/inspections/{pk}/start/", {"latitude": "31.2", "longitude": "121.4"}, format="json"
        ).status_code
        == 200
    )
    version = api.get(f"/api/checklist-versions/{created.json()['version']}/").json()
    items = {item["text"]: item["id"] for item in version["items"]}
    bad = api.post(f"/api/inspections/{pk}/answer/", {"item": items["室温"], "value": "hot"}, format="json")
    assert bad.status_code == 400 and "室温" in str(bad.json())
    for text, value in [
        ("地面无垃圾", True),
        ("整洁程度", 5),
        ("室温", 20),
        ("卫生间", "干净"),
        ("消防通道畅通", "fail"),
    ]:
        answered = api.post(
            f"/api/inspections/{pk}/answer/", {"item": items[text], "value": value}, format="json"
        )
        assert answered.status_code == 200, (text, answered.content)
    not_photo = api.post(
        f"/api/inspections/{pk}/photo/",
        {"photo": jpeg(name="a.gif"), "item": items["现场照片"]},
        format="multipart",
    )
    assert not_photo.status_code == 400
    photo = api.post(
        f"/api/inspections/{pk}/photo/", {"photo": jpeg(), "item": items["现场照片"]}, format="multipart"
    )
    assert photo.status_code == 201, photo.content
    done = api.post(f"/api/inspections/{pk}/complete/", {"acknowledged_by": "王经理"}, format="json")
    assert done.status_code == 200 and done.json()["passed"] is False
    assert [f["severity"] for f in done.json()["findings"]] == ["critical"]
    again = api.post(f"/api/inspections/{pk}/complete/", {}, format="json")
    assert again.status_code == 409
    assert api.post(f"/api/inspections/{pk}/correct/", {"reason": "x"}, format="json").status_code == 409
    fixed = qm.post(f"/api/inspections/{pk}/correct/", {"reason": "复查"}, format="json")
    assert fixed.status_code == 200 and fixed.json()["supersedes"] == pk


def test_lots_and_switching_through_the_api(cast: Any) -> None:
    qm = api_client(cast.qm)
    bad = qm.post(
        "/api/lots/",
        {
            "contract": cast.contract_a.pk,
            "service_type": cast.service_type.pk,
            "kind": "batch",
            "lot_size": 500,
            "aql": "2.000",
        },
        format="json",
    )
    assert bad.status_code == 400 and "AQL" in str(bad.json())
    lot = qm.post(
        "/api/lots/",
        {
            "contract": cast.contract_a.pk,
            "service_type": cast.service_type.pk,
            "kind": "batch",
            "lot_size": 500,
            "aql": "1.000",
        },
        format="json",
    )
    assert lot.status_code == 201 and lot.json()["code_letter"] == "H" and lot.json()["sample_size"] == 50
    decided = api_client(cast.inspector).post(
        f"/api/lots/{lot.json()['id']}/decide/", {"nonconforming": 0}, format="json"
    )
    assert decided.status_code == 200 and decided.json()["status"] == "accepted"
    state = qm.get("/api/sampling-states/").json()["results"][0]
    assert state["state"]["state"] == "normal" and [e["reason"] for e in state["events"]] == [
        "start",
        "accepted",
    ]
    refused = qm.post(
        f"/api/sampling-states/{state['id']}/reduce/", {"production_steady": True}, format="json"
    )
    assert refused.status_code == 400 and "30" in str(refused.json())


def test_every_inspection_endpoint_is_scoped(cast: Any, checklist: Any) -> None:
    with audit.audit_context(actor=cast.qm, source="test"):
        mine = services.create(
            contract=cast.contract_a, site=cast.site, template=checklist, scheduled_for=timezone.now()
        )
    services.start(mine, cast.qm)
    services.add_photo(mine, cast.qm, jpeg())
    lot = lots.open_lot(
        user=cast.qm,
        contract=cast.contract_a,
        service_type=cast.service_type,
        aql=Decimal("1.0"),
        kind="batch",
        lot_size=200,
    )
    state = lots.state_of(cast.contract_a, cast.service_type)
    b = api_client(cast.manager_b)
    for path, pk in [("inspections", mine.pk), ("lots", lot.pk), ("sampling-states", state.pk)]:
        assert pk not in _ids(b.get(f"/api/{path}/")), path
        assert b.get(f"/api/{path}/{pk}/").status_code == 404, path
    assert b.get("/api/inspection-plans/").status_code == 403
    assert b.post(
        f"/api/inspections/{mine.pk}/answer/", {"item": 1, "value": True}, format="json"
    ).status_code in {403, 404}
    assert b.post(f"/api/lots/{lot.pk}/decide/", {"nonconforming": 0}, format="json").status_code in {
        403,
        404,
    }
    a = api_client(cast.manager_a)
    assert mine.pk in _ids(a.get("/api/inspections/")) and lot.pk in _ids(a.get("/api/lots/"))
    assert a.post(f"/api/lots/{lot.pk}/decide/", {"nonconforming": 0}, format="json").status_code == 403
    assert a.post(f"/api/inspections/{mine.pk}/complete/", {}, format="json").status_code == 403
    assert (
        a.post(
            "/api/lots/",
            {
                "contract": cast.contract_a.pk,
                "service_type": cast.service_type.pk,
                "kind": "batch",
                "lot_size": 50,
                "aql": "1.000",
            },
            format="json",
        ).status_code
        == 403
    )
    assert api_client(cast.staff_b).get(f"/api/inspections/{mine.pk}/").status_code == 404
    assert api_client().get("/api/inspections/").status_code in {401, 403}
