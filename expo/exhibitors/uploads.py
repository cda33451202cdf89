"""Uploaded files: type sniffed from the content, size-limited, stored under random names
outside ``static/``; product photos are re-encoded, resized and given a thumbnail."""

from __future__ import annotations

import io
import secrets
import warnings
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from expo.errors import DomainError
from expo.i18n import gettext as _

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
MAX_PHOTO_BYTES = 8 * 1024 * 1024
PHOTO_SIZE = 1200
THUMB_SIZE = 320
MAX_PIXELS = 40_000_000
SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)
EXTENSIONS = {mime: ext for _sig, mime, ext in SIGNATURES}


def sniff(data: bytes) -> str | None:
    """The MIME type read from the first bytes (never from the file name), or None."""
    for signature, mime, _ext in SIGNATURES:
        if data.startswith(signature):
            return mime
    return None


def check_size(data: bytes, limit: int) -> None:
    if len(data) > limit:
        raise DomainError(
            _("The file is larger than %(n)s MB. Make it smaller and try again.",
              n=limit // (1024 * 1024)), "file_too_large", status_code=413)
    if not data:
        raise DomainError(_("The file is empty."), "file_empty")


def _folder(uploads_dir: Path, kind: str) -> Path:
    folder = uploads_dir / kind
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save_document(*, uploads_dir: Path, data: bytes) -> tuple[str, str]:
    """Store a PDF/JPEG/PNG; returns (stored name, MIME type)."""
    check_size(data, MAX_DOCUMENT_BYTES)
    mime = sniff(data)
    if mime is None:
        raise DomainError(_("Upload a PDF, JPEG or PNG file."), "file_type")
    name = f"{secrets.token_hex(16)}.{EXTENSIONS[mime]}"
    (_folder(uploads_dir, "documents") / name).write_bytes(data)
    return name, mime


def document_path(uploads_dir: Path, stored_name: str) -> Path:
    return uploads_dir / "documents" / Path(stored_name).name


def delete_document(uploads_dir: Path, stored_name: str) -> None:
    document_path(uploads_dir, stored_name).unlink(missing_ok=True)


def _open_image(data: bytes) -> Image.Image:
    if sniff(data) not in ("image/jpeg", "image/png"):
        raise DomainError(_("Upload the photo as a JPEG or PNG image."), "file_type")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.width * image.height > MAX_PIXELS:
                raise DomainError(_("The photo has too many pixels."), "file_type")
            image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):
        raise DomainError(_("This photo could not be read. Try another file."),
                          "file_type") from None
    upright: Image.Image = ImageOps.exif_transpose(image) or image
    return upright.convert("RGB")


def save_photo(*, uploads_dir: Path, data: bytes) -> str:
    """Re-encode a product photo as JPEG (max 1200 px) plus a 320 px thumbnail; returns the stem."""
    check_size(data, MAX_PHOTO_BYTES)
    image = _open_image(data)
    stem = secrets.token_hex(12)
    folder = _folder(uploads_dir, "products")
    large = image.copy()
    large.thumbnail((PHOTO_SIZE, PHOTO_SIZE))
    large.save(folder / f"{stem}.jpg", "JPEG", quality=85, optimize=True)
    thumb = image.copy()
    thumb.thumbnail((THUMB_SIZE, THUMB_SIZE))
    thumb.save(folder / f"{stem}_t.jpg", "JPEG", quality=80, optimize=True)
    return stem


def photo_path(uploads_dir: Path, stem: str, thumb: bool = False) -> Path:
    name = Path(stem).name + ("_t" if thumb else "") + ".jpg"
    return uploads_dir / "products" / name


def delete_photo(uploads_dir: Path, stem: str) -> None:
    if stem:
        for thumb in (False, True):
            photo_path(uploads_dir, stem, thumb).unlink(missing_ok=True)
