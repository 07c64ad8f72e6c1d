"""Objects the tests (and the access matrix) need: documents and tiny real files."""

from __future__ import annotations

import struct
import zlib
from typing import Any

from django.core.files.base import ContentFile

from parta.profiles.demo import sample_pdf
from parta.profiles.models import NameChangeDocument


def pdf_bytes(text: str = "Parta") -> bytes:
    return sample_pdf(text)


def png_bytes() -> bytes:
    """A 1×1 white PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def make_document(
    person: Any, name: str = "svidetelstvo.pdf", kind: str = "marriage"
) -> NameChangeDocument:
    data = pdf_bytes()
    document = NameChangeDocument(person=person, kind=kind, original_name=name, size=len(data))
    document.file.save("document.pdf", ContentFile(data), save=False)
    document.save()
    return document


def parent_document(cast: Any) -> NameChangeDocument:
    """A marriage certificate of the cast's parent (the access matrix opens it)."""
    return make_document(cast.parent)
