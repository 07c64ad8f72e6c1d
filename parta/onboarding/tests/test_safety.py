"""Change of director without handing over someone else's account (VER-3), expiring links,
files replaced only after commit, and reads that do not repeat themselves (VER-1, VER-2)."""

from __future__ import annotations

import datetime
import hashlib
from typing import Any

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from parta.accounts.tokens import hash_token
from parta.directory.models import StaffPosition, VisibleQuerySet
from parta.onboarding import models as onboarding_models
from parta.onboarding import services
from parta.onboarding.models import AccessRequest, DirectorChange, DirectorSubmission, new_token
from parta.onboarding.tests import fixtures as fx

pytestmark = pytest.mark.django_db

ATTACKER = "attacker@evil.example"


def submitted_change(cast: Any, **fields: Any) -> DirectorChange:
    """An order of Школа № 1 waiting for the operator, with the new director's data."""
    data = {
        "last_name": "Соколова",
        "first_name": "Марина",
        "middle_name": "Олеговна",
        "email": ATTACKER,
        "snils": "",
        **fields,
    }
    change = DirectorChange(
        organization=cast.school,
        source=DirectorChange.Source.CABINET,
        inn=cast.school.inn,
        order_number="15-к",
        order_date=datetime.date(2026, 11, 1),
        status=DirectorChange.Status.SUBMITTED,
        submitted_at=timezone.now(),
        **data,
    )
    change.order_scan.save("document.pdf", ContentFile(fx.pdf_bytes()), save=False)
    change.save()
    return change


def apply(client: Any, cast: Any, change: DirectorChange, capture: Any) -> str:
    client.force_login(cast.operator)
    with capture(execute=True):
        response = client.post(
            reverse("onboarding_operator_change", args=[change.pk]), {"decision": "approve"}
        )
    return response.content.decode() if response.status_code == 200 else ""


def is_director(person: Any, cast: Any) -> bool:
    return StaffPosition.objects.filter(
        person=person, organization=cast.school, position="director", is_active=True
    ).exists()


def letters_to(address: str) -> list[Any]:
    return [m for m in mail.outbox if address.lower() in (a.lower() for a in m.to)]


# --- 1. Whose account the new director gets -------------------------------------------------
def test_ver3_order_with_someones_snils_and_another_name_does_not_hand_over_their_account(
    client, cast, django_capture_on_commit_callbacks
):
    victim = cast.parent
    victim.snils = fx.snils("123456780")
    victim.set_unusable_password()  # never signed in: a fresh password would be issued
    victim.save()
    change = submitted_change(cast, snils=victim.snils)
    client.force_login(cast.operator)
    page = client.get(reverse("onboarding_operator_change", args=[change.pk])).content.decode()
    assert "СНИЛС нового руководителя записан в Парте за человеком с другими" in page
    assert "Новый руководитель уже есть в Парте" not in page

    html = apply(client, cast, change, django_capture_on_commit_callbacks)
    assert "СНИЛС нового руководителя записан в Парте за человеком с другими" in html
    change.refresh_from_db()
    assert change.status == DirectorChange.Status.SUBMITTED and change.new_director is None
    assert not is_director(victim, cast)
    assert not letters_to(ATTACKER)
    victim.refresh_from_db()
    assert not victim.has_usable_password() and victim.email == "petrova@example.ru"


def test_ver3_order_for_an_account_with_another_email_is_refused(
    client, cast, django_capture_on_commit_callbacks
):
    victim = cast.parent
    victim.snils = fx.snils("123456780")
    victim.save()
    change = submitted_change(
        cast, last_name="Петрова", first_name="Анна", middle_name="", snils=victim.snils
    )
    html = apply(client, cast, change, django_capture_on_commit_callbacks)
    assert "уже есть учётная запись в Парте с другой почтой (p***@example.ru)" in html
    change.refresh_from_db()
    assert change.status == DirectorChange.Status.SUBMITTED
    assert not is_director(victim, cast) and not mail.outbox


def test_ver3_account_with_own_password_and_no_email_gets_no_letter_at_the_orders_address(
    client, cast, django_capture_on_commit_callbacks
):
    person = cast.other_parent  # Сидорова Мария: her own password, no email
    person.snils = fx.snils("123456781")
    person.save()
    password_hash = person.password
    change = submitted_change(
        cast, last_name="Сидорова", first_name="Мария", middle_name="", snils=person.snils
    )
    apply(client, cast, change, django_capture_on_commit_callbacks)
    change.refresh_from_db()
    assert change.status == DirectorChange.Status.APPLIED and change.new_director == person
    person.refresh_from_db()
    # The order's address would let its owner reset her password: it is not recorded.
    assert person.email == "" and person.password == password_hash
    assert not letters_to(ATTACKER)
    (letter,) = letters_to(cast.school.official_email)
    assert "со своими логином и паролем" in letter.body and "Пароль:" not in letter.body


def test_ver3_account_without_email_or_own_password_takes_the_orders_email(
    client, cast, django_capture_on_commit_callbacks
):
    person = cast.other_parent
    person.snils = fx.snils("123456781")
    person.set_unusable_password()
    person.save()
    change = submitted_change(
        cast, last_name="Сидорова", first_name="Мария", middle_name="", snils=person.snils,
        email="sidorova@example.ru",
    )  # fmt: skip
    apply(client, cast, change, django_capture_on_commit_callbacks)
    change.refresh_from_db()
    assert change.new_director == person
    person.refresh_from_db()
    assert person.email == "sidorova@example.ru" and person.must_change_password
    (letter,) = letters_to("sidorova@example.ru")
    assert "Пароль:" in letter.body


def test_ver3_order_without_email_does_not_match_every_account_without_email(
    client, cast, django_capture_on_commit_callbacks
):
    change = submitted_change(cast, email="")
    assert services.director_change_candidate(change) is None
    apply(client, cast, change, django_capture_on_commit_callbacks)
    change.refresh_from_db()
    assert change.status == DirectorChange.Status.APPLIED
    new = change.new_director
    assert new.last_name == "Соколова" and new not in cast.members.values()
    # Nobody to mail a password to: none is issued.
    assert not new.has_usable_password()


# --- 2. The private link of the change: indexed, and it expires -----------------------------
def test_ver3_change_link_is_looked_up_by_an_index():
    assert DirectorChange._meta.get_field("token_hash").db_index


def test_ver3_change_link_older_than_seven_days_is_refused(client, cast):
    change = fx.change_link(cast)
    url = reverse("onboarding_change_public", args=[fx.CHANGE_TOKEN])
    change.link_sent_at = timezone.now() - datetime.timedelta(days=6)
    change.save()
    assert client.get(url).status_code == 200
    change.link_sent_at = timezone.now() - datetime.timedelta(days=services.CHANGE_LINK_DAYS)
    change.save()
    response = client.get(url)
    assert response.status_code == 410
    html = response.content.decode()
    assert "Срок действия этой ссылки истёк" in html and 'name="order_number"' not in html
    assert reverse("onboarding_change_start") in html
    order = {
        "inn": cast.other_school.inn,
        "order_number": "3-к",
        "order_date": "2026-11-01",
        "order_scan": SimpleUploadedFile("prikaz.pdf", fx.pdf_bytes()),
        "last_name": "Орлова",
        "first_name": "Вера",
        "email": "orlova@example.ru",
    }
    response = client.post(url, order)
    assert response.status_code == 410
    change.refresh_from_db()
    assert change.status == DirectorChange.Status.LINK_SENT


# --- 3. A replaced scan is deleted after commit ----------------------------------------------
def test_ver1_replaced_form_scan_is_deleted_only_after_commit(
    cast, django_capture_on_commit_callbacks
):
    r = fx.access_request(cast)
    storage, old_name = r.form_scan.storage, r.form_scan.name
    assert storage.exists(old_name)
    with django_capture_on_commit_callbacks() as callbacks:
        updated = services.access_request_upload(access_request=r, upload=fx.pdf_upload())
        # Until the transaction commits, a rollback must find the old file in place.
        assert storage.exists(old_name)
    for callback in callbacks:
        callback()
    assert not storage.exists(old_name)
    assert storage.exists(updated.form_scan.name)


# --- 4. Opening a request writes only when it starts the review ------------------------------
def test_ver1_operator_opening_a_request_not_waiting_for_review_writes_nothing(client, cast):
    r = fx.access_request(cast)
    AccessRequest.objects.filter(pk=r.pk).update(status=AccessRequest.Status.REVIEW)
    client.force_login(cast.operator)
    url = reverse("onboarding_operator_request", args=[r.pk])
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    assert not [q for q in queries if 'UPDATE "onboarding_accessrequest"' in q["sql"]]


# --- 5. The public change page reads the organization with the change -----------------------
def test_ver3_public_change_page_reads_the_organization_with_the_change(client, cast):
    fx.change_link(cast)
    url = reverse("onboarding_change_public", args=[fx.CHANGE_TOKEN])
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    assert not [q for q in queries if 'FROM "directory_organization"' in q["sql"]]


# --- 6. One token hash, one visibility queryset ----------------------------------------------
def test_onboarding_links_are_hashed_like_api_tokens_and_queried_through_visibility():
    token, hashed = new_token()
    # Stored hashes stay valid: the same SHA-256 as before, from the one shared function.
    assert hashed == hash_token(token) == hashlib.sha256(token.encode()).hexdigest()
    assert not hasattr(onboarding_models, "token_hash")
    for model in (AccessRequest, DirectorSubmission, DirectorChange):
        assert isinstance(model.objects.all(), VisibleQuerySet)


# --- 7. Each person and consent is read once -------------------------------------------------
def _person_reads(queries: Any, person_id: int) -> int:
    wanted = f'FROM "accounts_user" WHERE "accounts_user"."id" = {person_id}'
    return sum(wanted in q["sql"] for q in queries)


def test_ver2_confirming_and_rejecting_read_the_director_once(cast):
    submission = fx.director_submission(cast)
    with CaptureQueriesContext(connection) as queries:
        services.director_submission_reject(
            submission=submission, by=cast.operator, reason="Нет приказа.", site_url="http://t/"
        )
    assert _person_reads(queries, submission.person_id) == 0  # joined to the locked row
    DirectorSubmission.objects.filter(pk=submission.pk).update(status="pending")
    with CaptureQueriesContext(connection) as queries:
        services.director_submission_confirm(
            submission=submission, by=cast.operator, site_url="http://t/"
        )
    assert _person_reads(queries, submission.person_id) == 0
    submission.staff_position.refresh_from_db()
    assert submission.staff_position.status == "confirmed"


def test_ver2_operator_page_reads_the_consent_with_the_submission(client, cast):
    submission = fx.director_submission(cast)
    client.force_login(cast.operator)
    url = reverse("onboarding_operator_director", args=[submission.pk])
    with CaptureQueriesContext(connection) as queries:
        html = client.get(url).content.decode()
    assert "Согласие на обработку данных дано" in html
    assert not [q for q in queries if 'FROM "privacy_consent"' in q["sql"]]
