from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import get_script_prefix, reverse


class Urls:
    """The addresses of URL names without arguments, for what is rendered on every request
    (the page's head and footer, the diary's tabs): ``{{ urls.profile }}`` is
    ``{% url 'profile' %}``, reversed once per process and script prefix instead of on every
    page (a ``{% url %}`` costs ≈ 20 µs). An unknown name fails loudly (``NoReverseMatch``).
    The header, kept whole (``{% site_header %}``), keeps Django's own tags."""

    _known: dict[tuple[str, str], str] = {}

    def __getitem__(self, name: str) -> str:
        key = (get_script_prefix(), name)
        found = self._known.get(key)
        if found is None:
            found = self._known[key] = reverse(name)
        return found


URLS = Urls()


def parta(request: HttpRequest) -> dict[str, Any]:
    """What every page needs: the help topic of this page, the demo flag, the addresses."""
    match = getattr(request, "resolver_match", None)
    return {
        "help_topic": (match.url_name or "") if match else "",
        "parta_demo_mode": settings.DEMO_MODE,
        "urls": URLS,
    }
