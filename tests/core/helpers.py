"""Small helpers shared by the app test packages (clients in a fixed language, Excel parsing, upload bytes)."""

from __future__ import annotations

import io
import re
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

# First bytes of the formats core/files.py recognises (it sniffs the head, not the name).
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
TEXT = b"just some text, certainly not an image\n"

CJK = re.compile(r"[\u4e00-\u9fff]")


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def page_client(user: Any = None, language: str = "en") -> Client:
    """A fresh test client (independent of the ``client`` fixture), signed in as ``user``."""
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        client.force_login(user)
    return client


def api_client(user: Any = None, language: str = "en") -> Any:
    from rest_framework.test import APIClient

    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        client.force_authenticate(user)
    return client


def xlsx_rows(response: Any) -> list[list[Any]]:
    """The rows (header first) of the first sheet of an .xlsx download."""
    from openpyxl import load_workbook

    content = b"".join(response.streaming_content) if response.streaming else response.content
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def xlsx_text(response: Any) -> str:
    return "\n".join("\t".join("" if v is None else str(v) for v in row) for row in xlsx_rows(response))


def listed_pks(response: Any) -> set[int]:
    """Primary keys of the records on a generic list page."""
    return {obj.pk for obj in response.context["page"].object_list}


def has_chinese(text: Any) -> bool:
    return bool(CJK.search(str(text)))


def flat_errors(data: Any) -> str:
    """All error texts of a DRF error body, joined (for language checks)."""
    if isinstance(data, dict):
        return " ".join(flat_errors(v) for v in data.values())
    if isinstance(data, list):
        return " ".join(flat_errors(v) for v in data)
    return str(data)


def form_errors(response: Any) -> dict[str, list[str]]:
    """Field errors of the main form of a generic edit page answer."""
    form = response.context["form"]
    return {name: [str(e) for e in errors] for name, errors in form.errors.items()}
