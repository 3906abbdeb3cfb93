"""Import pages (upload, mapping, check, import, problems), CSV exports, and the export -> import round trip."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import override_settings
from django.urls import reverse

from oqms.dataio.models import ImportJob
from oqms.workorders.models import WorkOrder
from tests.core.helpers import page_client, upload, xlsx_rows
from tests.dataio.test_import_work_orders import GOOD, HEADER


def mapping_post(job: ImportJob, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"date_order": "dmy", "time_zone": "Asia/Shanghai", "duplicates": "error"}
    for name, headers in job.mapping["columns"].items():
        for slot, header in enumerate(headers):
            data[f"col_{name}_{slot}"] = header
    data.update(fixed_contract="H-2016", fixed_site="SH-01", fixed_service_type="desktop")
    data.update(extra)
    return data


def start(client: Any, text: str, language: str = "zh-hans") -> ImportJob:
    response = client.post(
        reverse("dataio:jobs"),
        {"entity": "workorders", "file": upload("工单.csv", text.encode("gbk")), "encoding": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportJob.objects.latest("pk")


def test_upload_map_check_and_import_through_the_pages(history: Any) -> None:
    client = page_client(history.qm, "zh-hans")
    job = start(client, GOOD)
    assert job.encoding == "gb18030" and job.rows == 3
    page = client.get(job.get_absolute_url())
    text = page.content.decode()
    assert page.status_code == 200 and "打印机卡纸" in text and 'id="mapping-form"' in text
    response = client.post(job.get_absolute_url(), mapping_post(job, check="1"))
    assert response.status_code == 302
    job.refresh_from_db()
    assert (
        job.status == "checked"
        and job.created == 3
        and not WorkOrder.objects.filter(origin="import").exists()
    )
    text = client.get(job.get_absolute_url()).content.decode()
    assert 'id="preview"' in text and "T-1" in text
    client.post(job.get_absolute_url(), mapping_post(job, run="1", save_as="报修台账"))
    job.refresh_from_db()
    assert job.status == "done" and WorkOrder.objects.filter(origin="import").count() == 3
    assert job.mapping["defaults"]["contract"] == "H-2016"
    from oqms.dataio.models import SavedMapping

    assert SavedMapping.objects.get(name="报修台账").mapping["columns"]["external_id"] == ["工单号"]
    listing = client.get(reverse("dataio:jobs")).content.decode()
    assert "工单.csv" in listing


def test_problems_are_listed_and_downloadable(history: Any) -> None:
    client = page_client(history.qm, "zh-hans")
    job = start(client, HEADER + "T-1,x,P2,,2016/3/1 9:00,,\nT-2,y,P2,,not a date,,\n")
    client.post(job.get_absolute_url(), mapping_post(job, run="1"))
    job.refresh_from_db()
    assert job.status == "refused" and WorkOrder.objects.filter(origin="import").count() == 0
    text = client.get(job.get_absolute_url()).content.decode()
    assert 'id="problems"' in text and "not a date" in text
    download = client.get(reverse("dataio:problems", args=[job.pk]))
    assert download.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["行", "列", "数值", "问题"] and rows[1][:3] == ["3", "报修时间", "not a date"]


def test_a_missing_required_column_is_an_error_on_the_form(history: Any) -> None:
    client = page_client(history.qm, "en")
    job = start(client, GOOD)
    data = mapping_post(job, check="1")
    data.pop("col_external_id_0")
    response = client.post(job.get_absolute_url(), data)
    assert response.status_code == 400 and "Choose the column that holds it." in response.content.decode()
    data = mapping_post(job, check="1", time_zone="Mars/Base")
    assert client.post(job.get_absolute_url(), data).status_code == 400


def test_bad_files_get_a_clear_error_on_the_upload_form(history: Any) -> None:
    client = page_client(history.qm, "en")
    for name, content, words in (
        ("x.csv", b"", "empty"),
        ("x.pdf", b"%PDF-1.4 ...", "not a spreadsheet"),
        ("x.csv", "name\nCaf\xe9\n".encode("latin-1"), "neither UTF-8 nor GBK"),
    ):
        response = client.post(
            reverse("dataio:jobs"), {"entity": "workorders", "file": upload(name, content)}
        )
        assert response.status_code == 400 and words in response.content.decode()
    assert not ImportJob.objects.exists()


@override_settings(OQMS_IMPORT_INLINE_ROWS=1)
def test_big_files_run_in_the_background_with_progress(history: Any, settings: Any) -> None:
    from django_q.models import OrmQ

    client = page_client(history.qm, "en")
    job = start(client, GOOD)
    client.post(job.get_absolute_url(), mapping_post(job, run="1"))
    job.refresh_from_db()
    assert job.status == "queued" and WorkOrder.objects.filter(origin="import").count() == 0
    page = client.get(job.get_absolute_url()).content.decode()
    assert 'id="import-progress"' in page and "every 1s" in page
    progress = client.get(reverse("dataio:progress", args=[job.pk]))
    assert progress.status_code == 200 and "progress-bar" in progress.content.decode()
    if not settings.Q_CLUSTER.get("redis"):
        assert OrmQ.objects.count() >= 1
    from oqms.dataio import services

    services.run_queued(job.pk, False)  # what the worker does
    job.refresh_from_db()
    assert job.status == "done" and WorkOrder.objects.filter(origin="import").count() == 3
    assert client.get(reverse("dataio:progress", args=[job.pk]))["HX-Refresh"] == "true"


@pytest.mark.parametrize("who", ["manager_a", "staff_a", "requester", "inspector", "assessor", "manager_b"])
def test_only_internal_importers_reach_the_pages(history: Any, who: str) -> None:
    job = start(page_client(history.qm), GOOD)
    client = page_client(getattr(history, who))
    for url in (
        reverse("dataio:jobs"),
        job.get_absolute_url(),
        reverse("dataio:progress", args=[job.pk]),
        reverse("dataio:problems", args=[job.pk]),
    ):
        assert client.get(url).status_code == 403, (who, url)
    assert (
        client.post(
            reverse("dataio:jobs"), {"entity": "workorders", "file": upload("a.csv", GOOD.encode())}
        ).status_code
        == 403
    )


def test_csv_export_streams_the_filtered_list_with_chinese_headers_and_no_formulas(cast: Any) -> None:
    from oqms.workorders import services

    services.edit(cast.wo_a, cast.qm, title='=HYPERLINK("http://x")')
    client = page_client(cast.qm, "zh-hans")
    response = client.get(reverse("workorders:workorder_export_csv") + f"?vendor={cast.vendor_a.pk}")
    assert response.status_code == 200 and response.streaming
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0][:3] == ["编号", "外部编号", "标题"]
    assert [r[0] for r in rows[1:]] == [cast.wo_a.number]  # the filter applies; vendor B's is not there
    assert rows[1][2].startswith("'=")
    # A vendor's user exports only its own work orders, whatever the filter says.
    mine = page_client(cast.manager_b, "en").get(
        reverse("workorders:workorder_export_csv") + f"?vendor={cast.vendor_a.pk}"
    )
    assert mine.status_code == 200
    assert cast.wo_a.number not in b"".join(mine.streaming_content).decode()
    excel = page_client(cast.manager_b, "en").get(reverse("workorders:workorder_export"))
    assert [r[0] for r in xlsx_rows(excel)[1:]] == [cast.wo_b.number]


def test_every_list_exports_to_csv(cast: Any) -> None:
    from oqms.core.context_processors import MENU

    client = page_client(cast.admin, "zh-hans")
    checked = 0
    for _section, items in MENU:
        for _label, url_name, _perm, _icon in items:
            if not url_name.endswith("_list"):
                continue
            url = reverse(url_name.replace("_list", "_export_csv"))
            response = client.get(url)
            assert response.status_code == 200, url
            assert b"".join(response.streaming_content).startswith("\ufeff".encode())
            checked += 1
    assert checked > 20


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_export_then_import_gives_the_same_records(history: Any, language: str) -> None:
    from oqms.dataio import services

    client = page_client(history.qm, language)
    job = start(client, GOOD)
    client.post(job.get_absolute_url(), mapping_post(job, run="1"))
    before = list(WorkOrder.objects.filter(origin="import").order_by("external_id").values())
    assert len(before) == 3
    exported = client.get(reverse("workorders:workorder_export_csv") + "?origin=import")
    data = b"".join(exported.streaming_content)
    again = services.upload(history.qm, "workorders", upload("export.csv", data))
    assert again.mapping["columns"]["external_id"] and again.mapping["columns"]["contract"]
    again = services.execute(again, dry_run=False)
    assert (again.created, again.updated, again.unchanged, again.failed) == (0, 0, 3, 0), again.problems
    after = list(WorkOrder.objects.filter(origin="import").order_by("external_id").values())
    assert after == before
