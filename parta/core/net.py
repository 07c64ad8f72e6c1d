"""Where a request came from, as far as Parta may believe it."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client's address: ``REMOTE_ADDR`` unless ``PARTA_TRUSTED_PROXY_COUNT`` says that
    many proxies in front of Parta append to ``X-Forwarded-For``; then the entry the outermost
    trusted proxy saw. Any other X-Forwarded-For is written by the client and is ignored."""
    raw: str = request.META.get("REMOTE_ADDR", "")
    proxies = settings.PARTA_TRUSTED_PROXY_COUNT
    if proxies > 0:
        hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",")]
        hops = [h for h in hops if h]
        if len(hops) >= proxies:
            raw = hops[-proxies]
    return raw
