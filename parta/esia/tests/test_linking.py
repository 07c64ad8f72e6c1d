"""ACC-4: a portal identity is linked to an account only by proof — the account's password or
the confirmation of the account's school — never by a name; the person's list of links."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from parta import factories as f
from parta.conftest import PASSWORD
from parta.directory.models import Confirmation
from parta.esia.models import EsiaLink, LinkCandidate, LinkRequest
from parta.esia.templatetags.esia import esia_account_section
from parta.esia.tests.conftest import portal_sign_in

pytestmark = pytest.mark.django_db

PARENT_SNILS = "11223344595"
BIRTH = datetime.date(1985, 3, 14)


def signed_in_as(client: Client) -> int | None:
    value = client.session.get(SESSION_KEY)
    return int(value) if value is not None else None


def ask_school(client: Client, message: str = "") -> Any:
    return client.post(reverse("esia_link"), {"action": "request", "request-message": message})


@pytest.fixture
def parent_with_snils(cast: Any) -> Any:
    cast.parent.snils = PARENT_SNILS
    cast.parent.birth_date = BIRTH
    cast.parent.save(update_fields=["snils", "birth_date"])
    return cast.parent


# --- never by name alone --------------------------------------------------------------------
def test_same_name_alone_links_nothing_and_asks_no_school(client, cast, esia):
    """ACC-4: a portal person named exactly like the cast's parent, with no SNILS and no birth
    date, is not linked and cannot even route a request to the parent's school."""
    parent = cast.parent
    esia.set_user(
        "namesake",
        family_name=parent.last_name,
        given_name=parent.first_name,
        middle_name=parent.middle_name,
    )
    response = portal_sign_in(client, esia, "namesake")
    assert response["Location"] == reverse("esia_link")
    assert signed_in_as(client) is None
    response = ask_school(client)
    assert response.status_code == 200
    assert "Школа не сможет подтвердить связь" in response.content.decode()
    assert not LinkRequest.objects.exists()
    assert not EsiaLink.objects.exists()


def test_matching_snils_only_routes_a_request_it_does_not_link(client, esia, parent_with_snils):
    """Even a matching SNILS is no proof by itself: it only tells which school to ask."""
    esia.set_user("esia-anna", family_name="Петрова", given_name="Анна", snils=PARENT_SNILS)
    portal_sign_in(client, esia, "esia-anna")
    assert signed_in_as(client) is None
    response = ask_school(client, "Мама ученика 5А")
    assert response.status_code == 302
    assert not EsiaLink.objects.exists()
    request = LinkRequest.objects.get()
    assert request.status == Confirmation.PENDING
    assert request.snils == PARENT_SNILS
    assert request.message == "Мама ученика 5А"
    candidate = LinkCandidate.objects.get()
    assert (candidate.user, candidate.organization, candidate.match) == (
        parent_with_snils,
        esia_school(parent_with_snils),
        LinkCandidate.Match.SNILS,
    )
    page = client.get(reverse("esia_link")).content.decode()
    assert "ждёт решения администрации школы" in page
    assert ask_school(client).status_code == 200  # a second request is not made
    assert LinkRequest.objects.count() == 1


def esia_school(user: Any) -> Any:
    from parta.directory.models import Guardianship

    child = Guardianship.objects.filter(guardian=user).first().child
    return child.enrollments.get().school_class.organization


def test_name_with_birth_date_routes_a_request(client, cast, esia, parent_with_snils):
    parent = parent_with_snils
    esia.set_user(
        "esia-anna",
        family_name=parent.last_name.upper(),
        given_name=parent.first_name,
        middle_name=parent.middle_name,
        birthdate=BIRTH.isoformat(),
    )
    portal_sign_in(client, esia, "esia-anna")
    assert ask_school(client).status_code == 302
    candidate = LinkCandidate.objects.get()
    assert candidate.user == parent
    assert candidate.match == LinkCandidate.Match.NAME_BIRTH_DATE


# --- the school's confirmation ----------------------------------------------------------------
def requested(client: Client, esia: Any) -> LinkCandidate:
    esia.set_user("esia-anna", family_name="Петрова", given_name="Анна", snils=PARENT_SNILS)
    portal_sign_in(client, esia, "esia-anna")
    assert ask_school(client).status_code == 302
    return LinkCandidate.objects.get()


def test_school_administration_confirms_then_portal_sign_in_is_direct(
    client, cast, esia, parent_with_snils
):
    """ACC-4: the director of the parent's school confirms; only then is the link made."""
    candidate = requested(client, esia)
    director = Client()
    director.force_login(cast.director)
    page = director.get(reverse("esia_queue"))
    assert page.status_code == 200
    assert parent_with_snils.full_name in page.content.decode()
    assert "родитель:" in page.content.decode()
    response = director.post(reverse("esia_confirm", args=[candidate.pk]))
    assert response.status_code == 302
    link = EsiaLink.objects.get()
    assert link.user == parent_with_snils
    assert link.method == EsiaLink.Method.SCHOOL
    assert link.confirmed_by == cast.director
    assert LinkRequest.objects.get().status == Confirmation.CONFIRMED

    person = Client()
    portal_sign_in(person, esia, "esia-anna")
    assert signed_in_as(person) == parent_with_snils.pk


def test_other_schools_and_other_roles_do_not_see_or_decide_the_request(
    client, cast, esia, parent_with_snils
):
    candidate = requested(client, esia)
    other_director = f.UserFactory(username="direktor2", last_name="Соколова", first_name="Мария")
    f.StaffPositionFactory(
        person=other_director, organization=cast.other_school, position="director"
    )
    for member in (other_director, cast.class_teacher, cast.parent, cast.official, cast.operator):
        browser = Client()
        browser.force_login(member)
        queue = browser.get(reverse("esia_queue"))
        assert queue.status_code == 404 or parent_with_snils.full_name not in queue.content.decode()
        assert browser.post(reverse("esia_confirm", args=[candidate.pk])).status_code == 404
        assert (
            browser.post(
                reverse("esia_reject", args=[candidate.pk]), {f"r{candidate.pk}-reason": "нет"}
            ).status_code
            == 404
        )
    assert not EsiaLink.objects.exists()
    assert LinkRequest.objects.get().status == Confirmation.PENDING


def test_rejection_needs_a_reason_keeps_it_and_the_person_reads_it(
    client, cast, esia, parent_with_snils
):
    candidate = requested(client, esia)
    director = Client()
    director.force_login(cast.director)
    url = reverse("esia_reject", args=[candidate.pk])
    response = director.post(url, {f"r{candidate.pk}-reason": "   "})
    assert response.status_code == 400
    assert "Напишите причину отказа" in response.content.decode()
    response = director.post(url, {f"r{candidate.pk}-reason": "СНИЛС не совпадает с паспортом"})
    assert response.status_code == 302
    assert LinkRequest.objects.get().status == Confirmation.REJECTED
    assert not EsiaLink.objects.exists()
    page = client.get(reverse("esia_link")).content.decode()
    assert "СНИЛС не совпадает с паспортом" in page
    # A decided request cannot be confirmed afterwards.
    director.post(reverse("esia_confirm", args=[candidate.pk]))
    assert not EsiaLink.objects.exists()


def test_nobody_confirms_their_own_account(client, cast, esia):
    cast.director.snils = PARENT_SNILS
    cast.director.save(update_fields=["snils"])
    candidate = requested(client, esia)
    director = Client()
    director.force_login(cast.director)
    director.post(reverse("esia_confirm", args=[candidate.pk]))
    assert not EsiaLink.objects.exists()


def test_queue_keeps_a_fixed_number_of_queries(
    client, cast, esia, parent_with_snils, django_assert_max_num_queries
):
    requested(client, esia)
    director = Client()
    director.force_login(cast.director)
    with django_assert_max_num_queries(30) as small:
        director.get(reverse("esia_queue"))
    for n in range(6):
        person = f.UserFactory(username=f"extra{n}", last_name="Сидорова", first_name=f"Ольга{n}")
        person.snils = f"1000000{n:04d}"
        person.save(update_fields=["snils"])
        f.GuardianshipFactory(guardian=person, child=cast.student)
        request = LinkRequest.objects.create(
            issuer=esia.issuer, subject=f"s{n}", snils=person.snils
        )
        LinkCandidate.objects.create(
            request=request, user=person, organization=cast.school, match="snils"
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = director.get(reverse("esia_queue"))
    assert page.content.decode().count("Подтвердить связь") == 7


# --- the person's own links -----------------------------------------------------------------
def test_links_page_lists_own_links_and_unlinking_needs_the_password(client, cast, esia):
    link = EsiaLink.objects.create(
        user=cast.parent,
        issuer=esia.issuer,
        subject="esia-parent",
        method="password",
        display_name="Петрова Анна",
    )
    other = EsiaLink.objects.create(
        user=cast.other_parent, issuer=esia.issuer, subject="esia-other", method="password"
    )
    client.force_login(cast.parent)
    page = client.get(reverse("esia_links")).content.decode()
    assert "Петрова Анна" in page
    assert reverse("esia_unlink", args=[other.pk]) not in page
    # Another person's link: 404, as if it did not exist.
    assert (
        client.post(
            reverse("esia_unlink", args=[other.pk]), {f"u{other.pk}-password": PASSWORD}
        ).status_code
        == 404
    )
    response = client.post(
        reverse("esia_unlink", args=[link.pk]), {f"u{link.pk}-password": "wrong"}
    )
    assert response.status_code == 400
    assert "Неверный пароль" in response.content.decode()
    assert EsiaLink.objects.filter(pk=link.pk).exists()
    response = client.post(
        reverse("esia_unlink", args=[link.pk]), {f"u{link.pk}-password": PASSWORD}
    )
    assert response.status_code == 302
    assert not EsiaLink.objects.filter(pk=link.pk).exists()
    assert EsiaLink.objects.filter(pk=other.pk).exists()


def test_links_page_offers_linking_when_there_is_none(client, cast, esia):
    client.force_login(cast.parent)
    page = client.get(reverse("esia_links")).content.decode()
    assert "Вход через Госуслуги не подключён" in page
    assert reverse("esia_start") in page


def test_account_linked_to_one_portal_identity_refuses_a_second(client, cast, esia):
    EsiaLink.objects.create(
        user=cast.parent, issuer=esia.issuer, subject="esia-first", method="password"
    )
    portal_sign_in(client, esia, "esia-second")
    response = client.post(
        reverse("esia_link"),
        {
            "action": "password",
            "password-login": cast.parent.username,
            "password-password": PASSWORD,
        },
    )
    assert "уже связана с другой учётной записью Госуслуг" in response.content.decode()
    assert EsiaLink.objects.count() == 1
    assert signed_in_as(client) is None


def test_members_pages_of_esia_follow_the_policy(client, cast, esia):
    """ACC-4: the queue is for the school's administration only; the links page for anyone
    signed in (each sees their own)."""
    for name, member in cast.members.items():
        browser = Client()
        browser.force_login(member)
        expected = 200 if name == "director" else 404
        assert browser.get(reverse("esia_queue")).status_code == expected, name
        assert browser.get(reverse("esia_links")).status_code == 200, name
    anonymous = Client()
    for url in (reverse("esia_queue"), reverse("esia_links")):
        response = anonymous.get(url)
        assert response.status_code == 302 and response["Location"].startswith(
            reverse("account_login")
        )
    # Without a portal answer in the session there is nothing to link.
    assert anonymous.get(reverse("esia_link"))["Location"] == reverse("account_login")


def test_school_home_shows_the_queue_with_its_count(client, cast, esia, parent_with_snils):
    requested(client, esia)
    director = Client()
    director.force_login(cast.director)
    page = director.get(reverse("school_home")).content.decode()
    assert reverse("esia_queue") in page
    assert "Заявки на подтверждение: 1" in page


def test_school_home_has_no_queue_link_when_esia_is_off(client, cast, settings):
    settings.ESIA_OIDC_ENABLED = False
    client.force_login(cast.director)
    page = client.get(reverse("school_home")).content.decode()
    assert "/esia/" not in page


def test_queue_is_written_to_the_access_log(client, cast, esia, parent_with_snils):
    """152-FZ: the school's queue shows a person's SNILS and birth date: the look is logged and
    reads as a sentence, not a code."""
    from parta.privacy.access_log import describe
    from parta.privacy.models import AccessRecord

    requested(client, esia)
    director = Client()
    director.force_login(cast.director)
    director.get(reverse("esia_queue"))
    record = AccessRecord.objects.get(subject=parent_with_snils)
    assert record.viewer == cast.director
    assert "Госуслуги" in describe(record.what, record.params)


def test_deploy_checks_refuse_plain_http_and_missing_hooks(esia, settings):
    from parta.esia.checks import esia_settings

    settings.ESIA_OIDC_CLIENT_SECRET_SIGNER = "parta.esia.no_such_module.sign"
    ids = {problem.id for problem in esia_settings()}
    assert {"parta.esia.E001", "parta.esia.E002"} <= ids
    settings.ESIA_OIDC_ENABLED = False
    assert esia_settings() == []


def test_account_section_tag_for_the_login_settings_page(rf, cast, esia, settings):
    """The block the login settings page (ACC-8) includes: linked or not, and where to go."""
    from django.template import Context, Template

    template = Template("{% load esia %}{% esia_account_section %}")
    request = rf.get("/settings/")
    request.user = cast.parent
    html = template.render(Context({"request": request}))
    assert "Вход через Госуслуги не подключён" in html and reverse("esia_links") in html
    # Only what the block shows: the button's label is not part of it.
    assert esia_account_section({"request": request}) == {"enabled": True, "linked": False}
    EsiaLink.objects.create(user=cast.parent, issuer=esia.issuer, subject="s", method="password")
    assert "связана с Партой" in template.render(Context({"request": request}))
    settings.ESIA_OIDC_ENABLED = False
    assert template.render(Context({"request": request})).strip() == ""
