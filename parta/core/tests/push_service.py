"""A local push service and a browser, for the web push tests (NTF-3).

``push_service`` is a real HTTP server (http.server in a thread) standing in for a browser
vendor's push service (FCM, Mozilla autopush, Apple): it records every request and answers
the status the test tells it, per endpoint. ``verify`` checks a recorded request at the
documented wire format:

- RFC 8030 (Generic Event Delivery Using HTTP Push): ``POST`` to the push resource, a ``TTL``
  header (seconds, an integer), ``Urgency`` one of its four words, ``Topic`` at most 32
  base64url characters;
- RFC 8292 (VAPID): ``Authorization: vapid t=<JWT>, k=<public key>``; the JWT is ES256 and
  its signature verifies with ``k``, ``aud`` is the push resource's origin, ``exp`` is in the
  future and no more than 24 hours away, ``sub`` is a ``mailto:`` or ``https:`` contact;
- RFC 8291 (Message Encryption for Web Push) over RFC 8188: ``Content-Encoding: aes128gcm``,
  a body no longer than 4096 bytes whose header carries the sender's ephemeral P-256 key as
  its key id; the body is decrypted with the *browser's* private key and auth secret —
  step by step from RFC 8291 §3.3–3.4 and by ``http_ece`` — and must give the same JSON.

``Browser`` makes what a browser makes on ``PushManager.subscribe()``: a P-256 key pair and
a 16-byte auth secret; its ``subscription(endpoint)`` is ``PushSubscription.toJSON()``.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import http_ece
import jwt
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from parta.core.webpush import b64url, b64url_decode

SUBJECT = "mailto:operator@parta.test"


@dataclass
class Browser:
    """A browser's side of one subscription (what ``PushManager.subscribe()`` makes)."""

    private_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth_secret: bytes = field(default_factory=lambda: os.urandom(16))

    @property
    def public_bytes(self) -> bytes:
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )

    def keys(self) -> dict[str, str]:
        return {"p256dh": b64url(self.public_bytes), "auth": b64url(self.auth_secret)}

    def subscription(self, endpoint: str) -> dict[str, Any]:
        return {"endpoint": endpoint, "expirationTime": None, "keys": self.keys()}

    def decrypt_by_the_rfc(self, body: bytes) -> bytes:
        """RFC 8291 §3.3–3.4 and RFC 8188 §2, one record, step by step."""
        salt, record_size, id_length = body[:16], int.from_bytes(body[16:20], "big"), body[20]
        assert id_length == 65, "the key id must be the sender's uncompressed P-256 key"
        sender_bytes = body[21 : 21 + id_length]
        ciphertext = body[21 + id_length :]
        assert record_size >= 18 and len(ciphertext) <= record_size, "one record expected"
        sender = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), sender_bytes)
        ecdh_secret = self.private_key.exchange(ec.ECDH(), sender)
        key_info = b"WebPush: info\x00" + self.public_bytes + sender_bytes
        ikm = HKDF(hashes.SHA256(), 32, salt=self.auth_secret, info=key_info).derive(ecdh_secret)
        cek = HKDF(hashes.SHA256(), 16, salt=salt, info=b"Content-Encoding: aes128gcm\x00")
        nonce = HKDF(hashes.SHA256(), 12, salt=salt, info=b"Content-Encoding: nonce\x00")
        padded = AESGCM(cek.derive(ikm)).decrypt(nonce.derive(ikm), ciphertext, None)
        unpadded = padded.rstrip(b"\x00")
        assert unpadded.endswith(b"\x02"), "the last record ends with the 0x02 delimiter"
        return unpadded[:-1]

    def decrypt(self, body: bytes) -> dict[str, Any]:
        by_library = http_ece.decrypt(
            body, private_key=self.private_key, auth_secret=self.auth_secret, version="aes128gcm"
        )
        assert self.decrypt_by_the_rfc(body) == by_library
        return json.loads(by_library.decode("utf-8"))


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes


@dataclass
class PushService:
    url: str  # http://127.0.0.1:port
    received: list[Received] = field(default_factory=list)
    # path -> the statuses to answer, in turn (the last one stays); 201 when not told.
    answers: dict[str, list[int]] = field(default_factory=dict)

    def endpoint(self, name: str) -> str:
        return f"{self.url}/wpush/v2/{name}"

    def answer(self, name: str, *statuses: int) -> None:
        self.answers[urlsplit(self.endpoint(name)).path] = list(statuses)

    def status_for(self, path: str) -> int:
        queue = self.answers.get(path)
        if not queue:
            return 201
        return queue.pop(0) if len(queue) > 1 else queue[0]

    def to(self, name: str) -> list[Received]:
        path = urlsplit(self.endpoint(name)).path
        return [r for r in self.received if r.path == path]


def _handler(state: PushService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _record(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            state.received.append(
                Received(
                    method=self.command,
                    path=urlsplit(self.path).path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                )
            )
            status = state.status_for(urlsplit(self.path).path) if self.command == "POST" else 405
            self.send_response(status)
            if status == 201:
                self.send_header("Location", f"{state.url}/m/{len(state.received)}")
            if status == 429:
                self.send_header("Retry-After", "60")
            if 300 <= status < 400:
                self.send_header("Location", f"{state.url}/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_POST = do_GET = do_PUT = _record

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def push_service(settings: Any) -> Iterator[PushService]:
    """The push service on 127.0.0.1, allowed as one (``PARTA_PUSH_SERVICE_HOSTS``), with a
    fresh VAPID key pair for Parta."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    state = PushService(url=f"http://127.0.0.1:{server.server_address[1]}")
    server.RequestHandlerClass = _handler(state)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    key = ec.generate_private_key(ec.SECP256R1())
    settings.PARTA_VAPID_PRIVATE_KEY = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    settings.PARTA_VAPID_PUBLIC_KEY = b64url(
        key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )
    settings.PARTA_VAPID_SUBJECT = SUBJECT
    settings.PARTA_PUSH_SERVICE_HOSTS = ["127.0.0.1"]
    settings.PARTA_PUSH_TTL_SECONDS = 86400
    settings.PARTA_PUSH_TIMEOUT_SECONDS = 5
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


_AUTHORIZATION = re.compile(r"^vapid\s+t=([A-Za-z0-9_\-.]+)\s*,\s*k=([A-Za-z0-9_\-]+)$")


def verify(request: Received, browser: Browser, *, service: PushService, vapid_key: str) -> Any:
    """Check one request at RFC 8030/8291/8292's wire format; the decrypted JSON payload."""
    assert request.method == "POST"
    headers = request.headers
    assert re.fullmatch(r"\d+", headers.get("ttl", "")), "TTL: a number of seconds"
    assert headers.get("urgency", "normal") in {"very-low", "low", "normal", "high"}
    if "topic" in headers:
        assert re.fullmatch(r"[A-Za-z0-9_\-]{1,32}", headers["topic"])
    assert headers.get("content-encoding") == "aes128gcm"
    assert "crypto-key" not in headers and "encryption" not in headers, "no draft headers"
    assert len(request.body) <= 4096, "RFC 8291: a push message has at most 4096 bytes"

    match = _AUTHORIZATION.match(headers.get("authorization", ""))
    assert match, f"not RFC 8292's vapid scheme: {headers.get('authorization')!r}"
    token, k = match.groups()
    assert k == vapid_key, "k is the server's VAPID public key"
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(k))
    assert jwt.get_unverified_header(token)["alg"] == "ES256"
    claims = jwt.decode(token, public, algorithms=["ES256"], audience=service.url)
    assert claims["aud"] == service.url, "aud is the push resource's origin"
    assert claims["sub"] == SUBJECT
    assert time.time() < claims["exp"] <= time.time() + 24 * 3600
    return browser.decrypt(request.body)
