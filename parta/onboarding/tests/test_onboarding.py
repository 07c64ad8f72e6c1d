"""Organization access (VER-1), the director's confirmation (VER-2), change of director (VER-3)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from parta import factories as f
from parta.accounts import roles
from parta.accounts.tests.issuing_helpers import pdf_text, sign_in
from parta.core import access
from parta.directory.models import Organization, StaffPosition
from parta.onboarding.models import AccessRequest, DirectorChange, DirectorSubmission, Verdict
from parta.onboarding.tests import fixtures as fx

pytestmark = pytest.mark.django_db


def request_data(cast: Any, **extra: str) -> dict[str, Any]:
    return {
        "name": "Коммунальное государственное учреждение «Школа-гимназия № 12»",
        "short_name": "Школа-гимназия № 12",
        "kind": "school",
        "municipality": cast.municipality.pk,
        "inn": fx.NEW_INN,
        "address": "ул. Абая, 12",
        "official_email": "gimnaziya12@edu.example.ru",
        "last_name": "Жұмабаева",
        "first_name": "Әйгерім",
        "middle_name": "Қайратқызы",
        "phone": "+7 912 555-12-12",
        **extra,
    }


QUESTION = re.compile(r"Сколько будет (\d+) (плюс|минус) (\d+)\?")


def solve(client: Any, url: str) -> dict[str, str]:
    """Open the public form and answer its robot check the way a person does."""
    html = client.get(url).content.decode()
    token = re.search(r'name="robot_challenge" value="([^"]+)"', html).group(1)
    a, op, b = QUESTION.search(html).groups()
    answer = int(a) + int(b) if op == "плюс" else int(a) - int(b)
    return {"robot_challenge": token, "robot_answer": str(answer), "homepage": ""}


def post_request(client: Any, cast: Any, **extra: str) -> Any:
    url = reverse("onboarding_request_new")
    return client.post(url, {**request_data(cast, **extra), **solve(client, url)})


def start_change(client: Any, inn: str) -> Any:
    url = reverse("onboarding_change_start")
    return client.post(url, {"inn": inn, **solve(client, url)})


def link_in(body: str) -> str:
    return re.search(r"https?://\S+", body).group(0)


def submit_request(client: Any, cast: Any, capture: Any, **extra: str) -> tuple[Any, str]:
    with capture(execute=True):
        response = post_request(client, cast, **extra)
    assert response.status_code == 302, response.content.decode()[:3000]
    letter = mail.outbox[-1]
    return letter, link_in(letter.body)


def errors_of(response: Any) -> str:
    return " ".join(str(e) for errors in response.context["form"].errors.values() for e in errors)


# --- VER-1 -------------------------------------------------------------------------------
def test_ver1_request_goes_to_official_email_with_prefilled_pdf(
    client, cast, django_capture_on_commit_callbacks
):
    letter, link = submit_request(client, cast, django_capture_on_commit_callbacks)
    assert letter.to == ["gimnaziya12@edu.example.ru"]
    (_name, content, mimetype) = letter.attachments[0]
    assert mimetype == "application/pdf"
    text = pdf_text(content)
    for expected in (
        "Школа-гимназия № 12",
        fx.NEW_INN,
        "gimnaziya12@edu.example.ru",
        "Жұмабаева Әйгерім Қайратқызы",
        "+79125551212",
        "Городской округ",
        "М. П.",
    ):
        assert expected in text, expected
    # The sent page does not show the link: only the official mailbox gets it.
    sent = client.get(reverse("onboarding_request_sent")).content.decode()
    assert "g***@edu.example.ru" in sent
    assert link not in sent
    # The status page behind the link, and the same PDF from it.
    page = client.get(link)
    assert page.status_code == 200
    assert "заявка подана, ждём подписанную форму" in page.content.decode().lower()
    token = link.rstrip("/").rsplit("/", 1)[-1]
    pdf = client.get(reverse("onboarding_request_form", args=[token]))
    assert "Школа-гимназия № 12" in pdf_text(pdf.content)


def test_ver1_unknown_link_is_404(client, cast):
    assert client.get(reverse("onboarding_request_status", args=["made-up"])).status_code == 404


def test_ver1_wrong_inn_checksum_is_refused_and_the_typed_data_kept(client, cast):
    response = post_request(client, cast, inn="7707083894")
    assert response.status_code == 200
    assert "не сходится контрольная цифра" in errors_of(response)
    html = response.content.decode()
    assert "Жұмабаева" in html and "ул. Абая, 12" in html
    assert not AccessRequest.objects.exists()


def test_ver1_duplicate_request_while_one_is_open_is_refused(
    client, cast, django_capture_on_commit_callbacks
):
    submit_request(client, cast, django_capture_on_commit_callbacks)
    response = post_request(client, cast)
    assert response.status_code == 200
    assert "По этому ИНН уже подана заявка" in errors_of(response)
    assert AccessRequest.objects.count() == 1


def test_ver1_public_request_needs_the_robot_check_and_keeps_the_data(client, cast):
    url = reverse("onboarding_request_new")
    answer = solve(client, url)
    answer["robot_answer"] = str(int(answer["robot_answer"]) + 1)
    response = client.post(url, {**request_data(cast), **answer})
    assert "Ответ неверный" in errors_of(response)
    assert "Жұмабаева" in response.content.decode()
    assert not AccessRequest.objects.exists() and not mail.outbox


def test_ver1_one_open_request_per_official_email(client, cast, django_capture_on_commit_callbacks):
    submit_request(client, cast, django_capture_on_commit_callbacks)
    response = post_request(client, cast, inn="7736050003")
    assert "С этой почты уже подана заявка" in errors_of(response)


def test_ver1_organization_with_access_cannot_request_again(client, cast):
    response = post_request(client, cast, inn=cast.school.inn)
    assert "уже подключена к Парте" in errors_of(response)


def _upload(client: Any, link: str, name: str, content: bytes) -> Any:
    return client.post(link, {"document": SimpleUploadedFile(name, content)})


def test_ver1_disguised_and_oversized_files_are_refused(
    client, cast, settings, django_capture_on_commit_callbacks
):
    _letter, link = submit_request(client, cast, django_capture_on_commit_callbacks)
    exe = b"MZ\x90\x00" + b"\x00" * 200 + b"This program cannot be run in DOS mode"
    response = _upload(client, link, "zayavka.pdf", exe)
    html = response.content.decode()
    assert response.status_code == 200
    assert "не является документом PDF, JPEG, PNG" in html
    assert "Выберите файл снова" in html
    settings.PARTA_MAX_DOCUMENT_BYTES = 100
    response = _upload(client, link, "big.pdf", fx.pdf_bytes("x" * 500))
    assert "а можно не больше" in response.content.decode()
    r = AccessRequest.objects.get()
    assert r.status == AccessRequest.Status.SUBMITTED and not r.form_scan


def test_ver1_status_shows_each_step_with_dates(client, cast, django_capture_on_commit_callbacks):
    _letter, link = submit_request(client, cast, django_capture_on_commit_callbacks)
    response = _upload(client, link, "Заявка со штампом.pdf", fx.pdf_bytes())
    assert response.status_code == 302
    r = AccessRequest.objects.get()
    assert r.status == AccessRequest.Status.UPLOADED and r.form_scan_name == "Заявка со штампом.pdf"
    assert "форма загружена, ждёт проверки" in client.get(link).content.decode().lower()
    operator = client.__class__()
    operator.force_login(cast.operator)
    assert operator.get(reverse("onboarding_operator_request", args=[r.pk])).status_code == 200
    html = client.get(link).content.decode()
    assert "на проверке у регионального оператора" in html.lower()
    assert html.count("<time") == 3  # submitted, uploaded, review started
    # Once under review, the scan cannot be replaced any more.
    assert 'type="file"' not in html


def test_ver1_operator_downloads_the_scan_after_the_check(client, cast):
    r = fx.access_request(cast)
    client.force_login(cast.operator)
    response = client.get(reverse("onboarding_operator_request_scan", args=[r.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def other_region_operator() -> Any:
    region = f.RegionFactory(name="Другой регион", code="OTHER")
    person = f.UserFactory(username="operator2")
    f.OfficialFactory(person=person, region=region, kind="operator")
    return person


def test_ver1_ver2_ver3_operator_of_another_region_gets_404(client, cast):
    client.force_login(other_region_operator())
    r = fx.access_request(cast)
    s = fx.director_submission(cast)
    c = fx.director_change(cast)
    for name, pk in (
        ("onboarding_operator_request", r.pk),
        ("onboarding_operator_request_scan", r.pk),
        ("onboarding_operator_director", s.pk),
        ("onboarding_operator_director_scan", s.pk),
        ("onboarding_operator_change", c.pk),
        ("onboarding_operator_change_scan", c.pk),
    ):
        assert client.get(reverse(name, args=[pk])).status_code == 404, name
        assert client.post(reverse(name, args=[pk]), {"decision": "approve"}).status_code in (
            404,
            405,
        ), name
    listing = client.get(reverse("onboarding_operator_requests")).content.decode()
    assert "Школа № 9" not in listing
    r.refresh_from_db()
    assert r.status == AccessRequest.Status.UPLOADED


def test_ver1_approve_sends_credentials_over_smtp_and_the_director_signs_in(
    client, cast, smtp_server, django_capture_on_commit_callbacks
):
    r = fx.access_request(cast)
    client.force_login(cast.operator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("onboarding_operator_request", args=[r.pk]), {"decision": "approve"}
        )
    assert response.status_code == 302
    r.refresh_from_db()
    assert r.status == AccessRequest.Status.APPROVED
    organization = Organization.objects.get(inn=fx.NEW_INN)
    assert organization.is_active and organization.official_email == "school9@edu.example.ru"
    position = StaffPosition.objects.get(organization=organization, position="director")
    assert position.status == "pending" and position.person.full_name == "Ахметова Гүлнар Серікқызы"

    letter = smtp_server[-1]
    assert letter["X-Envelope-To"] == "school9@edu.example.ru"
    body = letter.get_body(preferencelist=("plain",)).get_content()
    login = re.search(r"Логин: (\S+)", body).group(1)
    password = re.search(r"Пароль: (\S+)", body).group(1)
    assert login == position.person.username
    assert sign_in(client, login, password)
    # The issued password is single-use: the director sets their own first (ACC-2)...
    assert client.get(reverse("home"))["Location"] == reverse("set_initial_password")
    # ...and the pending position gives no director role (VER-2); the letter leads to its step.
    assert reverse("onboarding_director_verify", args=[position.pk]) in body
    assert not [x for x in roles.roles_for(position.person) if x.kind == access.DIRECTOR]


def test_ver1_reject_needs_a_reason_and_sends_it(client, cast, django_capture_on_commit_callbacks):
    r = fx.access_request(cast)
    client.force_login(cast.operator)
    url = reverse("onboarding_operator_request", args=[r.pk])
    response = client.post(url, {"decision": "reject", "reason": "  "})
    assert "Напишите причину отказа" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"decision": "reject", "reason": "На форме нет печати."})
    r.refresh_from_db()
    assert r.status == AccessRequest.Status.REJECTED
    assert "На форме нет печати." in mail.outbox[-1].body
    assert not Organization.objects.filter(inn=fx.NEW_INN).exists()


# --- VER-2 -------------------------------------------------------------------------------
def director_data(position: StaffPosition, **extra: Any) -> dict[str, Any]:
    return {
        "last_name": "Белова",
        "first_name": "Дарья",
        "middle_name": "Игоревна",
        "position_title": "Директор",
        "snils": "112-233-445 95",
        "phone": "+7 912 000-22-33",
        "email": "belova.d@example.ru",
        "inn": position.organization.inn,
        **extra,
    }


def test_ver2_consent_comes_before_the_form(client, cast):
    position = fx.pending_director_position(cast)
    client.force_login(position.person)
    home = client.get(reverse("no_role_home")).content.decode()
    assert "Подтвердите полномочия руководителя: Школа № 2" in home
    url = reverse("onboarding_director_verify", args=[position.pk])
    page = client.get(url).content.decode()
    assert "Дать согласие и продолжить" in page
    assert 'name="snils"' not in page
    # The form cannot be sent around the consent either.
    assert client.post(url, director_data(position)).status_code == 404
    assert not DirectorSubmission.objects.exists()
    client.post(reverse("onboarding_director_consent", args=[position.pk]), {"agree": "yes"})
    page = client.get(url).content.decode()
    assert 'name="snils"' in page and "Дать согласие" not in page


def test_ver2_someone_else_cannot_open_a_waiting_director_page(client, cast):
    position = fx.pending_director_position(cast)
    client.force_login(cast.director)
    assert client.get(reverse("onboarding_director_verify", args=[position.pk])).status_code == 404


def consented(client: Any, position: StaffPosition) -> str:
    client.force_login(position.person)
    client.post(reverse("onboarding_director_consent", args=[position.pk]), {"agree": "yes"})
    return reverse("onboarding_director_verify", args=[position.pk])


def test_ver2_inn_with_wrong_checksum_or_of_another_organization_is_refused(client, cast):
    position = fx.pending_director_position(cast)
    url = consented(client, position)
    response = client.post(url, director_data(position, inn="7707083894"))
    assert "не сходится контрольная цифра" in errors_of(response)
    response = client.post(url, director_data(position, inn=cast.school.inn))
    assert "ИНН не совпадает с ИНН организации «Школа № 2»" in errors_of(response)
    assert "belova.d@example.ru" in response.content.decode()  # the typed data are kept
    response = client.post(url, director_data(position, snils="112-233-445 96"))
    assert "СНИЛС набран с ошибкой" in errors_of(response)
    assert not DirectorSubmission.objects.exists()


EXE = b"MZ\x90\x00" + b"\x00" * 200 + b"This program cannot be run in DOS mode"


def test_ver2_disguised_order_scan_is_refused_and_the_typed_data_kept(client, cast):
    position = fx.pending_director_position(cast)
    url = consented(client, position)
    response = client.post(
        url, {**director_data(position), "order_scan": SimpleUploadedFile("prikaz.pdf", EXE)}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "не является документом PDF, JPEG, PNG" in html
    assert "выберите файл снова" in html.lower()
    assert "belova.d@example.ru" in html and "112-233-445 95" in html
    assert not DirectorSubmission.objects.exists()


def test_ver3_oversized_order_is_refused_and_the_typed_data_kept(client, cast, settings):
    settings.PARTA_MAX_DOCUMENT_BYTES = 100
    client.force_login(cast.director)
    url = reverse("onboarding_change_cabinet", args=[cast.school.pk])
    data = change_data(cast, order_scan=SimpleUploadedFile("prikaz.pdf", fx.pdf_bytes("x" * 500)))
    html = client.post(url, data).content.decode()
    assert "а можно не больше" in html and "Выберите файл приказа снова" in html
    assert "sokolova@example.ru" in html and "15-к" in html
    assert not DirectorChange.objects.exists()


def test_ver2_operator_confirms_and_the_director_role_appears(
    client, cast, django_capture_on_commit_callbacks
):
    position = fx.pending_director_position(cast)
    url = consented(client, position)
    response = client.post(
        url,
        {**director_data(position), "order_scan": SimpleUploadedFile("prikaz.pdf", fx.pdf_bytes())},
    )
    assert response.status_code == 302
    submission = DirectorSubmission.objects.get()
    assert submission.order_scan_name == "prikaz.pdf"
    assert (
        "ждут проверки регионального оператора"
        in client.get(reverse("no_role_home")).content.decode()
    )
    assert not access.has_role(
        type(position.person).objects.get(pk=position.person_id), access.DIRECTOR
    )

    operator = client.__class__()
    operator.force_login(cast.operator)
    assert (
        "Белова Дарья Игоревна"
        in operator.get(reverse("onboarding_operator_directors")).content.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        operator.post(
            reverse("onboarding_operator_director", args=[submission.pk]), {"decision": "approve"}
        )
    position.refresh_from_db()
    assert position.status == "confirmed" and position.decided_by == cast.operator
    assert position.decided_at is not None
    person = type(position.person).objects.get(pk=position.person_id)
    assert person.snils == "11223344595" and person.middle_name == "Игоревна"
    assert [r.kind for r in roles.roles_for(person)] == [access.DIRECTOR]
    assert mail.outbox[-1].to == ["belova.d@example.ru"]
    assert client.get(reverse("school_home")).status_code == 200


def test_ver2_withdrawn_consent_stops_the_confirmation(client, cast):
    from parta.privacy.consents import consent_in_force, withdraw_consent

    submission = fx.director_submission(cast)
    person = submission.person
    withdraw_consent(consent_in_force(person, "director_verification"), by=person)
    client.force_login(cast.operator)
    response = client.post(
        reverse("onboarding_operator_director", args=[submission.pk]), {"decision": "approve"}
    )
    assert "отозвал согласие" in response.content.decode()
    submission.staff_position.refresh_from_db()
    assert submission.staff_position.status == "pending"


def test_ver2_rejection_reason_is_shown_and_the_director_resubmits(
    client, cast, django_capture_on_commit_callbacks
):
    position = fx.pending_director_position(cast)
    url = consented(client, position)
    client.post(url, director_data(position))
    submission = DirectorSubmission.objects.get()
    operator = client.__class__()
    operator.force_login(cast.operator)
    with django_capture_on_commit_callbacks(execute=True):
        operator.post(
            reverse("onboarding_operator_director", args=[submission.pk]),
            {"decision": "reject", "reason": "Фамилия не совпадает с приказом."},
        )
    assert "Фамилия не совпадает с приказом." in mail.outbox[-1].body
    assert (
        "Фамилия не совпадает с приказом." in client.get(reverse("no_role_home")).content.decode()
    )
    page = client.get(url).content.decode()
    assert "Фамилия не совпадает с приказом." in page and 'name="snils"' in page
    assert client.post(url, director_data(position, last_name="Белова-Смирнова")).status_code == 302
    assert DirectorSubmission.objects.filter(status=Verdict.PENDING).count() == 1


# --- VER-3 -------------------------------------------------------------------------------
def change_data(cast: Any, **extra: Any) -> dict[str, Any]:
    return {
        "inn": cast.school.inn,
        "order_number": "15-к",
        "order_date": "2026-11-01",
        "order_scan": SimpleUploadedFile("prikaz.pdf", fx.pdf_bytes()),
        "last_name": "Соколова",
        "first_name": "Марина",
        "middle_name": "Олеговна",
        "email": "sokolova@example.ru",
        "phone": "",
        "snils": "",
        **extra,
    }


def test_ver3_change_of_director_moves_the_role(
    client, cast, smtp_server, django_capture_on_commit_callbacks
):
    client.force_login(cast.director)
    url = reverse("onboarding_change_cabinet", args=[cast.school.pk])
    response = client.post(url, change_data(cast, inn=cast.other_school.inn))
    assert "ИНН не совпадает с ИНН организации «Школа № 1»" in errors_of(response)
    assert "Выберите файл приказа снова" in response.content.decode()
    assert client.post(url, change_data(cast)).status_code == 302
    change = DirectorChange.objects.get()
    assert change.status == DirectorChange.Status.SUBMITTED and change.submitted_by == cast.director

    operator = client.__class__()
    operator.force_login(cast.operator)
    with django_capture_on_commit_callbacks(execute=True):
        operator.post(
            reverse("onboarding_operator_change", args=[change.pk]), {"decision": "approve"}
        )
    change.refresh_from_db()
    assert change.status == DirectorChange.Status.APPLIED
    # The old director loses the role at once; the new one has it, confirmed by the order.
    assert client.get(reverse("school_home")).status_code == 404
    assert not access.has_role(
        type(cast.director).objects.get(pk=cast.director.pk), access.DIRECTOR
    )
    new = change.new_director
    assert [r.kind for r in roles.roles_for(new)] == [access.DIRECTOR]
    position = StaffPosition.objects.get(person=new, organization=cast.school)
    assert position.status == "confirmed" and position.decided_by == cast.operator
    letters = {
        m["X-Envelope-To"]: m.get_body(preferencelist=("plain",)).get_content() for m in smtp_server
    }
    password = re.search(r"Пароль: (\S+)", letters["sokolova@example.ru"]).group(1)
    assert sign_in(client, new.username, password)
    assert cast.school.official_email in letters


def test_ver3_public_link_through_the_official_email_reuses_an_existing_account(
    client, cast, django_capture_on_commit_callbacks
):
    response = start_change(client, "7707083894")
    assert "не сходится контрольная цифра" in errors_of(response)
    with django_capture_on_commit_callbacks(execute=True):
        response = start_change(client, cast.school.inn)
    html = response.content.decode()
    # The page names the mailbox only masked (the cast's official emails are school<n>@…).
    assert cast.school.official_email.startswith("school")
    assert "s***@edu.example.ru" in html and cast.school.official_email not in html
    letter = mail.outbox[-1]
    assert letter.to == [cast.school.official_email]
    link = link_in(letter.body)
    # A second letter right away is refused (no mail bombing of the official mailbox).
    assert "несколько минут назад" in errors_of(start_change(client, cast.school.inn))
    # The class teacher of Школа № 1 becomes director: found by email, no new account.
    data = change_data(
        cast, email="Smirnova@school1.example.ru", last_name="Смирнова", first_name="Ольга"
    )
    assert client.post(link, data).status_code == 302
    assert "приказ на проверке" in client.get(link).content.decode()
    change = DirectorChange.objects.get()
    operator = client.__class__()
    operator.force_login(cast.operator)
    url = reverse("onboarding_operator_change", args=[change.pk])
    assert "Новый руководитель уже есть в Парте: Смирнова Ольга Петровна" in (
        operator.get(url).content.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        operator.post(url, {"decision": "approve"})
    change.refresh_from_db()
    assert change.new_director == cast.class_teacher
    assert "руководитель сменён" in client.get(link).content.decode().lower()
    kinds = {r.kind for r in roles.roles_for(cast.class_teacher)}
    assert access.DIRECTOR in kinds and access.TEACHER in kinds
    body = next(m.body for m in mail.outbox if m.to == ["Smirnova@school1.example.ru"])
    assert "входите со своим паролем" in body and "Пароль:" not in body


# --- Queues, links, query counts -------------------------------------------------------------
def _many(cast: Any, n: int) -> None:
    for i in range(n):
        AccessRequest.objects.create(
            municipality=cast.municipality if i % 2 else cast.other_municipality,
            kind="school",
            name=f"Школа {i}",
            short_name=f"Школа {i}",
            inn=f.valid_inn(900000 + i),
            address="ул. 1",
            official_email=f"s{i}@example.ru",
            last_name="Иванов",
            first_name="Иван",
            phone="+79120000000",
            token_hash=f"h{i}",
            status="uploaded",
        )
        school = f.OrganizationFactory(municipality=cast.municipality)
        person = f.UserFactory()
        position = StaffPosition.objects.create(
            person=person, organization=school, position="director", status="pending"
        )
        from parta.privacy.consents import give_consent

        DirectorSubmission.objects.create(
            staff_position=position,
            person=person,
            organization=school,
            consent=give_consent(person, "director_verification", given_by=person),
            last_name="Иванов",
            first_name=f"Иван{i}",
            position_title="Директор",
            snils="",
            phone="",
            email=f"d{i}@example.ru",
            inn=school.inn,
        )
        DirectorChange.objects.create(
            organization=school, source="cabinet", inn=school.inn, last_name="Петров",
            first_name="Пётр", email=f"c{i}@example.ru", status="submitted",
        )  # fmt: skip


@pytest.mark.parametrize(
    "name",
    [
        "onboarding_operator_requests",
        "onboarding_operator_directors",
        "onboarding_operator_changes",
    ],
)
def test_queues_keep_a_fixed_number_of_queries(client, cast, name, django_assert_max_num_queries):
    client.force_login(cast.operator)
    _many(cast, 2)
    url = reverse(name)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _bulk(cast, 30, offset=100)
    with django_assert_max_num_queries(len(small)):
        html = client.get(url).content.decode()
    assert html.count("<tr>") >= 30


def _bulk(cast: Any, n: int, *, offset: int) -> None:
    for i in range(n):
        AccessRequest.objects.create(
            municipality=cast.municipality,
            kind="school",
            name=f"Школа {offset + i}",
            short_name=f"Школа {offset + i}",
            inn=f.valid_inn(800000 + offset + i),
            address="ул. 1",
            official_email="s@example.ru",
            last_name="Иванов",
            first_name="Иван",
            phone="+79120000000",
            token_hash=f"b{offset + i}",
            status="uploaded",
        )
        school = f.OrganizationFactory(municipality=cast.municipality)
        person = f.UserFactory()
        position = StaffPosition.objects.create(
            person=person, organization=school, position="director", status="pending"
        )
        from parta.privacy.consents import give_consent

        DirectorSubmission.objects.create(
            staff_position=position, person=person, organization=school,
            consent=give_consent(person, "director_verification", given_by=person),
            last_name="Иванов", first_name="Иван", position_title="Директор", snils="",
            phone="", email="d@example.ru", inn=school.inn,
        )  # fmt: skip
        DirectorChange.objects.create(
            organization=school, source="cabinet", inn=school.inn, last_name="Петров",
            first_name="Пётр", email="c@example.ru", status="submitted",
        )  # fmt: skip


def test_operator_home_counts_what_waits_and_filters_by_municipality(client, cast):
    fx.access_request(cast)
    fx.director_submission(cast)
    fx.director_change(cast)
    client.force_login(cast.operator)
    html = client.get(reverse("operator_home")).content.decode()
    assert "Заявки организаций на доступ" in html and "Подтверждение руководителей" in html
    assert html.count('rounded-pill">1</span>') == 3
    url = reverse("onboarding_operator_requests")
    assert "Школа № 9" in client.get(url, {"municipality": cast.municipality.pk}).content.decode()
    other = client.get(url, {"municipality": cast.other_municipality.pk}).content.decode()
    assert "Школа № 9" not in other


def test_director_home_links_to_the_change_of_director(client, cast):
    client.force_login(cast.director)
    html = client.get(reverse("school_home")).content.decode()
    assert reverse("onboarding_change_cabinet", args=[cast.school.pk]) in html


def test_ver3_change_is_refused_for_a_director_of_another_school(client, cast):
    client.force_login(cast.director)
    url = reverse("onboarding_change_cabinet", args=[cast.other_school.pk])
    assert client.get(url).status_code == 404


def test_staff_one_director_holds_after_the_change(
    client, cast, django_capture_on_commit_callbacks
):
    change = fx.director_change(cast)
    client.force_login(cast.operator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("onboarding_operator_change", args=[change.pk]), {"decision": "approve"}
        )
    active = StaffPosition.objects.filter(
        organization=cast.school, position="director", is_active=True
    )
    assert [p.person.email for p in active] == ["sokolova@example.ru"]


def test_ver1_an_organization_without_access_in_the_directory_is_activated(
    client, cast, django_capture_on_commit_callbacks
):
    dormant = f.OrganizationFactory(
        municipality=cast.municipality, inn=fx.NEW_INN, short_name="Старое имя", is_active=False
    )
    old_director = f.UserFactory()
    f.StaffPositionFactory(person=old_director, organization=dormant, position="director")
    submit_request(client, cast, django_capture_on_commit_callbacks)
    r = AccessRequest.objects.get()
    assert r.organization == dormant
    r.form_scan.save("document.pdf", ContentFile(fx.pdf_bytes()), save=False)
    r.status = AccessRequest.Status.UPLOADED
    r.save()
    client.force_login(cast.operator)
    url = reverse("onboarding_operator_request", args=[r.pk])
    assert "без доступа к Парте" in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"decision": "approve"})
    dormant.refresh_from_db()
    assert dormant.is_active and dormant.short_name == "Школа-гимназия № 12"
    directors = StaffPosition.objects.filter(
        organization=dormant, position="director", is_active=True
    )
    assert [(p.person.last_name, p.status) for p in directors] == [("Жұмабаева", "pending")]
    assert Organization.objects.filter(inn=fx.NEW_INN).count() == 1
