"""NTF-3, item 4 of issue 5: web push with VAPID (``parta.core.webpush``) against a real
local push service that checks every request at RFC 8030/8291/8292's wire format and
decrypts the body with the browser's key (``push_service.py``), and the VAPID key pair:
from the environment, or made once in development."""

from __future__ import annotations

import socket
import stat
from typing import Any

import pytest

from parta.core import webpush
from parta.core.tests import push_service as peer
from parta.core.tests.push_service import Browser, verify

push_service = peer.push_service  # the fixture

PAYLOAD = {"title": "Новая оценка: Математика — 5", "body": "", "url": "/diary/", "tag": "t"}


def _target(service: Any, browser: Browser, name: str = "browser-1") -> webpush.PushTarget:
    keys = browser.keys()
    return webpush.PushTarget(service.endpoint(name), keys["p256dh"], keys["auth"])


def test_a_push_goes_encrypted_for_the_browser_and_signed_by_vapid(push_service, settings):
    browser = Browser()
    status = webpush.send_push(_target(push_service, browser), PAYLOAD, tag="grade:17")
    assert status == 201
    [request] = push_service.to("browser-1")
    payload = verify(
        request, browser, service=push_service, vapid_key=settings.PARTA_VAPID_PUBLIC_KEY
    )
    assert payload == PAYLOAD
    assert request.headers["ttl"] == "86400"
    assert request.headers["urgency"] == "normal"
    assert request.headers["topic"] == webpush.topic_of("grade:17")
    # Nothing the push service could read: the text is not in the body.
    assert "Математика".encode() not in request.body


def test_another_browser_cannot_read_the_message(push_service):
    browser, stranger = Browser(), Browser()
    webpush.send_push(_target(push_service, browser), PAYLOAD)
    [request] = push_service.received
    with pytest.raises(Exception):  # noqa: B017  (AES-GCM refuses: InvalidTag)
        stranger.decrypt(request.body)


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (404, "gone"),
        (410, "gone"),
        (429, "retry"),
        (500, "retry"),
        (503, "retry"),
        (400, "refused"),
        (403, "refused"),
        (413, "refused"),
    ],
)
def test_the_push_services_answers_are_told_by_kind(push_service, status, code):
    push_service.answer("browser-1", status)
    with pytest.raises(webpush.PushError) as caught:
        webpush.send_push(_target(push_service, Browser()), PAYLOAD)
    assert caught.value.code == code
    assert caught.value.status == status
    assert f"HTTP {status}" in caught.value.detail
    assert "wpush" not in caught.value.detail  # the endpoint is a secret: host only


def test_a_redirect_is_not_followed(push_service):
    push_service.answer("browser-1", 307)
    with pytest.raises(webpush.PushError) as caught:
        webpush.send_push(_target(push_service, Browser()), PAYLOAD)
    assert caught.value.code == "refused" and "redirect" in caught.value.detail
    assert len(push_service.received) == 1  # nothing was posted where it pointed


def test_a_push_service_that_is_down_is_tried_again(push_service, settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    browser = Browser()
    target = webpush.PushTarget(f"http://127.0.0.1:{port}/wpush/x", **browser.keys())
    with pytest.raises(webpush.PushError) as caught:
        webpush.send_push(target, PAYLOAD)
    assert caught.value.code == "retry"


def test_an_endpoint_outside_the_known_push_services_is_never_posted_to(push_service, settings):
    settings.PARTA_PUSH_SERVICE_HOSTS = ["fcm.googleapis.com"]
    with pytest.raises(webpush.PushError) as caught:
        webpush.send_push(_target(push_service, Browser()), PAYLOAD)
    assert caught.value.code == "not_configured"
    assert push_service.received == []


@pytest.mark.parametrize(
    ("endpoint", "ok"),
    [
        ("https://fcm.googleapis.com/fcm/send/abc:APA91b", True),
        ("https://updates.push.services.mozilla.com/wpush/v2/gAAAA", True),
        ("https://web.push.apple.com/QGuQyavXutnMH", True),
        ("https://wns2-am3p.notify.windows.com/w/?token=BQYAAA", True),
        ("http://fcm.googleapis.com/fcm/send/abc", False),  # not https
        ("https://fcm.googleapis.com.evil.example/x", False),
        ("https://notify.windows.com/w/", False),  # "*." is a subdomain, not the domain
        ("https://user:pw@fcm.googleapis.com/x", False),
        ("http://127.0.0.1:6379/", False),  # loopback, but not a push service here
        ("https://10.0.0.5/x", False),
        ("javascript:alert(1)", False),
        ("https://fcm.googleapis.com/" + "a" * 1000, False),
    ],
)
def test_only_https_endpoints_of_known_push_services_are_taken(endpoint, ok):
    assert (webpush.endpoint_problem(endpoint) is None) is ok


def test_the_browsers_keys_are_checked():
    good = Browser().keys()
    assert webpush.key_problem(good["p256dh"], good["auth"]) is None
    assert webpush.key_problem(good["p256dh"], "c2hvcnQ") == "auth is not 16 bytes"
    assert webpush.key_problem("BAAA", good["auth"]) == "p256dh is not an uncompressed point"
    not_on_curve = "BA" + "A" * 85
    assert webpush.key_problem(not_on_curve, good["auth"]) == "p256dh is not a P-256 point"
    assert webpush.key_problem("!!", good["auth"]) is not None


# --- the VAPID key pair ---------------------------------------------------------------------------
def test_development_makes_a_key_pair_once_and_keeps_it(settings, tmp_path):
    settings.PRODUCTION = False
    settings.PARTA_VAPID_PRIVATE_KEY = ""
    settings.PARTA_VAPID_PUBLIC_KEY = ""
    settings.PARTA_VAPID_KEY_FILE = tmp_path / "vapid-private.pem"
    first = webpush.vapid()
    assert first is not None
    key_file = tmp_path / "vapid-private.pem"
    assert key_file.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    assert stat.S_IMODE(key_file.stat().st_mode) & 0o077 == 0  # readable by its owner only
    webpush._vapid.cache_clear()  # a new process
    again = webpush.vapid()
    assert again is not None and again.public_key == first.public_key
    assert len(webpush.b64url_decode(first.public_key)) == 65


def test_production_without_a_key_offers_no_push(settings, tmp_path):
    settings.PRODUCTION = True
    settings.PARTA_VAPID_PRIVATE_KEY = ""
    settings.PARTA_VAPID_KEY_FILE = tmp_path / "vapid-private.pem"
    assert webpush.vapid() is None
    assert not (tmp_path / "vapid-private.pem").exists()
    with pytest.raises(webpush.PushError) as caught:
        webpush.send_push(webpush.PushTarget("https://fcm.googleapis.com/x", "a", "b"), {})
    assert caught.value.code == "not_configured"


def test_a_key_from_the_environment_as_raw_base64url(settings, tmp_path):
    settings.PRODUCTION = True
    settings.PARTA_VAPID_KEY_FILE = tmp_path / "none.pem"
    settings.PARTA_VAPID_PRIVATE_KEY = webpush.b64url(bytes(31) + b"\x07")
    settings.PARTA_VAPID_SUBJECT = "https://parta.example.ru/contact"
    identity = webpush.vapid()
    assert identity is not None
    settings.PARTA_VAPID_PUBLIC_KEY = identity.public_key
    assert webpush.vapid() is not None
    # A public key that is not the private key's, or no subject: no push rather than 403s.
    settings.PARTA_VAPID_PUBLIC_KEY = Browser().keys()["p256dh"]
    assert webpush.vapid() is None
    settings.PARTA_VAPID_PUBLIC_KEY = ""
    settings.PARTA_VAPID_SUBJECT = ""
    assert webpush.vapid() is None
    settings.PARTA_VAPID_SUBJECT = "admin@parta.example.ru"  # not a URL
    assert webpush.vapid() is None


def test_vapid_keys_prints_a_pair_that_works(settings, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("vapid_keys", stdout=out)
    lines = dict(line.split("=", 1) for line in out.getvalue().split())
    settings.PRODUCTION = True
    settings.PARTA_VAPID_KEY_FILE = tmp_path / "none.pem"
    settings.PARTA_VAPID_PRIVATE_KEY = lines["PARTA_VAPID_PRIVATE_KEY"]
    settings.PARTA_VAPID_PUBLIC_KEY = lines["PARTA_VAPID_PUBLIC_KEY"]
    settings.PARTA_VAPID_SUBJECT = "mailto:operator@parta.example.ru"
    identity = webpush.vapid()
    assert identity is not None and identity.public_key == lines["PARTA_VAPID_PUBLIC_KEY"]
