"""Demo questionnaire (ACC-7): ``demo-teacher`` filled it in and attached a marriage
certificate, so the questionnaire, the document list and the staff view have something to
show. Idempotent: runs on every ``manage.py demo``."""

from __future__ import annotations

import datetime
import io

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile

from parta.core.validators import snils_checksum
from parta.directory.demo import DemoLogin
from parta.profiles.models import NameChangeDocument, Questionnaire


def sample_pdf(text: str = "Parta") -> bytes:
    """A minimal, well-formed one-page PDF (for demo documents and tests)."""
    body = f"BT /F1 12 Tf 20 50 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 100] /Contents 4 0 R "
        b"/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(body) + body + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for n, obj in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % n + obj + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def populate() -> list[DemoLogin]:
    teacher = get_user_model().objects.filter(username="demo-teacher").first()
    if teacher is None or Questionnaire.objects.filter(person=teacher).exists():
        return []
    if not teacher.snils:
        first_nine = f"{150_000_000 + teacher.pk:09d}"
        snils = f"{first_nine}{snils_checksum(first_nine):02d}"
        if not get_user_model().objects.filter(snils=snils).exists():
            teacher.snils = snils
    teacher.birth_date = teacher.birth_date or datetime.date(1988, 3, 14)
    teacher.save(update_fields=["snils", "birth_date"])
    Questionnaire.objects.create(
        person=teacher,
        gender=Questionnaire.Gender.FEMALE,
        citizenship="Российская Федерация",
        position="Учитель начальных классов",
        delivery=Questionnaire.Delivery.ORGANIZATION,
        delivery_organization="МБОУ «Школа № 1»",
        delivery_address="624000, г. Демо-Город, ул. Школьная, д. 1, учительская",
        has_vocational_education=True,
    )
    data = sample_pdf("Marriage certificate (demo)")
    document = NameChangeDocument(
        person=teacher,
        kind=NameChangeDocument.Kind.MARRIAGE,
        original_name="Свидетельство о браке.pdf",
        size=len(data),
    )
    document.file.save("document.pdf", ContentFile(data), save=False)
    document.save()
    return []
