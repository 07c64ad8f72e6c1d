"""Every page's header, kept per person and state (``{% site_header %}``, core/templatetags).

A kept header must be the header a fresh render gives, with this response's CSRF token and
address, and must change with everything it shows: the badges, the language, the role.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from parta.core.templatetags import parta as tags
from parta.notifications.models import Notification

pytestmark = pytest.mark.django_db

HEADER = re.compile(r"<header class=\"site-header\">.*?</header>", re.S)
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _header(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    found = HEADER.search(response.content.decode())
    assert found is not None
    return found.group(0)


def test_a_kept_header_is_the_fresh_one_with_this_responses_token_and_address(cast) -> None:  # type: ignore[no-untyped-def]
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.parent)
    tags._HEADERS.clear()
    week = reverse("diary_week")
    fresh = _header(client, f"{week}?week=2026-12-07")
    assert len(tags._HEADERS) == 1 and "\x00" not in fresh
    kept = _header(client, f"{week}?week=2026-12-07")
    assert len(tags._HEADERS) == 1  # the same person, page and state: kept
    assert TOKEN.sub("", kept) == TOKEN.sub("", fresh)
    # Another address of the same page: the same kept header, its own "next".
    other = _header(client, f"{week}?week=2026-11-30&child={cast.student.pk}")
    assert len(tags._HEADERS) == 1
    assert f'value="{week}?week=2026-11-30&amp;child={cast.student.pk}"' in other
    # The token put in is this response's and the server takes it.
    token = TOKEN.search(other).group(1)  # type: ignore[union-attr]
    response = client.post(
        reverse("set_language"), {"language": "kk", "next": week, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302


def test_a_kept_header_follows_the_badges_the_language_and_the_person(cast) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(cast.parent)
    tags._HEADERS.clear()
    week = reverse("diary_week")
    before = _header(client, week)
    assert "inbox-count" not in before
    Notification.objects.create(recipient=cast.parent, kind="announcement", title="Собрание")
    after = _header(client, week)
    assert 'class="inbox-count" aria-hidden="true">1<' in after

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "kk"
    kazakh = _header(client, week)
    assert 'lang="kk" class="btn btn-sm btn-lang btn-primary"' in kazakh

    client.force_login(cast.student)
    theirs = _header(client, week)
    assert cast.student.short_name in theirs and cast.parent.short_name not in theirs
    assert len(tags._HEADERS) == 4
