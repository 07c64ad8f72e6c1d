"""Invitations by email (ACC-3): sending, accepting, reused / expired / revoked links."""

from __future__ import annotations

import datetime
import hashlib
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from parta import factories as f
from parta.accounts.models import User
from parta.accounts.tokens import hash_token
from parta.conftest import PASSWORD
from parta.core import access
from parta.directory.models import Enrollment, Guardianship, StaffPosition
from parta.registration import services
from parta.registration.models import Invitation, InvitationLetter
from parta.registration.tests.fixtures import TOKEN, parent_invitation

pytestmark = pytest.mark.postgres

NEW_PASSWORD = "lilac-river-stone-42"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def link_in(message) -> str:
    body = message.get_body(preferencelist=("plain",)).get_content()
    url = re.search(r"https?://\S+/join/invitation/\S+/", body).group(0)
    return re.sub(r"^https?://[^/]+", "", url)


def invite_parent(client: Client, cast, capture, **override: str):
    data = {
        "child": Enrollment.objects.get(student=cast.student).pk,
        "guardian_kind": "father",
        "last_name": "Петров",
        "first_name": "Сергей",
        "middle_name": "Иванович",
        "email": "petrov.father@example.ru",
        "language": "ru",
        **override,
    }
    with capture(execute=True):
        return client.post(reverse("registration_invite_parent"), data)


def account_data(**override: str) -> dict[str, str]:
    return {
        "last_name": "Петров",
        "first_name": "Сергей",
        "middle_name": "Иванович",
        "username": "petrov-papa",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        **override,
    }


# --- sending -------------------------------------------------------------------------------
def test_acc3_class_teacher_invites_a_parent_by_email(
    cast, smtp_server, django_capture_on_commit_callbacks
):
    teacher = signed_in(cast.class_teacher)
    response = invite_parent(teacher, cast, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.kind, invitation.child, invitation.school_class) == (
        "parent",
        cast.student,
        cast.school_class,
    )
    assert invitation.created_by == cast.class_teacher
    assert len(smtp_server) == 1
    letter = smtp_server[0]
    assert letter["To"] == "petrov.father@example.ru"
    body = letter.get_body(preferencelist=("plain",)).get_content()
    assert "Смирнова Ольга Петровна приглашает вас" in body
    assert "отец ученика Петров Миша" in body
    token = link_in(letter).rstrip("/").rsplit("/", 1)[-1]
    # Only the hash of the link's token is stored.
    letter_row = InvitationLetter.objects.get()
    assert letter_row.token_hash == hash_token(token)
    assert token not in letter_row.token_hash


def test_acc3_teacher_cannot_invite_into_another_class(cast):
    teacher = signed_in(cast.class_teacher)
    for name in ("registration_invite_student", "registration_invite_parent"):
        url = reverse(name) + f"?class={cast.other_class.pk}"
        assert teacher.get(url).status_code == 404
    url = reverse("registration_invitations") + f"?class={cast.other_class.pk}"
    assert teacher.get(url).status_code == 404
    # Posting another class's student or class directly creates nothing.
    response = teacher.post(
        reverse("registration_invite_parent"),
        {
            "child": Enrollment.objects.get(student=cast.other_student).pk,
            "guardian_kind": "mother",
            "last_name": "Сидорова",
            "first_name": "Ирина",
            "email": "x@example.ru",
            "language": "ru",
        },
    )
    assert response.status_code == 200
    assert "Выберите ученика из списка." in response.content.decode()
    response = teacher.post(
        reverse("registration_invite_student"),
        {
            "school_class": cast.other_class.pk,
            "last_name": "Новый",
            "first_name": "Ученик",
            "email": "y@example.ru",
            "language": "ru",
        },
    )
    assert "Выберите класс из списка." in response.content.decode()
    assert not Invitation.objects.exists()
    # Staff are invited by the director only.
    assert teacher.get(reverse("registration_invite_staff")).status_code == 404


def test_acc3_rejected_invitation_form_keeps_what_was_typed(
    cast, django_capture_on_commit_callbacks
):
    teacher = signed_in(cast.class_teacher)
    response = invite_parent(
        teacher, cast, django_capture_on_commit_callbacks, email="not-an-address"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Адрес почты набран с ошибкой" in html
    assert 'value="Петров"' in html and 'value="Иванович"' in html
    assert 'value="not-an-address"' in html


def test_acc3_same_open_invitation_is_not_sent_twice(
    cast, smtp_server, django_capture_on_commit_callbacks
):
    teacher = signed_in(cast.class_teacher)
    invite_parent(teacher, cast, django_capture_on_commit_callbacks)
    response = invite_parent(teacher, cast, django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert "уже отправлено" in response.content.decode()
    assert Invitation.objects.count() == 1 and len(smtp_server) == 1


def test_acc3_parent_form_warns_when_no_class_has_students(cast):
    teacher = signed_in(cast.class_teacher)
    url = reverse("registration_invite_parent")
    response = teacher.get(url)
    assert response.context["no_children"] is False
    assert "пока нет учеников" not in response.content.decode()
    Enrollment.objects.filter(school_class=cast.school_class).update(is_active=False)
    response = teacher.get(url)
    assert response.context["no_children"] is True
    assert "пока нет учеников" in response.content.decode()


def test_acc3_links_are_hashed_like_api_tokens_and_old_links_still_open(cast):
    """One SHA-256 helper for every stored token; letters already sent keep working."""
    assert services.hash_token is hash_token
    invitation = parent_invitation(cast)
    InvitationLetter.objects.filter(invitation=invitation).update(
        token_hash=hashlib.sha256(TOKEN.encode()).hexdigest()
    )
    assert Client().get(reverse("registration_accept", args=[TOKEN])).status_code == 200


# --- accepting -------------------------------------------------------------------------------
def test_acc3_accepting_looks_the_link_up_once_under_lock(cast):
    """The page reads the link once to show the form; the service reads it once more, locked,
    and that one lookup serves both creating the account and accepting."""
    parent_invitation(cast)
    link = reverse("registration_accept", args=[TOKEN])
    with CaptureQueriesContext(connection) as queries:
        response = Client().post(link, account_data())
    assert response.status_code == 302
    sql = [q["sql"] for q in queries.captured_queries]
    assert sum('WHERE "registration_invitationletter"."token_hash" =' in q for q in sql) == 2
    assert sum('FROM "registration_invitation"' in q and "FOR UPDATE" in q for q in sql) == 1
    assert Invitation.objects.get().accepted_by == User.objects.get(username="petrov-papa")


def test_acc3_new_person_accepts_and_gets_exactly_the_place(
    cast, smtp_server, django_capture_on_commit_callbacks
):
    invite_parent(signed_in(cast.class_teacher), cast, django_capture_on_commit_callbacks)
    link = link_in(smtp_server[0])
    guest = Client()
    page = guest.get(link).content.decode()
    assert 'value="Петров"' in page and 'value="Сергей"' in page  # names prefilled
    assert "Отец ученика Петров Миша" in page
    before = (
        Enrollment.objects.count(),
        StaffPosition.objects.count(),
        Guardianship.objects.count(),
    )
    response = guest.post(link, account_data(first_name="Серёжа"))
    assert response.status_code == 302
    person = User.objects.get(username="petrov-papa")
    assert person.first_name == "Серёжа"  # the invitee corrected the name
    assert person.email == "petrov.father@example.ru"
    assert person.check_password(NEW_PASSWORD)
    assert guest.session["_auth_user_id"] == str(person.pk)
    # Exactly one new place: the father of the invited child, nothing else.
    assert Guardianship.objects.count() == before[2] + 1
    assert Guardianship.objects.get(guardian=person).child == cast.student
    assert Guardianship.objects.get(guardian=person).kind == "father"
    assert (Enrollment.objects.count(), StaffPosition.objects.count()) == before[:2]
    assert [r.kind for r in access.roles_of(User.objects.get(pk=person.pk))] == [access.PARENT]
    invitation = Invitation.objects.get()
    assert invitation.status == "accepted" and invitation.accepted_by == person
    # The invitee signs in later with the login or the address they were invited at.
    for identifier in ("petrov-papa", "petrov.father@example.ru"):
        other = Client()
        other.post(reverse("account_login"), {"login": identifier, "password": NEW_PASSWORD})
        assert other.session["_auth_user_id"] == str(person.pk)


def test_acc3_reused_link_is_refused_with_a_message(cast):
    parent_invitation(cast)
    link = reverse("registration_accept", args=[TOKEN])
    Client().post(link, account_data())
    people = User.objects.count()
    reused = Client().get(link)
    assert reused.status_code == 410
    assert "Приглашение уже принято" in reused.content.decode()
    again = Client().post(link, account_data(username="another-login"))
    assert again.status_code == 410
    assert User.objects.count() == people


def test_acc3_expired_link_says_whom_to_ask(cast):
    invitation = parent_invitation(cast)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    link = reverse("registration_accept", args=[TOKEN])
    for response in (Client().get(link), Client().post(link, account_data())):
        html = response.content.decode()
        assert response.status_code == 410
        assert "Срок приглашения истёк" in html
        assert "Смирнова Ольга Петровна" in html and cast.school.name in html
    assert not User.objects.filter(username="petrov-papa").exists()


def test_acc3_expired_page_speaks_the_readers_language(cast):
    invitation = parent_invitation(cast)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    client = Client(headers={"accept-language": "kk"})
    html = client.get(reverse("registration_accept", args=[TOKEN])).content.decode()
    assert '<html lang="kk">' in html


def test_acc3_revoked_and_replaced_links_are_refused(cast, smtp_server):
    invitation = parent_invitation(cast)
    director = signed_in(cast.director)
    response = director.post(reverse("registration_invitation_resend", args=[invitation.pk]))
    assert response.status_code == 302
    replaced = Client().get(reverse("registration_accept", args=[TOKEN]))
    assert replaced.status_code == 410 and "Ссылка заменена новой" in replaced.content.decode()
    director.post(reverse("registration_invitation_revoke", args=[invitation.pk]))
    revoked = Client().get(reverse("registration_accept", args=[TOKEN]))
    assert revoked.status_code == 410 and "Приглашение отозвано" in revoked.content.decode()
    unknown = Client().get(reverse("registration_accept", args=["no-such-token"]))
    assert unknown.status_code == 404 and "Ссылка недействительна" in unknown.content.decode()


def test_acc3_rejected_account_form_keeps_what_was_typed(cast):
    parent_invitation(cast)
    link = reverse("registration_accept", args=[TOKEN])
    response = Client().post(
        link, account_data(last_name="Петров-Водкин", password2="something-else-42")
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Пароли не совпадают." in html
    assert 'value="Петров-Водкин"' in html and 'value="petrov-papa"' in html
    taken = Client().post(link, account_data(username=cast.parent.username))
    assert "Этот логин уже занят" in taken.content.decode()
    weak = Client().post(link, account_data(password1="12345678", password2="12345678"))
    assert 'id="id_password1_errors"' in weak.content.decode()
    assert Invitation.objects.get().accepted_at is None


def test_acc3_person_with_an_account_signs_in_and_accepts(
    cast, smtp_server, django_capture_on_commit_callbacks
):
    """The director invites a teacher at an address that already has an account: the place
    is attached to that account, confirmed."""
    director = signed_in(cast.director)
    with django_capture_on_commit_callbacks(execute=True):
        director.post(
            reverse("registration_invite_staff"),
            {
                "position": "teacher",
                "last_name": "Петрова",
                "first_name": "Анна",
                "email": cast.parent.email,
                "language": "ru",
            },
        )
    link = link_in(smtp_server[0])
    guest = Client().get(link).content.decode()
    assert "Войти и принять приглашение" in guest and 'name="password1"' not in guest
    parent = Client()
    parent.post(reverse("account_login"), {"login": "roditel", "password": PASSWORD})
    page = parent.get(link).content.decode()
    assert "Принять приглашение" in page
    response = parent.post(link)
    assert response.status_code == 302
    position = StaffPosition.objects.get(person=cast.parent, organization=cast.school)
    assert position.position == "teacher" and position.is_confirmed
    assert position.decided_by == cast.director
    kinds = {r.kind for r in access.roles_of(User.objects.get(pk=cast.parent.pk))}
    assert kinds == {access.PARENT, access.TEACHER}


def test_acc3_student_invitation_creates_a_confirmed_enrolment(
    cast, smtp_server, django_capture_on_commit_callbacks
):
    teacher = signed_in(cast.class_teacher)
    with django_capture_on_commit_callbacks(execute=True):
        teacher.post(
            reverse("registration_invite_student") + f"?class={cast.school_class.pk}",
            {
                "school_class": cast.school_class.pk,
                "last_name": "Ким",
                "first_name": "Алина",
                "email": "alina.kim@example.kz",
                "language": "kk",
            },
        )
    letter = smtp_server[0]
    assert letter["To"] == "alina.kim@example.kz"
    guest = Client()
    guest.post(link_in(letter), account_data(last_name="Ким", first_name="Алина", username="kim"))
    student = User.objects.get(username="kim")
    enrollment = Enrollment.objects.get(student=student)
    assert enrollment.school_class == cast.school_class and enrollment.is_confirmed
    assert enrollment.decided_by == cast.class_teacher
    assert not Guardianship.objects.filter(guardian=student).exists()


def test_acc3_inviter_who_lost_the_class_cannot_add_anyone(cast):
    """The inviter's right is checked again when the invitee accepts."""
    parent_invitation(cast)
    cast.school_class.class_teacher = cast.other_teacher
    cast.school_class.save()
    link = reverse("registration_accept", args=[TOKEN])
    response = Client().post(link, account_data())
    assert response.status_code == 200
    assert "больше не может добавить вас сюда" in response.content.decode()
    assert not User.objects.filter(username="petrov-papa").exists()
    assert Invitation.objects.get().accepted_at is None


def test_acc3_parent_cannot_accept_a_parent_invitation_as_the_child(cast):
    parent_invitation(cast)
    student = signed_in(cast.student)
    response = student.post(reverse("registration_accept", args=[TOKEN]))
    assert response.status_code == 409
    assert not Guardianship.objects.filter(guardian=cast.student).exists()


# --- the inviter's list ----------------------------------------------------------------------
def test_acc3_list_shows_states_and_only_ones_own_class(cast):
    mine = parent_invitation(cast)
    other = Invitation.objects.create(
        kind="student",
        organization=cast.school,
        school_class=cast.other_class,
        email="z@example.ru",
        last_name="Другой",
        first_name="Класс",
        created_by=cast.director,
        expires_at=timezone.now() + datetime.timedelta(days=7),
    )
    teacher_page = signed_in(cast.class_teacher).get(reverse("registration_invitations"))
    html = teacher_page.content.decode()
    assert mine.full_name in html and other.full_name not in html
    director_page = signed_in(cast.director).get(reverse("registration_invitations")).content
    assert other.full_name in director_page.decode()
    # The class teacher cannot resend or revoke the other class's invitation: 404.
    teacher = signed_in(cast.class_teacher)
    assert (
        teacher.post(reverse("registration_invitation_revoke", args=[other.pk])).status_code == 404
    )


def test_acc3_deputy_does_not_invite_staff_or_touch_staff_invitations(cast):
    deputy = f.UserFactory(username="zavuch")
    f.StaffPositionFactory(person=deputy, organization=cast.school, position="deputy")
    staff = Invitation.objects.create(
        kind="staff",
        organization=cast.school,
        position="teacher",
        email="t@example.ru",
        last_name="Учитель",
        first_name="Новый",
        created_by=cast.director,
        expires_at=timezone.now() + datetime.timedelta(days=7),
    )
    client = signed_in(deputy)
    assert client.get(reverse("registration_invite_staff")).status_code == 404
    assert client.get(reverse("registration_invite_parent")).status_code == 200
    response = client.post(reverse("registration_invitation_revoke", args=[staff.pk]))
    assert response.status_code == 404
    assert Invitation.objects.get(pk=staff.pk).revoked_at is None


def _many_invitations(cast, count: int) -> None:
    now = timezone.now()
    states = [
        {},
        {"accepted_at": now, "accepted_by": cast.parent},
        {"revoked_at": now, "revoked_by": cast.director},
        {"expires_at": now - datetime.timedelta(days=1)},
    ]
    Invitation.objects.bulk_create(
        Invitation(
            kind="parent",
            organization=cast.school,
            school_class=cast.school_class,
            child=cast.student,
            guardian_kind="mother",
            email=f"p{i}@example.ru",
            last_name=f"Родитель{i}",
            first_name="Имя",
            created_by=cast.class_teacher,
            **{"expires_at": now + datetime.timedelta(days=7), **states[i % len(states)]},
        )
        for i in range(count)
    )


def test_acc3_list_keeps_a_fixed_number_of_queries(cast, django_assert_max_num_queries):
    teacher = signed_in(cast.class_teacher)
    url = reverse("registration_invitations")
    _many_invitations(cast, 4)
    with CaptureQueriesContext(connection) as small:
        assert teacher.get(url).status_code == 200
    _many_invitations(cast, 120)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = teacher.get(url)
    assert response.status_code == 200
    assert response.content.decode().count('<li class="list-group-item py-3">') == 50
