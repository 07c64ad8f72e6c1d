"""The sign-in throttle (ACC-4): guessing is slowed, the real person is not locked out.

Limits used here are the defaults, set explicitly: 30 failures per address, 5 per account
from one address, 20 per account from browsers that are not its known devices, 15 minutes.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from parta.accounts import throttle
from parta.accounts.models import User
from parta.conftest import PASSWORD

pytestmark = pytest.mark.postgres

HOME = "203.0.113.7"  # the parent's home connection
WRONG = "guess-guess-guess"


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.PARTA_LOGIN_WINDOW_SECONDS = 900
    settings.PARTA_LOGIN_MAX_FAILURES_PER_ADDRESS = 30
    settings.PARTA_LOGIN_MAX_FAILURES_PER_ACCOUNT_ADDRESS = 5
    settings.PARTA_LOGIN_MAX_FAILURES_PER_ACCOUNT = 20
    settings.PARTA_TRUSTED_PROXY_COUNT = 0
    cache.clear()
    yield
    cache.clear()


def attempt(client: Client, login: str, password: str, address: str, **headers: str):
    return client.post(
        reverse("account_login"),
        {"login": login, "password": password},
        REMOTE_ADDR=address,
        **headers,
    )


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def is_throttled(response) -> bool:
    return response.status_code == 200 and "Слишком много неудачных попыток" in (
        response.content.decode()
    )


@pytest.fixture
def parents_browser(cast) -> Client:
    """The parent's own browser: it has signed in before, then signed out."""
    browser = Client()
    assert attempt(browser, "roditel", PASSWORD, HOME).status_code == 302
    browser.post(reverse("account_logout"), REMOTE_ADDR=HOME)
    assert not signed_in(browser)
    assert throttle.DEVICE_COOKIE in browser.cookies
    return browser


def hammer(login: str, times: int, addresses: int) -> list:
    """An attacker: fresh browsers (no cookies) from ``addresses`` different addresses."""
    return [
        attempt(Client(), login, WRONG, f"198.51.100.{i % addresses + 1}") for i in range(times)
    ]


def test_attack_from_30_addresses_does_not_lock_out_the_parents_own_browser(cast, parents_browser):
    """ACC-4: 50 failures from 30 addresses; the parent with the device cookie signs in."""
    responses = hammer("roditel", times=50, addresses=30)
    assert not any(r.status_code == 302 for r in responses)
    assert sum(is_throttled(r) for r in responses) == 30  # after 20 failures, refused

    response = attempt(parents_browser, "roditel", PASSWORD, HOME)
    assert response.status_code == 302
    assert signed_in(parents_browser)
    # And from anywhere else too (a phone on mobile data): the cookie, not the address, counts.
    parents_browser.post(reverse("account_logout"), REMOTE_ADDR=HOME)
    assert attempt(parents_browser, "roditel", PASSWORD, "192.0.2.200").status_code == 302


def test_new_browser_is_throttled_for_an_account_under_attack(cast, parents_browser):
    """ACC-4: with the account under attack, a browser it never used waits, password or not."""
    hammer("petrova@example.ru", times=50, addresses=30)  # any identifier, same account
    newcomer = Client()
    response = attempt(newcomer, "+7 912 345-67-89", PASSWORD, "192.0.2.50")
    assert is_throttled(response)
    assert not signed_in(newcomer)
    assert "через 15 мин." in response.content.decode()


def test_account_from_one_address_is_limited_even_on_a_known_device(cast, parents_browser):
    """ACC-4: the (account, address) count applies to everybody, the device cookie too."""
    for _ in range(5):
        assert not is_throttled(attempt(parents_browser, "roditel", WRONG, HOME))
    response = attempt(parents_browser, "roditel", PASSWORD, HOME)
    assert is_throttled(response)
    assert not signed_in(parents_browser)
    # Another account from the same address is not affected.
    assert attempt(Client(), "klassruk", PASSWORD, HOME).status_code == 302


def test_address_is_limited_across_accounts(cast):
    """ACC-4: one address guessing at many accounts is stopped after 30 failures."""
    address = "198.51.100.99"
    for n in range(30):
        assert not is_throttled(attempt(Client(), f"nobody{n}", WRONG, address))
    assert is_throttled(attempt(Client(), "roditel", PASSWORD, address))
    assert attempt(Client(), "roditel", PASSWORD, "198.51.100.100").status_code == 302


def test_unknown_name_is_throttled_like_a_real_account(db):
    """Throttling says nothing about whether an account exists."""
    for _ in range(5):
        attempt(Client(), "no-such-person", WRONG, HOME)
    assert is_throttled(attempt(Client(), "no-such-person", WRONG, HOME))


def test_successful_sign_in_clears_the_account_address_count(cast):
    """ACC-4: a person who mistypes a few times and then succeeds starts afresh."""
    browser = Client()
    for _ in range(4):
        attempt(browser, "roditel", WRONG, HOME)
    assert attempt(browser, "roditel", PASSWORD, HOME).status_code == 302
    browser.post(reverse("account_logout"), REMOTE_ADDR=HOME)
    for _ in range(4):
        assert not is_throttled(attempt(browser, "roditel", WRONG, HOME))
    assert attempt(browser, "roditel", PASSWORD, HOME).status_code == 302


def test_throttled_attempt_does_not_check_the_password(cast, settings):
    """ACC-4: when throttled, the password is not even looked at.

    Checking a password stored with an older hasher re-hashes it; a throttled attempt with the
    right password must leave the stored hash untouched.
    """
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    ]
    old_hash = make_password(PASSWORD, hasher="pbkdf2_sha1")
    User.objects.filter(pk=cast.parent.pk).update(password=old_hash)
    for _ in range(5):
        attempt(Client(), "roditel", WRONG, HOME)
    assert is_throttled(attempt(Client(), "roditel", PASSWORD, HOME))
    assert User.objects.get(pk=cast.parent.pk).password == old_hash
    # Once the pause is over, the same attempt checks (and upgrades) the password.
    cache.clear()
    assert attempt(Client(), "roditel", PASSWORD, HOME).status_code == 302
    assert User.objects.get(pk=cast.parent.pk).password.startswith("md5$")


def test_forged_device_cookie_counts_for_nothing(cast):
    """A cookie that Parta did not sign does not exempt anybody from the account limit."""
    hammer("roditel", times=20, addresses=10)
    forger = Client()
    forger.cookies[throttle.DEVICE_COOKIE] = f"[{cast.parent.pk}]:forged:signature"
    assert is_throttled(attempt(forger, "roditel", PASSWORD, "192.0.2.77"))


def test_device_cookie_of_another_account_does_not_help(cast):
    teacher_browser = Client()
    assert attempt(teacher_browser, "klassruk", PASSWORD, HOME).status_code == 302
    teacher_browser.post(reverse("account_logout"), REMOTE_ADDR=HOME)
    hammer("roditel", times=20, addresses=10)
    assert is_throttled(attempt(teacher_browser, "roditel", PASSWORD, HOME))


@pytest.mark.parametrize(
    "how",
    [{"HTTP_ACCEPT_LANGUAGE": "en"}, {"cookie": "en"}],
    ids=["accept-language", "language-cookie"],
)
def test_throttled_message_speaks_the_persons_language(cast, how):
    """ACC-4: the pause is explained in the person's language, with the time to wait."""
    for _ in range(5):
        attempt(Client(), "roditel", WRONG, HOME)
    browser = Client()
    headers = {}
    if "cookie" in how:
        browser.cookies["parta_language"] = how["cookie"]
    else:
        headers = how
    response = attempt(browser, "roditel", PASSWORD, HOME, **headers)
    html = response.content.decode()
    assert '<html lang="en">' in html
    with translation.override("en"):
        expected = throttle.throttled_message(900)
    assert expected in html


def test_throttled_message_in_russian_says_how_long_to_wait(cast):
    for _ in range(5):
        attempt(Client(), "roditel", WRONG, HOME)
    response = attempt(Client(), "roditel", PASSWORD, HOME, HTTP_ACCEPT_LANGUAGE="ru")
    html = response.content.decode()
    assert '<html lang="ru">' in html
    assert "Слишком много неудачных попыток входа" in html
    assert "попробуйте снова через 15 мин." in html


# --- the client's address ------------------------------------------------------------------
def test_forwarded_for_is_ignored_unless_a_trusted_proxy_is_configured(rf: RequestFactory):
    request = rf.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert throttle.client_address(request) == "10.0.0.5"


def test_behind_a_trusted_proxy_the_address_it_saw_is_used(rf: RequestFactory, settings):
    settings.PARTA_TRUSTED_PROXY_COUNT = 1
    # The client wrote "6.6.6.6" itself; the proxy appended the address it really saw.
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.8")
    assert throttle.client_address(request) == "198.51.100.8"


def test_ipv6_addresses_of_one_network_count_together(rf: RequestFactory):
    first = rf.get("/", REMOTE_ADDR="2001:db8:1:2::10")
    second = rf.get("/", REMOTE_ADDR="2001:db8:1:2:ffff::1")
    assert throttle.client_address(first) == throttle.client_address(second)
    assert throttle.client_address(first) != throttle.client_address(
        rf.get("/", REMOTE_ADDR="2001:db8:1:3::10")
    )
