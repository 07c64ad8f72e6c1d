"""The issued-accounts pages (ACC-2): roster, entering, uploads, slips, resets — and who may."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from parta import factories as f
from parta.accounts import issuing
from parta.accounts.issuing import PersonEntry
from parta.accounts.models import User
from parta.accounts.tests.issuing_helpers import family, pdf_text, sign_in, snils, xlsx
from parta.directory.models import Enrollment, Guardianship

pytestmark = pytest.mark.postgres


def class_urls(cast, school_class=None, person=None):
    """Every issuing URL for one class (and one of its people), with the method it takes."""
    school_class = school_class or cast.school_class
    person = person or cast.parent
    pk = school_class.pk
    return [
        ("get", reverse("issuing_roster", args=[pk]), {}),
        ("get", reverse("issuing_student_add", args=[pk]), {}),
        ("post", reverse("issuing_student_add", args=[pk]), {}),
        ("get", reverse("issuing_roster_upload", args=[pk]), {}),
        ("post", reverse("issuing_roster_upload", args=[pk]), {}),
        ("get", reverse("issuing_roster_template", args=[pk]), {}),
        ("post", reverse("issuing_slips_print", args=[pk]), {"which": "pending"}),
        ("get", reverse("issuing_password_reset", args=[pk, person.pk]), {}),
        ("post", reverse("issuing_password_reset", args=[pk, person.pk]), {}),
    ]


def call(client, method, url, data):
    return client.post(url, data) if method == "post" else client.get(url, data)


@pytest.fixture
def teacher_of_other_class(cast):
    teacher = f.UserFactory(username="klassruk6b", last_name="Белова", first_name="Нина")
    f.StaffPositionFactory(person=teacher, organization=cast.school)
    cast.other_class.class_teacher = teacher
    cast.other_class.save(update_fields=["class_teacher"])
    return teacher


# --- Who may -------------------------------------------------------------------------------
def test_class_teacher_and_director_open_every_issuing_page_of_the_class(cast, client):
    """ACC-2: the class teacher (own class) and the director (any class of the school)."""
    for member in (cast.class_teacher, cast.director):
        client.force_login(member)
        for method, url, data in class_urls(cast):
            response = call(client, method, url, data)
            assert response.status_code in (200, 302), (member, method, url)


@pytest.mark.parametrize(
    "member", ["teacher_of_other_class", "other_teacher", "parent", "student", "official"]
)
def test_others_get_404_on_every_issuing_url(cast, client, teacher_of_other_class, member):
    """ACC-2: another class's teacher, another school's teacher, families, the municipality:
    each issuing URL answers 404, as for a class that does not exist — and changes nothing."""
    user = teacher_of_other_class if member == "teacher_of_other_class" else getattr(cast, member)
    client.force_login(user)
    before = User.objects.filter(must_change_password=True).count()
    for method, url, data in class_urls(cast):
        assert call(client, method, url, data).status_code == 404, (member, method, url)
    assert User.objects.filter(must_change_password=True).count() == before


def test_class_teacher_cannot_reset_a_person_outside_the_class_through_own_class(cast, client):
    """ACC-2: a person of another class is 404 even under the teacher's own class URL."""
    client.force_login(cast.class_teacher)
    url = reverse("issuing_password_reset", args=[cast.school_class.pk, cast.other_parent.pk])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    response = client.post(
        reverse("issuing_slips_print", args=[cast.school_class.pk]),
        {"which": "selected", "people": [cast.parent.pk, cast.other_parent.pk]},
    )
    assert response.status_code == 404
    cast.other_parent.refresh_from_db()
    cast.parent.refresh_from_db()
    assert not cast.other_parent.must_change_password and not cast.parent.must_change_password


def test_writes_are_post_only(cast, client):
    """ACC-2: printing slips issues passwords, so a GET (a link, a prefetch) does nothing."""
    client.force_login(cast.class_teacher)
    response = client.get(reverse("issuing_slips_print", args=[cast.school_class.pk]))
    assert response.status_code == 405


def test_homes_link_to_the_roster(cast, client):
    """ACC-2: the class teacher's and the school's home pages lead to the roster."""
    roster = reverse("issuing_roster", args=[cast.school_class.pk])
    client.force_login(cast.class_teacher)
    assert roster in client.get(reverse("class_teacher_home")).content.decode()
    client.force_login(cast.director)
    html = client.get(reverse("school_home")).content.decode()
    assert roster in html
    assert reverse("issuing_roster", args=[cast.other_class.pk]) in html


# --- The roster ------------------------------------------------------------------------------
def test_roster_shows_students_parents_and_whether_they_set_a_password(cast, client):
    """ACC-2: each person's sign-in status is on the roster."""
    issuing.password_reset_issue(person=cast.parent, issued_by=cast.class_teacher)
    client.force_login(cast.class_teacher)
    html = client.get(reverse("issuing_roster", args=[cast.school_class.pk])).content.decode()
    assert cast.student.full_name in html and cast.parent.full_name in html
    assert "листок выдан, ещё не входил(а)" in html  # the parent
    assert "задал(а) свой пароль" in html  # the cast's student has a password of their own
    assert cast.other_student.full_name not in html
    assert '<label class="visually-hidden" for="select-all">' in html


def fill_class(school_class, n):
    for _i in range(n):
        child = f.UserFactory()
        f.EnrollmentFactory(student=child, school_class=school_class)
        f.GuardianshipFactory(guardian=f.UserFactory(), child=child)


def test_roster_query_count_does_not_grow_with_class_size(
    cast, client, django_assert_max_num_queries
):
    """ACC-2: the roster costs the same number of SQL queries for 3 students as for 30."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    school_class = f.SchoolClassFactory(
        organization=cast.school, grade=9, letter="Д", class_teacher=cast.class_teacher
    )
    client.force_login(cast.class_teacher)
    url = reverse("issuing_roster", args=[school_class.pk])
    counts = []
    for added in (3, 27):
        fill_class(school_class, added)
        client.get(url)  # warm the session
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(captured.captured_queries))
    assert response.content.decode().count('name="people"') == 2 * 30
    assert counts[0] == counts[1], counts
    with django_assert_max_num_queries(12):
        client.get(url)


# --- Entering through the page --------------------------------------------------------------
STUDENT_POST = {
    "student-last_name": "Нұрланова",
    "student-first_name": "Әйгерім",
    "student-middle_name": "Бекқызы",
    "student-birth_date": "2016-09-01",
    "parent1-last_name": "Нұрланова",
    "parent1-first_name": "Сәуле",
    "parent1-kind": "mother",
    "parent1-phone": "+7 701 555 44 33",
    "parent2-kind": "father",
}


def test_entering_through_the_page_creates_accounts_and_returns_to_the_roster(cast, client):
    """ACC-2: the form enters the student and a parent; the second parent may stay empty."""
    client.force_login(cast.class_teacher)
    response = client.post(
        reverse("issuing_student_add", args=[cast.school_class.pk]), STUDENT_POST
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("issuing_roster", args=[cast.school_class.pk])
    student = User.objects.get(first_name="Әйгерім")
    assert student.username == "nurlanova1"
    assert Guardianship.objects.get(child=student).guardian.phone == "+77015554433"


def test_rejected_form_keeps_what_was_typed_and_shows_the_error_at_the_field(cast, client):
    """ACC-2: a bad SNILS comes back at its field, linked by aria-describedby, all else kept."""
    client.force_login(cast.class_teacher)
    data = {**STUDENT_POST, "parent1-snils": "112-233-445 00"}
    response = client.post(reverse("issuing_student_add", args=[cast.school_class.pk]), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_parent1-snils_errors"' in html
    assert re.search(r'name="parent1-snils"[^>]*aria-invalid="true"', html) or re.search(
        r'aria-invalid="true"[^>]*name="parent1-snils"', html
    )
    for value in ("Нұрланова", "Әйгерім", "Бекқызы", "2016-09-01", "112-233-445 00"):
        assert f'value="{value}"' in html
    assert not User.objects.filter(first_name="Әйгерім").exists()


def test_a_service_refusal_lands_at_its_field(cast, client):
    """ACC-2: a SNILS that belongs to someone else is shown at the SNILS field, not as a 500."""
    cast.other_parent.snils = snils("987654321")
    cast.other_parent.save(update_fields=["snils"])
    client.force_login(cast.class_teacher)
    data = {**STUDENT_POST, "parent1-snils": snils("987654321")}
    response = client.post(reverse("issuing_student_add", args=[cast.school_class.pk]), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_parent1-snils_errors"' in html
    assert "уже записан в Парте" in html
    assert not User.objects.filter(first_name="Әйгерім").exists()


# --- Uploading through the page -------------------------------------------------------------
def upload(client, cast, data, name="roster.xlsx"):
    return client.post(
        reverse("issuing_roster_upload", args=[cast.school_class.pk]),
        {"file": SimpleUploadedFile(name, data)},
    )


def test_upload_page_lists_errors_by_row_and_column(cast, client):
    """ACC-2: a bad row comes back as "row 3, Ученик: СНИЛС, why" and nothing is entered."""
    client.force_login(cast.class_teacher)
    rows = [family(1), family(2, **{"student-snils": "112-233-445 00"})]
    response = upload(client, cast, xlsx(rows))
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'<th scope="row">3</th><td>Ученик: СНИЛС</td><td>[^<]*контрольное', html)
    assert (
        Enrollment.objects.filter(school_class=cast.school_class, status="confirmed").count() == 1
    )


def test_upload_page_reports_counts_and_a_second_upload_adds_nobody(cast, client):
    """ACC-2: success says how many were created and reused; re-uploading creates none."""
    client.force_login(cast.class_teacher)
    data = xlsx([family(1), family(2)])
    response = upload(client, cast, data)
    assert response.status_code == 302
    users = User.objects.count()
    response = upload(client, cast, data)
    assert response.status_code == 302
    assert User.objects.count() == users
    page = client.get(response["Location"]).content.decode()
    assert "Новых учётных записей: 0, найдено уже существующих: 4." in page


def test_upload_page_refuses_a_disguised_file(cast, client):
    """ACC-2: a PNG renamed .xlsx is refused at the file field."""
    client.force_login(cast.class_teacher)
    png = bytes.fromhex("89504e470d0a1a0a0000000d49484452") + b"\x00" * 100
    response = upload(client, cast, png, name="class.xlsx")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_file_errors"' in html and "не таблица Excel" in html


def test_template_downloads_as_xlsx(cast, client):
    """ACC-2: the template is a real workbook."""
    client.force_login(cast.class_teacher)
    response = client.get(reverse("issuing_roster_template", args=[cast.school_class.pk]))
    assert response.status_code == 200
    assert response.content.startswith(b"PK\x03\x04")
    assert "attachment" in response["Content-Disposition"]


# --- Slips -------------------------------------------------------------------------------------
def test_printed_slips_are_a_pdf_with_embedded_font_and_the_cyrillic_names(cast, client):
    """ACC-2: the PDF embeds DejaVu Sans and carries name, role, login, password, address."""
    result = issuing.student_enter(
        school_class=cast.school_class,
        student=PersonEntry("Құрманғалиева", "Әсем", "Ғалымқызы", datetime.date(2016, 2, 3)),
        parents=[PersonEntry("Құрманғалиев", "Ғалым", "", phone="+77011112233", kind="father")],
        entered_by=cast.class_teacher,
    )
    client.force_login(cast.class_teacher)
    people = [result.student.pk, *(p.pk for p in result.parents)]
    response = client.post(
        reverse("issuing_slips_print", args=[cast.school_class.pk]),
        {"which": "selected", "people": people},
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    data = response.content
    assert data.startswith(b"%PDF")
    assert b"/FontFile2" in data
    assert re.search(rb"/BaseFont /[A-Z]{6}\+DejaVuSans", data)
    text = pdf_text(data)
    assert "Құрманғалиева Әсем Ғалымқызы" in text
    assert "Отец ученика: Әсем Құрманғалиева, класс 5А" in text
    assert "Ученик, класс 5А" in text
    assert "http://testserver/" in text
    for person in result.created:
        person.refresh_from_db()
        assert person.username in text
        assert person.must_change_password
    # The passwords on paper are the ones that sign in.
    passwords = re.findall(r"^([a-z2-9]{10})$", text, re.M)
    assert len(passwords) == 2
    student = User.objects.get(pk=result.student.pk)
    assert any(student.check_password(p) for p in passwords)


def test_slip_text_follows_the_interface_language(cast, client):
    """ACC-2: the slip is printed in the person's language (here Kazakh, from the cookie)."""
    from django.conf import settings
    from django.utils import translation

    issuing.password_reset_issue(person=cast.parent, issued_by=cast.class_teacher)
    client.force_login(cast.class_teacher)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "kk"
    response = client.post(
        reverse("issuing_slips_print", args=[cast.school_class.pk]),
        {"which": "selected", "people": [cast.parent.pk]},
    )
    assert response.status_code == 200
    assert b"/Lang (kk)" in response.content
    text = pdf_text(response.content)
    with translation.override("kk"):
        expected = translation.gettext("Парта — данные для входа")
    assert expected in text
    assert cast.parent.full_name in text


def test_print_for_everyone_waiting_skips_people_with_own_password(cast, client):
    """ACC-2: "all who haven't set a password" issues to them only; own passwords stay."""
    waiting = issuing.student_enter(
        school_class=cast.school_class,
        student=PersonEntry("Ким", "Алина", "", datetime.date(2016, 7, 7)),
        entered_by=cast.class_teacher,
    ).student
    client.force_login(cast.class_teacher)
    response = client.post(
        reverse("issuing_slips_print", args=[cast.school_class.pk]), {"which": "pending"}
    )
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert waiting.full_name in text
    assert cast.parent.full_name not in text  # the cast's people set their own passwords
    assert sign_in(client, cast.parent.username, "correct-horse-battery")


def test_ticking_someone_with_own_password_does_not_reset_them(cast, client):
    """ACC-2: printing skips a person who set their own password and says so."""
    client.force_login(cast.class_teacher)
    response = client.post(
        reverse("issuing_slips_print", args=[cast.school_class.pk]),
        {"which": "selected", "people": [cast.parent.pk]},
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Сбросить пароль" in page and "не сброшен" in page
    cast.parent.refresh_from_db()
    assert not cast.parent.must_change_password


def test_reset_prints_a_fresh_slip_and_the_old_password_stops(cast, client):
    """ACC-2: the explicit reset for a parent who forgot their password."""
    from django.test import Client

    client.force_login(cast.class_teacher)
    url = reverse("issuing_password_reset", args=[cast.school_class.pk, cast.parent.pk])
    confirm = client.get(url)
    assert confirm.status_code == 200 and cast.parent.full_name in confirm.content.decode()
    response = client.post(url)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    [password] = re.findall(r"^([a-z2-9]{10})$", pdf_text(response.content), re.M)
    assert not sign_in(Client(), cast.parent.username, "correct-horse-battery")
    assert sign_in(Client(), cast.parent.username, password)
