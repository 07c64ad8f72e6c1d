"""Uploaded documents: checked by content, limited in size, stored privately.

A signed request form, a director's order, a name-change certificate: personal data that must
never be reachable by URL. Files go to the ``private`` storage (``STORAGES["private"]``, outside
``MEDIA_ROOT``) under a random name, and leave it only through ``document_response`` from a view
that has already checked, through the access engine, who is asking.

What a file is, is decided by its bytes, not by its name or the browser's content type: a
renamed executable is not a PDF. ``DocumentField`` is the form field that says so, in the
person's language, and names the limit that was exceeded.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.db.models.fields.files import FieldFile
from django.http import FileResponse
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    extension: str
    content_type: str


PDF = Kind("pdf", "PDF", ".pdf", "application/pdf")
JPEG = Kind("jpeg", "JPEG", ".jpg", "image/jpeg")
PNG = Kind("png", "PNG", ".png", "image/png")
KINDS = {k.key: k for k in (PDF, JPEG, PNG)}
# Scans and documents: what a school's scanner and a phone camera produce.
DOCUMENTS = (PDF, JPEG, PNG)


def sniff(data: bytes) -> Kind | None:
    """The kind of a whole file by its bytes, or ``None`` if it is none of the known kinds.

    Both ends are checked where the format has them, so a file that merely starts like a
    PDF (a script with ``%PDF-`` pasted on top) is not taken for one.
    """
    if data.startswith(b"%PDF-") and b"%%EOF" in data[-2048:]:
        return PDF
    if data.startswith(b"\xff\xd8\xff") and data.rstrip(b"\x00\r\n ").endswith(b"\xff\xd9"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR" and b"IEND" in data[-12:]:
        return PNG
    return None


def sniff_file(upload: Any) -> Kind | None:
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    return sniff(data)


class PrivateStorage(FileSystemStorage):
    """File storage without URLs: a private document is only ever streamed by a view."""

    def url(self, name: str | None) -> str:
        raise ValueError("Private documents have no URL; serve them with document_response().")


def private_storage() -> Storage:
    """The storage of private documents (a callable, so settings decide it at run time)."""
    return storages["private"]


@deconstructible
class PrivatePath:
    """``upload_to`` for private documents: ``<folder>/<year>/<month>/<random><ext>``.

    The person's file name is never part of the path (it may hold a name or a SNILS); keep it
    in a model field if the download should carry it.
    """

    def __init__(self, folder: str) -> None:
        self.folder = folder

    def __call__(self, instance: Any, filename: str) -> str:
        ext = os.path.splitext(filename)[1].lower()[:8]
        now = timezone.now()
        return f"{self.folder}/{now:%Y}/{now:%m}/{uuid.uuid4().hex}{ext}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PrivatePath) and other.folder == self.folder


class DocumentField(forms.FileField):
    """A file field that accepts only ``kinds`` (by content) up to ``max_bytes``.

    After cleaning, the upload carries ``parta_kind`` (a ``Kind``), and its name ends with the
    extension of that kind whatever the person's file was called.
    """

    def __init__(
        self,
        *args: Any,
        kinds: tuple[Kind, ...] = DOCUMENTS,
        max_bytes: int | None = None,
        **kwargs: Any,
    ) -> None:
        self.kinds = kinds
        self.max_bytes = max_bytes
        kwargs.setdefault(
            "help_text",
            format_lazy(
                _("{kinds}, не больше {size}."),
                kinds=", ".join(k.label for k in kinds),
                size=lazy(lambda: filesizeformat(self.limit), str)(),
            ),
        )
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault(
            "accept", ",".join([k.content_type for k in kinds] + [k.extension for k in kinds])
        )

    @property
    def limit(self) -> int:
        return self.max_bytes or settings.PARTA_MAX_DOCUMENT_BYTES

    def clean(self, data: Any, initial: Any = None) -> Any:
        upload = super().clean(data, initial)
        if upload is None or upload is False or isinstance(upload, FieldFile):
            return upload
        if upload.size > self.limit:
            raise forms.ValidationError(
                _(
                    "Файл «%(name)s» весит %(size)s, а можно не больше %(limit)s. "
                    "Уменьшите скан (например, 150–200 точек на дюйм) и выберите файл снова."
                ),
                code="too_big",
                params={
                    "name": upload.name,
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(self.limit),
                },
            )
        kind = sniff_file(upload)
        if kind is None or kind not in self.kinds:
            raise forms.ValidationError(
                _(
                    "Файл «%(name)s» не является документом %(kinds)s (проверено по "
                    "содержимому, а не по названию). Выберите файл снова."
                ),
                code="wrong_kind",
                params={"name": upload.name, "kinds": ", ".join(k.label for k in self.kinds)},
            )
        upload.parta_kind = kind
        upload.parta_original_name = os.path.basename(upload.name)[:200]
        upload.name = f"document{kind.extension}"
        return upload


def document_response(file: FieldFile, download_name: str) -> FileResponse:
    """Send a private document as an attachment, with its type decided by its content.

    The caller must have checked access first. The response forbids sniffing, framing and
    any script, so even a file that slipped through cannot run in Parta's origin.
    """
    file.open("rb")
    head = file.read()
    file.seek(0)
    kind = sniff(head)
    content_type = kind.content_type if kind else "application/octet-stream"
    if kind and not download_name.lower().endswith(kind.extension):
        download_name += kind.extension
    return private_file_response(file, download_name, content_type)


def private_file_response(stream: Any, download_name: str, content_type: str) -> FileResponse:
    """Stream a private file as an attachment that can never run in Parta's origin (no
    sniffing, no framing, no script) nor stay in a shared cache. The caller has checked
    access and decided the content type from the file's content."""
    response = FileResponse(
        stream,
        as_attachment=True,
        filename=download_name,
        content_type=content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response
