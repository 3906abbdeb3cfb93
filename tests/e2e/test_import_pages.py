"""In the browser: importing the real ServiceNow export — upload, the ready mapping, the check with its preview,
the import, the imported list and its CSV export; and a file with bad rows and its problem list. Screenshots in
test-artifacts/e2e/8x-*.png."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.test_work_order_journey import sign_in

pytestmark = [pytest.mark.e2e]
SERVICENOW = (
    Path(__file__).resolve().parents[3] / "shared" / "data" / "itsm" / "uci498_incident_event_log_subset.csv"
)


def test_import_servicenow_export_in_the_browser(
    live_server: Any,
    transactional_db: Any,
    new_context: Any,
    shot: Any,
    failed_responses: list[str],
    tmp_path: Path,
) -> None:
    if not SERVICENOW.exists():
        pytest.skip("the shared ServiceNow export is not beside the project")
    from oqms.workorders.models import WorkOrder
    from tests.conftest import build_cast
    from tests.dataio.conftest import add_history

    add_history(build_cast())
    base = live_server.url
    page = new_context().new_page()
    sign_in(page, base, "qm")
    page.goto(f"{base}/data/imports/")
    expect(page.locator("#upload-form")).to_be_visible()
    page.locator("#id_entity").select_option("workorders")
    page.locator("#id_file").set_input_files(str(SERVICENOW))
    shot(page, "80-import-upload")
    page.locator("#upload").click()
    expect(page).to_have_url(re.compile(r"/data/imports/\d+/$"))
    expect(page.locator("#mapping-form")).to_be_visible()
    expect(page.locator("#sample")).to_contain_text("INC0000045")
    # The ready ServiceNow mapping was recognised: number -> external id, the event log's last row wins.
    expect(page.locator("#id_col_external_id_0")).to_have_value("number")
    expect(page.locator("#id_duplicates")).to_have_value("last")
    page.locator("#id_fixed_contract").select_option("H-2016")
    page.locator("#id_fixed_site").select_option("SH-01")
    page.locator("#id_fixed_service_type").select_option("desktop")
    page.locator("#id_valid_only").check()
    shot(page, "81-import-mapping")
    from oqms.dataio import services
    from oqms.dataio.models import ImportJob

    # 5,998 rows is more than the page waits for: the check goes to the worker and the page shows its progress.
    page.locator("#check").click()
    expect(page.locator("#import-progress")).to_be_visible()
    shot(page, "82-import-queued")
    job = ImportJob.objects.latest("pk")
    services.run_queued(job.pk, True)  # what the worker does; the polling page then reloads with the results
    expect(page.locator("#job-result")).to_be_visible()
    expect(page.locator("#preview")).to_contain_text("INC")
    assert WorkOrder.objects.filter(origin="import").count() == 0
    shot(page, "83-import-checked")
    page.locator("#run").click()
    expect(page.locator("#import-progress")).to_be_visible()
    services.run_queued(job.pk, False)
    expect(page.locator("#job-status")).to_have_text(re.compile("已导入"))
    created = int(page.locator("#count-created").inner_text())
    assert created == WorkOrder.objects.filter(origin="import").count() > 800
    shot(page, "84-import-done")
    page.get_by_role("link", name="查看导入的工单").click()
    expect(page.locator("#record-table")).to_contain_text("Category")
    with page.expect_download() as download:
        page.locator("#export-csv").click()
    saved = tmp_path / "export.csv"
    download.value.save_as(saved)
    assert saved.read_bytes().startswith("\ufeff编号,外部编号".encode())
    shot(page, "85-imported-work-orders")

    # A file with bad rows: nothing is imported and the problems are listed, row by row.
    bad = tmp_path / "报修台账.csv"
    bad.write_bytes(
        "工单号,标题,优先级,报修时间\nA-1,打印机卡纸,P2,2016/3/1 9:00\nA-2,空调不制冷,P9,2016/3/1 10:00\n"
        "A-3,门禁故障,P3,2016/13/1 9:00\n".encode("gbk")
    )
    page.goto(f"{base}/data/imports/")
    page.locator("#id_file").set_input_files(str(bad))
    page.locator("#upload").click()
    expect(page.locator("#mapping-form")).to_be_visible()
    expect(page.locator("#sample")).to_contain_text("空调不制冷")  # GBK read as such
    page.locator("#id_fixed_contract").select_option("H-2016")
    page.locator("#id_fixed_site").select_option("SH-01")
    page.locator("#id_fixed_service_type").select_option("desktop")
    page.locator("#run").click()
    expect(page.locator("#job-message")).to_contain_text("未导入任何数据")
    expect(page.locator("#problems tbody tr")).to_have_count(2)
    expect(page.locator("#download-problems")).to_be_visible()
    shot(page, "86-import-problems")
    assert not WorkOrder.objects.filter(external_id__startswith="A-").exists()
    assert not [r for r in failed_responses if not r.startswith("400 ")], failed_responses
