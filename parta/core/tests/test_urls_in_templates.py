"""``{{ urls.name }}`` in the templates every page renders (core/context_processors.py)."""

from __future__ import annotations

import pytest
from django.urls import NoReverseMatch, reverse

from parta.core.context_processors import URLS

pytestmark = pytest.mark.django_db


def test_the_header_links_are_the_reversed_addresses(client, cast) -> None:  # type: ignore[no-untyped-def]
    client.force_login(cast.parent)
    body = client.get(reverse("diary_week")).content.decode()
    for name in ("home", "profile", "privacy_consents", "notification_settings", "help"):
        assert f'href="{reverse(name)}' in body, name
    assert f'action="{reverse("account_logout")}"' in body
    assert f'href="{reverse("diary_record")}?child=' in body


def test_an_unknown_name_fails_loudly_and_a_known_one_is_reversed_once() -> None:
    with pytest.raises(NoReverseMatch):
        URLS["no_such_page"]
    assert URLS["profile"] == reverse("profile")
    assert ("/", "profile") in URLS._known
