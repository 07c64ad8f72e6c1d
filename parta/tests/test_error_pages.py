"""Error pages speak the person's language and keep the site's layout (500: without a request)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import get_resolver
from django.utils import translation


def test_404_for_english_speaking_person_is_in_english_with_layout(cast, client):
    client.force_login(cast.parent)
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert [t.name for t in response.templates][:2] == ["404.html", "base.html"]
    assert 'class="site-header"' in html
    assert 'class="btn btn-help' in html
    assert 'href="#main"' in html  # the skip link


def test_404_follows_the_chosen_language_cookie(cast, client):
    client.force_login(cast.parent)
    client.cookies["parta_language"] = "kk"
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert '<html lang="kk">' in response.content.decode()


def test_404_for_anonymous_visitor_renders_with_layout(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert '<html lang="ru">' in response.content.decode()


def _request():
    request = RequestFactory().get("/somewhere/")
    request.user = AnonymousUser()
    return request


@pytest.mark.django_db
def test_403_renders_in_language_with_layout():
    handler = get_resolver().resolve_error_handler(403)
    with translation.override("en"):
        response = handler(_request(), PermissionDenied())
    html = response.content.decode()
    assert response.status_code == 403
    assert '<html lang="en">' in html
    assert 'class="site-header"' in html


@pytest.mark.parametrize("language", ["ru", "kk", "en"])
def test_500_renders_without_request_context(language):
    handler = get_resolver().resolve_error_handler(500)
    with translation.override(language):
        response = handler(_request())
    html = response.content.decode()
    assert response.status_code == 500
    assert f'<html lang="{language}">' in html
    assert "parta/parta.css" in html
    assert 'href="/help/"' in html


def test_500_template_needs_nothing_but_itself():
    # handler500 passes no context at all; the page must still be whole.
    html = render_to_string("500.html")
    assert html.rstrip().endswith("</html>")
    assert "<h1" in html


def test_csrf_failure_is_explained_in_the_persons_language_with_layout(cast):
    from django.test import Client

    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="kk")
    client.force_login(cast.parent)
    response = client.post("/role/", {"role": "none"})
    html = response.content.decode()
    assert response.status_code == 403
    assert [t.name for t in response.templates][:2] == ["403_csrf.html", "base.html"]
    assert '<html lang="kk">' in html
    assert 'class="site-header"' in html
    assert "CSRF verification failed" not in html
