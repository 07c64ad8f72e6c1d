"""``{% consent_requests %}``: the card that asks a parent for the consents of their children.

Put on the parent's home page. It never blocks anything: the parent may read the text and
agree right there, or put it off until the next sign-in ("Напомнить позже").
"""

from __future__ import annotations

from typing import Any

from django import template

from parta.privacy.consents import consents_to_ask
from parta.privacy.views import LATER_SESSION_KEY

register = template.Library()


@register.inclusion_tag("privacy/_consent_requests.html", takes_context=True)
def consent_requests(context: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or request.session.get(LATER_SESSION_KEY):
        return {"asks": []}
    return {
        "asks": consents_to_ask(user),
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }
