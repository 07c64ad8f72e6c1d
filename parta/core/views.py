from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext
from django.views.decorators.cache import cache_control

from parta.core.help import HELP_TOPICS, topic_for


@cache_control(max_age=300, private=True)
def help_page(request: HttpRequest) -> HttpResponse:
    """The "?" on every page opens here, at the topic of the page it came from (HELP-1)."""
    topic = topic_for(request.GET.get("topic", ""))
    return render(request, "core/help.html", {"topic": topic, "topics": HELP_TOPICS})


def healthz(request: HttpRequest) -> HttpResponse:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form whose security token no longer matches: in the person's language, with the layout.

    Usually the page stayed open past the session, or another tab signed out; nothing secret
    is said about why (Django's ``reason`` goes to the log, not to the page).
    """
    response = render(request, "403_csrf.html", status=403)
    response["Cache-Control"] = "no-store"
    return response


# --- the installable web app (NTF-3; docs/decisions/0013-web-push.md) ----------------------------
# Colours of parta.css: the brand blue and the page's background.
THEME_COLOR = "#0b5cad"
BACKGROUND_COLOR = "#f6f8fb"


def _icon(name: str, size: int, purpose: str) -> dict[str, str]:
    return {
        "src": static(f"parta/icons/{name}"),
        "sizes": f"{size}x{size}",
        "type": "image/png",
        "purpose": purpose,
    }


@cache_control(max_age=3600)
def web_manifest(request: HttpRequest) -> HttpResponse:
    """The web app manifest: Parta installs on a phone's home screen or as a desktop app,
    in the language the browser asks for."""
    data = {
        "id": "/",
        "name": gettext("Парта"),
        "short_name": gettext("Парта"),
        "description": gettext("Парта — открытая платформа образования региона"),
        "lang": get_language() or settings.LANGUAGE_CODE,
        "dir": "ltr",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOR,
        "background_color": BACKGROUND_COLOR,
        "icons": [
            _icon("icon-192.png", 192, "any"),
            _icon("icon-512.png", 512, "any"),
            _icon("icon-maskable-512.png", 512, "maskable"),
        ],
    }
    return HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=1),
        content_type="application/manifest+json; charset=utf-8",
    )


def _precache() -> list[str]:
    """What the service worker keeps for the offline page: the page and what it shows."""
    return [
        reverse("offline"),
        static("bootstrap/css/bootstrap.min.css"),
        static("parta/parta.css"),
        static("parta/icons/icon-192.png"),
    ]


def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, at the root so that its scope is the whole site: shows push
    notifications (NTF-3), opens their page on a click, and shows the offline page when a
    page cannot be loaded. Never cached by HTTP: a new version must reach browsers."""
    precache = _precache()
    version = hashlib.sha256("\n".join(precache).encode()).hexdigest()[:12]
    config = {
        "cache": f"parta-offline-{version}",
        "precache": precache,
        "offline": reverse("offline"),
        "icon": static("parta/icons/icon-192.png"),
        "badge": static("parta/icons/badge-96.png"),
        "title": gettext("Парта"),
    }
    response = render(
        request,
        "core/sw.js",
        # JSON is JavaScript; "<" escaped all the same, so nothing in it can end a script.
        {"config": mark_safe(json.dumps(config).replace("<", "\\u003c"))},  # noqa: S308
        content_type="text/javascript; charset=utf-8",
    )
    response["Cache-Control"] = "no-cache"
    return response


@cache_control(max_age=3600)
def offline(request: HttpRequest) -> HttpResponse:
    """What the service worker shows when a page cannot be loaded (no network)."""
    return render(request, "core/offline.html")
