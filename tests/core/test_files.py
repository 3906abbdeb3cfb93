"""Upload checks (core/files.py): the real type from the first bytes, the name agreeing with it, and the size."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from oqms.core.files import sniff, validate_document, validate_photo
from tests.core.helpers import JPEG, PDF, PNG, TEXT, WEBP, api_client, has_chinese, page_client, upload

DOCX = b"PK\x03\x04" + b"\x00" * 64


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (PNG, "png"),
        (JPEG, "jpeg"),
        (WEBP, "webp"),
        (PDF, "pdf"),
        (DOCX, "zip-office"),
        (TEXT, None),
        (b"RIFF\x00\x00\x00\x00WAVE", None),
        (b"", None),
    ],
    ids=["png", "jpeg", "webp", "pdf", "docx", "text", "wave", "empty"],
)
def test_sniff_recognises_formats_by_content(head: bytes, kind: str | None) -> None:
    assert sniff(head[:16]) == kind


@pytest.mark.parametrize(
    ("name", "content"),
    [("a.png", PNG), ("a.jpg", JPEG), ("a.JPEG", JPEG), ("a.webp", WEBP)],
    ids=["png", "jpg", "JPEG", "webp"],
)
def test_real_photos_pass(name: str, content: bytes) -> None:
    validate_photo(upload(name, content))


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("renamed.jpg", PNG),  # a PNG renamed .jpg
        ("notes.png", TEXT),  # a text file named .png
        ("scan.pdf", PDF),  # a real PDF, but not a photo
        ("photo", PNG),  # no extension
        ("payload.exe", PNG),
        ("sound.webp", b"RIFF\x00\x00\x00\x00WAVEfmt "),  # RIFF, but not WebP
    ],
    ids=["png-named-jpg", "text-named-png", "pdf", "no-extension", "exe", "wave-named-webp"],
)
def test_wrong_photos_are_refused_with_a_clear_message(name: str, content: bytes) -> None:
    with translation.override("en"):
        with pytest.raises(ValidationError) as caught:
            validate_photo(upload(name, content))
        assert caught.value.code == "file_type"
        assert caught.value.messages == ["Only JPEG, PNG, WebP files are accepted."]


@pytest.mark.parametrize(
    ("name", "content"),
    [("c.pdf", PDF), ("c.docx", DOCX), ("c.xlsx", DOCX), ("c.png", PNG)],
    ids=["pdf", "docx", "xlsx", "png"],
)
def test_documents_accept_office_pdf_and_images(name: str, content: bytes) -> None:
    validate_document(upload(name, content))


@pytest.mark.parametrize(
    ("name", "content"),
    [("c.docx", PDF), ("c.pdf", TEXT), ("c.zip", DOCX), ("c.doc", DOCX)],
    ids=["pdf-named-docx", "text-named-pdf", "zip", "doc"],
)
def test_wrong_documents_are_refused(name: str, content: bytes) -> None:
    with translation.override("en"):
        with pytest.raises(ValidationError) as caught:
            validate_document(upload(name, content))
        assert caught.value.messages == ["Only PDF, JPEG, PNG, WebP, DOCX, XLSX files are accepted."]


def test_oversized_files_are_refused_with_their_size(settings: Any) -> None:
    settings.OQMS_MAX_UPLOAD_MB = 1
    validate_photo(upload("ok.png", PNG + b"\x00" * (1024 * 1024 - len(PNG))))  # exactly the limit
    with translation.override("en"):
        with pytest.raises(ValidationError) as caught:
            validate_photo(upload("big.png", PNG + b"\x00" * (1024 * 1024)))
        assert caught.value.code == "file_size"
        assert caught.value.messages == ["The file is 1.0 MB; the limit is 1 MB."]


def test_the_check_leaves_the_file_readable_from_the_start() -> None:
    file = upload("a.png", PNG)
    file.read(5)
    validate_photo(file)
    assert file.tell() == 5  # the position is restored for whoever reads next


def test_wrong_photo_on_the_work_order_page_shows_an_error_and_stores_nothing(cast: Any) -> None:
    from oqms.workorders.models import WorkOrderAttachment

    client = page_client(cast.requester)
    url = reverse("workorders:workorder_photo", args=[cast.wo_a.pk])
    response = client.post(
        url, {"photo": upload("renamed.jpg", PNG, "image/jpeg"), "kind": "before"}, follow=True
    )
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == ["Only JPEG, PNG, WebP files are accepted."]
    assert not WorkOrderAttachment.objects.exists()
    response = client.post(
        url, {"photo": upload("real.png", PNG, "image/png"), "kind": "before"}, follow=True
    )
    assert WorkOrderAttachment.objects.get().uploaded_by == cast.requester


def test_oversized_photo_through_the_api_is_a_400(cast: Any, settings: Any) -> None:
    from oqms.workorders.models import WorkOrderAttachment

    settings.OQMS_MAX_UPLOAD_MB = 1
    client = api_client(cast.requester)
    response = client.post(
        "/api/work-order-photos/",
        {"work_order": cast.wo_a.pk, "kind": "before", "photo": upload("big.png", PNG + b"\x00" * 1300000)},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json() == {"photo": ["The file is 1.2 MB; the limit is 1 MB."]}
    response = client.post(
        "/api/work-order-photos/",
        {"work_order": cast.wo_a.pk, "kind": "before", "photo": upload("notes.png", TEXT)},
        format="multipart",
    )
    assert response.status_code == 400 and "photo" in response.json()
    assert not WorkOrderAttachment.objects.exists()


def test_contract_attachment_type_checked_on_the_page(cast: Any) -> None:
    from oqms.contracts.models import ContractAttachment

    client = page_client(cast.qm)
    response = client.post(
        reverse("contracts:contractattachment_create"),
        {"contract": cast.contract_a.pk, "title": "附件", "file": upload("x.pdf", TEXT)},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["file"] == [
        "Only PDF, JPEG, PNG, WebP, DOCX, XLSX files are accepted."
    ]
    assert not ContractAttachment.objects.exists()
    response = client.post(
        reverse("contracts:contractattachment_create"),
        {"contract": cast.contract_a.pk, "title": "附件", "file": upload("x.pdf", PDF)},
    )
    assert response.status_code == 302
    assert ContractAttachment.objects.get().file.name.startswith("contracts/")


def test_file_error_is_translated_for_chinese_users(cast: Any) -> None:
    response = api_client(cast.requester, "zh-hans").post(
        "/api/work-order-photos/",
        {"work_order": cast.wo_a.pk, "photo": upload("renamed.jpg", PNG)},
        format="multipart",
    )
    assert response.status_code == 400
    assert has_chinese(response.json()["photo"][0])
