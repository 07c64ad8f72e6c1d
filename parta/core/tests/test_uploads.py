"""Private documents: the kind is decided by the bytes, the size is limited, nothing is public."""

from __future__ import annotations

import pytest
from django import forms
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from fpdf import FPDF

from parta.core import uploads

PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def real_pdf() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Order No. 17")
    return bytes(pdf.output())


def real_jpeg() -> bytes:
    # The smallest JPEG a camera would never make, but a whole one: SOI ... EOI.
    return bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffd9")


@pytest.mark.parametrize(
    ("data", "kind"),
    [(real_pdf(), uploads.PDF), (PNG_1PX, uploads.PNG), (real_jpeg(), uploads.JPEG)],
)
def test_real_documents_are_recognised_by_content(data, kind):
    assert uploads.sniff(data) is kind


@pytest.mark.parametrize(
    "data",
    [
        b"MZ\x90\x00" + b"\x00" * 100,  # a Windows program
        b"%PDF-1.7\n<script>alert(1)</script>",  # starts like a PDF, is not one
        b"<html><body>hello</body></html>",
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 20,  # a PNG header and nothing else
        b"",
    ],
)
def test_disguised_or_broken_files_are_not_documents(data):
    assert uploads.sniff(data) is None


class DocForm(forms.Form):
    note = forms.CharField()
    document = uploads.DocumentField(label="Скан", max_bytes=64 * 1024)


def test_disguised_upload_is_refused_with_a_clear_message_and_typed_text_kept():
    form = DocForm(
        {"note": "приказ № 17"},
        {"document": SimpleUploadedFile("prikaz.pdf", b"MZ\x90\x00payload", "application/pdf")},
    )
    with translation.override("ru"):
        assert not form.is_valid()
        message = form.errors["document"][0]
    assert "«prikaz.pdf»" in message and "по содержимому" in message
    assert form["note"].value() == "приказ № 17"


def test_oversized_upload_names_the_limit():
    big = real_pdf() + b"%" * (70 * 1024) + b"\n%%EOF\n"
    form = DocForm({"note": "x"}, {"document": SimpleUploadedFile("scan.pdf", big)})
    with translation.override("ru"):
        assert not form.is_valid()
        message = form.errors["document"][0]
    assert "не больше 64,0\xa0КБ" in message


def test_accepted_upload_is_renamed_by_its_kind_and_keeps_the_original_name():
    form = DocForm({"note": "x"}, {"document": SimpleUploadedFile("СКАН 1.png", PNG_1PX)})
    assert form.is_valid(), form.errors
    upload = form.cleaned_data["document"]
    assert upload.parta_kind is uploads.PNG
    assert upload.name == "document.png"
    assert upload.parta_original_name == "СКАН 1.png"


def test_private_path_never_holds_the_persons_file_name():
    path = uploads.PrivatePath("orders")(None, "Иванов СНИЛС 112-233-445 95.pdf")
    assert path.startswith("orders/") and path.endswith(".pdf")
    assert "Иванов" not in path and "112-233" not in path and "СНИЛС" not in path


def test_private_storage_has_no_url_and_lives_outside_media(settings, tmp_path):
    storage = storages["private"]
    with pytest.raises(ValueError):
        storage.url("orders/2026/11/x.pdf")
    assert not str(storage.location).startswith(str(settings.MEDIA_ROOT))


def test_document_response_is_an_attachment_typed_by_content_and_sandboxed(tmp_path):
    from django.core.files.storage import FileSystemStorage
    from django.db.models.fields.files import FieldFile

    storage = FileSystemStorage(location=tmp_path)
    name = storage.save("doc", ContentFile(real_pdf()))

    class _Field:
        def __init__(self) -> None:
            self.storage = storage

    file = FieldFile(None, _Field(), name)
    response = uploads.document_response(file, "Приказ о назначении")
    body = b"".join(response.streaming_content)
    assert body.startswith(b"%PDF-")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert ".pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "no-store" in response["Cache-Control"]
