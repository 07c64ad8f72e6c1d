"""NTF-3 (and NTF-1's choices): push notifications in the browser — deliveries to every
browser a person switched push on in, through a real local push service that checks each
request at RFC 8030/8291/8292's wire format and decrypts it with the browser's key; browsers
the push service forgot (404, 410) are forgotten; 429 and 5xx are tried again; push waits out
the quiet hours. The subscribe and unsubscribe endpoints (one's own browsers only, CSRF), the
settings page's push column, the web app manifest, the service worker and the offline page."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_noop
from PIL import Image

from parta.core import events
from parta.core.tests import push_service as peer
from parta.core.tests.push_service import Browser, verify
from parta.notifications import delivery, preferences, push
from parta.notifications.models import Delivery, Notification, PushSubscription, QuietHours

pytestmark = pytest.mark.django_db

push_service = peer.push_service  # the fixture

GRADE = gettext_noop("Новая оценка: %(subject)s — %(value)s")
ABSENCE = gettext_noop("Отсутствие на уроке: %(subject)s, %(date)s")
UA_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36"
)


@pytest.fixture
def parent(cast: Any) -> Any:
    """The cast's parent, without email or phone (push alone) and without quiet hours."""
    person = cast.parent
    person.email = ""
    person.phone = ""
    person.save()
    QuietHours.objects.create(
        person=person, enabled=False, start=datetime.time(22), end=datetime.time(7)
    )
    return person


def _browser(person: Any, service: Any, name: str) -> tuple[Browser, PushSubscription]:
    browser = Browser()
    keys = browser.keys()
    row = push.push_subscribe(
        person=person,
        endpoint=service.endpoint(name),
        p256dh=keys["p256dh"],
        auth=keys["auth"],
        user_agent=UA_ANDROID,
    )
    return browser, row


def _grade(cast: Any, people: list[Any], key: str = "new_grade:1") -> None:
    events.emit(
        "new_grade",
        recipients=[p.pk for p in people],
        title=GRADE,
        params={"subject": "Математика", "value": 5},
        url="/diary/",
        key=key,
        child_ids={p.pk: cast.student.pk for p in people},
    )


# --- delivery through the push service -----------------------------------------------------------
def test_a_new_grade_reaches_the_parents_browser_encrypted_and_signed(
    cast, parent, push_service, settings, django_capture_on_commit_callbacks
) -> None:
    browser, row = _browser(parent, push_service, "mama-phone")
    with django_capture_on_commit_callbacks(execute=True):
        _grade(cast, [parent])
    [request] = push_service.to("mama-phone")
    payload = verify(
        request, browser, service=push_service, vapid_key=settings.PARTA_VAPID_PUBLIC_KEY
    )
    assert payload == {
        "title": "Новая оценка: Математика — 5",
        "body": "",
        "url": "/diary/",
        "tag": "parta-new_grade:1",
        "lang": "ru",
    }
    sent = Delivery.objects.get(person=parent, channel="push")
    assert sent.status == "sent" and sent.attempts == 1 and sent.last_error == ""
    row.refresh_from_db()
    assert row.last_success_at is not None and row.failures == 0
    # The inbox has it too, as always.
    assert Notification.objects.filter(recipient=parent, kind="new_grade").exists()


def test_the_push_is_in_the_readers_language(
    cast, parent, push_service, settings, django_capture_on_commit_callbacks
) -> None:
    parent.language = "en"
    parent.save()
    browser, _row = _browser(parent, push_service, "laptop")
    with django_capture_on_commit_callbacks(execute=True):
        events.emit(
            "absence",
            recipients=[parent.pk],
            title=ABSENCE,
            params={"subject": "Физика", "date": "02.12.2026"},
            key="absence:5",
        )
    [request] = push_service.received
    payload = verify(
        request, browser, service=push_service, vapid_key=settings.PARTA_VAPID_PUBLIC_KEY
    )
    assert payload["title"] == "Absence from lesson: Физика, 02.12.2026"
    assert payload["lang"] == "en"
    assert payload["url"] == "/inbox/"  # no page of its own: the inbox


def test_every_browser_of_the_person_gets_it_once_per_event(
    cast, parent, push_service, django_capture_on_commit_callbacks
) -> None:
    _browser(parent, push_service, "phone")
    _browser(parent, push_service, "laptop")
    for _ in range(2):  # the same event handled twice
        with django_capture_on_commit_callbacks(execute=True):
            _grade(cast, [parent], key="new_grade:9")
    assert len(push_service.to("phone")) == len(push_service.to("laptop")) == 1
    assert Delivery.objects.filter(person=parent, channel="push").count() == 1


@pytest.mark.parametrize("status", [404, 410])
def test_a_browser_the_push_service_forgot_is_forgotten(
    cast, parent, push_service, status, django_capture_on_commit_callbacks
) -> None:
    _browser(parent, push_service, "old-phone")
    _browser(parent, push_service, "new-phone")
    push_service.answer("old-phone", status)
    with django_capture_on_commit_callbacks(execute=True):
        _grade(cast, [parent])
    assert [s.endpoint for s in PushSubscription.objects.filter(person=parent)] == [
        push_service.endpoint("new-phone")
    ]
    assert Delivery.objects.get(person=parent, channel="push").status == "sent"


@pytest.mark.parametrize("status", [404, 410])
def test_with_no_browser_left_the_push_fails_with_the_reason(
    cast, parent, push_service, status, django_capture_on_commit_callbacks
) -> None:
    _browser(parent, push_service, "only-phone")
    push_service.answer("only-phone", status)
    with django_capture_on_commit_callbacks(execute=True):
        _grade(cast, [parent])
    row = Delivery.objects.get(person=parent, channel="push")
    assert row.status == "failed" and row.attempts == 1
    assert "no push subscription left" in row.last_error
    assert not PushSubscription.objects.filter(person=parent).exists()
    # The next event makes no push delivery at all: there is no browser to send to.
    with django_capture_on_commit_callbacks(execute=True):
        _grade(cast, [parent], key="new_grade:2")
    assert Delivery.objects.filter(person=parent, channel="push").count() == 1


@pytest.mark.parametrize("status", [429, 500, 503])
def test_a_busy_or_broken_push_service_is_tried_again_later(
    cast, parent, push_service, settings, status, django_capture_on_commit_callbacks
) -> None:
    settings.PARTA_DELIVERY_RETRY_MINUTES = [1, 5]
    browser, row = _browser(parent, push_service, "phone")
    push_service.answer("phone", status, 201)
    with django_capture_on_commit_callbacks(execute=True):
        _grade(cast, [parent])
    queued = Delivery.objects.get(person=parent, channel="push")
    assert queued.status == "queued" and queued.attempts == 1
    assert f"push retry: 127.0.0.1: HTTP {status}" in queued.last_error
    assert queued.not_before > timezone.now()
    row.refresh_from_db()
    assert row.failures == 1 and PushSubscription.objects.filter(pk=row.pk).exists()
    # The pause is over: the push service takes it now.
    Delivery.objects.filter(pk=queued.pk).update(not_before=timezone.now())
    assert delivery.deliver_due() == 1
    queued.refresh_from_db()
    assert queued.status == "sent" and queued.attempts == 2
    assert len(push_service.to("phone")) == 2
    assert verify(
        push_service.to("phone")[-1],
        browser,
        service=push_service,
        vapid_key=settings.PARTA_VAPID_PUBLIC_KEY,
    )["title"] == ("Новая оценка: Математика — 5")
    row.refresh_from_db()
    assert row.failures == 0


def test_a_push_service_that_keeps_failing_fails_the_push_in_the_end(
    cast, parent, push_service, settings, django_capture_on_commit_callbacks
) -> None:
    settings.PARTA_DELIVERY_RETRY_MINUTES = [1]
    _browser(parent, push_service, "phone")
    push_service.answer("phone", 502)
    with django_capture_on_commit_callbacks(execute=True):
        _grade(cast, [parent])
    row = Delivery.objects.get(person=parent, channel="push")
    Delivery.objects.filter(pk=row.pk).update(not_before=timezone.now())
    delivery.deliver_due()
    row.refresh_from_db()
    assert row.status == "failed" and row.attempts == 2 and "HTTP 502" in row.last_error
    assert PushSubscription.objects.filter(person=parent).exists()  # 5xx is no reason to forget


def test_a_refusal_that_another_try_would_not_change_is_not_tried_again(
    cast, parent, push_service, django_capture_on_commit_callbacks
) -> None:
    _browser(parent, push_service, "phone")
    push_service.answer("phone", 403)  # made with another VAPID key
    with django_capture_on_commit_callbacks(execute=True):
        _grade(cast, [parent])
    row = Delivery.objects.get(person=parent, channel="push")
    assert row.status == "failed" and "push refused: 127.0.0.1: HTTP 403" in row.last_error
    assert len(push_service.received) == 1


def test_push_waits_out_the_quiet_hours(
    cast, parent, push_service, django_capture_on_commit_callbacks
) -> None:
    now = timezone.localtime()
    QuietHours.objects.filter(person=parent).update(
        enabled=True,
        start=(now - datetime.timedelta(hours=1)).time(),
        end=(now + datetime.timedelta(hours=1)).time().replace(second=0, microsecond=0),
    )
    _browser(parent, push_service, "phone")
    with django_capture_on_commit_callbacks(execute=True):
        _grade(cast, [parent])
    row = Delivery.objects.get(person=parent, channel="push")
    assert row.status == "queued" and row.not_before > timezone.now()
    assert push_service.received == []
    # The morning comes.
    Delivery.objects.filter(pk=row.pk).update(not_before=timezone.now())
    assert delivery.deliver_due() == 1
    assert len(push_service.received) == 1


def test_push_follows_the_persons_choice(
    cast, parent, push_service, django_capture_on_commit_callbacks
) -> None:
    preferences.preferences_save(
        person=parent, choices={(cast.student.pk, "new_grade", "push"): False}
    )
    _browser(parent, push_service, "phone")
    with django_capture_on_commit_callbacks(execute=True):
        _grade(cast, [parent])
        events.emit("homework", recipients=[parent.pk], title="Домашнее задание", key="hw:1")
    # Off for this child; homework is off by default (after every lesson: too many).
    assert push_service.received == []
    assert not Delivery.objects.filter(channel="push").exists()


def test_no_push_without_a_vapid_key(
    cast, parent, push_service, settings, tmp_path, django_capture_on_commit_callbacks
) -> None:
    _browser(parent, push_service, "phone")
    settings.PRODUCTION = True
    settings.PARTA_VAPID_PRIVATE_KEY = ""
    settings.PARTA_VAPID_KEY_FILE = tmp_path / "none.pem"
    with django_capture_on_commit_callbacks(execute=True):
        _grade(cast, [parent])
    assert not Delivery.objects.filter(channel="push").exists()


def test_choosing_the_channels_with_browsers_takes_a_fixed_number_of_queries(
    cast, push_service, monkeypatch
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from parta import factories as f

    enqueued: list[int] = []
    monkeypatch.setattr(delivery, "enqueue", lambda pk, not_before=None: enqueued.append(pk))

    def queries(n: int) -> int:
        people = [f.UserFactory() for _ in range(n)]
        for person in people[: n // 2]:
            _browser(person, push_service, f"b{person.pk}")
        event = events.Event(
            kind="absence", recipients=tuple(p.pk for p in people), title=ABSENCE, key=f"k{n}"
        )
        with CaptureQueriesContext(connection) as ctx:
            delivery.to_channels(event)
        return len(ctx.captured_queries)

    # The people with whether they have a browser, their quiet hours and their choices; the
    # deliveries written, then read back to be enqueued.
    assert queries(6) == queries(40) == 3
    assert Delivery.objects.filter(channel="push").count() == len(enqueued) == 3 + 20


# --- switching push on and off ---------------------------------------------------------------------
def _subscribe(client: Client, browser: Browser, endpoint: str, **headers: str) -> Any:
    return client.post(
        reverse("push_subscribe"),
        json.dumps(browser.subscription(endpoint)),
        content_type="application/json",
        headers={"user-agent": UA_ANDROID, **headers},
    )


def test_a_person_switches_push_on_in_a_browser(cast, client, push_service) -> None:
    client.force_login(cast.parent)
    browser = Browser()
    response = _subscribe(client, browser, push_service.endpoint("phone"))
    assert response.status_code == 201
    row = PushSubscription.objects.get(person=cast.parent)
    assert response.json() == {"id": row.pk}
    assert row.endpoint == push_service.endpoint("phone")
    assert (row.p256dh, row.auth) == (browser.keys()["p256dh"], browser.keys()["auth"])
    assert row.user_agent == "Chrome, Android"
    # Again (the page opened again): the same row, new keys taken.
    browser2 = Browser()
    assert _subscribe(client, browser2, push_service.endpoint("phone")).status_code == 201
    row.refresh_from_db()
    assert row.p256dh == browser2.keys()["p256dh"]
    assert PushSubscription.objects.count() == 1


def test_a_browser_switched_on_by_someone_else_moves_to_the_new_person(
    cast, client, push_service
) -> None:
    """A family computer: the browser shows the notifications of who switched it on last."""
    _browser(cast.parent, push_service, "family-pc")
    client.force_login(cast.student)
    assert _subscribe(client, Browser(), push_service.endpoint("family-pc")).status_code == 201
    assert PushSubscription.objects.get().person == cast.student


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        json.dumps([1, 2]),
        json.dumps({"endpoint": "https://fcm.googleapis.com/fcm/send/x"}),
        json.dumps({"endpoint": 5, "keys": {"p256dh": "a", "auth": "b"}}),
    ],
)
def test_what_is_not_a_subscription_is_refused(cast, client, push_service, body) -> None:
    client.force_login(cast.parent)
    response = client.post(reverse("push_subscribe"), body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"] == "Это не подписка на push-уведомления."
    assert not PushSubscription.objects.exists()


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://push.evil.example/steal",
        "http://127.0.0.1:6379/",  # not one of the push services this deployment knows
        "ftp://fcm.googleapis.com/x",
    ],
)
def test_an_endpoint_that_is_not_a_push_service_is_refused(cast, client, endpoint) -> None:
    client.force_login(cast.parent)
    response = _subscribe(client, Browser(), endpoint)
    assert response.status_code == 400
    assert response.json()["error"] == "Этот браузер не может получать push-уведомления от Парты."
    assert not PushSubscription.objects.exists()


def test_keys_that_cannot_encrypt_are_refused(cast, client, push_service) -> None:
    client.force_login(cast.parent)
    data = Browser().subscription(push_service.endpoint("phone"))
    data["keys"]["p256dh"] = "BAAA"
    response = client.post(reverse("push_subscribe"), data, content_type="application/json")
    assert response.status_code == 400
    assert not PushSubscription.objects.exists()


def test_switching_on_needs_the_csrf_token(cast, push_service) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.parent)
    client.get(reverse("notification_settings"))  # sets the CSRF cookie
    browser = Browser()
    assert _subscribe(client, browser, push_service.endpoint("phone")).status_code == 403
    page = client.get(reverse("notification_settings")).content.decode()
    token = page.split('data-csrf="', 1)[1].split('"', 1)[0]
    response = _subscribe(client, browser, push_service.endpoint("phone"), x_csrftoken=token)
    assert response.status_code == 201


def test_a_person_switches_push_off_in_this_browser(cast, client, push_service) -> None:
    _b, row = _browser(cast.parent, push_service, "phone")
    client.force_login(cast.parent)
    url = reverse("push_unsubscribe")
    body = {"endpoint": row.endpoint}
    assert client.post(url, body, content_type="application/json").status_code == 204
    assert not PushSubscription.objects.exists()
    assert client.post(url, body, content_type="application/json").status_code == 404


def test_nobody_switches_off_someone_elses_browser(cast, client, push_service) -> None:
    _b, row = _browser(cast.parent, push_service, "phone")
    client.force_login(cast.other_parent)
    response = client.post(
        reverse("push_unsubscribe"), {"endpoint": row.endpoint}, content_type="application/json"
    )
    assert response.status_code == 404
    response = client.post(reverse("push_subscription_remove", args=[row.pk]))
    assert response.status_code == 404
    assert PushSubscription.objects.filter(pk=row.pk).exists()


def test_a_person_removes_one_of_their_browsers_from_the_list(cast, client, push_service) -> None:
    _b, row = _browser(cast.parent, push_service, "lost-phone")
    client.force_login(cast.parent)
    response = client.post(reverse("push_subscription_remove", args=[row.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("notification_settings") + "#push"
    assert "Push-уведомления в браузере «Chrome, Android» отключены." in response.content.decode()
    assert not PushSubscription.objects.exists()


def test_signing_out_forgets_the_browser_switched_on_in_that_session(
    cast, client, push_service
) -> None:
    _b, other = _browser(cast.parent, push_service, "phone")
    client.force_login(cast.parent)
    assert _subscribe(client, Browser(), push_service.endpoint("school-pc")).status_code == 201
    client.post(reverse("account_logout"))
    assert list(PushSubscription.objects.values_list("pk", flat=True)) == [other.pk]


def test_switching_on_is_not_offered_without_a_vapid_key(cast, client, settings, tmp_path) -> None:
    settings.PRODUCTION = True
    settings.PARTA_VAPID_PRIVATE_KEY = ""
    settings.PARTA_VAPID_KEY_FILE = tmp_path / "none.pem"
    client.force_login(cast.parent)
    response = _subscribe(client, Browser(), "https://fcm.googleapis.com/fcm/send/x")
    assert response.status_code == 404
    page = client.get(reverse("notification_settings"))
    body = page.content.decode()
    assert 'id="push"' not in body and "push.js" not in body
    assert [code for code, _label in page.context["channels"]] == ["email", "sms"]
    assert "-push" not in body


# --- the settings page -------------------------------------------------------------------------------
def test_the_settings_page_has_a_push_column_and_this_browsers_state(
    cast, client, push_service, settings
) -> None:
    _b, row = _browser(cast.parent, push_service, "phone")
    client.force_login(cast.parent)
    page = client.get(reverse("notification_settings"))
    body = page.content.decode()
    assert [code for code, _label in page.context["channels"]] == ["email", "sms", "push"]
    assert '<th scope="col" class="text-center">Push-уведомления</th>' in body
    first = cast.student.pk
    # Defaults: a new grade and an absence by push, homework not.
    assert f'name="p-{first}-new_grade-push" id="p-{first}-new_grade-push" checked' in body
    assert f'name="p-{first}-homework-push" id="p-{first}-homework-push"  aria-label' in body
    assert f'data-key="{settings.PARTA_VAPID_PUBLIC_KEY}"' in body
    # The page names this person's browsers by their endpoints' hashes, never the endpoints.
    import hashlib

    assert hashlib.sha256(row.endpoint.encode()).hexdigest() in body
    assert row.endpoint not in body
    assert "Chrome, Android" in body
    # Without JavaScript (or the Push API) this sentence is what the person reads.
    assert (
        "Push-уведомления в этом браузере недоступны: нужен браузер с их поддержкой и "
        "включённый JavaScript" in body
    )
    assert "notifications/push.js" in body
    # A push choice is saved like the others.
    response = client.post(
        reverse("notification_settings"),
        {f"p-{first}-homework-push": "on", "enabled": "on", "start": "22:00", "end": "07:00"},
    )
    assert response.status_code == 302
    choices = preferences.choices_of([cast.parent.pk], ["homework", "new_grade"])
    assert choices.wants(cast.parent.pk, first, "homework", "push") is True
    assert choices.wants(cast.parent.pk, first, "new_grade", "push") is False


# --- the installable web app ---------------------------------------------------------------------------
def test_the_manifest_makes_parta_installable(client) -> None:
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json; charset=utf-8"
    manifest = json.loads(response.content)
    assert manifest["name"] == manifest["short_name"] == "Парта"
    assert manifest["start_url"] == "/" and manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"] == "#0b5cad"  # parta.css's brand blue
    assert manifest["background_color"] == "#f6f8fb"  # and its page background
    sizes = {(i["sizes"], i["purpose"]) for i in manifest["icons"]}
    assert sizes == {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")}
    for icon in manifest["icons"]:
        path = finders.find(icon["src"].removeprefix("/static/"))
        assert path, icon["src"]
        with Image.open(path) as image:
            assert image.format == "PNG"
            assert f"{image.width}x{image.height}" == icon["sizes"]
            if icon["purpose"] == "maskable":
                # Full bleed: the corners are the brand colour, not transparent.
                assert image.convert("RGBA").getpixel((0, 0)) == (11, 92, 173, 255)


def test_the_manifest_is_in_the_browsers_language(client) -> None:
    # The request activates English in this thread; override() puts back what was active.
    with translation.override("ru"):
        manifest = client.get("/manifest.webmanifest", headers={"accept-language": "en"}).json()
    assert manifest["lang"] == "en" and manifest["name"] == "Parta"


def test_every_page_links_the_manifest_and_registers_the_service_worker(cast, client) -> None:
    client.force_login(cast.parent)
    body = client.get(reverse("inbox")).content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in body
    assert '<meta name="theme-color" content="#0b5cad">' in body
    assert 'data-service-worker="/sw.js"' in body


def test_the_service_worker_is_served_from_the_root_and_never_cached(client) -> None:
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Cache-Control"] == "no-cache"
    script = response.content.decode()
    for handler in ("install", "activate", "fetch", "push", "notificationclick"):
        assert f'addEventListener("{handler}"' in script
    assert "showNotification" in script and "openWindow" in script
    config = json.loads(script.split("const CONFIG = ", 1)[1].split(";\n", 1)[0])
    assert config["offline"] == "/offline/"
    assert config["icon"] == "/static/parta/icons/icon-192.png"
    assert config["precache"][0] == "/offline/"
    for url in [*config["precache"][1:], config["badge"]]:
        assert finders.find(url.removeprefix("/static/")), url


def test_the_offline_page_is_the_same_for_everybody(cast, client) -> None:
    response = client.get("/offline/")
    assert response.status_code == 200
    assert "Нет связи" in response.content.decode()
    client.force_login(cast.parent)
    signed_in = client.get("/offline/").content.decode()
    assert cast.parent.first_name not in signed_in
