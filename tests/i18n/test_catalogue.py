"""The Simplified Chinese catalogue: complete, well-formed, compiled, and actually used by the pages.

The UI defaults to 简体中文 (``LANGUAGE_CODE = "zh-hans"``) with English available. The compiled ``.mo`` is
committed because a fresh machine has no GNU gettext, so these tests also check it matches the ``.po``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import polib
import pytest
from django.urls import reverse
from django.utils import translation

import oqms

LC_MESSAGES = Path(oqms.__file__).resolve().parent / "locale" / "zh_Hans" / "LC_MESSAGES"
PO_PATH = LC_MESSAGES / "django.po"
MO_PATH = LC_MESSAGES / "django.mo"

# printf-style placeholders: %(name)s, %(size).1f, %(limit)d ... (a literal %% is not a placeholder).
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa]")
CJK = re.compile(r"[\u3400-\u9fff]")
# Translations rightly the same in Chinese as in English: abbreviations used as is in China, the product name.
NOT_CHINESE = {"SLA", "OQMS"}


@pytest.fixture(scope="module")
def po() -> polib.POFile:
    return polib.pofile(str(PO_PATH))


def entries(po: polib.POFile) -> list[polib.POEntry]:
    return [e for e in po if not e.obsolete]


def translations(entry: polib.POEntry) -> list[str]:
    if entry.msgid_plural:
        return [entry.msgstr_plural[k] for k in sorted(entry.msgstr_plural)]
    return [entry.msgstr]


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text.replace("%%", "")))


# --- (a) complete, no fuzzy ------------------------------------------------------------------------------


def test_header(po: polib.POFile) -> None:
    assert po.metadata["Language"] == "zh_Hans"
    assert "charset=UTF-8" in po.metadata["Content-Type"]
    assert po.metadata["Plural-Forms"].replace(" ", "") == "nplurals=1;plural=0;"
    assert not po.metadata_is_fuzzy


def test_every_entry_is_translated_and_none_is_fuzzy(po: polib.POFile) -> None:
    assert len(entries(po)) > 300
    assert po.untranslated_entries() == []
    assert po.fuzzy_entries() == []
    for entry in entries(po):
        if entry.msgid_plural:
            # Chinese has one plural form: exactly msgstr[0], filled.
            assert list(entry.msgstr_plural) == [0], entry.msgid
        assert all(t.strip() for t in translations(entry)), entry.msgid


def test_translations_are_chinese(po: polib.POFile) -> None:
    """Guards against an English msgid copied into msgstr by mistake."""
    english = []
    for entry in entries(po):
        if not re.search(r"[A-Za-z]", PLACEHOLDER.sub("", entry.msgid)):
            continue  # only placeholders and punctuation, e.g. "%(number)s: %(action)s"
        english += [t for t in translations(entry) if not CJK.search(t) and t not in NOT_CHINESE]
    assert english == []


# --- (b) placeholders and markup preserved ---------------------------------------------------------------


def test_placeholders_are_preserved(po: polib.POFile) -> None:
    problems = []
    for entry in entries(po):
        wanted = placeholders(entry.msgid)
        if entry.msgid_plural:
            wanted |= placeholders(entry.msgid_plural)
        for text in translations(entry):
            if placeholders(text) != wanted:
                problems.append((entry.msgid, text))
        if wanted and "python-format" not in entry.flags:
            problems.append((entry.msgid, "missing python-format flag"))
    assert problems == []


def test_html_tags_are_preserved(po: polib.POFile) -> None:
    tag = re.compile(r"</?[a-zA-Z][^>]*>")
    for entry in entries(po):
        for text in translations(entry):
            assert sorted(tag.findall(text)) == sorted(tag.findall(entry.msgid)), entry.msgid


def test_translations_format_without_error(po: polib.POFile) -> None:
    # Placeholders as Python will apply them: formatting each translation must not raise.
    for entry in entries(po):
        if "python-format" not in entry.flags:
            continue
        names = {m.group(1) for m in re.finditer(r"%\((\w+)\)", entry.msgid)}
        values: dict[str, Any] = dict.fromkeys(names, 1)
        for text in translations(entry):
            text % values  # noqa: B018 - raises on a broken placeholder


# --- (c) the committed .mo matches the .po ---------------------------------------------------------------


def catalogue_map(catalogue: Any) -> dict[tuple[str | None, str], Any]:
    result: dict[tuple[str | None, str], Any] = {}
    for entry in catalogue:
        if entry.obsolete or not entry.msgid or "fuzzy" in entry.flags:
            continue
        if entry.msgid_plural:
            value: Any = (
                entry.msgid_plural,
                tuple(entry.msgstr_plural[k] for k in sorted(entry.msgstr_plural)),
            )
        else:
            value = entry.msgstr
        result[(entry.msgctxt, entry.msgid)] = value
    return result


def test_mo_is_in_sync_with_po(po: polib.POFile) -> None:
    assert MO_PATH.exists(), "run: python -m django compilemessages -l zh_Hans (from src/oqms)"
    mo = polib.mofile(str(MO_PATH))
    assert catalogue_map(mo) == catalogue_map(po), "the .mo is stale: recompile it"


def test_django_loads_the_catalogue() -> None:
    with translation.override("zh-hans"):
        assert translation.gettext("Work orders") == "工单"
        assert translation.ngettext("%(counter)s record", "%(counter)s records", 3) % {"counter": 3} == (
            "共 3 条记录"
        )
    with translation.override("en"):
        assert translation.gettext("Work orders") == "Work orders"


# --- (d) pages speak Chinese by default, English on request ----------------------------------------------


@pytest.mark.django_db
def test_login_page_is_chinese_by_default(client: Any) -> None:
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "登录" in body
    assert '<html lang="zh-hans">' in body
    assert "Sign in" not in body


@pytest.mark.django_db
def test_login_page_in_english_with_the_language_cookie(client: Any) -> None:
    client.cookies["oqms_language"] = "en"
    response = client.get(reverse("accounts:login"))
    body = response.content.decode()
    assert "Sign in" in body
    assert "登录" not in body


def test_home_page_of_the_quality_manager_is_chinese(cast: Any, login: Any) -> None:
    response = login(cast.qm).get(reverse("home"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "各服务商未关闭工单" in body  # the h1
    assert "工单" in body and "服务商" in body  # the menu
    assert "Open work orders by vendor" not in body


def test_list_page_is_chinese(cast: Any, login: Any) -> None:
    body = login(cast.qm).get(reverse("vendors:vendor_list")).content.decode()
    assert "统一社会信用代码" in body  # a column header from the model's verbose name
    assert "导出 Excel" in body


# --- (e) form errors are translated ----------------------------------------------------------------------


def test_vendor_form_error_is_chinese(cast: Any, login: Any) -> None:
    data = {
        "name": "丙服务有限公司",
        "short_name": "丙服务",
        "credit_code": "91350100M0001",
        "categories": [cast.category.pk],
        "status": "prospect",
    }
    response = login(cast.qm).post(reverse("vendors:vendor_create"), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "统一社会信用代码必须为 18 位。" in body
    assert "请更正以下错误。" in body


# --- (f) the catalogue covers each app -------------------------------------------------------------------

KNOWN = {
    # msgid: expected translation (the project glossary)
    "Work orders": "工单",
    "Vendors": "服务商",
    "unified social credit code": "统一社会信用代码",
    "Raise a work order": "提交工单",
    "Open work orders by vendor": "各服务商未关闭工单",
    "Quality manager": "质量经理",
    "Business requester": "业务部门需求人",
    "Vendor manager": "服务商负责人",
    "Vendor staff": "外包人员",
    "Inspector": "检查员",
    "Third-party assessor": "第三方评估机构",
    "Administrator": "系统管理员",
    "organisation unit": "组织单元",
    "site": "站点",
    "service category": "服务类别",
    "service type": "服务类型",
    "Service catalogue": "服务目录",
    "qualification document": "资质证书",
    "Audit trail": "审计日志",
    "P1 critical": "P1 紧急",
    "P2 high": "P2 高",
    "P3 medium": "P3 中",
    "P4 low": "P4 低",
    "Paused": "暂停",
    "Reopened": "重新打开",
    "rating": "评分",
    "monthly fee (CNY)": "月服务费（元）",
    "contract": "合同",
    "work order": "工单",
    "Sign in": "登录",
}


def test_known_msgids_are_translated_with_the_glossary(po: polib.POFile) -> None:
    by_id = {e.msgid: e for e in entries(po)}
    missing = [msgid for msgid in KNOWN if msgid not in by_id]
    assert missing == [], "run makemessages -l zh_Hans and translate"
    wrong = {msgid: by_id[msgid].msgstr for msgid, want in KNOWN.items() if by_id[msgid].msgstr != want}
    assert wrong == {}


def test_each_app_has_strings_in_the_catalogue(po: polib.POFile) -> None:
    sources = {path.split("/")[0] for e in entries(po) for path, _line in e.occurrences}
    assert {"accounts", "contracts", "core", "org", "vendors", "workorders", "templates"} <= sources
