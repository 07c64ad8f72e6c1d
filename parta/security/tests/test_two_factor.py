"""Two-factor sign-in (MFA): TOTP through allauth's MFA, and an organization's requirement
that its staff use it. Codes are computed in the test from the secret, as an app would."""

from __future__ import annotations

import time

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from parta import factories as f
from parta.conftest import PASSWORD
from parta.security.middleware import SESSION_KEY
from parta.security.models import SecurityPolicy, TwoFactorReset

pytestmark = pytest.mark.postgres


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # allauth remembers used TOTP codes in the cache
    yield
    cache.clear()


def code_for(secret: str, offset: int = 0) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + offset))


def wrong_code(secret: str) -> str:
    right = {code_for(secret, o) for o in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in right)


def sign_in(client: Client, login: str) -> object:
    return client.post(reverse("account_login"), {"login": login, "password": PASSWORD})


def reauthenticate(client: Client) -> None:
    """Type the password again, as allauth asks before two-factor settings change."""
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302


def with_totp(user) -> str:
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def require_mfa(organization, by) -> None:
    SecurityPolicy.objects.create(organization=organization, require_staff_mfa=True, changed_by=by)


# --- TOTP sign-in ---------------------------------------------------------------------------
def test_sign_in_with_totp_asks_for_the_code_and_refuses_a_wrong_one(cast):
    """MFA: after the password, the code; a wrong code signs nobody in."""
    secret = with_totp(cast.parent)
    client = Client()
    response = sign_in(client, "roditel")
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session

    page = client.get(reverse("mfa_authenticate")).content.decode()
    assert "Код из приложения" in page and 'autocomplete="one-time-code"' in page

    response = client.post(reverse("mfa_authenticate"), {"code": wrong_code(secret)})
    assert response.status_code == 200
    assert "Код не подошёл" in response.content.decode()
    assert "_auth_user_id" not in client.session

    response = client.post(reverse("mfa_authenticate"), {"code": code_for(secret)})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == cast.parent.pk


def test_a_recovery_code_signs_in_once(cast):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    with_totp(cast.parent)
    codes = RecoveryCodes.activate(cast.parent).generate_codes()
    client = Client()
    sign_in(client, "roditel")
    assert client.post(reverse("mfa_authenticate"), {"code": codes[0]}).status_code == 302
    again = Client()
    sign_in(again, "roditel")
    response = again.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert response.status_code == 200  # used up


def test_person_turns_totp_on_in_the_settings(cast):
    client = Client()
    sign_in(client, "roditel")
    settings_page = client.get(reverse("security_settings")).content.decode()
    assert reverse("mfa_activate_totp") in settings_page
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 302  # the password again first
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    reauthenticate(client)
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = client.session["mfa.totp.secret"]
    html = page.content.decode()
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    assert grouped in html  # the key to type by hand, in groups of four
    assert 'src="data:image/svg+xml;base64,' in html  # the QR code, drawn locally

    response = client.post(reverse("mfa_activate_totp"), {"code": wrong_code(secret)})
    assert response.status_code == 200
    assert "Код не подошёл" in response.content.decode()
    assert not Authenticator.objects.filter(user=cast.parent).exists()

    response = client.post(reverse("mfa_activate_totp"), {"code": code_for(secret)})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    assert Authenticator.objects.filter(user=cast.parent, type="totp").exists()
    codes_page = client.get(reverse("mfa_view_recovery_codes")).content.decode()
    assert "Резервные коды" in codes_page


def test_person_turns_totp_off(cast):
    with_totp(cast.parent)
    client = Client()
    client.force_login(cast.parent)
    reauthenticate(client)
    assert client.get(reverse("mfa_deactivate_totp")).status_code == 200
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=cast.parent, type="totp").exists()


# --- The organization's requirement ---------------------------------------------------------
def test_director_requires_totp_and_staff_are_sent_to_set_it_up(cast):
    """MFA: staff of an organization that requires it set up TOTP before any other page."""
    director = Client()
    director.force_login(cast.director)
    response = director.post(
        reverse("security_policy_edit", args=[cast.school.pk]), {"require_staff_mfa": "on"}
    )
    assert response.status_code == 302
    assert SecurityPolicy.objects.get(organization=cast.school).require_staff_mfa
    # The rule binds the director who set it, at once.
    assert director.get(reverse("school_home"))["Location"] == reverse("security_mfa_required")

    teacher = Client()
    response = sign_in(teacher, "klassruk")
    assert response.status_code == 302
    response = teacher.get(reverse("class_teacher_home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("security_mfa_required")
    page = teacher.get(reverse("security_mfa_required")).content.decode()
    assert "Школа № 1" in page
    assert teacher.get("/api/v1/me").status_code == 403

    reauthenticate(teacher)
    teacher.get(reverse("mfa_activate_totp"))
    secret = teacher.session["mfa.totp.secret"]
    response = teacher.post(reverse("mfa_activate_totp"), {"code": code_for(secret)})
    assert response.status_code == 302
    assert teacher.get(reverse("class_teacher_home")).status_code == 200


def test_requirement_does_not_reach_other_schools_parents_or_unconfirmed_staff(cast):
    require_mfa(cast.school, cast.director)
    for login in ("uchitel2", "roditel", "novichok", "uchenik"):
        client = Client()
        sign_in(client, login)
        response = client.get(reverse("home"), follow=True)
        assert response.redirect_chain[-1][0] != reverse("security_mfa_required"), login


def test_requirement_set_during_a_session_applies_at_the_next_check(cast):
    teacher = Client()
    sign_in(teacher, "klassruk")
    assert teacher.get(reverse("class_teacher_home")).status_code == 200
    require_mfa(cast.school, cast.director)
    session = teacher.session
    session[SESSION_KEY] = {**session[SESSION_KEY], "at": 0}  # the recheck interval has passed
    session.save()
    response = teacher.get(reverse("class_teacher_home"))
    assert response["Location"] == reverse("security_mfa_required")


def test_required_staff_cannot_turn_totp_off(cast):
    with_totp(cast.class_teacher)
    require_mfa(cast.school, cast.director)
    client = Client()
    client.force_login(cast.class_teacher)
    reauthenticate(client)
    page = client.get(reverse("security_settings")).content.decode()
    assert reverse("mfa_deactivate_totp") not in page
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 200
    assert "отключить его нельзя" in response.content.decode()
    assert Authenticator.objects.filter(user=cast.class_teacher, type="totp").exists()


def test_policies_page_shows_only_what_the_person_may_change(cast, django_assert_max_num_queries):
    director = Client()
    director.force_login(cast.director)
    html = director.get(reverse("security_policies")).content.decode()
    assert "Школа № 1" in html and "Школа № 2" not in html
    assert (
        director.get(reverse("security_policy_edit", args=[cast.other_school.pk])).status_code
        == 404
    )

    operator = Client()
    operator.force_login(cast.operator)
    html = operator.get(reverse("security_policies")).content.decode()
    assert "Школа № 1" in html and "Школа № 2" in html


def test_policies_page_queries_do_not_grow_with_organizations(cast, django_assert_max_num_queries):
    operator = Client()
    operator.force_login(cast.operator)
    operator.get(reverse("security_policies"))  # warm the session
    with django_assert_max_num_queries(12) as small:
        operator.get(reverse("security_policies"))
    count = len(small.captured_queries)
    assert count > 0
    for n in range(30):
        org = f.OrganizationFactory(municipality=cast.municipality, short_name=f"Школа № {n + 10}")
        f.StaffPositionFactory(person=f.UserFactory(), organization=org)
        SecurityPolicy.objects.create(organization=org, require_staff_mfa=bool(n % 2))
    with django_assert_max_num_queries(count):
        html = operator.get(reverse("security_policies")).content.decode()
    assert "Школа № 39" in html


def test_staff_counts_on_the_policy_page(cast):
    with_totp(cast.director)
    client = Client()
    client.force_login(cast.director)
    html = client.get(reverse("security_policy_edit", args=[cast.school.pk])).content.decode()
    # Confirmed staff of Школа № 1: the class teacher and the director; the director has TOTP.
    assert "1 из 2" in html


def test_wrong_codes_are_limited_even_with_the_password(cast, settings):
    """MFA: guessing the code stops after PARTA_MFA_MAX_FAILURES; then even the right one waits."""
    settings.PARTA_MFA_MAX_FAILURES = 3
    secret = with_totp(cast.parent)
    client = Client()
    sign_in(client, "roditel")
    for _ in range(3):
        response = client.post(reverse("mfa_authenticate"), {"code": wrong_code(secret)})
        assert "Код не подошёл" in response.content.decode()
    response = client.post(reverse("mfa_authenticate"), {"code": code_for(secret)})
    assert response.status_code == 200
    assert "Слишком много неверных кодов" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_director_resets_the_second_factor_of_a_teacher_who_lost_the_phone(cast):
    """MFA: the teacher then signs in with the password and is asked to set up a new app."""
    with_totp(cast.class_teacher)
    with_totp(cast.director)  # the rule binds the director too
    require_mfa(cast.school, cast.director)
    director = Client()
    director.force_login(cast.director)
    page = director.get(reverse("security_policy_edit", args=[cast.school.pk])).content.decode()
    assert "Смирнова Ольга Петровна" in page and "Код настроен" in page
    url = reverse("security_two_factor_reset", args=[cast.school.pk, cast.class_teacher.pk])
    response = director.post(url, follow=True)
    assert "сброшен" in response.content.decode()
    assert not Authenticator.objects.filter(user=cast.class_teacher).exists()
    reset = TwoFactorReset.objects.get()
    assert (reset.person, reset.reset_by, reset.organization) == (
        cast.class_teacher,
        cast.director,
        cast.school,
    )
    teacher = Client()
    assert sign_in(teacher, "klassruk")["Location"] != reverse("mfa_authenticate")
    assert teacher.get(reverse("class_teacher_home"))["Location"] == reverse(
        "security_mfa_required"
    )


def test_nobody_resets_the_second_factor_of_another_schools_staff(cast):
    with_totp(cast.other_teacher)
    director = Client()
    director.force_login(cast.director)
    foreign = reverse(
        "security_two_factor_reset", args=[cast.other_school.pk, cast.other_teacher.pk]
    )
    assert director.post(foreign).status_code == 404
    smuggled = reverse("security_two_factor_reset", args=[cast.school.pk, cast.other_teacher.pk])
    assert director.post(smuggled).status_code == 404
    assert Authenticator.objects.filter(user=cast.other_teacher).exists()


# --- Review fixes ---------------------------------------------------------------------------
class _Check:
    """Stands in for allauth's code check: ``during`` runs while the code is being checked,
    as another request would in parallel."""

    right = "123456"

    def __init__(self, user, code: str, during=None) -> None:
        self.user = user
        self.cleaned_data = {"code": code}
        self.during = during

    def clean_code(self) -> str:
        if self.during is not None:
            self.during()
        if self.cleaned_data["code"] != self.right:
            raise ValidationError("wrong", code="incorrect_code")
        return self.cleaned_data["code"]


def _probe():
    from parta.security.mfa import _LimitedTries

    class Probe(_LimitedTries, _Check):
        pass

    return Probe


def test_parallel_wrong_codes_are_counted_before_they_are_checked(cast, settings):
    """MFA: codes sent at once cannot pass the limit by all being checked before any counts."""
    settings.PARTA_MFA_MAX_FAILURES = 3
    Probe = _probe()
    checked: list[str] = []
    refused: list[str] = []

    def submit(depth: int) -> None:
        # Ten guesses in flight at once: each one is still being checked (or was refused)
        # when the next one arrives.
        def during() -> None:
            checked.append(str(depth))
            if depth < 9:
                submit(depth + 1)

        form = Probe(cast.parent, f"{depth:06d}", during)
        try:
            form.clean_code()
        except ValidationError as exc:
            if exc.code == "too_many_codes":
                refused.append(str(depth))
        if str(depth) not in checked and depth < 9:
            submit(depth + 1)

    submit(0)
    assert len(checked) == 3
    assert len(refused) == 7


def test_after_max_failures_the_right_code_is_refused_within_the_window(cast, settings):
    settings.PARTA_MFA_MAX_FAILURES = 3
    Probe = _probe()
    for _ in range(3):
        with pytest.raises(ValidationError) as caught:
            Probe(cast.parent, "000000").clean_code()
        assert caught.value.code == "incorrect_code"
    with pytest.raises(ValidationError) as caught:
        Probe(cast.parent, _Check.right).clean_code()
    assert caught.value.code == "too_many_codes"
    # Another account is not held up by this one's tries.
    assert Probe(cast.director, _Check.right).clean_code() == _Check.right
    cache.delete(f"parta:mfa-failures:{cast.parent.pk}")  # the window has passed
    assert Probe(cast.parent, _Check.right).clean_code() == _Check.right
    # ...and a right code starts the count afresh.
    for _ in range(3):
        with pytest.raises(ValidationError):
            Probe(cast.parent, "000000").clean_code()
    with pytest.raises(ValidationError) as caught:
        Probe(cast.parent, "000000").clean_code()
    assert caught.value.code == "too_many_codes"


def test_reset_of_the_second_factor_is_told_to_the_person_by_email(
    cast, settings, smtp_server, django_capture_on_commit_callbacks
):
    """MFA: a reset the person did not ask for does not go unnoticed."""
    settings.ACCOUNT_EMAIL_NOTIFICATIONS = True
    EmailAddress.objects.create(
        user=cast.class_teacher, email="smirnova@example.ru", verified=True, primary=True
    )
    with_totp(cast.class_teacher)
    director = Client()
    director.force_login(cast.director)
    url = reverse("security_two_factor_reset", args=[cast.school.pk, cast.class_teacher.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = director.post(url)
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=cast.class_teacher).exists()
    assert len(smtp_server) == 1
    letter = smtp_server[0]
    assert letter["X-Envelope-To"] == "smirnova@example.ru"
    assert letter["Subject"].strip() == "Парта: Вход с кодом из приложения отключён"
    body = letter.get_body(preferencelist=("plain",)).get_content()
    assert "Администрация организации «Школа № 1» отключила вход с кодом" in body
    assert "Authenticator" not in body


def test_reset_that_removed_nothing_sends_no_letter(
    cast, settings, smtp_server, django_capture_on_commit_callbacks
):
    settings.ACCOUNT_EMAIL_NOTIFICATIONS = True
    EmailAddress.objects.create(
        user=cast.class_teacher, email="smirnova@example.ru", verified=True, primary=True
    )
    director = Client()
    director.force_login(cast.director)
    url = reverse("security_two_factor_reset", args=[cast.school.pk, cast.class_teacher.pk])
    with django_capture_on_commit_callbacks(execute=True):
        director.post(url)
    assert smtp_server == []


def test_mfa_required_page_names_only_active_organizations(cast):
    """MFA: a closed organization's rule binds nobody, so the page does not name it."""
    closed = f.OrganizationFactory(
        municipality=cast.municipality, short_name="Закрытая школа", is_active=False
    )
    f.StaffPositionFactory(person=cast.class_teacher, organization=closed)
    require_mfa(closed, cast.director)
    require_mfa(cast.school, cast.director)
    client = Client()
    client.force_login(cast.class_teacher)
    html = client.get(reverse("security_mfa_required")).content.decode()
    assert "Школа № 1" in html
    assert "Закрытая школа" not in html


def test_only_those_who_set_the_rule_see_the_link_to_it(cast):
    for member, shown in (("director", True), ("operator", True), ("class_teacher", False)):
        client = Client()
        client.force_login(getattr(cast, member))
        html = client.get(reverse("security_settings")).content.decode()
        assert (reverse("security_policies") in html) is shown, member
