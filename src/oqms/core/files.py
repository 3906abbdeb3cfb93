"""Upload checks: the file's real type (its first bytes, not its name) and its size."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Signatures of the formats we accept. A renamed executable fails here whatever its extension says.
_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "webp": (b"RIFF",),
    "pdf": (b"%PDF-",),
    "zip-office": (b"PK\x03\x04",),  # .docx / .xlsx
}
_EXTENSIONS = {
    "jpg": "jpeg",
    "jpeg": "jpeg",
    "png": "png",
    "webp": "webp",
    "pdf": "pdf",
    "docx": "zip-office",
    "xlsx": "zip-office",
}
PHOTO_KINDS = {"jpeg", "png", "webp"}
DOCUMENT_KINDS = PHOTO_KINDS | {"pdf", "zip-office"}


def sniff(head: bytes) -> str | None:
    for kind, signatures in _SIGNATURES.items():
        if any(head.startswith(s) for s in signatures):
            if kind == "webp" and head[8:12] != b"WEBP":
                continue
            return kind
    return None


def _check(upload: Any, kinds: set[str], allowed_text: Any) -> None:
    if upload is None or not getattr(upload, "name", ""):
        return
    if getattr(upload, "_committed", False) and not hasattr(upload, "content_type"):
        return  # an already-stored file being re-saved
    limit = settings.OQMS_MAX_UPLOAD_MB * 1024 * 1024
    if upload.size > limit:
        raise ValidationError(
            _("The file is %(size).1f MB; the limit is %(limit)d MB."),
            params={"size": upload.size / 1048576, "limit": settings.OQMS_MAX_UPLOAD_MB},
            code="file_size",
        )
    extension = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
    position = upload.tell() if hasattr(upload, "tell") else 0
    upload.seek(0)
    head = upload.read(16)
    upload.seek(position)
    kind = sniff(head)
    if kind not in kinds or _EXTENSIONS.get(extension) != kind:
        raise ValidationError(
            _("Only %(allowed)s files are accepted."), params={"allowed": allowed_text}, code="file_type"
        )


def validate_photo(upload: Any) -> None:
    _check(upload, PHOTO_KINDS, "JPEG, PNG, WebP")


def validate_document(upload: Any) -> None:
    _check(upload, DOCUMENT_KINDS, "PDF, JPEG, PNG, WebP, DOCX, XLSX")


PHOTO_SIDE = 1600  # pixels: photos are scaled down to this on their longer side
PHOTO_QUALITY = 82
MAX_PIXELS = 60_000_000  # larger than any phone's photo


def compress_photo(upload: Any) -> Any:
    """A photo as a JPEG of at most PHOTO_SIDE pixels a side, turned upright, without its metadata (a phone's
    EXIF holds the place and the device)."""
    import io

    from django.core.files.base import ContentFile
    from PIL import Image, ImageOps, UnidentifiedImageError

    upload.seek(0)
    try:
        with Image.open(upload) as image:
            if image.width * image.height > MAX_PIXELS:  # checked before the pixels are decoded
                raise ValidationError(
                    _("The photo is %(w)s × %(h)s pixels; at most %(max)s million."),
                    params={"w": image.width, "h": image.height, "max": MAX_PIXELS // 1_000_000},
                    code="photo_pixels",
                )
            image = ImageOps.exif_transpose(image)
            image.thumbnail((PHOTO_SIDE, PHOTO_SIDE))
            if image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            out = io.BytesIO()
            image.save(out, format="JPEG", quality=PHOTO_QUALITY, optimize=True)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ValidationError(_("The photo could not be read."), code="photo") from exc
    stem = (upload.name.rsplit("/", 1)[-1].rsplit(".", 1)[0] or "photo")[:60]
    return ContentFile(out.getvalue(), name=f"{stem}.jpg")
