"""A real OpenID Connect provider for the ESIA tests (ACC-4).

``oidc_provider_mock`` (a Flask app on authlib) runs in a thread on a free port of this
machine. Tests may make it misbehave the way an attacker in the middle would: every ID token
its token endpoint issues passes through ``provider.tamper`` (re-signed with a foreign key,
altered, given another audience…), and ``provider.rotate_key()`` replaces its signing key.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import flask
import jwt
import oidc_provider_mock
import pytest
import requests
import werkzeug.serving
from authlib.jose import RSAKey
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

CLIENT_ID = "parta-test"
Tamper = Callable[[str, Any], str]


@dataclass
class Provider:
    url: str
    app: flask.Flask
    tamper: Tamper | None = None
    token_requests: int = 0
    _rotate: list[bool] = field(default_factory=list)

    @property
    def discovery_url(self) -> str:
        return f"{self.url}/.well-known/openid-configuration"

    @property
    def issuer(self) -> str:
        return self.url

    def set_user(self, sub: str, **claims: Any) -> None:
        response = requests.put(f"{self.url}/users/{sub}", json=claims, timeout=5)
        assert response.status_code == 204, response.text

    def rotate_key(self) -> None:
        """The provider starts signing with a new key and publishes only that one."""
        response = requests.post(f"{self.url}/test/rotate", timeout=5)
        assert response.status_code == 204

    def authorize(self, authorization_url: str, sub: str) -> str:
        """The person signs in at the provider as ``sub``; the callback URL it sends back."""
        response = requests.post(
            authorization_url, data={"sub": sub}, allow_redirects=False, timeout=5
        )
        assert response.status_code == 302, response.text
        return response.headers["Location"]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def payload_of(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


def resign(token: str, key: Any, *, kid: str | None = None, **changes: Any) -> str:
    """The token's claims with ``changes``, signed RS256 by ``key`` (a private key)."""
    claims = {**payload_of(token), **changes}
    headers = {"kid": kid} if kid else None
    return jwt.encode(claims, key, algorithm="RS256", headers=headers)


def provider_key(jwk: RSAKey) -> Any:
    return jwk.get_private_key()


def provider_kid(jwk: RSAKey) -> str:
    return str(jwk.as_dict()["kid"])


def foreign_key() -> Any:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def altered(token: str, **changes: Any) -> str:
    """The payload changed, the provider's signature kept."""
    header, _payload, signature = token.split(".")
    claims = {**payload_of(token), **changes}
    return ".".join([header, _b64(json.dumps(claims).encode()), signature])


@pytest.fixture
def provider() -> Iterator[Provider]:
    app = oidc_provider_mock.app(require_nonce=True)
    server = werkzeug.serving.make_server("localhost", 0, app, threaded=True)
    state = Provider(url=f"http://localhost:{server.server_port}", app=app)

    @app.post("/test/rotate")
    def rotate() -> tuple[str, int]:
        flask.g.oidc_provider_mock_storage.jwk = RSAKey.generate_key(is_private=True)
        return "", 204

    @app.after_request
    def tamper(response: flask.Response) -> flask.Response:
        if flask.request.path == "/oauth2/token":
            state.token_requests += 1
            if state.tamper is not None and response.status_code == 200:
                body = json.loads(response.get_data())
                jwk = flask.g.oidc_provider_mock_storage.jwk
                body["id_token"] = state.tamper(body["id_token"], jwk)
                response.set_data(json.dumps(body))
        return response

    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()


@pytest.fixture
def esia(settings: Any, provider: Provider) -> Provider:
    """Parta configured, through settings only, to sign in through ``provider``."""
    settings.ESIA_OIDC_ENABLED = True
    settings.ESIA_OIDC_DISCOVERY_URL = provider.discovery_url
    settings.ESIA_OIDC_ISSUER = ""
    settings.ESIA_OIDC_CLIENT_ID = CLIENT_ID
    settings.ESIA_OIDC_CLIENT_SECRET = "s3cret-for-tests"
    settings.ESIA_OIDC_SCOPES = "openid profile"
    cache.clear()
    return provider


def start(client: Client, next_url: str = "") -> str:
    """Press "Войти через Госуслуги": the provider's authorization URL Parta redirects to."""
    url = reverse("esia_start") + (f"?next={next_url}" if next_url else "")
    response = client.get(url)
    assert response.status_code == 302, response.content[:500]
    return response["Location"]


def callback_path(location: str) -> str:
    parts = urlsplit(location)
    assert parts.path == reverse("esia_callback")
    return f"{parts.path}?{parts.query}"


def portal_sign_in(client: Client, provider: Provider, sub: str, next_url: str = "") -> Any:
    """The whole round trip through the provider; the response of Parta's callback."""
    location = provider.authorize(start(client, next_url), sub)
    return client.get(callback_path(location))
