"""ACC-4: sign-in through ESIA / Gosuslugi against a real OpenID Connect provider.

The provider (``oidc_provider_mock``) runs in a thread; ``provider.tamper`` stands for an
attacker between Parta and the provider who hands Parta a token of their making.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from parta.accounts.issuing import password_reset_issue
from parta.accounts.models import User
from parta.conftest import PASSWORD
from parta.esia.models import EsiaLink
from parta.esia.tests.conftest import (
    CLIENT_ID,
    altered,
    callback_path,
    foreign_key,
    portal_sign_in,
    provider_key,
    provider_kid,
    resign,
    start,
)

pytestmark = pytest.mark.django_db

REFUSED = "ответ портала не прошёл проверку"


def signed_in_as(client: Client) -> int | None:
    value = client.session.get(SESSION_KEY)
    return int(value) if value is not None else None


def link_by_password(client: Client, login: str, password: str = PASSWORD) -> Any:
    return client.post(
        reverse("esia_link"),
        {"action": "password", "password-login": login, "password-password": password},
    )


# --- configuration --------------------------------------------------------------------------
def test_unconfigured_esia_has_no_button_and_every_url_is_404(client, cast, settings):
    """ACC-4: without settings the feature does not exist for anyone."""
    settings.ESIA_OIDC_ENABLED = False
    page = client.get(reverse("account_login")).content.decode()
    assert "Войти через Госуслуги" not in page
    for name, args in [
        ("esia_start", []),
        ("esia_callback", []),
        ("esia_link", []),
        ("esia_links", []),
        ("esia_queue", []),
    ]:
        assert client.get(reverse(name, args=args)).status_code == 404
    client.force_login(cast.director)
    assert client.get(reverse("esia_queue")).status_code == 404


def test_configured_esia_shows_the_button_with_the_configured_label(client, esia, settings):
    settings.ESIA_OIDC_BUTTON_LABEL = "Войти через ЕСИА"
    page = client.get(reverse("account_login") + "?next=/parent/").content.decode()
    assert "Войти через ЕСИА" in page
    assert reverse("esia_start") + "?next=/parent/" in page


def test_start_sends_state_nonce_and_pkce_to_the_provider(client, esia):
    url = start(client)
    assert url.startswith(esia.url + "/oauth2/authorize")
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    assert query["client_id"] == CLIENT_ID
    assert query["response_type"] == "code"
    assert query["code_challenge_method"] == "S256"
    assert len(query["state"]) >= 32 and len(query["nonce"]) >= 32
    assert query["redirect_uri"] == "http://testserver" + reverse("esia_callback")
    # A second start has its own state and nonce.
    again = {k: v[0] for k, v in parse_qs(urlsplit(start(client)).query).items()}
    assert again["state"] != query["state"] and again["nonce"] != query["nonce"]


# --- the happy path -------------------------------------------------------------------------
def test_link_by_password_then_the_next_sign_in_is_direct(client, cast, esia):
    """ACC-4: the first portal sign-in asks for the Parta password; later ones do not."""
    esia.set_user("esia-parent", family_name="Петрова", given_name="Анна")
    response = portal_sign_in(client, esia, "esia-parent", next_url="/parent/")
    assert response.status_code == 302 and response["Location"] == reverse("esia_link")
    assert signed_in_as(client) is None  # not linked: nobody is signed in yet
    page = client.get(reverse("esia_link")).content.decode()
    assert "Петрова Анна" in page

    response = link_by_password(client, cast.parent.username)
    assert response.status_code == 302
    assert response["Location"] == "/parent/"
    assert signed_in_as(client) == cast.parent.pk
    link = EsiaLink.objects.get()
    assert (link.user, link.subject, link.issuer) == (cast.parent, "esia-parent", esia.issuer)
    assert link.method == EsiaLink.Method.PASSWORD

    fresh = Client()
    response = portal_sign_in(fresh, esia, "esia-parent")
    assert response.status_code == 302
    assert response["Location"] != reverse("esia_link")
    assert signed_in_as(fresh) == cast.parent.pk
    link.refresh_from_db()
    assert link.last_used_at is not None


def test_wrong_password_links_nothing_and_keeps_what_was_typed(client, cast, esia):
    portal_sign_in(client, esia, "esia-parent")
    response = link_by_password(client, cast.parent.username, "not-the-password")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Неверный логин или пароль" in page
    assert f'value="{cast.parent.username}"' in page
    assert not EsiaLink.objects.exists()
    assert signed_in_as(client) is None


def test_linking_by_password_is_under_the_sign_in_throttle(client, cast, esia, settings):
    settings.PARTA_LOGIN_MAX_FAILURES_PER_ACCOUNT_ADDRESS = 2
    portal_sign_in(client, esia, "esia-parent")
    for _ in range(2):
        link_by_password(client, cast.parent.username, "wrong-guess")
    response = link_by_password(client, cast.parent.username)  # right, but throttled
    assert "Слишком много неудачных попыток входа" in response.content.decode()
    assert not EsiaLink.objects.exists()


def test_portal_never_creates_accounts(client, esia):
    """ACC-4: a portal identity Parta does not know gets no account and no role."""
    before = User.objects.count()
    esia.set_user("stranger", family_name="Незнакомцев", given_name="Пётр")
    response = portal_sign_in(client, esia, "stranger")
    assert response["Location"] == reverse("esia_link")
    assert User.objects.count() == before
    assert signed_in_as(client) is None


def test_disabled_account_does_not_sign_in_through_the_portal(client, cast, esia):
    EsiaLink.objects.create(
        user=cast.parent, issuer=esia.issuer, subject="esia-parent", method="password"
    )
    User.objects.filter(pk=cast.parent.pk).update(is_active=False)
    response = portal_sign_in(client, esia, "esia-parent")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_inactive")
    assert signed_in_as(client) is None


def test_issued_account_must_set_its_own_password_first(client, cast, esia):
    User.objects.filter(pk=cast.parent.pk).update(
        must_change_password=True, initial_password_issued_at=timezone.now()
    )
    # Made after the password was issued, by the school: an issued password links nothing.
    EsiaLink.objects.create(
        user=cast.parent, issuer=esia.issuer, subject="esia-parent", method="school"
    )
    portal_sign_in(client, esia, "esia-parent")
    assert signed_in_as(client) == cast.parent.pk
    response = client.get(reverse("parent_home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("set_initial_password")


def test_issued_password_does_not_link_and_keeps_what_was_typed(client, cast, esia):
    """ACC-2, ACC-4: a password printed on the school's slip proves nothing — a classmate may
    have seen it — so it cannot link someone's portal identity to the account."""
    User.objects.filter(pk=cast.parent.pk).update(
        must_change_password=True, initial_password_issued_at=timezone.now()
    )
    portal_sign_in(client, esia, "esia-stranger")
    response = link_by_password(client, cast.parent.username)
    assert response.status_code == 200
    page = response.content.decode()
    assert "пока открывается паролем, который выдала школа" in page
    assert f'value="{cast.parent.username}"' in page
    assert not EsiaLink.objects.exists()
    assert signed_in_as(client) is None


def test_password_reissued_by_the_school_voids_an_earlier_link(client, cast, esia):
    """ACC-2, ACC-4: the school's password reset takes the account back from every way in,
    the portal link made before it included."""
    link = linked_parent(cast, esia)
    password_reset_issue(person=cast.parent, issued_by=cast.director)
    response = portal_sign_in(client, esia, "esia-parent")
    assert response.status_code == 403
    assert "прежняя связь с Госуслугами отменена" in response.content.decode()
    assert signed_in_as(client) is None
    assert not EsiaLink.objects.filter(pk=link.pk).exists()


def test_link_stays_void_after_the_person_sets_a_new_password(client, cast, esia):
    """The school's reset is remembered after the person replaces the issued password: the
    link made before the reset does not come back to life."""
    from parta.accounts.services import initial_password_replace

    link = linked_parent(cast, esia)
    password_reset_issue(person=cast.parent, issued_by=cast.director)
    initial_password_replace(user=cast.parent, password="Novyi-parol-2026!")
    response = portal_sign_in(client, esia, "esia-parent")
    assert response.status_code == 403
    assert signed_in_as(client) is None
    assert not EsiaLink.objects.filter(pk=link.pk).exists()


def test_expired_issued_password_closes_the_portal_way_too(client, cast, esia, settings):
    User.objects.filter(pk=cast.parent.pk).update(
        must_change_password=True,
        initial_password_issued_at=timezone.now()
        - timezone.timedelta(days=settings.PARTA_INITIAL_PASSWORD_DAYS + 1),
    )
    EsiaLink.objects.create(
        user=cast.parent, issuer=esia.issuer, subject="esia-parent", method="password"
    )
    response = portal_sign_in(client, esia, "esia-parent")
    assert response.status_code == 403
    assert "Срок действия выданного пароля истёк" in response.content.decode()
    assert signed_in_as(client) is None


# --- what must be refused -------------------------------------------------------------------
def linked_parent(cast: Any, esia: Any) -> EsiaLink:
    return EsiaLink.objects.create(
        user=cast.parent, issuer=esia.issuer, subject="esia-parent", method="password"
    )


def assert_refused(response: Any) -> None:
    assert response.status_code == 400
    assert REFUSED in response.content.decode()


def test_token_signed_with_a_foreign_key_is_refused(client, cast, esia):
    """ACC-4: the signature is checked against the provider's published keys."""
    linked_parent(cast, esia)
    forger = foreign_key()
    esia.tamper = lambda token, jwk: resign(token, forger)
    assert_refused(portal_sign_in(client, esia, "esia-parent"))
    assert signed_in_as(client) is None


def test_foreign_key_under_the_providers_key_id_is_refused(client, cast, esia):
    linked_parent(cast, esia)
    forger = foreign_key()
    esia.tamper = lambda token, jwk: resign(token, forger, kid=provider_kid(jwk))
    assert_refused(portal_sign_in(client, esia, "esia-parent"))
    assert signed_in_as(client) is None


def test_altered_payload_is_refused(client, cast, esia):
    """Someone else's subject put into a genuine token breaks its signature."""
    linked_parent(cast, esia)
    esia.tamper = lambda token, jwk: altered(token, sub="esia-parent")
    assert_refused(portal_sign_in(client, esia, "esia-intruder"))
    assert signed_in_as(client) is None


def test_unsigned_token_is_refused(client, cast, esia):
    linked_parent(cast, esia)

    def unsigned(token: str, jwk: Any) -> str:
        header = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0"  # {"alg":"none","typ":"JWT"}
        return f"{header}.{token.split('.')[1]}."

    esia.tamper = unsigned
    assert_refused(portal_sign_in(client, esia, "esia-parent"))
    assert signed_in_as(client) is None


def test_genuine_token_passes_through_the_tamper_hook(client, cast, esia):
    """The control for the tests above: re-signing with the provider's key is accepted."""
    linked_parent(cast, esia)
    esia.tamper = lambda token, jwk: resign(token, provider_key(jwk), kid=provider_kid(jwk))
    portal_sign_in(client, esia, "esia-parent")
    assert signed_in_as(client) == cast.parent.pk


def test_replayed_state_is_refused_without_asking_the_provider(client, cast, esia):
    """ACC-4: a state is single-use; its second callback does not reach the token endpoint."""
    linked_parent(cast, esia)
    location = esia.authorize(start(client), "esia-parent")
    assert client.get(callback_path(location)).status_code == 302
    assert signed_in_as(client) == cast.parent.pk
    client.logout()
    requests_before = esia.token_requests
    assert_refused(client.get(callback_path(location)))
    assert esia.token_requests == requests_before
    assert signed_in_as(client) is None


def test_state_started_in_another_browser_is_refused(client, cast, esia):
    """A callback carried into the victim's browser (login CSRF) does not sign anybody in."""
    linked_parent(cast, esia)
    attacker = Client()
    location = esia.authorize(start(attacker), "esia-parent")
    start(client)  # the victim has a flow of their own
    assert_refused(client.get(callback_path(location)))
    assert signed_in_as(client) is None


def test_nonce_mismatch_is_refused(client, cast, esia):
    """ACC-4: the ID token must carry the nonce this browser sent."""
    linked_parent(cast, esia)
    esia.tamper = lambda token, jwk: resign(token, provider_key(jwk), nonce="another-nonce")
    assert_refused(portal_sign_in(client, esia, "esia-parent"))
    assert signed_in_as(client) is None


def test_token_without_nonce_is_refused(client, cast, esia):
    linked_parent(cast, esia)

    def without_nonce(token: str, jwk: Any) -> str:
        import jwt

        claims = jwt.decode(token, options={"verify_signature": False})
        claims.pop("nonce")
        return jwt.encode(claims, provider_key(jwk), algorithm="RS256")

    esia.tamper = without_nonce
    assert_refused(portal_sign_in(client, esia, "esia-parent"))


def test_token_for_another_client_is_refused(client, cast, esia):
    """ACC-4: a token the provider issued to another relying party (wrong audience)."""
    linked_parent(cast, esia)
    esia.tamper = lambda token, jwk: resign(token, provider_key(jwk), aud=["another-client"])
    assert_refused(portal_sign_in(client, esia, "esia-parent"))
    assert signed_in_as(client) is None


def test_several_audiences_need_parta_as_authorized_party(client, cast, esia):
    linked_parent(cast, esia)
    esia.tamper = lambda token, jwk: resign(
        token, provider_key(jwk), aud=[CLIENT_ID, "another-client"], azp="another-client"
    )
    assert_refused(portal_sign_in(client, esia, "esia-parent"))


def test_token_of_another_issuer_is_refused(client, cast, esia):
    linked_parent(cast, esia)
    esia.tamper = lambda token, jwk: resign(token, provider_key(jwk), iss="https://evil.example")
    assert_refused(portal_sign_in(client, esia, "esia-parent"))


def test_expired_token_is_refused_beyond_the_leeway(client, cast, esia, settings):
    linked_parent(cast, esia)
    past = int(time.time()) - settings.ESIA_OIDC_LEEWAY_SECONDS - 120
    esia.tamper = lambda token, jwk: resign(token, provider_key(jwk), exp=past, iat=past - 600)
    assert_refused(portal_sign_in(client, esia, "esia-parent"))


def test_clock_skew_within_the_leeway_is_accepted(client, cast, esia):
    linked_parent(cast, esia)
    now = int(time.time())
    esia.tamper = lambda token, jwk: resign(token, provider_key(jwk), exp=now - 5, iat=now - 600)
    portal_sign_in(client, esia, "esia-parent")
    assert signed_in_as(client) == cast.parent.pk


def test_rotated_key_is_fetched_again_by_its_key_id(client, cast, esia):
    """ACC-4: keys are cached; a token under a new key id refetches the provider's keys."""
    linked_parent(cast, esia)
    esia.tamper = lambda token, jwk: resign(token, provider_key(jwk), kid=provider_kid(jwk))
    portal_sign_in(client, esia, "esia-parent")
    assert signed_in_as(client) == cast.parent.pk
    esia.rotate_key()
    other = Client()
    portal_sign_in(other, esia, "esia-parent")
    assert signed_in_as(other) == cast.parent.pk


def test_rotated_key_without_key_id_is_fetched_again_too(client, cast, esia):
    linked_parent(cast, esia)
    portal_sign_in(client, esia, "esia-parent")
    assert signed_in_as(client) == cast.parent.pk
    esia.rotate_key()
    other = Client()
    portal_sign_in(other, esia, "esia-parent")
    assert signed_in_as(other) == cast.parent.pk


def test_person_who_cancels_at_the_portal_is_told_so(client, esia):
    import requests

    response = requests.post(
        start(client), data={"action": "deny"}, allow_redirects=False, timeout=5
    )
    location = response.headers["Location"]
    answer = client.get(callback_path(location))
    assert answer.status_code == 400
    assert "Вход через Госуслуги отменён" in answer.content.decode()


def test_unreachable_provider_is_explained(client, esia, settings):
    settings.ESIA_OIDC_DISCOVERY_URL = "http://127.0.0.1:9/.well-known/openid-configuration"
    from django.core.cache import cache

    cache.clear()
    response = client.get(reverse("esia_start"))
    assert response.status_code == 503
    assert "Портал Госуслуг сейчас не отвечает" in response.content.decode()


def test_next_url_to_another_site_is_ignored(client, cast, esia):
    linked_parent(cast, esia)
    response = portal_sign_in(client, esia, "esia-parent", next_url="https://evil.example/")
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


# --- the hook for algorithms PyJWT lacks (GOST at the real ESIA) -----------------------------
_TEST_GOST_KEY = b"stands-for-the-crypto-provider"
_TEST_ALG = "X-TEST-GOST"


def stand_in_gost_verifier(signing_input: bytes, signature: bytes, header: dict) -> bool:
    """What a deployment's CryptoPro-backed verifier does, with HMAC standing in for GOST."""
    import hashlib
    import hmac

    expected = hmac.new(_TEST_GOST_KEY, signing_input, hashlib.sha256).digest()
    return header.get("alg") == _TEST_ALG and hmac.compare_digest(expected, signature)


def gost_signed(token: str, *, key: bytes = _TEST_GOST_KEY, **changes: Any) -> str:
    import base64
    import hashlib
    import hmac
    import json

    import jwt

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    claims = {**jwt.decode(token, options={"verify_signature": False}), **changes}
    signing_input = f"{b64(json.dumps({'alg': _TEST_ALG, 'typ': 'JWT'}).encode())}.{b64(json.dumps(claims).encode())}"
    signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


@pytest.fixture
def gost(settings: Any) -> None:
    settings.ESIA_OIDC_ALGORITHMS = ["RS256", _TEST_ALG]
    settings.ESIA_OIDC_SIGNATURE_VERIFIER = "parta.esia.tests.test_sign_in.stand_in_gost_verifier"


def test_deployment_verifier_accepts_what_it_verifies(client, cast, esia, gost):
    """ACC-4: a token in an algorithm PyJWT lacks is accepted only through the verifier."""
    linked_parent(cast, esia)
    esia.tamper = lambda token, jwk: gost_signed(token)
    portal_sign_in(client, esia, "esia-parent")
    assert signed_in_as(client) == cast.parent.pk


def test_deployment_verifier_refuses_a_wrong_signature(client, cast, esia, gost):
    linked_parent(cast, esia)
    esia.tamper = lambda token, jwk: gost_signed(token, key=b"someone-else")
    assert_refused(portal_sign_in(client, esia, "esia-parent"))


def test_claims_are_still_checked_after_the_deployment_verifier(client, cast, esia, gost):
    linked_parent(cast, esia)
    esia.tamper = lambda token, jwk: gost_signed(token, aud="another-client")
    assert_refused(portal_sign_in(client, esia, "esia-parent"))
    esia.tamper = lambda token, jwk: gost_signed(token, nonce="replayed")
    assert_refused(portal_sign_in(client, esia, "esia-parent"))
    assert signed_in_as(client) is None


def test_algorithm_not_configured_is_refused_even_with_a_verifier(client, cast, esia, settings):
    settings.ESIA_OIDC_SIGNATURE_VERIFIER = "parta.esia.tests.test_sign_in.stand_in_gost_verifier"
    linked_parent(cast, esia)
    esia.tamper = lambda token, jwk: gost_signed(token)
    assert_refused(portal_sign_in(client, esia, "esia-parent"))
