"""Helpers for the exhibitor routes: multipart uploads and choice lists for templates."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.convertors import Convertor, register_url_convertor
from starlette.datastructures import UploadFile
from starlette.requests import Request

from expo.exhibitors.models import (
    AppStatus,
    BoothType,
    Category,
    CriterionSource,
    DocumentKind,
    LegalityStatus,
)
from expo.forms import Form
from expo.regions import region_choices
from expo.web import MAX_FIELDS, MAX_PART


class PkConvertor(Convertor[int]):
    """A database id in a path: 1 to 9 digits, so that a guessed huge number is a 404
    (not an int32 overflow on PostgreSQL)."""

    regex = "[0-9]{1,9}"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(int(value))


register_url_convertor("pk", PkConvertor())


@dataclass
class Upload:
    filename: str
    data: bytes


async def read_multipart(request: Request, limit: int,
                         field: str = "file") -> tuple[Form, Upload | None]:
    """Text fields and at most ``limit + 1`` bytes of one file (size checked by the service)."""
    data = await request.form(max_files=2, max_fields=MAX_FIELDS, max_part_size=MAX_PART)
    try:
        form = Form({k: v for k, v in data.items() if isinstance(v, str)})
        upload = data.get(field)
        if isinstance(upload, UploadFile) and upload.filename:
            content = await upload.read(limit + 1)
            return form, Upload(filename=upload.filename, data=content)
        return form, None
    finally:
        await data.close()


def choices() -> dict[str, object]:
    """Option lists shared by the exhibitor templates, and the enums they label values with
    (``Category.label_of(producer.category)``)."""
    return {
        "category_options": Category.choices(), "region_options": region_choices(),
        "booth_options": BoothType.choices(), "document_options": DocumentKind.choices(),
        "source_options": CriterionSource.choices(),
        "AppStatus": AppStatus, "BoothType": BoothType, "Category": Category,
        "CriterionSource": CriterionSource, "DocumentKind": DocumentKind,
        "LegalityStatus": LegalityStatus,
    }
