"""Issued accounts (ACC-2): entering people, importing rosters, issuing and expiring passwords."""

from __future__ import annotations

import datetime
import io

import pytest
from django.contrib.auth import authenticate
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from parta import factories as f
from parta.accounts import issuing, roster_sheet
from parta.accounts.issuing import PersonEntry
from parta.accounts.models import User
from parta.accounts.tests.issuing_helpers import csv_bytes, family, sign_in, snils, xlsx
from parta.core.errors import DomainError
from parta.directory.models import Enrollment, Guardianship

pytestmark = pytest.mark.postgres

OWN_PASSWORD = "Свой-пароль-2026!"


def enter(cast, student=None, parents=(), school_class=None):
    return issuing.student_enter(
        school_class=school_class or cast.school_class,
        student=student or PersonEntry("Әлиева", "Гүлнұр", "Қайратқызы", datetime.date(2016, 3, 8)),
        parents=list(parents),
        entered_by=cast.class_teacher,
    )


MOTHER = PersonEntry("Әлиева", "Айгүл", "Серікқызы", phone="8 (912) 111-22-33", kind="mother")
FATHER = PersonEntry("Әлиев", "Қайрат", "Маратұлы", email="kairat@example.kz", kind="father")


def import_sheet(cast, data: bytes, filename: str = "roster.xlsx", school_class=None):
    return issuing.roster_import(
        school_class=school_class or cast.school_class,
        upload=io.BytesIO(data),
        filename=filename,
        entered_by=cast.class_teacher,
    )


# --- Entering ---------------------------------------------------------------------------------
def test_entering_student_with_parents_creates_accounts_enrolment_and_guardianships(cast):
    """ACC-2: one student and two parents give three new accounts, linked to the class."""
    result = enter(cast, parents=[MOTHER, FATHER])

    assert len(result.created) == 3 and result.reused == []
    student = result.student
    assert student.full_name == "Әлиева Гүлнұр Қайратқызы"
    assert Enrollment.objects.filter(student=student, school_class=cast.school_class).exists()
    kinds = dict(
        Guardianship.objects.filter(child=student).values_list("guardian__first_name", "kind")
    )
    assert kinds == {"Айгүл": "mother", "Қайрат": "father"}
    mother = User.objects.get(first_name="Айгүл")
    assert mother.phone == "+79121112233"  # normalized by parta.core.validators
    # New accounts cannot sign in before a slip is printed.
    assert not any(u.has_usable_password() for u in result.created)


def test_logins_are_transliterated_surnames_with_a_free_number(cast):
    """ACC-2: Kazakh and Russian surnames become Latin logins, numbered to stay unique."""
    first = enter(cast, parents=[MOTHER, FATHER])
    second = enter(
        cast, student=PersonEntry("Әлиева", "Дана", "", datetime.date(2017, 1, 2)), parents=[]
    )
    logins = sorted(u.username for u in (*first.created, *second.created))
    assert logins == ["aliev1", "alieva1", "alieva2", "alieva3"]
    russian = enter(
        cast, student=PersonEntry("Щукина", "Юлия", "Сергеевна", datetime.date(2016, 5, 5))
    )
    assert russian.student.username == "shchukina1"


def test_issued_passwords_are_random_distinct_and_easy_to_copy(cast):
    """ACC-2: each person gets their own random password; no shared default like 12345."""
    result = enter(cast, parents=[MOTHER, FATHER])
    issued = issuing.credentials_issue(people=result.created, issued_by=cast.class_teacher)

    passwords = [password for _person, password in issued]
    assert len(set(passwords)) == 3
    for password in passwords:
        assert len(password) == 10
        assert set(password) <= set(issuing.PASSWORD_ALPHABET)
        assert not set(password) & set("0Oo1lI")
    for person, password in issued:
        person.refresh_from_db()
        assert person.must_change_password
        assert person.initial_password_issued_at is not None
        assert person.check_password(password)
        assert "12345" not in person.password


@pytest.mark.parametrize(
    "same",
    [
        {"snils": snils("112233445")},
        {"email": "Aigul@Example.kz"},
        {"phone": "+7 912 111 22 33"},
        {},  # same full name and birth date in the same school
    ],
    ids=["snils", "email", "phone", "name-and-birth-date"],
)
def test_entering_a_known_person_again_reuses_their_account(cast, same):
    """ACC-2: an existing person is reused by SNILS, email, phone, or name + birth date."""
    mother = PersonEntry(
        "Әлиева",
        "Айгүл",
        "Серікқызы",
        birth_date=datetime.date(1988, 4, 4),
        snils=snils("112233445"),
        email="aigul@example.kz",
        phone="+79121112233",
        kind="mother",
    )
    first = enter(cast, parents=[mother])
    again = PersonEntry(
        "Әлиева", "Айгүл", "Серікқызы", birth_date=datetime.date(1988, 4, 4), kind="mother", **same
    )
    sibling = PersonEntry("Әлиев", "Ерлан", "", datetime.date(2014, 2, 2))
    second = enter(cast, student=sibling, parents=[again], school_class=cast.other_class)

    assert second.parents == first.parents
    assert User.objects.filter(first_name="Айгүл").count() == 1
    assert set(
        Guardianship.objects.filter(guardian=first.parents[0]).values_list("child", flat=True)
    ) == {
        first.student.pk,
        second.student.pk,
    }


def test_a_snils_of_someone_else_is_refused_not_merged(cast):
    """ACC-2: a mistyped SNILS that belongs to another person must not link the wrong family."""
    cast.other_parent.snils = snils("987654321")
    cast.other_parent.save(update_fields=["snils"])
    stranger = PersonEntry("Иванова", "Ольга", "", snils=snils("987654321"), kind="mother")
    with pytest.raises(DomainError) as caught:
        enter(cast, parents=[stranger])
    assert caught.value.field == "parent1-snils"
    assert not Guardianship.objects.filter(guardian=cast.other_parent, child__first_name="Гүлнұр")


def test_entering_with_a_bad_snils_names_the_field(cast):
    """ACC-2: values are checked with Parta's validators; the error names the field."""
    bad = PersonEntry("Петрова", "Анна", "", snils="112-233-445 00", kind="mother")
    with pytest.raises(DomainError) as caught:
        enter(cast, parents=[bad])
    assert caught.value.field == "parent1-snils"
    assert "контрольное число" in str(caught.value.message)
    assert not User.objects.filter(first_name="Гүлнұр").exists()


# --- Signing in with a slip -------------------------------------------------------------------
def issue_mother(cast):
    result = enter(cast, parents=[MOTHER])
    mother = result.parents[0]
    [(_person, password)] = issuing.credentials_issue(people=[mother], issued_by=cast.class_teacher)
    return mother, password


def test_issued_parent_signs_in_and_must_set_own_password_before_anything_else(cast, client):
    """ACC-2: the slip password signs in once; every page leads to "set your password"."""
    mother, password = issue_mother(cast)
    assert sign_in(client, mother.username, password)
    set_password = reverse("set_initial_password")
    for page in ("home", "parent_home", "student_home", "school_home"):
        response = client.get(reverse(page))
        assert response.status_code == 302 and response["Location"] == set_password, page
    response = client.post(
        set_password, {"new_password1": OWN_PASSWORD, "new_password2": OWN_PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("parent_home")).status_code == 200

    mother.refresh_from_db()
    assert not mother.must_change_password
    assert not sign_in(Client(), mother.username, password)  # the slip is spent
    assert sign_in(Client(), mother.username, OWN_PASSWORD)


def test_expired_initial_password_does_not_sign_in(cast, client, settings):
    """ACC-2: an issued password older than PARTA_INITIAL_PASSWORD_DAYS is refused."""
    mother, password = issue_mother(cast)
    User.objects.filter(pk=mother.pk).update(
        initial_password_issued_at=timezone.now()
        - datetime.timedelta(days=settings.PARTA_INITIAL_PASSWORD_DAYS, minutes=1)
    )
    assert not sign_in(client, mother.username, password)
    # Refused for every backend, not only on the sign-in page.
    assert authenticate(username=mother.username, password=password) is None
    assert authenticate(login=mother.username, password=password) is None


def test_initial_password_still_signs_in_just_before_expiry(cast, client, settings):
    """ACC-2: the expiry counts from issuance; a day before it the slip still works."""
    mother, password = issue_mother(cast)
    User.objects.filter(pk=mother.pk).update(
        initial_password_issued_at=timezone.now()
        - datetime.timedelta(days=settings.PARTA_INITIAL_PASSWORD_DAYS - 1)
    )
    assert sign_in(client, mother.username, password)


def test_printing_again_invalidates_older_slips(cast):
    """ACC-2: each issuance makes the person's earlier slips worthless."""
    mother, old = issue_mother(cast)
    [(_p, new)] = issuing.credentials_issue(people=[mother], issued_by=cast.class_teacher)
    assert not sign_in(Client(), mother.username, old)
    assert sign_in(Client(), mother.username, new)


def test_printing_leaves_own_passwords_alone_and_reset_replaces_them(cast):
    """ACC-2: a person with their own password is reset only by the explicit reset action."""
    mother, _password = issue_mother(cast)
    from parta.accounts.services import initial_password_replace

    mother = initial_password_replace(user=mother, password=OWN_PASSWORD)
    assert issuing.credentials_issue(people=[mother], issued_by=cast.class_teacher) == []
    assert sign_in(Client(), mother.username, OWN_PASSWORD)

    _person, fresh = issuing.password_reset_issue(person=mother, issued_by=cast.class_teacher)
    assert not sign_in(Client(), mother.username, OWN_PASSWORD)
    assert sign_in(Client(), mother.username, fresh)
    mother.refresh_from_db()
    assert mother.must_change_password


# --- Roster spreadsheets ----------------------------------------------------------------------
def test_roster_sheet_imports_every_row(cast):
    """ACC-2: a valid sheet enters each student with their parent."""
    result = import_sheet(cast, xlsx([family(1), family(2), family(3)]))
    assert result.ok, result.errors
    assert (result.students, result.created, result.reused) == (3, 6, 0)
    assert (
        Enrollment.objects.filter(school_class=cast.school_class, status="confirmed").count() == 4
    )  # + cast.student


def test_bad_sheet_imports_nothing_and_names_row_and_column(cast):
    """ACC-2: with a bad SNILS in row 3, nothing at all is imported; the error says where."""
    rows = [family(1), family(2, **{"student-snils": "112-233-445 00"}), family(3)]
    before = User.objects.count()
    result = import_sheet(cast, xlsx(rows))

    assert not result.ok
    [error] = result.errors
    assert error.row == 3  # the header is row 1
    assert error.column == "Ученик: СНИЛС"
    assert "контрольное число" in error.message
    assert User.objects.count() == before
    assert (
        Enrollment.objects.filter(school_class=cast.school_class, status="confirmed").count() == 1
    )


def test_sheet_errors_from_existing_people_are_reported_too_and_roll_back(cast):
    """ACC-2: a conflict found while entering (a SNILS of someone else) also stops the import."""
    cast.other_parent.snils = snils("987654321")
    cast.other_parent.save(update_fields=["snils"])
    rows = [family(1), family(2), family(3, **{"parent1-snils": snils("987654321")})]
    before = User.objects.count()
    result = import_sheet(cast, xlsx(rows))
    assert [(e.row, e.column) for e in result.errors] == [(4, "Родитель 1: СНИЛС")]
    assert User.objects.count() == before


def test_every_bad_row_is_listed_at_once(cast):
    """ACC-2: all rows are checked first, so one upload shows every problem."""
    rows = [
        family(1, **{"student-birth_date": "31.02.2016"}),
        family(2, **{"parent1-last_name": ""}),
        family(3, **{"parent1-phone": "12"}),
    ]
    result = import_sheet(cast, xlsx(rows))
    assert [(e.row, e.column) for e in result.errors] == [
        (2, "Ученик: дата рождения"),
        (3, "Родитель 1: фамилия"),
        (4, "Родитель 1: телефон"),
    ]


def test_uploading_the_same_sheet_again_creates_no_duplicates(cast):
    """ACC-2: re-uploading is idempotent: people are matched by their natural keys."""
    # Two siblings share their mother (same phone); the second parent has no identifiers.
    rows = [
        family(1, **{"parent2-last_name": "Кузьмин", "parent2-first_name": "Олег"}),
        family(2, **{"parent1-first_name": "Мама1", "parent1-phone": "+7 912 000-00-01"}),
        family(3),
    ]
    data = xlsx(rows)
    first = import_sheet(cast, data)
    assert first.ok, first.errors
    counts = (User.objects.count(), Enrollment.objects.count(), Guardianship.objects.count())

    second = import_sheet(cast, data)
    assert second.ok, second.errors
    assert (
        User.objects.count(),
        Enrollment.objects.count(),
        Guardianship.objects.count(),
    ) == counts
    assert (second.created, second.reused) == (0, first.created)
    mama1 = User.objects.get(first_name="Мама1")
    assert mama1.wards.count() == 2


def test_csv_in_utf8_with_semicolons_is_accepted(cast):
    """ACC-2: a CSV saved by Russian Excel (UTF-8 with BOM, ";") imports like an .xlsx."""
    result = import_sheet(cast, csv_bytes([family(1), family(2)]), filename="класс.csv")
    assert result.ok, result.errors
    assert result.students == 2


def test_headers_in_another_language_are_recognised(cast):
    """ACC-2: a sheet downloaded in English uploads with the Russian interface."""
    from django.utils import translation

    with translation.override("en"):
        data = xlsx([family(1)])
    result = import_sheet(cast, data)
    assert result.ok, result.errors


PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000")


@pytest.mark.parametrize(
    ("data", "filename", "code"),
    [
        (PNG + b"\x00" * 64, "roster.xlsx", "not_xlsx"),
        (PNG + b"\x00" * 64, "roster.csv", "not_csv"),
        (b"PK\x03\x04" + b"\x00" * 64, "roster.xlsx", "not_xlsx"),
        ("Фамилия;Имя\n".encode("cp1251"), "roster.csv", "encoding"),
        (b"\xd0\xcf\x11\xe0" + b"\x00" * 64, "roster.xls", "xls"),
        (b"just text", "roster.txt", "extension"),
    ],
    ids=["png-as-xlsx", "png-as-csv", "broken-zip", "cp1251-csv", "old-xls", "txt"],
)
def test_files_that_are_not_what_they_claim_are_refused(cast, data, filename, code):
    """ACC-2: the type is decided by content: a PNG renamed .xlsx is refused, nothing imported."""
    before = User.objects.count()
    with pytest.raises(DomainError) as caught:
        import_sheet(cast, data, filename=filename)
    assert caught.value.code == code and caught.value.field == "file"
    assert User.objects.count() == before


def test_too_big_sheet_is_refused(cast, settings):
    """ACC-2: PARTA_MAX_SPREADSHEET_BYTES caps an upload."""
    data = xlsx([family(n) for n in range(1, 4)])
    settings.PARTA_MAX_SPREADSHEET_BYTES = len(data) - 1
    with pytest.raises(DomainError) as caught:
        import_sheet(cast, data)
    assert caught.value.code == "too_big"


def test_unknown_column_is_refused_rather_than_ignored(cast):
    """ACC-2: a misspelt header would silently lose data, so the sheet is refused."""
    data = xlsx([family(1)])
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data))
    workbook.active.cell(row=1, column=5).value = "СНИЛЗ ученика"
    out = io.BytesIO()
    workbook.save(out)
    with pytest.raises(DomainError) as caught:
        import_sheet(cast, out.getvalue())
    assert caught.value.code == "unknown_column"
    assert "СНИЛЗ ученика" in str(caught.value.message)


def test_template_has_translated_headers_and_an_example_row_that_is_skipped(cast):
    """ACC-2: the downloadable template uploads as is (its example row is not a student)."""
    from openpyxl import load_workbook

    data = roster_sheet.template_workbook()
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Ученик: фамилия", "Ученик: имя", "Ученик: отчество")
    assert rows[1][0] == "Образцов"
    with pytest.raises(DomainError) as caught:
        import_sheet(cast, data)
    assert caught.value.code == "no_rows"

    workbook = load_workbook(io.BytesIO(data))
    workbook.worksheets[0].append([family(7).get(key, "") for key in roster_sheet.COLUMNS])
    out = io.BytesIO()
    workbook.save(out)
    result = import_sheet(cast, out.getvalue())
    assert result.ok and result.students == 1


def test_snils_typed_as_a_number_keeps_its_leading_zero(cast):
    """ACC-2: Excel turns 012-345-678 90 into a number; the import restores the zero."""
    value = snils("012345678")
    result = import_sheet(cast, xlsx([family(1, **{"student-snils": int(value)})]))
    assert result.ok, result.errors
    assert User.objects.filter(snils=value).exists()


def test_existing_student_of_the_roster_is_not_duplicated(cast):
    """ACC-2: the cast's student, listed in a sheet, is matched by name and birth date."""
    cast.student.birth_date = datetime.date(2015, 5, 5)
    cast.student.save(update_fields=["birth_date"])
    row = {
        "student-last_name": cast.student.last_name,
        "student-first_name": cast.student.first_name,
        "student-middle_name": cast.student.middle_name,
        "student-birth_date": "05.05.2015",
    }
    result = import_sheet(cast, xlsx([row]))
    assert (result.created, result.reused) == (0, 1)


def test_a_student_of_another_class_this_year_is_not_enrolled_twice(cast):
    """ACC-2: moving a student between classes is the administration's job, not an import's."""
    f.EnrollmentFactory(
        student=User.objects.create(
            username="x1",
            last_name="Кузьмина",
            first_name="Ребёнок1",
            middle_name="Олегович",
            birth_date=datetime.date(2016, 1, 2),
        ),
        school_class=cast.other_class,
    )
    result = import_sheet(cast, xlsx([family(1)]))
    assert [(e.row, e.column) for e in result.errors] == [(2, "Ученик: фамилия")]
    assert "6Б" in result.errors[0].message
