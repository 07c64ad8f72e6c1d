"""NTF-3: push notifications in the browser — the browsers people switch them on in, and
sending one delivery to all of a person's browsers.

A browser is switched on from the settings page (``static/notifications/push.js``): it asks
its push service for a subscription made with this server's VAPID public key and posts it
here (``push_subscribe``). An endpoint is one browser, so switching on in a browser that
someone else had switched on moves it to the new person (a family computer: the browser
shows the notifications of who switched it on last); signing out of Parta in the browser
that switched it on forgets it (``forget_on_sign_out``), so that a school computer does not
go on showing a signed-out person's grades.

``send_to_person`` sends one delivery to each browser of the person with the same ``tag``
(a message that arrives twice replaces itself in the service worker instead of showing
twice). What the push service says decides: 404/410 — the browser is forgotten at once;
429, 5xx and network failures — tried again later (``Retry``) unless another browser got
it; any other refusal — not tried again. Quiet hours hold push back like SMS
(``parta.notifications.delivery``): a phone that lights up at 23:00 wakes as much.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.db.models import F
from django.dispatch import receiver
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from parta.core import webpush
from parta.core.errors import DomainError
from parta.notifications.models import Delivery, PushSubscription
from parta.notifications.selectors import render_message

logger = logging.getLogger("parta.push")

# The session remembers which subscription this browser made, to forget it at sign-out.
SESSION_KEY = "parta_push_subscription"

_BROWSERS = (
    ("YaBrowser/", "Яндекс Браузер"),
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def browser_label(user_agent: str) -> str:
    """ "Chrome, Android" from a User-Agent: enough to tell one's browsers apart, no more."""
    browser = next((name for mark, name in _BROWSERS if mark in user_agent), "")
    system = next((name for mark, name in _SYSTEMS if mark in user_agent), "")
    return ", ".join(part for part in (browser, system) if part)[:60]


_REFUSED = _("Этот браузер не может получать push-уведомления от Парты.")


def push_subscribe(
    *, person: Any, endpoint: str, p256dh: str, auth: str, user_agent: str = ""
) -> PushSubscription:
    """NTF-3: ``person`` switches push on in one browser (again is harmless: the keys are
    refreshed). An endpoint outside the known push services, or keys that cannot encrypt,
    are refused: the server posts only to push services, never to an address made up."""
    if not webpush.available():
        raise DomainError(_("Push-уведомления не настроены."), code="not_configured")
    endpoint = endpoint.strip()
    problem = webpush.endpoint_problem(endpoint) or webpush.key_problem(p256dh, auth)
    if problem:
        logger.info("push subscription refused: %s", problem)
        raise DomainError(_REFUSED, code="subscription")
    with transaction.atomic():
        row, _created = PushSubscription.objects.update_or_create(
            endpoint=endpoint,
            defaults={
                "person_id": person.pk,
                "p256dh": p256dh.strip().rstrip("="),
                "auth": auth.strip().rstrip("="),
                "user_agent": browser_label(user_agent),
                "failures": 0,
                "last_error": "",
            },
        )
    return row


def push_unsubscribe(*, user: Any, endpoint: str) -> bool:
    """NTF-3: ``user`` switches push off in one of their browsers; ``False`` when the
    endpoint is not one of theirs (somebody else's is the same as none)."""
    deleted, _rows = (
        PushSubscription.objects.visible_to(user).filter(endpoint=endpoint.strip()).delete()
    )
    return bool(deleted)


def push_subscription_remove(*, user: Any, subscription: PushSubscription) -> None:
    """NTF-3: ``user`` switches push off in one of their browsers from the list (a lost
    phone, a computer of the school)."""
    PushSubscription.objects.visible_to(user).filter(pk=subscription.pk).delete()


def subscriptions_of(user: Any) -> list[PushSubscription]:
    return list(PushSubscription.objects.visible_to(user).order_by("-created_at", "-id"))


@receiver(user_logged_out)
def forget_on_sign_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """Signing out forgets the push subscription this browser made for the person."""
    session = getattr(request, "session", None)
    pk = session.get(SESSION_KEY) if session is not None else None
    if user is not None and pk:
        PushSubscription.objects.filter(pk=pk, person_id=user.pk).delete()


# --- sending --------------------------------------------------------------------------------------
class Retry(Exception):
    """No browser got it, and at least one failure may pass."""


class Final(Exception):
    """No browser got it, and no failure will pass (or there is no browser)."""


@dataclass(frozen=True)
class Outcome:
    sent: int
    gone: int
    failed: list[str]


def payload_of(row: Delivery) -> dict[str, Any]:
    """What the service worker shows: title and body in the person's language, where a
    click leads (a page of Parta), the tag that makes a repeated message replace itself."""
    person = row.person
    language = person.language or settings.LANGUAGE_CODE
    with translation.override(language):
        title = render_message(row.title, row.params)
        body = render_message(row.body, row.params) if row.body else ""
    url = row.url if row.url.startswith("/") and not row.url.startswith("//") else "/inbox/"
    return {"title": title, "body": body, "url": url, "tag": tag_of(row), "lang": language}


def tag_of(row: Delivery) -> str:
    return "parta-" + re.sub(r"[^A-Za-z0-9_.:-]", "-", row.key)[:100]


def send_to_person(row: Delivery) -> Outcome:
    """NTF-3: send ``row`` to every browser of its person. Raises ``Final`` when there is no
    browser (left) or none could take it for good, ``Retry`` when none got it and a failure
    may pass; returns what happened when at least one browser got it."""
    browsers = list(PushSubscription.objects.filter(person_id=row.person_id).order_by("pk"))
    if not browsers:
        raise Final("no push subscription")
    payload = payload_of(row)
    sent, gone, retry = 0, 0, False
    failed: list[str] = []
    for browser in browsers:
        target = webpush.PushTarget(browser.endpoint, browser.p256dh, browser.auth)
        try:
            webpush.send_push(target, payload, tag=payload["tag"])
        except webpush.PushError as exc:
            reason = f"push {exc.code}: {exc.detail}"[:300]
            if exc.code == "gone":
                PushSubscription.objects.filter(pk=browser.pk).delete()
                gone += 1
                logger.info("push subscription %s gone (%s)", browser.pk, exc.detail)
                continue
            retry = retry or exc.code == "retry"
            failed.append(reason)
            PushSubscription.objects.filter(pk=browser.pk).update(
                failures=F("failures") + 1, last_error=reason
            )
            continue
        sent += 1
        PushSubscription.objects.filter(pk=browser.pk).update(
            failures=0, last_error="", last_success_at=timezone.now()
        )
    if sent:
        return Outcome(sent, gone, failed)
    if not failed:
        raise Final("no push subscription left: the push service forgot every browser")
    if retry:
        raise Retry("; ".join(failed))
    raise Final("; ".join(failed))
