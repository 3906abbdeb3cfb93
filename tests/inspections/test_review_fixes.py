"""Rules found in review: edits and steps refused when they would change what must not change, bad input that
must not give a 500, samples and draws that cannot be re-rolled or misread."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from oqms.core.errors import DomainError
from oqms.engine import draws
from oqms.inspections import lots, scheduling, services
from oqms.inspections.models import Inspection
from tests.core.helpers import api_client, page_client
from tests.inspections.test_pages import _scheduled
from tests.inspections.test_services import _answer_all, _items


def test_sample_range_draws_what_sample_of_the_range_draws() -> None:
    for n, k in ((10, 10), (1000, 80), (2, 2), (500_000, 315)):
        assert draws.sample_range("seed", "LT1", n, k) == draws.sample(
            "seed", "LT1", list(range(1, n + 1)), k
        )
    big = draws.sample_range("seed", "LT2", 2**31 - 1, 1250)
    assert len(set(big)) == 1250 and all(1 <= v <= 2**31 - 1 for v in big)


def test_a_completed_inspection_is_not_edited_and_inspectors_do_not_reschedule(
    cast: Any, checklist: Any
) -> None:
    inspection = _scheduled(cast, checklist)
    edit = reverse("inspections:inspection_update", args=[inspection.pk])
    later = (timezone.localtime() + datetime.timedelta(days=20)).strftime("%Y-%m-%dT%H:%M")
    data = {
        "contract": cast.contract_a.pk,
        "site": cast.site.pk,
        "template": checklist.pk,
        "scheduled_for": later,
    }
    assert page_client(cast.inspector).post(edit, data).status_code == 404
    assert Inspection.objects.get(pk=inspection.pk).scheduled_for == inspection.scheduled_for
    bad = page_client(cast.qm).post(edit, data | {"staff": cast.staff_b.pk})
    assert bad.status_code == 400 and Inspection.objects.get(pk=inspection.pk).staff is None
    assert page_client(cast.qm).post(edit, data).status_code == 302
    services.start(inspection, cast.inspector)
    _answer_all(cast, inspection)
    services.complete(inspection, cast.inspector)
    before = Inspection.objects.get(pk=inspection.pk)
    page_client(cast.qm).post(edit, data | {"scheduled_for": timezone.localtime().strftime("%Y-%m-%dT%H:%M")})
    assert Inspection.objects.get(pk=inspection.pk).scheduled_for == before.scheduled_for


def test_critical_and_photo_items_are_never_not_applicable(cast: Any, checklist: Any) -> None:
    inspection = _scheduled(cast, checklist)
    services.start(inspection, cast.inspector)
    items = _items(inspection)
    for text in ("消防通道畅通", "现场照片"):
        with pytest.raises(DomainError) as raised:
            services.answer(inspection, cast.inspector, items[text], None, applicable=False)
        assert raised.value.code == "na"


def test_a_correction_is_not_cancelled(cast: Any, checklist: Any) -> None:
    inspection = _scheduled(cast, checklist)
    services.start(inspection, cast.inspector)
    _answer_all(cast, inspection)
    done = services.complete(inspection, cast.inspector)
    fresh = services.correct(done, cast.qm, "复核")
    with pytest.raises(DomainError) as raised:
        services.cancel(fresh, cast.qm, "不要了")
    assert raised.value.code == "correction"


def test_odd_input_is_refused_without_a_500(cast: Any, checklist: Any) -> None:
    inspection = _scheduled(cast, checklist)
    client = page_client(cast.inspector)
    start = client.post(
        reverse("inspections:inspection_start", args=[inspection.pk]),
        {"latitude": "31.2", "longitude": "121.4", "accuracy": "1e400"},
    )
    assert start.status_code == 302
    services_row = Inspection.objects.get(pk=inspection.pk)
    assert services_row.status == "in_progress"
    bomb = io.BytesIO()
    Image.new("1", (12000, 12000)).save(bomb, format="PNG")
    upload = SimpleUploadedFile("bomb.png", bomb.getvalue(), content_type="image/png")
    response = client.post(
        reverse("inspections:inspection_photo", args=[inspection.pk]), {"photo": upload}, follow=True
    )
    assert response.status_code == 200 and not inspection.photos.exists()
    version = services.new_version(checklist, cast.qm)
    nan = page_client(cast.qm).post(
        reverse("inspections:version_item_add", args=[version.pk]),
        {
            "position": 1,
            "text": "x",
            "kind": "choice",
            "weight": 1,
            "severity": "minor",
            "choices_text": "a | NaN\nb | 0",
        },
    )
    assert nan.status_code == 400
    assert api_client(cast.qm).get("/api/inspection-plans/1/verify/?period=2026-12-07").status_code in {
        200,
        404,
    }


def test_a_lot_sample_stands_until_the_state_switches(cast: Any) -> None:
    lot = lots.open_lot(
        user=cast.qm,
        contract=cast.contract_a,
        service_type=cast.service_type,
        aql=Decimal("1.0"),
        kind="batch",
        lot_size=1000,
    )
    with pytest.raises(DomainError) as raised:
        lots.redraw(lot, cast.inspector)
    assert raised.value.code == "no_switch"
    with pytest.raises(DomainError):
        lots.redraw(lot, cast.manager_a)
    with pytest.raises(DomainError):
        lots.open_lot(
            user=cast.qm,
            contract=cast.contract_a,
            service_type=cast.service_type,
            aql=Decimal("1.0"),
            kind="batch",
            lot_size=2**31,
        )
    vendor = api_client(cast.manager_a).get(f"/api/lots/{lot.pk}/").json()
    assert vendor["sample"] is None and vendor["seed"] is None
    assert api_client(cast.qm).get(f"/api/lots/{lot.pk}/").json()["sample"] == lot.sample
    page = page_client(cast.manager_a).get(lot.get_absolute_url()).content.decode()
    assert lot.seed not in page


def test_verify_ignores_periodic_occurrences_and_odd_labels(cast: Any, checklist: Any) -> None:
    from tests.inspections.test_scheduling import _plan

    plan = _plan(cast, checklist)
    scheduling.schedule(plan, datetime.date(2026, 12, 2), horizon=14)
    assert scheduling.verify(plan, "2026-12-07") == [] and scheduling.verify(plan, "") == []
    assert api_client(cast.qm).get(f"/api/inspection-plans/{plan.pk}/verify/?period=2026-12-07").json() == []


def test_an_inspection_scheduled_before_a_new_version_is_done_with_the_new_one(
    cast: Any, checklist: Any
) -> None:
    inspection = _scheduled(cast, checklist)
    first = inspection.version
    draft = services.new_version(checklist, cast.qm)
    services.publish_version(draft, cast.qm)
    started = services.start(inspection, cast.inspector)
    assert started.version == draft and started.version != first
