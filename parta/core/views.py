from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
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
