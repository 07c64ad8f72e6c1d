"""152-FZ: consents given, withdrawn and given again, with the text version and by whom."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from parta import factories as f
from parta.privacy.consents import consent_in_force, consents_to_ask, give_consent
from parta.privacy.models import Consent
from parta.privacy.texts import CHILD_EJOURNAL

pytestmark = pytest.mark.django_db

GIVE = "privacy_consent_give"


def give(client, person, purpose="child_ejournal"):
    return client.post(reverse(GIVE), {"person": person.pk, "purpose": purpose})


def test_152fz_parent_gives_consent_for_the_child_with_version_and_giver(cast, client):
    client.force_login(cast.parent)
    assert give(client, cast.student).status_code == 302
    consent = Consent.objects.get()
    assert (consent.person, consent.given_by, consent.purpose, consent.text_version) == (
        cast.student,
        cast.parent,
        "child_ejournal",
        CHILD_EJOURNAL.version,
    )
    assert consent.withdrawn_at is None
    page = client.get(reverse("privacy_consents")).content.decode()
    assert "Действует" in page and "законный представитель" in page


def test_152fz_withdraw_is_stamped_and_giving_again_adds_a_row(cast, client):
    client.force_login(cast.parent)
    give(client, cast.student)
    consent = Consent.objects.get()
    warning = client.get(reverse("privacy_consent_withdraw", args=[consent.pk])).content.decode()
    assert "Школа перестанет вести электронный журнал" in warning
    assert client.post(reverse("privacy_consent_withdraw", args=[consent.pk])).status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None and consent.withdrawn_by == cast.parent
    assert consent_in_force(cast.student, "child_ejournal") is None
    give(client, cast.student)
    assert Consent.objects.count() == 2
    assert consent_in_force(cast.student, "child_ejournal").given_by == cast.parent
    page = client.get(reverse("privacy_consents")).content.decode()
    assert "История: 2" in page


def test_152fz_the_child_reads_the_parents_consent_but_cannot_change_it(cast, client):
    client.force_login(cast.parent)
    give(client, cast.student)
    consent = Consent.objects.get()
    client.force_login(cast.student)
    page = client.get(reverse("privacy_consents")).content.decode()
    assert str(CHILD_EJOURNAL.title) in page
    assert "Петрова Анна Сергеевна" in page
    assert reverse("privacy_consent_withdraw", args=[consent.pk]) not in page
    assert "даёт и может отозвать ваш родитель" in page
    assert client.post(reverse("privacy_consent_withdraw", args=[consent.pk])).status_code == 404
    assert give(client, cast.student).status_code == 404
    consent.refresh_from_db()
    assert consent.withdrawn_at is None


def test_152fz_another_parent_can_neither_see_nor_change_the_consent(cast, client):
    consent = give_consent(cast.student, "child_ejournal", given_by=cast.parent)
    client.force_login(cast.other_parent)
    page = client.get(reverse("privacy_consents")).content.decode()
    assert "Сидоров Коля" in page and "Петров Миша" not in page
    assert client.get(reverse("privacy_consent_withdraw", args=[consent.pk])).status_code == 404
    assert give(client, cast.student).status_code == 404
    assert Consent.objects.count() == 1


def test_152fz_consent_text_of_each_version_is_readable(cast, client):
    client.force_login(cast.student)
    url = reverse("privacy_consent_text", args=["child_ejournal", CHILD_EJOURNAL.version])
    assert "Цель обработки" in client.get(url).content.decode()
    missing = reverse("privacy_consent_text", args=["child_ejournal", "1999-01"])
    assert client.get(missing).status_code == 404
    assert client.get(reverse("privacy_consent_text", args=["nope", "1"])).status_code == 404


def test_152fz_parent_home_asks_for_the_consent_without_blocking(cast, client):
    client.force_login(cast.parent)
    home = client.get(reverse("parent_home")).content.decode()
    assert "Согласие на электронный журнал и дневник" in home
    assert "Петров Миша" in home
    # Answering from the card returns to the home page, where the card is gone.
    response = client.post(
        reverse(GIVE),
        {"person": cast.student.pk, "purpose": "child_ejournal", "next": "/parent/"},
    )
    assert response["Location"] == "/parent/"
    assert "Согласие на электронный журнал" not in client.get("/parent/").content.decode()


def test_152fz_remind_later_hides_the_card_for_the_session(cast, client):
    client.force_login(cast.parent)
    client.post(reverse("privacy_consents_later"), {"next": "/parent/"})
    assert "Согласие на электронный журнал" not in client.get("/parent/").content.decode()
    assert not Consent.objects.exists()


def test_152fz_a_withdrawn_consent_is_not_asked_again_a_new_text_is(cast):
    assert consents_to_ask(cast.parent) == [(cast.student, CHILD_EJOURNAL)]
    consent = Consent.objects.create(
        person=cast.student, given_by=cast.parent, purpose="child_ejournal", text_version="2026-11"
    )
    assert consents_to_ask(cast.parent) == []
    Consent.objects.filter(pk=consent.pk).update(
        withdrawn_by=cast.parent, withdrawn_at=timezone.now()
    )
    assert consents_to_ask(cast.parent) == []
    Consent.objects.filter(pk=consent.pk).update(text_version="2025-01")
    assert consents_to_ask(cast.parent) == [(cast.student, CHILD_EJOURNAL)]


def test_152fz_consents_page_queries_do_not_grow(cast, client, django_assert_max_num_queries):
    client.force_login(cast.parent)
    give(client, cast.student)
    with django_assert_max_num_queries(15) as small:
        response = client.get(reverse("privacy_consents"))
    baseline = len(small)  # the log is reset by later requests: count now
    assert response.status_code == 200, response
    for n in range(6):
        child = f.UserFactory(username=f"child{n}")
        f.GuardianshipFactory(guardian=cast.parent, child=child)
        give(client, child)
        client.post(
            reverse("privacy_consent_withdraw", args=[Consent.objects.get(person=child).pk])
        )
        give(client, child)
    with django_assert_max_num_queries(baseline):
        page = client.get(reverse("privacy_consents")).content.decode()
    assert page.count("История: 2") == 6


# --- review fixes ---------------------------------------------------------------------------
def test_152fz_a_second_withdrawal_changes_nothing_and_is_told(cast):
    """Two withdrawals of one consent at the same moment: the first stamps it; the second,
    holding the consent as it read it before, changes nothing and says it is withdrawn."""
    from parta.core.errors import DomainError
    from parta.privacy.consents import withdraw_consent

    consent = give_consent(cast.student, "child_ejournal", given_by=cast.parent)
    stale = Consent.objects.get(pk=consent.pk)
    withdraw_consent(consent, by=cast.parent)
    first = Consent.objects.get(pk=consent.pk)
    assert first.withdrawn_at is not None and first.withdrawn_by == cast.parent
    with pytest.raises(DomainError, match="уже отозвано"):
        withdraw_consent(stale, by=cast.other_parent)
    again = Consent.objects.get(pk=consent.pk)
    assert (again.withdrawn_at, again.withdrawn_by) == (first.withdrawn_at, cast.parent)
    assert stale.withdrawn_by == cast.parent  # the caller's copy now says what happened


def test_152fz_consents_are_given_for_the_parents_own_children_only(cast, client):
    """The child picked by the form comes from the parent's children (children_of)."""
    client.force_login(cast.parent)
    assert give(client, cast.other_student).status_code == 404
    assert give(client, cast.student).status_code == 302
    assert Consent.objects.get().person == cast.student
    page = client.get(reverse("privacy_consents")).content.decode()
    assert "Петров Миша" in page and "Сидоров Коля" not in page


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_152fz_the_same_consent_given_twice_at_once_is_recorded_once(cast, monkeypatch):
    """A double click (or both parents at once): the person's row is locked while the consent
    in force is looked up, so the second waits and gets the first one's consent, instead of
    a 500 from the constraint of one consent in force per purpose. (The lookup is slowed down
    so that the two would overlap without the lock.)"""
    import threading
    import time

    from django.db import connection

    from parta.privacy import consents

    looked_up = consents.consent_in_force

    def slow_lookup(person, purpose):
        found = looked_up(person, purpose)
        time.sleep(0.3)
        return found

    monkeypatch.setattr(consents, "consent_in_force", slow_lookup)
    barrier = threading.Barrier(2)
    given: list[int] = []
    failed: list[Exception] = []

    def give_it() -> None:
        try:
            barrier.wait()
            given.append(give_consent(cast.student, "child_ejournal", given_by=cast.parent).pk)
        except Exception as error:  # an IntegrityError without the lock
            failed.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=give_it) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failed
    assert len(given) == 2 and given[0] == given[1]
    assert Consent.objects.filter(person=cast.student).count() == 1
