"""Demo data of onboarding (VER-1..3), so that ``make run`` shows the operator's queues.

Access requests in each state, a new school whose director has sent their data for the
operator to confirm, another whose director has not consented yet, and an order changing the
director of a demo school. Idempotent: run on every ``manage.py demo``.
"""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from parta.core.validators import snils_checksum
from parta.directory.demo import DEMO_PASSWORD, DemoLogin, demo_region, ensure_demo_person
from parta.directory.models import Organization, StaffPosition
from parta.onboarding.models import (
    AccessRequest,
    DirectorChange,
    DirectorSubmission,
    new_token,
)
from parta.onboarding.pdf import request_form_pdf
from parta.privacy.consents import give_consent
from parta.privacy.texts import DIRECTOR_VERIFICATION

_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)


def _inn(nine: str) -> str:
    check = sum(int(d) * w for d, w in zip(nine, _WEIGHTS, strict=True)) % 11 % 10
    return f"{nine}{check}"


_REQUESTS = (
    # (INN base, full name, short name, director, status, reason)
    ("366100101", "МБОУ «Средняя школа № 14»", "Школа № 14", ("Гусева", "Нина", "Павловна"),
     AccessRequest.Status.SUBMITTED, ""),
    ("366100102", "МБОУ «Основная школа села Луговое»", "Школа с. Луговое",
     ("Ермаков", "Виктор", "Андреевич"), AccessRequest.Status.UPLOADED, ""),
    ("366100103", "МБУ ДО «Дом детского творчества»", "Дом творчества",
     ("Қасымова", "Айгүл", "Ержанқызы"), AccessRequest.Status.REVIEW, ""),
    ("366100104", "МБОУ «Школа № 21»", "Школа № 21", ("Тихонов", "Олег", "Игоревич"),
     AccessRequest.Status.REJECTED, "На форме нет печати организации. Загрузите скан с печатью."),
)  # fmt: skip


def _scan_for(access_request: AccessRequest) -> ContentFile:
    return ContentFile(request_form_pdf(access_request), name="scan.pdf")


def _requests() -> None:
    municipalities = list(demo_region().municipalities.order_by("name"))
    now = timezone.now()
    for i, (base, name, short, (last, first, middle), status, reason) in enumerate(_REQUESTS):
        inn = _inn(base)
        if AccessRequest.objects.filter(inn=inn).exists():
            continue
        _token, hashed = new_token()
        r = AccessRequest.objects.create(
            municipality=municipalities[i % len(municipalities)],
            kind="additional" if "творчества" in name else "school",
            name=name,
            short_name=short,
            inn=inn,
            address=f"ул. Школьная, {10 + i}",
            official_email=f"school{base[-3:]}@parta-demo.example",
            last_name=last,
            first_name=first,
            middle_name=middle,
            phone=f"+7912000{base[-4:]}",
            language="ru",
            token_hash=hashed,
        )
        if status != AccessRequest.Status.SUBMITTED:
            r.form_scan.save("scan.pdf", _scan_for(r), save=False)
            r.form_scan_name = "заявка с печатью.pdf"
            r.uploaded_at = now
        if status in (AccessRequest.Status.REVIEW, AccessRequest.Status.REJECTED):
            r.review_started_at = now
        if status == AccessRequest.Status.REJECTED:
            r.decided_at = now
            r.rejection_reason = reason
        r.status = status
        r.save()


def _new_school(inn: str, name: str, short: str) -> Organization:
    municipality = demo_region().municipalities.order_by("name").first()
    assert municipality is not None
    return Organization.objects.get_or_create(
        inn=inn,
        defaults={
            "municipality": municipality,
            "name": name,
            "short_name": short,
            "official_email": f"school{inn[-4:]}@parta-demo.example",
            "address": "ул. Новая, 1",
        },
    )[0]


def _waiting_directors() -> list[DemoLogin]:
    # A director who consented and sent the data: the operator confirms them.
    school = _new_school(_inn("366100201"), "МБОУ «Гимназия № 3»", "Гимназия № 3")
    person = ensure_demo_person("demo-newdirector", "Осипова", "Людмила", "Сергеевна")
    position, _ = StaffPosition.objects.get_or_create(
        person=person,
        organization=school,
        position="director",
        defaults={"status": "pending", "is_active": True},
    )
    if not DirectorSubmission.objects.filter(staff_position=position).exists():
        consent = give_consent(person, DIRECTOR_VERIFICATION.key, given_by=person)
        DirectorSubmission.objects.create(
            staff_position=position,
            person=person,
            organization=school,
            consent=consent,
            last_name=person.last_name,
            first_name=person.first_name,
            middle_name=person.middle_name,
            position_title="Директор",
            snils=f"112233401{snils_checksum('112233401'):02d}",
            phone="+79120003301",
            email=person.email,
            inn=school.inn,
        )
    # A director who has just received the credentials: the consent step comes first.
    school = _new_school(_inn("366100202"), "МБОУ «Школа № 8»", "Школа № 8")
    fresh = ensure_demo_person("demo-waitingdirector", "Кравец", "Денис", "Олегович")
    StaffPosition.objects.get_or_create(
        person=fresh,
        organization=school,
        position="director",
        defaults={"status": "pending", "is_active": True},
    )
    return [
        DemoLogin(
            "demo-newdirector",
            DEMO_PASSWORD,
            "руководитель Гимназии № 3: данные отправлены, ждут регионального оператора",
        ),
        DemoLogin(
            "demo-waitingdirector",
            DEMO_PASSWORD,
            "руководитель Школы № 8: ещё не подтвердил полномочия (согласие → данные)",
        ),
    ]


def _change() -> None:
    school = (
        Organization.objects.filter(municipality__region=demo_region(), is_active=True)
        .exclude(short_name="Школа № 1")
        .filter(staff__position="director", staff__is_active=True, staff__status="confirmed")
        .order_by("pk")
        .first()
    )
    if school is None or DirectorChange.objects.filter(organization=school).exists():
        return
    change = DirectorChange(
        organization=school,
        source=DirectorChange.Source.OFFICIAL_EMAIL,
        inn=school.inn,
        order_number="42-к",
        order_date=timezone.localdate(),
        last_name="Зуева",
        first_name="Татьяна",
        middle_name="Викторовна",
        email="zueva@parta-demo.example",
        status=DirectorChange.Status.SUBMITTED,
        submitted_at=timezone.now(),
        language="ru",
    )
    change.order_scan.save("order.pdf", ContentFile(b"%PDF-1.4\n%demo\n%%EOF\n"), save=False)
    change.order_scan_name = "приказ 42-к.pdf"
    change.save()


@transaction.atomic
def populate() -> list[DemoLogin]:
    """VER-1..3 demo data; returns the logins worth printing."""
    _requests()
    logins = _waiting_directors()
    _change()
    return logins
