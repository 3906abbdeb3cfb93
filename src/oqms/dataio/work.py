"""Work orders from a table: the mapped columns turned into checked arrays for :func:`oqms.workorders.bulk.upsert`.

Every check is made on whole columns (the distinct values of a reference column are looked up once), so a file of
a million rows is checked in seconds. A row with a problem is named in :class:`Problems` and left out of the
arrays handed on.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from oqms.accounts.choices import VENDOR_ROLES
from oqms.accounts.models import User
from oqms.contracts.choices import ContractStatus, PauseReason, Priority
from oqms.contracts.models import Contract, ServiceType
from oqms.dataio import dates
from oqms.dataio.problems import Problems
from oqms.dataio.reading import FileProblem, Table
from oqms.dataio.targets import WORK_ORDER_TARGETS
from oqms.org.models import Site
from oqms.workorders.choices import OPEN_STATUSES, Status
from oqms.workorders.services import possible_requesters

LABELS = {t.name: t.label for t in WORK_ORDER_TARGETS}


def _label_of(choices: Any, lowered: str) -> str | None:
    """The choice whose label, in Chinese or in English, is this text (what an export from OQMS writes)."""
    from django.utils import translation

    for language in ("zh-hans", "en"):
        with translation.override(language):
            for code, label in choices:
                if lowered == str(label).lower():
                    return str(code)
    return None


EMPTY = {"", "?", "NULL", "null", "None", "N/A", "n/a", "-"}
NAT = np.datetime64("NaT", "ns")


@dataclass
class Prepared:
    columns: dict[str, np.ndarray]  # the valid rows only, ready for bulk.upsert
    rows: np.ndarray  # index in the file of each row handed on
    problems: Problems
    notes: list[str] = field(default_factory=list)
    superseded: int = 0


def _text(table: Table, headers: list[str]) -> np.ndarray:
    """One or several columns as text, several joined with " / " (empty parts left out)."""
    if not headers:
        return np.full(table.rows, "", dtype=object)
    parts = [pd.Series(table.column(h), dtype=object).fillna("").astype(str).str.strip() for h in headers]
    parts = [p.where(~p.isin(EMPTY), "") for p in parts]
    if len(parts) == 1:
        return parts[0].to_numpy(dtype=object)
    joined = parts[0]
    for part in parts[1:]:
        joined = (joined + " / " + part).str.strip(" /")
    return joined.str.replace(r"( / )+", " / ", regex=True).to_numpy(dtype=object)


def _lookup(
    values: np.ndarray, resolve: Callable[[str], Any], value_map: dict[str, str] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Resolve each distinct value once: (result per row, the distinct values and per-row inverse index)."""
    distinct, inverse = np.unique(values.astype(str), return_inverse=True)
    mapped = value_map or {}
    lowered = {k.strip().lower(): v for k, v in mapped.items()}
    results = np.empty(len(distinct), dtype=object)
    for i, value in enumerate(distinct.tolist()):
        target = mapped.get(value, lowered.get(value.strip().lower(), value))
        results[i] = resolve(target) if value != "" else None
    return results[inverse], inverse


_PRIORITY_WORDS = {
    "critical": "P1",
    "highest": "P1",
    "urgent": "P1",
    "blocker": "P1",
    "紧急": "P1",
    "特急": "P1",
    "一级": "P1",
    "high": "P2",
    "高": "P2",
    "二级": "P2",
    "major": "P2",
    "moderate": "P3",
    "medium": "P3",
    "normal": "P3",
    "中": "P3",
    "一般": "P3",
    "三级": "P3",
    "low": "P4",
    "lowest": "P4",
    "planning": "P4",
    "minor": "P4",
    "低": "P4",
    "四级": "P4",
    "trivial": "P4",
}


def priority_of(text: str) -> str | None:
    """P1-P4 from "P2", "2", "2 - High" (ServiceNow), "High" (Jira), "高" (a Chinese sheet); 5 is P4."""
    value = text.strip()
    upper = value.upper()
    if upper in Priority.values:
        return upper
    match = re.match(r"^\s*P?([1-5])\b", upper)
    if match:
        return f"P{min(int(match.group(1)), 4)}"
    lowered = value.lower()
    for word, code in _PRIORITY_WORDS.items():
        if lowered == word or lowered.startswith(word + " "):
            return code
    return _label_of(Priority.choices, lowered)


_STATUS_WORDS = {
    "new": "new",
    "open": "new",
    "to do": "new",
    "新建": "new",
    "待处理": "new",
    "待派单": "new",
    "assigned": "assigned",
    "已派单": "assigned",
    "已指派": "assigned",
    "in progress": "in_progress",
    "active": "in_progress",
    "work in progress": "in_progress",
    "处理中": "in_progress",
    "进行中": "in_progress",
    "paused": "paused",
    "on hold": "paused",
    "pending": "paused",
    "挂起": "paused",
    "暂停": "paused",
    "resolved": "resolved",
    "已解决": "resolved",
    "已完成": "resolved",
    "完成": "resolved",
    "closed": "closed",
    "done": "closed",
    "已关闭": "closed",
    "关闭": "closed",
    "已结单": "closed",
}


def status_of(text: str) -> str | None:
    lowered = " ".join(text.strip().lower().replace("_", " ").split())
    if lowered.replace(" ", "_") in Status.values:
        return lowered.replace(" ", "_")
    if lowered in _STATUS_WORDS:
        return _STATUS_WORDS[lowered]
    if lowered.startswith("awaiting") or lowered.startswith("waiting"):
        return "paused"
    return _label_of(Status.choices, lowered)


def pause_reason_of(text: str) -> str | None:
    lowered = text.strip().lower()
    if lowered in PauseReason.values:
        return lowered
    if "user" in lowered or "customer" in lowered or "caller" in lowered or "requester" in lowered:
        return PauseReason.AWAITING_REQUESTER
    if "part" in lowered or "备件" in lowered:
        return PauseReason.AWAITING_PARTS
    if "vendor" in lowered or "third" in lowered or "problem" in lowered or "第三方" in lowered:
        return PauseReason.AWAITING_THIRD_PARTY
    if "change" in lowered or "schedul" in lowered or "预约" in lowered:
        return PauseReason.SCHEDULED
    if "access" in lowered or "进场" in lowered:
        return PauseReason.ACCESS
    return _label_of(PauseReason.choices, lowered)


def _index(rows: Any) -> dict[str, int]:
    index: dict[str, int] = {}
    for row in rows:
        pk = row[0]
        for value in row[1:]:
            if value:
                index.setdefault(str(value).strip().lower(), pk)
    return index


def _default_ref(mapping: dict[str, Any], name: str, index: dict[str, int]) -> int:
    value = (mapping.get("defaults") or {}).get(name)
    if value in (None, ""):
        return 0
    if isinstance(value, int) or str(value).isdigit() and int(value) in index.values():
        return int(value)
    return index.get(str(value).strip().lower(), 0)


def prepare(
    table: Table, mapping: dict[str, Any], user: Any, now: datetime.datetime | None = None
) -> Prepared:
    now = now or timezone.now()
    size = table.rows
    problems = Problems(size)
    notes: list[str] = []
    columns_of = mapping.get("columns") or {}
    values_of = mapping.get("values") or {}
    order = mapping.get("date_order") or dates.DAY_FIRST
    zone = mapping.get("time_zone") or timezone.get_current_timezone_name()
    missing = [h for cs in columns_of.values() for h in cs if h not in table.columns]
    if missing:
        raise FileProblem(
            _("The file has no column %(columns)s, which the mapping uses. Check the mapping.")
            % {"columns": ", ".join(f"“{m}”" for m in missing)},
            code="missing_columns",
        )
    for target in WORK_ORDER_TARGETS:
        if target.required and not columns_of.get(target.name):
            raise FileProblem(
                _("Map a column to “%(field)s”: it is required.") % {"field": target.label},
                code="missing_columns",
            )

    def header(name: str) -> str:
        return " + ".join(columns_of.get(name) or []) or str(LABELS[name])

    def text(name: str) -> np.ndarray:
        return _text(table, columns_of.get(name) or [])

    # External id.
    external = text("external_id")
    problems.add(external == "", header("external_id"), None, _("The external id is empty."))
    too_long = np.array([len(v) > 64 for v in external.tolist()], bool)
    problems.add(
        too_long, header("external_id"), external, _("The external id is longer than 64 characters.")
    )

    # Contract, site, service type: a column, or one value for the whole file.
    contracts = {
        c.pk: c
        for c in Contract.objects.visible_to(user)
        .exclude(status=ContractStatus.DRAFT)
        .prefetch_related("sites", "service_types")
    }
    if not user.has_perm("workorders.add_workorder"):
        contracts = {}
    contract_index = _index((c.pk, c.number, c.title) for c in contracts.values())
    contract_ids = _reference(
        "contract",
        contract_index,
        columns_of,
        values_of,
        mapping,
        table,
        problems,
        header,
        _("No contract you may import for is numbered “%(value)s”."),
        _("Choose the contract of the file, or map a column to it."),
    )
    sites = {s.pk: s for s in Site.objects.all()}
    site_index = _index((s.pk, s.code, s.name) for s in sites.values())
    site_ids = _reference(
        "site",
        site_index,
        columns_of,
        values_of,
        mapping,
        table,
        problems,
        header,
        _("No site has the code or name “%(value)s”."),
        _("Choose the site of the file, or map a column to it."),
    )
    type_index = _index(ServiceType.objects.values_list("pk", "code", "name", "name_en"))
    type_ids = _reference(
        "service_type",
        type_index,
        columns_of,
        values_of,
        mapping,
        table,
        problems,
        header,
        _("No service type has the code or name “%(value)s”."),
        _("Choose the service type of the file, or map a column to it."),
    )

    # Priority and status.
    default_priority = (mapping.get("defaults") or {}).get("priority") or Priority.P3
    priority = np.full(size, default_priority, dtype=object)
    if columns_of.get("priority"):
        raw = text("priority")
        found, _inverse = _lookup(raw, priority_of, values_of.get("priority"))
        bad = (raw != "") & np.array([v is None for v in found.tolist()], bool)
        problems.add(bad, header("priority"), raw, _("“%(value)s” is not a priority (P1 to P4)."))
        priority = np.where(np.array([v is None for v in found.tolist()], bool), default_priority, found)
    raw_status = text("status")
    status = np.full(size, "", dtype=object)
    if columns_of.get("status"):
        found, _inverse = _lookup(raw_status, status_of, values_of.get("status"))
        unknown = (raw_status != "") & np.array([v is None for v in found.tolist()], bool)
        problems.add(unknown, header("status"), raw_status, _("“%(value)s” is not a known status."))
        status = np.where(unknown, "", np.where(found == None, "", found))  # noqa: E711 - elementwise

    # Times.
    times: dict[str, np.ndarray] = {}
    raw_times: dict[str, np.ndarray | None] = {}
    for name in ("opened_at", "responded_at", "resolved_at", "closed_at", "paused_at"):
        if not columns_of.get(name):
            times[name] = np.full(size, NAT)
            continue
        raw = text(name)
        raw_times[name] = raw
        parsed = dates.parse(raw, order, zone)
        problems.add(
            parsed.bad,
            header(name),
            raw,
            _("“%(value)s” is not a date and time this import can read."),
        )
        times[name] = parsed.values
    opened = times["opened_at"]
    problems.add(np.isnat(opened) & ~problems.bad, header("opened_at"), None, _("The opening time is empty."))
    now_ns = np.datetime64(now.astimezone(datetime.UTC).replace(tzinfo=None), "ns")
    future = np.zeros(size, bool)
    for values in times.values():
        future |= ~np.isnat(values) & (values > now_ns + np.timedelta64(5, "m"))
    problems.add(future, "", None, _("A time is in the future."))
    ancient = ~np.isnat(opened) & (opened < np.datetime64("2000-01-01", "ns"))
    problems.add(
        ancient,
        header("opened_at"),
        raw_times.get("opened_at"),
        _("The opening time is before the year 2000."),
    )
    for name, label in (
        ("responded_at", _("responded")),
        ("resolved_at", _("resolved")),
        ("closed_at", _("closed")),
    ):
        early = ~np.isnat(times[name]) & ~np.isnat(opened) & (times[name] < opened)
        problems.add(
            early,
            header(name),
            raw_times.get(name),
            _("It was %(event)s before it was opened.") % {"event": label},
        )
    early = (
        ~np.isnat(times["closed_at"])
        & ~np.isnat(times["resolved_at"])
        & (times["closed_at"] < times["resolved_at"])
    )
    problems.add(
        early, header("closed_at"), raw_times.get("closed_at"), _("It was closed before it was resolved.")
    )

    # The status follows from the times where the file has none.
    inferred = np.where(
        ~np.isnat(times["closed_at"]),
        "closed",
        np.where(
            ~np.isnat(times["resolved_at"]),
            "resolved",
            np.where(~np.isnat(times["responded_at"]), "in_progress", "new"),
        ),
    ).astype(object)
    status = np.where(status == "", inferred, status)
    # A closed ticket without a resolution time was resolved when it was closed.
    closed = status == Status.CLOSED.value
    fill = closed & np.isnat(times["resolved_at"])
    times["resolved_at"] = np.where(fill, times["closed_at"], times["resolved_at"])
    problems.add(
        closed & np.isnat(times["closed_at"]),
        header("closed_at"),
        None,
        _("The status is closed but the closing time is empty."),
    )
    resolved = status == Status.RESOLVED.value
    problems.add(
        resolved & np.isnat(times["resolved_at"]),
        header("resolved_at"),
        None,
        _("The status is resolved but the resolution time is empty."),
    )
    is_open = np.isin(status, [str(s) for s in OPEN_STATUSES])
    for name in ("resolved_at", "closed_at"):
        times[name] = np.where(is_open, NAT, times[name])  # an open ticket's old times are not its outcome
    times["closed_at"] = np.where(status == Status.RESOLVED.value, NAT, times["closed_at"])
    paused = status == Status.PAUSED.value
    times["paused_at"] = np.where(paused & np.isnat(times["paused_at"]), now_ns, times["paused_at"])
    times["paused_at"] = np.where(paused, times["paused_at"], NAT)

    reason = np.full(size, "", dtype=object)
    source = (
        "pause_reason" if columns_of.get("pause_reason") else ("status" if mapping.get("pause_from") else "")
    )
    if source:
        raw = text(source)
        found, _inverse = _lookup(raw, pause_reason_of, values_of.get("pause_reason"))
        reason = np.array(["" if v is None else v for v in found.tolist()], dtype=object)
    reason = np.where(paused, np.where(reason == "", PauseReason.OTHER.value, reason), "")

    # Contract scope: in force on the day it was opened, covering its site and service type.
    vendor_ids = np.zeros(size, np.int64)
    if contracts:
        local_days = _local_days(opened, zone)
        known = (contract_ids > 0) & ~np.isnat(opened)
        for pk, contract in contracts.items():
            rows = known & (contract_ids == pk)
            if not rows.any():
                continue
            vendor_ids[rows] = contract.vendor_id
            start = np.datetime64(contract.start_date, "D")
            end = np.datetime64(contract.end_date, "D")
            outside = rows & ((local_days < start) | (local_days > end))
            problems.add(
                outside,
                header("opened_at"),
                raw_times.get("opened_at"),
                _("It was opened outside the term of contract %(contract)s (%(start)s to %(end)s).")
                % {"contract": contract.number, "start": contract.start_date, "end": contract.end_date},
            )
            covered_sites = [s.pk for s in contract.sites.all()]
            problems.add(
                rows & (site_ids > 0) & ~np.isin(site_ids, covered_sites),
                header("site"),
                None,
                _("Contract %(contract)s does not cover this site.") % {"contract": contract.number},
            )
            covered_types = [t.pk for t in contract.service_types.all()]
            problems.add(
                rows & (type_ids > 0) & ~np.isin(type_ids, covered_types),
                header("service_type"),
                None,
                _("Contract %(contract)s does not include this service type.")
                % {"contract": contract.number},
            )

    # People: the requester (an enterprise user) and the assignee (a person of the row's vendor).
    requesters = possible_requesters()
    requester_index = _index(requesters.values_list("pk", "username", "email", "display_name"))
    default_requester = _default_ref(mapping, "requester", requester_index)
    if not default_requester and requesters.filter(pk=user.pk).exists():
        default_requester = user.pk
    requester_ids = np.full(size, default_requester, np.int64)
    unknown_requester = unknown_assignee = np.zeros(size, bool)
    if columns_of.get("requester"):
        raw = text("requester")
        found, _inverse = _lookup(
            raw, lambda v: requester_index.get(v.strip().lower()), values_of.get("requester")
        )
        hit = np.array([v is not None for v in found.tolist()], bool)
        requester_ids = np.where(hit, np.array([v or 0 for v in found.tolist()], np.int64), default_requester)
        unknown_requester = (raw != "") & ~hit
    problems.add(
        requester_ids == 0,
        header("requester"),
        None,
        _("No requester: choose a default requester for the file."),
    )
    assignee_ids = np.zeros(size, np.int64)
    if columns_of.get("assignee"):
        raw = text("assignee")
        staff = User.objects.filter(role__in=VENDOR_ROLES, is_active=True).filter(
            Q(vendor_id__in=set(vendor_ids.tolist()))
        )
        by_vendor: dict[tuple[int, str], int] = {}
        for pk, vendor_id, *names in staff.values_list(
            "pk", "vendor_id", "username", "email", "display_name"
        ):
            for name in names:
                if name:
                    by_vendor.setdefault((vendor_id, name.strip().lower()), pk)
        lowered = np.array([v.lower() for v in raw.tolist()], dtype=object)
        assignee_ids = np.array(
            [
                by_vendor.get((v, n), 0) if n else 0
                for v, n in zip(vendor_ids.tolist(), lowered.tolist(), strict=True)
            ],
            np.int64,
        )
        unknown_assignee = (raw != "") & (assignee_ids == 0)
    needs_assignee = np.isin(status, ["assigned", "in_progress", "paused"])
    # Without a known person, an assigned ticket stays "assigned" to the vendor as a whole: new in OQMS terms.
    status = np.where(needs_assignee & (assignee_ids == 0) & (status == "assigned"), "new", status)

    rating = np.zeros(size, np.int64)
    if columns_of.get("rating"):
        raw = text("rating")
        numbers = pd.to_numeric(pd.Series(raw), errors="coerce").to_numpy()
        bad = (raw != "") & ~((numbers >= 1) & (numbers <= 5) & (numbers == np.floor(numbers)))
        problems.add(bad, header("rating"), raw, _("“%(value)s” is not a rating from 1 to 5."))
        rating = np.where(bad | (raw == ""), 0, np.nan_to_num(numbers)).astype(np.int64)
        rating = np.where(status == Status.CLOSED.value, rating, 0)

    title = text("title")
    fallback = (
        np.array([_("Ticket %(number)s") % {"number": e} for e in external.tolist()], dtype=object)
        if (title == "").any()
        else title
    )
    title = np.where(title == "", fallback, title)
    long_titles = np.array([len(v) > 200 for v in title.tolist()], bool)
    if long_titles.any():
        title = np.array([v if len(v) <= 200 else v[:199] + "\u2026" for v in title.tolist()], dtype=object)
        notes.append(
            _(
                "%(count)d titles were longer than 200 characters and were shortened; the full text is "
                "kept in the description."
            )
            % {"count": int(long_titles.sum())}
        )
    description = text("description")
    if long_titles.any():
        full = _text(table, columns_of.get("title") or [])
        description = np.where(long_titles & (description == ""), full, description)

    columns = {
        "external_id": external,
        "contract_id": contract_ids,
        "vendor_id": vendor_ids,
        "site_id": site_ids,
        "service_type_id": type_ids,
        "requester_id": requester_ids,
        "assignee_id": assignee_ids,
        "priority": priority.astype(object),
        "status": status.astype(object),
        "pause_reason": reason.astype(object),
        "title": title,
        "description": description,
        "resolution_note": text("resolution_note"),
        "rating": rating,
        **times,
    }

    # The same ticket twice in the file.
    superseded = 0
    keys = pd.Series(vendor_ids.astype(str)).str.cat(pd.Series(external), sep="\u241f")
    valid = ~problems.bad & (external != "")
    duplicated = keys.duplicated(keep=False).to_numpy() & (external != "")
    if duplicated.any():
        if mapping.get("duplicates") == "last":
            earlier = keys.duplicated(keep="last").to_numpy() & (external != "")
            superseded = int(earlier.sum())
            problems.drop(earlier)  # an earlier state of a ticket is not imported: its problems don't count
            notes.append(
                _(
                    "%(count)d rows were earlier states of a ticket that appears again further down: "
                    "the last row of each ticket was imported."
                )
                % {"count": superseded}
            )
            valid &= ~earlier
        else:
            first_rows = pd.Series(np.arange(size) + 2).groupby(keys.to_numpy()).transform("min").to_numpy()
            for index in np.flatnonzero(duplicated).tolist():
                problems.one(
                    index,
                    header("external_id"),
                    str(external[index]),
                    _("The external id appears more than once in the file (first on row %(row)d).")
                    % {"row": int(first_rows[index])},
                )
            valid &= ~duplicated
    valid &= ~problems.bad
    if default_requester and (unknown_requester & valid).any():
        notes.append(
            _(
                "%(count)d rows name a requester who is not a user here: the default requester is recorded instead."
            )
            % {"count": int((unknown_requester & valid).sum())}
        )
    if (unknown_assignee & valid).any():
        notes.append(
            _(
                "%(count)d rows name an assignee who is not a person of the vendor here: they are imported unassigned."
            )
            % {"count": int((unknown_assignee & valid).sum())}
        )
    rows = np.flatnonzero(valid)
    return Prepared({k: v[rows] for k, v in columns.items()}, rows, problems, notes, superseded)


def _local_days(opened: np.ndarray, zone: str) -> np.ndarray:
    series = pd.Series(opened).dt.tz_localize("UTC").dt.tz_convert(zone).dt.tz_localize(None)
    return series.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")


def _reference(
    name: str,
    index: dict[str, int],
    columns_of: dict[str, list[str]],
    values_of: dict[str, dict[str, str]],
    mapping: dict[str, Any],
    table: Table,
    problems: Problems,
    header: Callable[[str], str],
    unknown_message: str,
    missing_message: str,
) -> np.ndarray:
    size = table.rows
    default = _default_ref(mapping, name, index)
    ids = np.full(size, default, np.int64)
    if columns_of.get(name):
        raw = _text(table, columns_of[name])
        found, _inverse = _lookup(raw, lambda v: index.get(v.strip().lower()), values_of.get(name))
        hit = np.array([v is not None for v in found.tolist()], bool)
        ids = np.where(hit, np.array([v or 0 for v in found.tolist()], np.int64), default)
        problems.add((raw != "") & ~hit, header(name), raw, unknown_message)
    if not columns_of.get(name) and not default:
        raise FileProblem(missing_message, code="missing_default")
    problems.add((ids == 0) & ~problems.bad, header(name), None, missing_message)
    return ids
