"""VER-4: a person claims a place at a school; it waits for the one who answers for it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from parta import factories as f
from parta.confirmation.services import MAX_PENDING_CLAIMS
from parta.core import access
from parta.directory.models import Confirmation, Enrollment, StaffPosition

pytestmark = pytest.mark.django_db


@pytest.fixture
def newcomer(db):
    return f.UserFactory(username="samozapis", last_name="Белова", first_name="Дарья")


def test_ver4_search_finds_schools_by_name_and_inn(cast, client, newcomer):
    client.force_login(newcomer)
    url = reverse("confirmation_claim_start")
    page = client.get(url, {"q": cast.school.short_name.lower()}).content.decode()
    assert reverse("confirmation_claim_work", args=[cast.school.pk]) in page
    page = client.get(url, {"q": cast.other_school.inn}).content.decode()
    assert reverse("confirmation_claim_study", args=[cast.other_school.pk]) in page
    assert reverse("confirmation_claim_study", args=[cast.school.pk]) not in page
    assert "Ничего не нашлось" in client.get(url, {"q": "нет такой"}).content.decode()


def test_ver4_claim_work_is_pending_and_gives_no_role(cast, client, newcomer):
    client.force_login(newcomer)
    response = client.post(
        reverse("confirmation_claim_work", args=[cast.school.pk]), {"position": "teacher"}
    )
    assert response.status_code == 302
    position = StaffPosition.objects.get(person=newcomer)
    assert (position.status, position.position, position.organization) == (
        Confirmation.PENDING,
        "teacher",
        cast.school,
    )
    assert access.roles_of(type(newcomer).objects.get(pk=newcomer.pk)) == []
    # The director sees it in the table; the claimant sees it at home.
    home = client.get(reverse("no_role_home")).content.decode()
    assert "ждёт решения директора" in home
    client.force_login(cast.director)
    assert "Белова Дарья" in client.get(reverse("confirmation_staff")).content.decode()


def test_ver4_same_claim_twice_is_refused_with_a_message(cast, client, newcomer):
    client.force_login(newcomer)
    url = reverse("confirmation_claim_work", args=[cast.school.pk])
    client.post(url, {"position": "teacher"})
    response = client.post(url, {"position": "teacher"})
    assert response.status_code == 200
    assert "уже отправлена" in response.content.decode()
    assert StaffPosition.objects.filter(person=newcomer).count() == 1


def test_ver4_director_position_cannot_be_claimed_here(cast, client, newcomer):
    """VER-2 decides directors: the claim form offers teacher, deputy, secretary only."""
    client.force_login(newcomer)
    response = client.post(
        reverse("confirmation_claim_work", args=[cast.school.pk]), {"position": "director"}
    )
    assert response.status_code == 200
    assert not StaffPosition.objects.filter(person=newcomer).exists()


def test_ver4_claim_study_picks_a_class_of_the_school(cast, client, newcomer):
    client.force_login(newcomer)
    url = reverse("confirmation_claim_study", args=[cast.school.pk])
    page = client.get(url).content.decode()
    assert ">5А<" in page and ">6Б<" in page and ">7В<" not in page
    # A class of another school is not a choice.
    response = client.post(url, {"school_class": cast.far_class.pk})
    assert response.status_code == 200
    assert not Enrollment.objects.filter(student=newcomer).exists()
    response = client.post(url, {"school_class": cast.school_class.pk})
    assert response.status_code == 302
    enrolment = Enrollment.objects.get(student=newcomer)
    assert enrolment.status == Confirmation.PENDING
    client.force_login(cast.class_teacher)
    assert "Белова Дарья" in client.get(reverse("confirmation_students")).content.decode()


def test_ver4_claims_are_limited(cast, client, newcomer):
    client.force_login(newcomer)
    classes = [
        f.SchoolClassFactory(organization=cast.school, grade=9)
        for _ in range(MAX_PENDING_CLAIMS + 1)
    ]
    for school_class in classes[:MAX_PENDING_CLAIMS]:
        client.post(
            reverse("confirmation_claim_study", args=[cast.school.pk]),
            {"school_class": school_class.pk},
        )
    response = client.post(
        reverse("confirmation_claim_study", args=[cast.school.pk]),
        {"school_class": classes[-1].pk},
    )
    assert "ждут решения" in response.content.decode()
    assert Enrollment.objects.filter(student=newcomer).count() == MAX_PENDING_CLAIMS


def test_ver4_withdraw_own_pending_claim_only(cast, client, newcomer):
    client.force_login(newcomer)
    client.post(reverse("confirmation_claim_work", args=[cast.school.pk]), {"position": "deputy"})
    position = StaffPosition.objects.get(person=newcomer)
    other = StaffPosition.objects.get(person=cast.pending_teacher)
    response = client.post(reverse("confirmation_claim_withdraw", args=["staff", other.pk]))
    assert StaffPosition.objects.filter(pk=other.pk).exists()
    assert response.status_code == 404  # someone else's claim does not exist for this person
    client.post(reverse("confirmation_claim_withdraw", args=["staff", position.pk]))
    assert not StaffPosition.objects.filter(pk=position.pk).exists()
    assert client.post(reverse("confirmation_claim_withdraw", args=["x", 1])).status_code == 404


def test_ver4_a_place_left_can_be_claimed_again(cast, client, newcomer):
    """A confirmed place that ended (is_active=False) is not "already yours": a claim reopens it."""
    position = StaffPosition.objects.create(
        person=newcomer,
        organization=cast.school,
        position="teacher",
        status="confirmed",
        is_active=False,
    )
    client.force_login(newcomer)
    client.post(reverse("confirmation_claim_work", args=[cast.school.pk]), {"position": "teacher"})
    position.refresh_from_db()
    assert (position.status, position.is_active) == ("pending", True)


def test_ver4_my_places_lists_confirmed_and_pending(cast, client):
    client.force_login(cast.class_teacher)
    page = client.get(reverse("confirmation_my_places")).content.decode()
    assert "Школа № 1" in page and "подтверждено" in page


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ver4_parallel_claims_cannot_pass_the_limit_together(cast, monkeypatch):
    """Each thread claims a different position at once with one claim left under the limit:
    the person's row is locked while the limit is counted, so exactly one claim is made.
    (The count is slowed down so that the threads would overlap without the lock.)"""
    import threading
    import time

    from django.db import connection

    from parta.confirmation import services
    from parta.core.errors import DomainError

    person = f.UserFactory(username="speedy", last_name="Быстрова", first_name="Ольга")
    others = [f.OrganizationFactory(municipality=cast.municipality) for _ in range(4)]
    for org in others[: MAX_PENDING_CLAIMS - 1]:
        services.staff_claim(person=person, organization=org, position="teacher")
    counted = services._check_claim_limit

    def slow_count(who):
        counted(who)
        time.sleep(0.3)

    monkeypatch.setattr(services, "_check_claim_limit", slow_count)
    barrier = threading.Barrier(3)
    outcomes: list[str] = []

    def claim(position: str) -> None:
        try:
            barrier.wait()
            services.staff_claim(person=person, organization=cast.school, position=position)
            outcomes.append("made")
        except DomainError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(p,)) for p in CLAIMABLE]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["made", "refused", "refused"]
    assert StaffPosition.objects.filter(person=person, status="pending").count() == (
        MAX_PENDING_CLAIMS
    )


CLAIMABLE = ("teacher", "deputy", "secretary")
