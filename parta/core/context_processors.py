from typing import Any

from django.conf import settings
from django.http import HttpRequest


def parta(request: HttpRequest) -> dict[str, Any]:
    """What every page needs: the help topic of this page, the demo flag."""
    match = getattr(request, "resolver_match", None)
    return {
        "help_topic": (match.url_name or "") if match else "",
        "parta_demo_mode": settings.DEMO_MODE,
    }
