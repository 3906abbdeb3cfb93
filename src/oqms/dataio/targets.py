"""What can be imported, field by field: labels, whether a column is required, the header names that map to a
field without asking (Chinese and English, and those of ServiceNow and Jira exports), and the ready mappings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _


class Entity:
    WORK_ORDERS = "workorders"
    VENDORS = "vendors"
    SITES = "sites"
    CONTRACTS = "contracts"
    STAFF = "staff"

    choices = [
        (WORK_ORDERS, _("Work orders")),
        (VENDORS, _("Vendors")),
        (SITES, _("Sites")),
        (CONTRACTS, _("Contracts")),
        (STAFF, _("Vendor staff")),
    ]


@dataclass(frozen=True)
class Target:
    name: str
    label: Any
    required: bool = False
    kind: str = (
        "text"  # text, datetime, date, choice, ref, refs (several, comma separated), int, decimal, bool
    )
    synonyms: tuple[str, ...] = ()
    joinable: bool = False  # several columns may be joined into it
    fixed: bool = False  # a value chosen on the import page may stand for the whole file
    help: Any = ""


WORK_ORDER_TARGETS = [
    Target(
        "external_id",
        _("External id"),
        required=True,
        synonyms=(
            "number",
            "issue key",
            "key",
            "ticket",
            "ticket id",
            "外部编号",
            "external id",
            "工单号",
            "unique key",
            "incident number",
            "id",
        ),
        help=_("The ticket's number in the source system: importing again updates the same work order."),
    ),
    Target(
        "title",
        _("Title"),
        joinable=True,
        synonyms=(
            "title",
            "summary",
            "short_description",
            "short description",
            "标题",
            "摘要",
            "主题",
            "complaint type",
        ),
    ),
    Target(
        "description",
        _("Description"),
        joinable=True,
        synonyms=("description", "描述", "详细描述", "descriptor", "问题描述"),
    ),
    Target(
        "contract",
        _("Contract"),
        kind="ref",
        fixed=True,
        synonyms=("contract", "contract number", "合同", "合同编号"),
    ),
    Target("site", _("Site"), kind="ref", fixed=True, synonyms=("site", "location", "站点", "地点", "场所")),
    Target(
        "service_type",
        _("Service type"),
        kind="ref",
        fixed=True,
        synonyms=("service type", "service_type", "服务类型", "category", "request type", "issue type"),
    ),
    Target("priority", _("Priority"), kind="choice", fixed=True, synonyms=("priority", "优先级", "紧急程度")),
    Target(
        "status",
        _("Status"),
        kind="choice",
        synonyms=("status", "state", "incident_state", "状态", "incident state"),
        help=_("When not mapped, the status follows from the times: closed, resolved, in progress or new."),
    ),
    Target(
        "pause_reason", _("Pause reason"), kind="choice", synonyms=("pause reason", "暂停原因", "hold reason")
    ),
    Target(
        "opened_at",
        _("Opened at"),
        required=True,
        kind="datetime",
        synonyms=(
            "opened_at",
            "opened",
            "created",
            "created date",
            "created_at",
            "sys_created_on",
            "报修时间",
            "创建时间",
            "开单时间",
            "opened at",
        ),
    ),
    Target(
        "responded_at",
        _("Responded at"),
        kind="datetime",
        synonyms=("responded_at", "responded at", "first response", "响应时间", "开始处理时间"),
    ),
    Target(
        "resolved_at",
        _("Resolved at"),
        kind="datetime",
        synonyms=("resolved_at", "resolved", "resolved at", "resolution date", "解决时间", "完成时间"),
    ),
    Target(
        "closed_at",
        _("Closed at"),
        kind="datetime",
        synonyms=("closed_at", "closed", "closed date", "closed at", "关闭时间", "结单时间"),
    ),
    Target(
        "paused_at", _("Paused since"), kind="datetime", synonyms=("paused_at", "paused since", "暂停时间")
    ),
    Target(
        "requester",
        _("Requester"),
        kind="ref",
        fixed=True,
        synonyms=("requester", "caller_id", "caller", "reporter", "报修人", "申请人", "提出人"),
    ),
    Target(
        "assignee",
        _("Assigned to"),
        kind="ref",
        synonyms=("assignee", "assigned_to", "assigned to", "处理人", "负责人", "指派给"),
    ),
    Target(
        "resolution_note",
        _("Resolution"),
        joinable=True,
        synonyms=(
            "resolution",
            "resolution_note",
            "close notes",
            "resolution description",
            "解决方案",
            "处理结果",
        ),
    ),
    Target("rating", _("Rating (1-5)"), kind="int", synonyms=("rating", "satisfaction", "评分", "满意度")),
]

VENDOR_TARGETS = [
    Target(
        "credit_code",
        _("Unified social credit code"),
        required=True,
        synonyms=("credit_code", "credit code", "统一社会信用代码", "信用代码"),
    ),
    Target("name", _("Name"), required=True, synonyms=("name", "vendor", "名称", "供应商名称", "公司名称")),
    Target("short_name", _("Short name"), synonyms=("short name", "short_name", "简称")),
    Target("status", _("Status"), kind="choice", synonyms=("status", "状态")),
    Target("categories", _("Service categories"), kind="refs", synonyms=("categories", "服务类别")),
    Target("address", _("Address"), synonyms=("address", "地址")),
    Target("website", _("Website"), synonyms=("website", "网站")),
    Target("description", _("Description"), synonyms=("description", "描述", "简介")),
]

SITE_TARGETS = [
    Target("code", _("Code"), required=True, synonyms=("code", "site code", "编码", "站点编码")),
    Target("name", _("Name"), required=True, synonyms=("name", "site", "名称", "站点名称")),
    Target(
        "org_unit",
        _("Organisation unit"),
        kind="ref",
        fixed=True,
        synonyms=("org unit", "org_unit", "organisation unit", "部门", "组织"),
    ),
    Target("city", _("City"), synonyms=("city", "城市")),
    Target("address", _("Address"), required=True, synonyms=("address", "地址")),
    Target("time_zone", _("Time zone"), synonyms=("time zone", "time_zone", "时区")),
    Target("calendar", _("Business calendar"), kind="ref", synonyms=("calendar", "工作日历", "日历")),
    Target("is_active", _("Active"), kind="bool", synonyms=("active", "is_active", "启用")),
]

CONTRACT_TARGETS = [
    Target("number", _("Contract number"), required=True, synonyms=("number", "contract number", "合同编号")),
    Target("vendor", _("Vendor"), required=True, kind="ref", fixed=True, synonyms=("vendor", "供应商")),
    Target("title", _("Title"), required=True, synonyms=("title", "name", "合同名称", "标题")),
    Target(
        "start_date",
        _("Start date"),
        required=True,
        kind="date",
        synonyms=("start date", "start_date", "开始日期"),
    ),
    Target(
        "end_date", _("End date"), required=True, kind="date", synonyms=("end date", "end_date", "结束日期")
    ),
    Target(
        "monthly_fee",
        _("Monthly fee"),
        required=True,
        kind="decimal",
        synonyms=("monthly fee", "monthly_fee", "月服务费", "月费用"),
    ),
    Target("status", _("Status"), kind="choice", synonyms=("status", "状态")),
    Target("org_units", _("Organisation units"), kind="refs", synonyms=("org units", "部门", "组织")),
    Target("sites", _("Sites"), kind="refs", synonyms=("sites", "站点")),
    Target("service_types", _("Service types"), kind="refs", synonyms=("service types", "服务类型")),
    Target("description", _("Scope and delivery standards"), synonyms=("description", "服务范围")),
]

STAFF_TARGETS = [
    Target("username", _("Username"), required=True, synonyms=("username", "login", "用户名", "账号")),
    Target("display_name", _("Display name"), synonyms=("display name", "display_name", "name", "姓名")),
    Target("vendor", _("Vendor"), required=True, kind="ref", fixed=True, synonyms=("vendor", "供应商")),
    Target("role", _("Role"), kind="choice", synonyms=("role", "角色")),
    Target("phone", _("Phone"), synonyms=("phone", "mobile", "手机", "电话")),
    Target("email", _("E-mail"), synonyms=("email", "e-mail", "邮箱")),
]

TARGETS = {
    Entity.WORK_ORDERS: WORK_ORDER_TARGETS,
    Entity.VENDORS: VENDOR_TARGETS,
    Entity.SITES: SITE_TARGETS,
    Entity.CONTRACTS: CONTRACT_TARGETS,
    Entity.STAFF: STAFF_TARGETS,
}


def targets(entity: str) -> list[Target]:
    return TARGETS[entity]


# --- ready mappings ---------------------------------------------------------------------------------
# A preset names, for each field, the export's columns (the first of the alternatives present is taken), the
# values of its choice columns, and the options its exports need.

PRESETS: dict[str, dict[str, Any]] = {
    "servicenow": {
        "label": _("ServiceNow incident export"),
        "entity": Entity.WORK_ORDERS,
        # ServiceNow's own column names, underscores and all; and one that only its exports have.
        "detect": ("number", "opened_at", "priority"),
        "detect_any": ("incident_state", "assignment_group", "sys_updated_on", "sys_id", "caller_id"),
        "columns": {
            "external_id": [["number"]],
            "title": [["short_description"], ["category", "subcategory", "u_symptom"]],
            "description": [["description"]],
            "priority": [["priority"]],
            "status": [["incident_state"], ["state"]],
            "opened_at": [["opened_at"]],
            "resolved_at": [["resolved_at"]],
            "closed_at": [["closed_at"]],
            "requester": [["caller_id"]],
            "assignee": [["assigned_to"]],
            "resolution_note": [["close_notes"]],
        },
        "values": {
            "status": {
                "New": "new",
                "Active": "in_progress",
                "In Progress": "in_progress",
                "Awaiting User Info": "paused",
                "Awaiting Evidence": "paused",
                "Awaiting Problem": "paused",
                "Awaiting Vendor": "paused",
                "Awaiting Change": "paused",
                "On Hold": "paused",
                "Resolved": "resolved",
                "Closed": "closed",
                "Canceled": "closed",
                "Cancelled": "closed",
            },
            "pause_reason": {
                "Awaiting User Info": "awaiting_requester",
                "Awaiting Evidence": "awaiting_requester",
                "Awaiting Problem": "awaiting_third_party",
                "Awaiting Vendor": "awaiting_third_party",
                "Awaiting Change": "scheduled",
                "On Hold": "other",
            },
        },
        # The audit-log export has one row per change of an incident: its last row is its state now.
        "options": {"date_order": "dmy", "duplicates": "last", "pause_from": "status"},
    },
    "jira": {
        "label": _("Jira Service Management export"),
        "entity": Entity.WORK_ORDERS,
        "detect": ("issue key", "summary", "created"),
        "detect_any": ("issue id", "issue type", "status", "reporter"),
        "columns": {
            "external_id": [["Issue key"]],
            "title": [["Summary"]],
            "description": [["Description"]],
            "priority": [["Priority"]],
            "status": [["Status"]],
            "opened_at": [["Created"]],
            "resolved_at": [["Resolved"]],
            "requester": [["Reporter"]],
            "assignee": [["Assignee"]],
            "resolution_note": [["Resolution"]],
        },
        "values": {
            "status": {
                "Open": "new",
                "To Do": "new",
                "Waiting for support": "new",
                "In Progress": "in_progress",
                "Work in progress": "in_progress",
                "Waiting for customer": "paused",
                "Pending": "paused",
                "Escalated": "in_progress",
                "Resolved": "resolved",
                "Done": "closed",
                "Closed": "closed",
                "Canceled": "closed",
            },
            "pause_reason": {"Waiting for customer": "awaiting_requester", "Pending": "awaiting_third_party"},
        },
        "options": {"date_order": "dmy", "duplicates": "error", "pause_from": "status"},
    },
}


def _norm(text: str) -> str:
    return " ".join(text.strip().lower().replace("_", " ").split())


def detect_preset(headers: list[str]) -> str | None:
    present = {h.strip().lower() for h in headers}
    for key, preset in PRESETS.items():
        if all(h in present for h in preset["detect"]) and any(h in present for h in preset["detect_any"]):
            return key
    return None


def preset_mapping(key: str, headers: list[str]) -> dict[str, Any]:
    """A preset made concrete for these headers: each field gets the first alternative whose columns exist."""
    preset = PRESETS[key]
    by_norm = {_norm(h): h for h in headers}
    columns: dict[str, list[str]] = {}
    for name, alternatives in preset["columns"].items():
        for alternative in alternatives:
            found = [by_norm.get(_norm(h)) for h in alternative]
            if all(found):
                columns[name] = [f for f in found if f]
                break
    return {
        "preset": key,
        "columns": columns,
        "values": {k: dict(v) for k, v in preset["values"].items()},
        "defaults": {},
        **preset["options"],
    }


def suggest(entity: str, headers: list[str], labels: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """A first mapping for a file: a ready preset when the headers are one's, else header names matched to the
    fields' synonyms and labels (so a file exported from OQMS maps back by its own headers)."""
    if entity == Entity.WORK_ORDERS:
        preset = detect_preset(headers)
        if preset:
            return preset_mapping(preset, headers)
    by_norm = {_norm(h): h for h in headers}
    columns: dict[str, list[str]] = {}
    for target in targets(entity):
        names = [*(labels or {}).get(target.name, []), *target.synonyms]
        for name in names:
            header = by_norm.get(_norm(str(name)))
            if header and header not in {c for cs in columns.values() for c in cs}:
                columns[target.name] = [header]
                break
    return {
        "preset": "",
        "columns": columns,
        "values": {},
        "defaults": {},
        "date_order": "dmy",
        "duplicates": "error",
    }
