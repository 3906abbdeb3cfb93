"""Vendors, sites, contracts and vendor staff from a table: row by row through the models' own validation.

These files hold tens or thousands of rows, not millions, so each row is built as a model instance and checked
with ``full_clean()`` (the same rules as the pages, with their translated messages); rows are matched with
existing records by their natural key (credit code, site code, contract number, username) and updated in place.
Everything runs in one transaction: a row that fails leaves nothing behind, and unless only valid rows are
wanted, one failing row leaves the whole file unimported.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from oqms.dataio import dates
from oqms.dataio.problems import Problems
from oqms.dataio.reading import FileProblem, Table
from oqms.dataio.targets import Entity, Target, targets


@dataclass
class Spec:
    model: Callable[[], type[models.Model]]
    key: str
    refs: dict[str, Callable[[], Any]] = field(default_factory=dict)  # field -> queryset of candidates
    ref_fields: dict[str, tuple[str, ...]] = field(default_factory=dict)  # field -> lookups to match on
    extra: Callable[[Any, Any], None] | None = None  # sets what the row cannot (a staff member's role...)


def _vendor() -> Any:
    from oqms.vendors.models import Vendor

    return Vendor


def _site() -> Any:
    from oqms.org.models import Site

    return Site


def _contract() -> Any:
    from oqms.contracts.models import Contract

    return Contract


def _user() -> Any:
    from oqms.accounts.models import User

    return User


def _category_qs() -> Any:
    from oqms.vendors.models import ServiceCategory

    return ServiceCategory.objects.all()


def _org_qs() -> Any:
    from oqms.org.models import OrgUnit

    return OrgUnit.objects.all()


def _calendar_qs() -> Any:
    from oqms.calendars.models import Calendar

    return Calendar.objects.all()


def _type_qs() -> Any:
    from oqms.contracts.models import ServiceType

    return ServiceType.objects.all()


def _staff_defaults(instance: Any, user: Any) -> None:
    from oqms.accounts.choices import VENDOR_ROLES, Role

    if instance.role not in VENDOR_ROLES:
        instance.role = Role.VENDOR_STAFF


SPECS: dict[str, Spec] = {
    Entity.VENDORS: Spec(
        _vendor, "credit_code", {"categories": _category_qs}, {"categories": ("code", "name")}
    ),
    Entity.SITES: Spec(
        _site,
        "code",
        {"org_unit": _org_qs, "calendar": _calendar_qs},
        {"org_unit": ("code", "name"), "calendar": ("code", "name")},
    ),
    Entity.CONTRACTS: Spec(
        _contract,
        "number",
        {
            "vendor": lambda: _vendor().objects.all(),
            "org_units": _org_qs,
            "sites": lambda: _site().objects.all(),
            "service_types": _type_qs,
        },
        {
            "vendor": ("credit_code", "name", "short_name"),
            "org_units": ("code", "name"),
            "sites": ("code", "name"),
            "service_types": ("code", "name", "name_en"),
        },
    ),
    Entity.STAFF: Spec(
        _user,
        "username",
        {"vendor": lambda: _vendor().objects.all()},
        {"vendor": ("credit_code", "name", "short_name")},
        extra=_staff_defaults,
    ),
}

TRUE = {"1", "true", "yes", "y", "是", "启用", "有效", "t", "√"}
FALSE = {"0", "false", "no", "n", "否", "停用", "无效", "f", "×"}


@dataclass
class Outcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    actions: list[str] = field(default_factory=list)


def _index(queryset: Any, lookups: tuple[str, ...]) -> dict[str, Any]:
    index: dict[str, Any] = {}
    for row in queryset.values_list("pk", *lookups):
        for value in row[1:]:
            if value:
                index.setdefault(str(value).strip().lower(), row[0])
    return index


def _choice(model_field: Any, text: str) -> str | None:
    lowered = text.strip().lower()
    for value, label in model_field.choices or []:
        if lowered == str(value).lower():
            return str(value)
        for language in ("zh-hans", "en"):
            with translation.override(language):
                if lowered == str(label).lower():
                    return str(value)
    return None


def run(
    entity: str,
    table: Table,
    mapping: dict[str, Any],
    user: Any,
    dry_run: bool,
    valid_only: bool,
    progress: Callable[[int], None] | None = None,
) -> tuple[Outcome, Problems]:
    spec = SPECS[entity]
    model = spec.model()
    fields = {t.name: t for t in targets(entity)}
    columns_of = mapping.get("columns") or {}
    values_of = mapping.get("values") or {}
    defaults = mapping.get("defaults") or {}
    order = mapping.get("date_order") or dates.DAY_FIRST
    missing = [h for cs in columns_of.values() for h in cs if h not in table.columns]
    if missing:
        raise FileProblem(
            _("The file has no column %(columns)s, which the mapping uses. Check the mapping.")
            % {"columns": ", ".join(f"“{m}”" for m in missing)},
            code="missing_columns",
        )
    for target in fields.values():
        if target.required and not columns_of.get(target.name) and not defaults.get(target.name):
            raise FileProblem(
                _("Map a column to “%(field)s”: it is required.") % {"field": target.label},
                code="missing_columns",
            )
    if not user.has_perm(f"{model._meta.app_label}.add_{model._meta.model_name}"):
        raise FileProblem(
            _("You may not create %(records)s.") % {"records": model._meta.verbose_name_plural},
            code="forbidden",
        )
    indexes = {name: _index(queryset(), spec.ref_fields[name]) for name, queryset in spec.refs.items()}
    problems = Problems(table.rows)
    outcome = Outcome()
    parsed_dates = {
        name: dates.parse(
            np.array(
                [" / ".join(table.column(h)[i] for h in columns_of[name]) for i in range(table.rows)],
                dtype=object,
            ),
            order,
            "UTC",
        )
        for name, target in fields.items()
        if target.kind == "date" and columns_of.get(name)
    }
    seen: dict[str, int] = {}
    key_target = fields[spec.key]

    def cell(name: str, index: int) -> str:
        value = " / ".join(str(table.column(h)[index]).strip() for h in columns_of.get(name) or [])
        value = values_of.get(name, {}).get(value, value)
        return "" if value in {"?", "NULL", "null"} else value

    def header(name: str) -> str:
        return " + ".join(columns_of.get(name) or []) or str(fields[name].label)

    with transaction.atomic():
        for index in range(table.rows):
            key = cell(spec.key, index) or str(defaults.get(spec.key) or "")
            if not key:
                problems.one(
                    index, header(spec.key), "", _("“%(field)s” is empty.") % {"field": key_target.label}
                )
                outcome.actions.append("")
                continue
            if key.lower() in seen:
                problems.one(
                    index,
                    header(spec.key),
                    key,
                    _("The same %(field)s appears more than once in the file (first on row %(row)d).")
                    % {"field": key_target.label, "row": seen[key.lower()] + 2},
                )
                outcome.actions.append("")
                continue
            seen[key.lower()] = index
            instance = model._default_manager.filter(**{f"{spec.key}__iexact": key}).first()
            is_new = instance is None
            if is_new:
                instance = model(**{spec.key: key})
            before = {f.attname: getattr(instance, f.attname) for f in model._meta.concrete_fields}
            many: dict[str, list[Any]] = {}
            row_ok = True
            for name, target in fields.items():
                if name == spec.key:
                    continue
                raw = cell(name, index) if columns_of.get(name) else ""
                if not raw and defaults.get(name) not in (None, ""):
                    raw = str(defaults[name])
                if not raw:
                    continue
                value, problem = _convert(model, name, target, raw, indexes, parsed_dates, index)
                if problem:
                    problems.one(index, header(name), raw, problem)
                    row_ok = False
                    continue
                if target.kind == "refs":
                    many[name] = value
                else:
                    setattr(instance, model._meta.get_field(name).attname, value)
            if spec.extra is not None:
                spec.extra(instance, user)
            if row_ok:
                try:
                    instance.full_clean(exclude=["password"] if entity == Entity.STAFF else None)
                except ValidationError as error:
                    for name, messages in error.message_dict.items():
                        column = header(name) if name in fields else name
                        for message in messages:
                            problems.one(index, column, cell(name, index) if name in fields else "", message)
                    row_ok = False
            if not row_ok:
                outcome.actions.append("")
                continue
            after = {f.attname: getattr(instance, f.attname) for f in model._meta.concrete_fields}
            changed_many = any(
                is_new or set(getattr(instance, n).values_list("pk", flat=True)) != set(v)
                for n, v in many.items()
            )
            if not is_new and after == before and not changed_many:
                outcome.unchanged += 1
                outcome.actions.append("same")
                continue
            outcome.actions.append("create" if is_new else "update")
            if is_new:
                outcome.created += 1
            else:
                outcome.updated += 1
            if dry_run or problems.count and not valid_only:
                continue
            with transaction.atomic():  # a savepoint: a row the database refuses leaves nothing
                if entity == Entity.STAFF:
                    from oqms.accounts.services import save_user

                    if is_new:
                        instance.set_unusable_password()
                    save_user(instance)
                else:
                    instance.save()
                for name, pks in many.items():
                    getattr(instance, name).set(pks)
            if progress is not None and index % 200 == 0:
                progress(index)
        if not dry_run and problems.count and not valid_only:
            transaction.set_rollback(True)
    return outcome, problems


def _convert(
    model: type[models.Model],
    name: str,
    target: Target,
    raw: str,
    indexes: dict[str, dict[str, Any]],
    parsed_dates: dict[str, Any],
    index: int,
) -> tuple[Any, str]:
    if target.kind == "ref":
        pk = indexes[name].get(raw.strip().lower())
        if pk is None:
            return None, _("No %(what)s is “%(value)s”.") % {"what": target.label, "value": raw}
        return pk, ""
    if target.kind == "refs":
        parts = [
            p.strip()
            for p in raw.replace("，", ",").replace("、", ",").replace(";", ",").split(",")
            if p.strip()
        ]
        pks = []
        for part in parts:
            pk = indexes[name].get(part.lower())
            if pk is None:
                return None, _("No %(what)s is “%(value)s”.") % {"what": target.label, "value": part}
            pks.append(pk)
        return pks, ""
    if target.kind == "choice":
        value = _choice(model._meta.get_field(name), raw)
        if value is None:
            return None, _("“%(value)s” is not one of the choices of %(field)s.") % {
                "value": raw,
                "field": target.label,
            }
        return value, ""
    if target.kind == "bool":
        lowered = raw.strip().lower()
        if lowered in TRUE:
            return True, ""
        if lowered in FALSE:
            return False, ""
        return None, _("“%(value)s” is not yes or no.") % {"value": raw}
    if target.kind == "decimal":
        try:
            return Decimal(raw.replace(",", "").replace("¥", "").replace("￥", "").strip()), ""
        except InvalidOperation:
            return None, _("“%(value)s” is not a number.") % {"value": raw}
    if target.kind == "date":
        parsed = parsed_dates[name]
        if parsed.bad[index]:
            return None, _("“%(value)s” is not a date this import can read.") % {"value": raw}
        moment = parsed.values[index]
        return (None if np.isnat(moment) else moment.astype("datetime64[D]").astype(datetime.date)), ""
    return raw, ""
