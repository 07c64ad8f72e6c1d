"""Web push to browsers: one interface over pywebpush (docs/decisions/0013-web-push.md).

``send_push(target, payload)`` posts one message to a browser's push service as RFC 8030
describes it: ``POST {endpoint}`` with ``TTL`` (``PARTA_PUSH_TTL_SECONDS``), ``Urgency`` and
``Topic`` headers, the body encrypted for that browser alone (RFC 8291, ``Content-Encoding:
aes128gcm``: the push service cannot read it) and the server identified by VAPID (RFC 8292,
``Authorization: vapid t=<ES256 JWT with aud = the endpoint's origin, exp, sub>, k=<public
key>``). A refusal raises ``PushError`` with a kind (``code``) the caller decides on:

- ``gone``: 404 or 410, the subscription no longer exists — forget it;
- ``retry``: 429, a 5xx, a timeout or a network failure — it may pass;
- ``refused``: any other answer (400 malformed, 403 a VAPID key the subscription was not made
  with, 413 too large, a redirect, which is never followed) — this message will not go,
  another try would not change that;
- ``not_configured``: no VAPID key (``vapid()`` is ``None``) or an endpoint outside
  ``PARTA_PUSH_SERVICE_HOSTS``.

The VAPID key pair comes from ``PARTA_VAPID_PRIVATE_KEY`` (and ``PARTA_VAPID_PUBLIC_KEY``,
which must match it) or from the PEM file ``PARTA_VAPID_KEY_FILE``; outside production, when
neither exists, a key pair is made once into that file (in ``var/``), so ``make run`` offers
push with no step by hand. Production without a key or a subject offers no push at all.
This module knows nothing of people or notifications: ``parta.notifications.push`` does.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import ipaddress
import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from parta.core.errors import ProviderError

logger = logging.getLogger("parta.push")

# The longest endpoint taken (the browsers' are 150–400 characters).
MAX_ENDPOINT_LENGTH = 1000


class PushError(ProviderError):
    """The push service did not take the message (see ``ProviderError``; ``status`` is the
    HTTP status when there was an answer)."""

    def __init__(self, message: Any, *, detail: str = "", code: str = "", status: int = 0):
        super().__init__(message, detail=detail, code=code)
        self.status = status


@dataclass(frozen=True)
class PushTarget:
    """One browser's subscription, as ``PushSubscription.toJSON()`` gives it."""

    endpoint: str
    p256dh: str  # the browser's P-256 public key, base64url of the uncompressed point
    auth: str  # its 16-byte authentication secret, base64url


@dataclass(frozen=True)
class Vapid:
    """This server's VAPID identity."""

    private_key: ec.EllipticCurvePrivateKey
    public_key: str  # base64url of the uncompressed point: the browsers' applicationServerKey
    subject: str


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Base64url with or without padding (``binascii.Error``/``ValueError`` when not)."""
    text = text.strip()
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _public_point(key: ec.EllipticCurvePrivateKey) -> str:
    return b64url(
        key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )


def load_private_key(text: str) -> ec.EllipticCurvePrivateKey:
    """A P-256 private key from PEM or from base64url of its 32 bytes."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_private_key(text.encode("ascii"), password=None)
    else:
        raw = b64url_decode(text)
        if len(raw) != 32:
            raise ValueError("a raw P-256 private key has 32 bytes")
        key = ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise ValueError("the VAPID key must be a P-256 (prime256v1) key")
    return key


def generate_private_key_pem() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def _key_file(path: Path, create: bool) -> str | None:
    """The PEM in ``path``; made once when ``create`` (several processes may race: the
    first link wins, the others read it)."""
    try:
        return path.read_text()
    except FileNotFoundError:
        if not create:
            return None
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".vapid-")
    try:
        with os.fdopen(fd, "w") as out:
            out.write(generate_private_key_pem())
        try:
            os.link(tmp, path)
            logger.warning("made a development VAPID key pair in %s", path)
        except FileExistsError:
            pass
    finally:
        os.unlink(tmp)
    return path.read_text()


@functools.lru_cache(maxsize=8)
def _vapid(private: str, public: str, subject: str, key_file: str, create: bool) -> Vapid | None:
    pem = private or _key_file(Path(key_file), create)
    if not pem or not subject:
        return None
    if not subject.startswith(("mailto:", "https://")):
        logger.error("PARTA_VAPID_SUBJECT must be a mailto: or https: URL: push is off")
        return None
    try:
        key = load_private_key(pem)
    except ValueError as exc:
        logger.error("the VAPID private key cannot be read (%s): push is off", exc)
        return None
    derived = _public_point(key)
    if public and public.strip().rstrip("=") != derived:
        logger.error("PARTA_VAPID_PUBLIC_KEY is not the private key's: push is off")
        return None
    return Vapid(private_key=key, public_key=derived, subject=subject)


def vapid() -> Vapid | None:
    """This server's VAPID identity, or ``None`` when push is not offered."""
    return _vapid(
        settings.PARTA_VAPID_PRIVATE_KEY,
        settings.PARTA_VAPID_PUBLIC_KEY,
        settings.PARTA_VAPID_SUBJECT,
        str(settings.PARTA_VAPID_KEY_FILE),
        not settings.PRODUCTION,
    )


def available() -> bool:
    return vapid() is not None


def _host_allowed(host: str) -> bool:
    for pattern in settings.PARTA_PUSH_SERVICE_HOSTS:
        pattern = pattern.lower()
        if pattern.startswith("*."):
            if host.endswith(pattern[1:]) and host != pattern[2:]:
                return True
        elif host == pattern:
            return True
    return False


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def endpoint_problem(endpoint: str) -> str | None:
    """Why Parta will not post to ``endpoint``, or ``None``: it must be an https URL (http
    only for a loopback host, which tests use) of one of ``PARTA_PUSH_SERVICE_HOSTS``."""
    if len(endpoint) > MAX_ENDPOINT_LENGTH:
        return "too long"
    try:
        parts = urlsplit(endpoint)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError:
        return "not a URL"
    if parts.username or parts.password or not host:
        return "not a URL"
    if parts.scheme != "https" and not (parts.scheme == "http" and _loopback(host)):
        return "not https"
    if not _host_allowed(host):
        return f"{host} is not a known push service"
    return None


def key_problem(p256dh: str, auth: str) -> str | None:
    """Why the browser's keys cannot encrypt a message, or ``None``."""
    try:
        point = b64url_decode(p256dh)
        secret = b64url_decode(auth)
    except ValueError:
        return "keys are not base64url"
    if len(secret) != 16:
        return "auth is not 16 bytes"
    if len(point) != 65:
        return "p256dh is not an uncompressed point"
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError:
        return "p256dh is not a P-256 point"
    return None


def topic_of(tag: str) -> str:
    """RFC 8030's ``Topic``: at most 32 base64url characters; a message with the same topic
    replaces one the push service still holds for the browser."""
    return b64url(hashlib.sha256(tag.encode()).digest())[:32]


_UNAVAILABLE = _("Сервис push-уведомлений недоступен, попробуем позже.")


def send_push(
    target: PushTarget,
    payload: dict[str, Any],
    *,
    tag: str = "",
    urgency: str = "normal",
) -> int:
    """Post ``payload`` (as JSON) to ``target``; the push service's status (201) on success."""
    from pywebpush import WebPushException, webpush

    identity = vapid()
    if identity is None:
        raise PushError(_("Push-уведомления не настроены."), code="not_configured")
    problem = endpoint_problem(target.endpoint)
    if problem:
        raise PushError(_("Push-уведомления не настроены."), detail=problem, code="not_configured")
    from py_vapid import Vapid as VapidSigner

    headers: dict[str, str | int | float] = {"Urgency": urgency}
    if tag:
        headers["Topic"] = topic_of(tag)
    host = urlsplit(target.endpoint).hostname
    session = requests.Session()
    session.max_redirects = 0  # a push service answers; it does not send us elsewhere
    try:
        response = webpush(
            subscription_info={
                "endpoint": target.endpoint,
                "keys": {"p256dh": target.p256dh, "auth": target.auth},
            },
            data=json.dumps(payload, ensure_ascii=False, separators=(",", ":")),
            vapid_private_key=VapidSigner(identity.private_key),
            vapid_claims={"sub": identity.subject},  # aud (the origin) and exp are added
            content_encoding="aes128gcm",
            ttl=settings.PARTA_PUSH_TTL_SECONDS,
            timeout=settings.PARTA_PUSH_TIMEOUT_SECONDS,
            headers=headers,
            requests_session=session,
        )
    except WebPushException as exc:
        status = int(exc.status_code or 0)
        detail = f"{host}: HTTP {status}"
        if status in (404, 410):
            raise PushError(_UNAVAILABLE, detail=detail, code="gone", status=status) from None
        if status == 429 or status >= 500 or status == 0:
            raise PushError(_UNAVAILABLE, detail=detail, code="retry", status=status) from None
        raise PushError(_UNAVAILABLE, detail=detail, code="refused", status=status) from None
    except requests.TooManyRedirects:
        detail = f"{host}: a redirect, not followed"
        raise PushError(_UNAVAILABLE, detail=detail, code="refused") from None
    except requests.RequestException as exc:
        detail = f"{host}: {type(exc).__name__}"
        raise PushError(_UNAVAILABLE, detail=detail, code="retry") from None
    finally:
        session.close()
    return int(getattr(response, "status_code", 201))
