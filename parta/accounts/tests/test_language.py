"""The chosen interface language belongs to the person and follows them to other devices."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from parta.conftest import PASSWORD


def test_language_chosen_while_signed_in_is_kept_on_the_account(cast, client):
    client.force_login(cast.parent)
    response = client.post(reverse("set_language"), {"language": "kk", "next": "/"})
    assert response.status_code == 302
    cast.parent.refresh_from_db()
    assert cast.parent.language == "kk"


def test_signing_in_on_another_device_brings_the_language_back(cast):
    cast.parent.language = "en"
    cast.parent.save(update_fields=["language"])
    cache.clear()
    device = Client()
    response = device.post(
        reverse("account_login"), {"login": cast.parent.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert device.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = device.get(reverse("parent_home"))
    assert '<html lang="en">' in page.content.decode()


def test_anonymous_choice_and_unknown_languages_touch_no_account(cast, client):
    client.post(reverse("set_language"), {"language": "kk", "next": "/"})
    client.force_login(cast.parent)
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    cast.parent.refresh_from_db()
    assert cast.parent.language == ""
