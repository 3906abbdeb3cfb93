"""Importing work orders: ServiceNow's real export, mappings, checks per row, all-or-nothing, upserts."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from oqms.dataio import services
from oqms.dataio.models import JobStatus
from oqms.workorders.models import WorkOrder
from tests.dataio.conftest import csv_file

SERVICENOW = (
    Path(__file__).resolve().parents[3] / "shared" / "data" / "itsm" / "uci498_incident_event_log_subset.csv"
)


def imported(cast: Any) -> Any:
    return WorkOrder.objects.filter(origin="import")


def run(cast: Any, text: str, *, valid_only: bool = False, dry_run: bool = False, **mapping: Any) -> Any:
    job = services.upload(cast.qm, "workorders", csv_file(text))
    defaults = {
        "contract": cast.history.number,
        "site": cast.site.code,
        "service_type": cast.service_type.code,
    }
    merged = {**job.mapping, **mapping}
    merged["defaults"] = {**defaults, **mapping.get("defaults", {})}
    job = services.set_mapping(job, merged, valid_only=valid_only)
    return services.execute(job, dry_run=dry_run)


HEADER = "工单号,标题,优先级,状态,报修时间,解决时间,关闭时间\n"
GOOD = (
    HEADER
    + "T-1,打印机卡纸,P2,已关闭,2016/3/1 9:00,2016/3/1 11:00,2016/3/2 9:00\n"
    + "T-2,空调不制冷,高,处理中,2016/3/1 10:00,,\n"
    + "T-3,门禁故障,3 - Moderate,,2016/3/2 9:00,2016/3/2 16:00,\n"
)


@pytest.fixture
def servicenow() -> Path:
    if not SERVICENOW.exists():
        pytest.skip("the shared ServiceNow export is not beside the project")
    return SERVICENOW


def test_servicenow_export_imports_with_the_ready_mapping(history: Any, servicenow: Path) -> None:
    with servicenow.open(encoding="utf-8") as handle:
        last = {row["number"]: row for row in csv.DictReader(handle)}
    job = services.upload(
        history.qm, "workorders", csv_file(servicenow.read_text(encoding="utf-8"), "sn.csv")
    )
    assert job.mapping["preset"] == "servicenow"  # recognised by its headers
    assert job.mapping["columns"]["external_id"] == ["number"]
    assert job.mapping["columns"]["title"] == ["category", "subcategory", "u_symptom"]
    job = services.set_mapping(
        job,
        {**job.mapping, "defaults": {"contract": "H-2016", "site": "SH-01", "service_type": "desktop"}},
        valid_only=True,
    )
    checked = services.execute(job, dry_run=True)
    assert checked.status == JobStatus.CHECKED and checked.created == len(last) == 890
    assert imported(history).count() == 0  # a check writes nothing
    assert checked.preview and checked.preview[0]["action"] == "create"
    assert any("earlier states" in n or "较早" in n for n in checked.notes)
    done = services.execute(checked, dry_run=False)
    assert done.status == JobStatus.DONE, (done.message, done.problems[:3])
    assert done.created + done.failed == 890
    rows = imported(history)
    assert rows.count() == done.created > 800
    by_state = {"Closed": "closed", "Resolved": "resolved", "Active": "in_progress", "New": "new"}
    for wo in rows.filter(external_id__in=list(last)[:200]):
        state = last[wo.external_id]["incident_state"]
        if state in by_state:
            assert wo.status == by_state[state] or (state == "Active" and wo.status == "in_progress")
        if state.startswith("Awaiting"):
            assert wo.status == "paused" and wo.pause_reason
        assert (
            wo.priority == "P" + last[wo.external_id]["priority"][0]
            if last[wo.external_id]["priority"][0] in "1234"
            else True
        )
        assert wo.sla_state != "none" and wo.resolution_due_at is not None
    # Importing the same file again changes nothing.
    again = services.upload(
        history.qm, "workorders", csv_file(servicenow.read_text(encoding="utf-8"), "sn.csv")
    )
    again = services.set_mapping(
        again, {**again.mapping, "defaults": done.mapping["defaults"]}, valid_only=True
    )
    again = services.execute(again, dry_run=False)
    assert (again.created, again.updated, again.unchanged) == (0, 0, done.created)
    assert imported(history).count() == done.created


def test_headers_in_chinese_map_themselves_and_statuses_follow(history: Any) -> None:
    job = run(history, GOOD)
    assert job.status == JobStatus.DONE, job.problems
    assert job.created == 3
    t1, t2, t3 = (WorkOrder.objects.get(external_id=f"T-{i}") for i in (1, 2, 3))
    assert (t1.status, t1.priority, t1.sla_state) == ("closed", "P2", "met")
    assert (t2.status, t2.priority) == ("in_progress", "P2")
    assert (t3.status, t3.priority) == ("resolved", "P3")  # no status column value: it follows from the times
    assert t1.vendor == history.vendor_a and t1.contract == history.history and t1.requester == history.qm


def test_bad_rows_refuse_the_whole_file_with_a_downloadable_list(history: Any) -> None:
    text = (
        HEADER
        + "T-1,ok,P2,,2016/3/1 9:00,,\n"
        + "T-2,bad date,P2,,2016/13/45 9:00,,\n"
        + "T-3,bad priority,P9,,2016/3/1 9:00,,\n"
        + ",no id,P2,,2016/3/1 9:00,,\n"
        + "T-5,resolved before opened,P2,,2016/3/2 9:00,2016/3/1 9:00,\n"
        + "T-6,outside the contract,P2,,2014/3/1 9:00,,\n"
        + "T-1,duplicate,P2,,2016/3/1 9:00,,\n"
    )
    job = run(history, text)
    assert job.status == JobStatus.REFUSED and imported(history).count() == 0
    rows = {p["row"]: p for p in job.problems}
    assert set(rows) == {2, 3, 4, 5, 6, 7, 8}
    assert rows[3]["column"] == "报修时间" and rows[3]["value"] == "2016/13/45 9:00"
    assert rows[4]["column"] == "优先级" and "P9" in rows[4]["message"]
    with job.problems_file.open("rb") as handle:
        listed = list(csv.reader(io.StringIO(handle.read().decode("utf-8-sig"))))
    assert len(listed) == 1 + job.problem_count and listed[1][0] == "2"
    # Only the valid rows, when the user says so: T-1 appears twice, so neither is taken.
    job = run(history, text, valid_only=True)
    assert job.status == JobStatus.DONE and job.created == 0 and job.failed == 7


def test_valid_only_imports_the_good_rows(history: Any) -> None:
    text = GOOD + "T-9,bad,P2,,yesterday,,\n"
    assert run(history, text).status == JobStatus.REFUSED and imported(history).count() == 0
    job = run(history, text, valid_only=True)
    assert job.status == JobStatus.DONE and (job.created, job.failed) == (3, 1)
    assert imported(history).count() == 3


def test_missing_columns_and_defaults_are_clear(history: Any) -> None:
    job = services.upload(history.qm, "workorders", csv_file("标题,优先级\nx,P1\n"))
    job = services.execute(job, dry_run=True)
    assert job.status == JobStatus.REFUSED and "External id" in job.message or "外部编号" in job.message
    job = services.upload(history.qm, "workorders", csv_file(GOOD))
    job = services.set_mapping(job, {**job.mapping, "columns": {**job.mapping["columns"], "title": ["gone"]}})
    # A header that the file lacks is dropped from the mapping; a required one that is absent refuses the file.
    assert "title" not in job.mapping["columns"]
    job = services.set_mapping(job, {**job.mapping, "defaults": {}})
    job = services.execute(job, dry_run=True)
    assert job.status == JobStatus.REFUSED and job.message


def test_updates_by_external_id_keep_the_number(history: Any) -> None:
    run(history, GOOD)
    before = dict(imported(history).values_list("external_id", "number"))
    changed = GOOD.replace(
        "T-2,空调不制冷,高,处理中,2016/3/1 10:00,,", "T-2,空调不制冷,高,已解决,2016/3/1 10:00,2016/3/1 12:00,"
    )
    job = run(history, changed)
    assert (job.created, job.updated, job.unchanged) == (0, 1, 2)
    assert dict(imported(history).values_list("external_id", "number")) == before
    assert WorkOrder.objects.get(external_id="T-2").status == "resolved"


def test_only_quality_managers_and_admins_import(history: Any) -> None:
    from oqms.core.errors import DomainError

    for user in (history.manager_a, history.staff_a, history.requester, history.assessor):
        with pytest.raises(DomainError):
            services.upload(user, "workorders", csv_file(GOOD))


@override_settings(OQMS_MAX_IMPORT_MB=40)
def test_a_50_mb_file_over_the_page_limit_is_refused(history: Any) -> None:
    from oqms.dataio.reading import FileProblem

    big = csv_file(HEADER + "T-1,x,P2,,2016/3/1 9:00,,\n" * (50 * 1024 * 1024 // 26 + 1))
    assert big.size > 50 * 1024 * 1024 * 0.95
    with pytest.raises(FileProblem) as error:
        services.upload(history.qm, "workorders", big)
    assert error.value.code == "file_size" and "40" in str(error.value.message)


def test_a_50_mb_file_with_one_bad_row_at_the_end_imports_nothing(history: Any, tmp_path: Path) -> None:
    lines = [HEADER.rstrip("\n")]
    line = "T-{n},打印机卡纸 三楼东侧 需要更换硒鼓并清理进纸通道,P3,已关闭,2016/3/1 9:00,2016/3/1 11:00,2016/3/2 9:00"
    count = 0
    size = len(HEADER)
    while size < 50 * 1024 * 1024:
        text = line.format(n=count)
        lines.append(text)
        size += len(text.encode()) + 1
        count += 1
    lines.append("T-last,bad,P3,,2016/3/99 9:00,,")
    path = tmp_path / "big.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(CommandError) as error:
        call_command(
            "import",
            str(path),
            "--user",
            "qm",
            "--contract",
            "H-2016",
            "--site",
            "SH-01",
            "--service-type",
            "desktop",
        )
    assert "1" in str(error.value)
    assert imported(history).count() == 0


def test_command_line_import(history: Any, tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(GOOD.encode("gbk"))
    call_command(
        "import",
        str(path),
        "--user",
        "qm",
        "--contract",
        "H-2016",
        "--site",
        "SH-01",
        "--service-type",
        "desktop",
        "--dry-run",
    )
    assert imported(history).count() == 0
    call_command(
        "import",
        str(path),
        "--user",
        "qm",
        "--contract",
        "H-2016",
        "--site",
        "SH-01",
        "--service-type",
        "desktop",
    )
    assert imported(history).count() == 3
    out = capsys.readouterr().out
    assert "gb18030" in out and "3" in out
