"""Bad vendor input: clear field errors (400, never 500) on the pages and the API, and nothing written."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from oqms.core.models import AuditEntry
from oqms.engine.identifiers import uscc_check_character
from oqms.vendors.models import QualificationDocument, Vendor, VendorContact
from tests.core.helpers import api_client, has_chinese, page_client, upload

PREFIX = "91330100MA2H00000"
GOOD = PREFIX + uscc_check_character(PREFIX)
WRONG_CHECK = PREFIX + next(c for c in "0123456789ABC" if c != GOOD[-1])

MESSAGES = {
    "length": "A unified social credit code has exactly 18 characters.",
    "characters": "A unified social credit code uses digits and the capital letters A-Y except I, O, S, V and Z, "
    "with digits in positions 3 to 8.",
    "check": "The check character (the 18th) does not match: the code has a typing error.",
}
BAD_CODES = [
    ("9133010", "length"),
    (GOOD + "0", "length"),
    (GOOD[:5] + "O" + GOOD[6:], "characters"),  # letter O in the division code
    (GOOD[:10] + "I" + GOOD[11:], "characters"),
    (GOOD[:-1] + "Z", "characters"),
    (WRONG_CHECK, "check"),
]


def _assert_code_errors(errors: list[str], code: str, reason: str) -> None:
    if len(code) > 18:  # the field's own max-length message may come along; both name the 18 characters
        assert errors and all("18" in e for e in errors), errors
    else:
        assert errors == [MESSAGES[reason]]


def _counts() -> tuple[int, int]:
    return Vendor.objects.count(), AuditEntry.objects.count()


def _form(cast: Any, **overrides: Any) -> dict[str, Any]:
    return {
        "name": "庚服务有限公司",
        "short_name": "庚",
        "credit_code": GOOD,
        "categories": [cast.category.pk],
        "status": "prospect",
    } | overrides


@pytest.mark.parametrize(("code", "reason"), BAD_CODES)
def test_invalid_credit_code_on_the_page(cast: Any, code: str, reason: str) -> None:
    before = _counts()
    response = page_client(cast.qm).post(reverse("vendors:vendor_create"), _form(cast, credit_code=code))
    assert response.status_code == 400
    _assert_code_errors(response.context["form"].errors["credit_code"], code, reason)
    assert _counts() == before


@pytest.mark.parametrize(("code", "reason"), BAD_CODES)
def test_invalid_credit_code_through_the_api(cast: Any, code: str, reason: str) -> None:
    before = _counts()
    body = {"name": "庚服务有限公司", "credit_code": code, "categories": [cast.category.pk]}
    response = api_client(cast.qm).post("/api/vendors/", body, format="json")
    assert response.status_code == 400
    _assert_code_errors(response.json()["credit_code"], code, reason)
    assert _counts() == before


def test_invalid_credit_code_on_update_keeps_the_old_one(cast: Any) -> None:
    response = api_client(cast.qm).patch(
        f"/api/vendors/{cast.vendor_a.pk}/", {"credit_code": WRONG_CHECK}, format="json"
    )
    assert response.status_code == 400 and "credit_code" in response.json()
    cast.vendor_a.refresh_from_db()
    assert cast.vendor_a.credit_code == "91350100M000100Y43"


def test_credit_code_message_is_chinese_for_chinese_users(cast: Any) -> None:
    body = {"name": "庚", "credit_code": WRONG_CHECK, "categories": [cast.category.pk]}
    response = api_client(cast.qm, "zh-hans").post("/api/vendors/", body, format="json")
    assert has_chinese(response.json()["credit_code"][0])
    client = page_client(cast.qm, "en")
    client.cookies["oqms_language"] = "zh-hans"
    response = client.post(reverse("vendors:vendor_create"), _form(cast, credit_code=WRONG_CHECK))
    assert has_chinese(response.context["form"].errors["credit_code"][0])


@pytest.mark.parametrize("variant", [lambda c: c, lambda c: c.lower(), lambda c: f" {c} "])
def test_duplicate_credit_code_on_the_page(cast: Any, variant: Any) -> None:
    before = _counts()
    response = page_client(cast.qm).post(
        reverse("vendors:vendor_create"), _form(cast, credit_code=variant(cast.vendor_a.credit_code))
    )
    assert response.status_code == 400
    assert "credit_code" in response.context["form"].errors
    assert _counts() == before


def test_duplicate_credit_code_and_name_through_the_api(cast: Any) -> None:
    before = _counts()
    body = {
        "name": cast.vendor_b.name,
        "credit_code": cast.vendor_a.credit_code,
        "categories": [cast.category.pk],
    }
    response = api_client(cast.qm).post("/api/vendors/", body, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"name", "credit_code"}
    assert _counts() == before


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": ""}, "name"),
        ({"categories": []}, "categories"),
        ({"status": "bankrupt"}, "status"),
        ({"website": "not a url"}, "website"),
        ({"categories": [987654]}, "categories"),
        ({"name": "x" * 201}, "name"),
    ],
)
def test_other_vendor_field_errors(cast: Any, overrides: dict[str, Any], field: str) -> None:
    before = _counts()
    response = page_client(cast.qm).post(reverse("vendors:vendor_create"), _form(cast, **overrides))
    assert response.status_code == 400 and field in response.context["form"].errors
    response = api_client(cast.qm).post("/api/vendors/", _form(cast, **overrides), format="json")
    assert response.status_code == 400 and field in response.json()
    assert _counts() == before


def test_non_json_body_is_a_400(cast: Any) -> None:
    response = api_client(cast.qm).post("/api/vendors/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert Vendor.objects.count() == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "zhang@"}, "email"),
        ({"name": ""}, "name"),
        ({"vendor": 987654}, "vendor"),
        ({"phone": "1" * 40}, "phone"),
    ],
)
def test_contact_field_errors(cast: Any, body: dict[str, Any], field: str) -> None:
    entries = AuditEntry.objects.count()
    payload = {"vendor": cast.vendor_a.pk, "name": "张三"} | body
    response = api_client(cast.manager_a).post("/api/vendor-contacts/", payload, format="json")
    assert response.status_code == 400 and field in response.json()
    response = page_client(cast.manager_a).post(reverse("vendors:vendorcontact_create"), payload)
    assert response.status_code == 400 and field in response.context["form"].errors
    assert VendorContact.objects.count() == 0 and AuditEntry.objects.count() == entries


def test_document_validity_must_not_end_before_it_starts(cast: Any) -> None:
    payload = {
        "vendor": cast.vendor_a.pk,
        "doc_type": "iso9001",
        "number": "Q-1",
        "issuer": "CQC",
        "valid_from": "2026-06-01",
        "valid_to": "2026-05-31",
    }
    response = api_client(cast.manager_a, "en").post("/api/qualification-documents/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["valid_to"] == ["The end of validity must not be before its start."]
    response = page_client(cast.manager_a).post(reverse("vendors:qualificationdocument_create"), payload)
    assert response.status_code == 400 and "valid_to" in response.context["form"].errors
    response = api_client(cast.manager_a).patch(
        "/api/qualification-documents/1/", {"valid_to": "2000-01-01"}, format="json"
    )
    assert response.status_code == 404
    assert QualificationDocument.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "content"),
    [("licence.pdf", b"MZ\x90\x00 an executable"), ("licence.docx", b"%PDF-1.4 renamed")],
    ids=["exe-named-pdf", "pdf-named-docx"],
)
def test_document_file_of_the_wrong_type(cast: Any, name: str, content: bytes) -> None:
    payload = {
        "vendor": cast.vendor_a.pk,
        "doc_type": "business_licence",
        "number": "BL-9",
        "issuer": "市场监管局",
        "valid_from": "2026-01-01",
    }
    response = page_client(cast.manager_a).post(
        reverse("vendors:qualificationdocument_create"), payload | {"file": upload(name, content)}
    )
    assert response.status_code == 400 and "file" in response.context["form"].errors
    response = api_client(cast.manager_a).post(
        "/api/qualification-documents/", payload | {"file": upload(name, content)}, format="multipart"
    )
    assert response.status_code == 400 and "file" in response.json()
    assert QualificationDocument.objects.count() == 0
