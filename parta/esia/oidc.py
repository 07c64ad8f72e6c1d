"""A small OpenID Connect relying party for ESIA / Gosuslugi (ACC-4).

Authorization code flow with PKCE (S256). What each step guarantees:

- ``begin``: a fresh ``state``, ``nonce`` and PKCE verifier are kept in *this browser's
  session*; the person is sent to the provider with the state, the nonce and the challenge.
- ``complete``: the ``state`` of the callback must be one this session started, and it is
  removed from the session before anything else happens (single use: a replayed callback is
  refused without contacting the provider). The code is exchanged with the verifier; the ID
  token's signature is checked against the provider's published keys (JWKS, cached, refetched
  once when a token names a key id the cache does not know — key rotation), and its ``iss``,
  ``aud`` (and ``azp``), ``exp`` / ``iat`` (with ``ESIA_OIDC_LEEWAY_SECONDS``) and ``nonce``.

Everything comes from settings (``ESIA_OIDC_*``): see docs/decisions/0009-esia-oidc.md. Tokens
are used once and never stored; only the subject identifier is kept (in ``EsiaLink``).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from parta.core.errors import DomainError

SESSION_FLOWS = "esia_oidc_flows"
# A person may start sign-in in two tabs; older unfinished flows are dropped.
_MAX_FLOWS = 3
_FLOW_SECONDS = 15 * 60
_CACHE_PREFIX = "parta:esia:oidc"
# An unknown key id refetches the keys at most this often (a flood of forged kids must not
# turn Parta into a flood of requests to the provider).
_JWKS_REFETCH_SECONDS = 60


class OidcError(DomainError):
    """The provider's answer cannot be trusted or used; the message is for the person."""


_FAILED = _(
    "Не удалось войти через Госуслуги: ответ портала не прошёл проверку. Начните вход заново."
)
_UNAVAILABLE = _(
    "Портал Госуслуг сейчас не отвечает. Попробуйте позже или войдите по логину и паролю."
)


def enabled() -> bool:
    """Whether sign-in through ESIA is configured; when not, its button and URLs are absent."""
    return bool(
        settings.ESIA_OIDC_ENABLED
        and settings.ESIA_OIDC_CLIENT_ID
        and (settings.ESIA_OIDC_DISCOVERY_URL or settings.ESIA_OIDC_ISSUER)
    )


def button_label() -> str:
    return settings.ESIA_OIDC_BUTTON_LABEL or str(_("Войти через Госуслуги"))


@dataclass(frozen=True)
class Provider:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str = ""


@dataclass(frozen=True)
class Identity:
    """Who the provider says signed in. Only ``issuer`` + ``subject`` identify the person."""

    issuer: str
    subject: str
    last_name: str = ""
    first_name: str = ""
    middle_name: str = ""
    snils: str = ""
    birth_date: date | None = None

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)

    def to_session(self) -> dict[str, str]:
        return {
            "issuer": self.issuer,
            "subject": self.subject,
            "last_name": self.last_name,
            "first_name": self.first_name,
            "middle_name": self.middle_name,
            "snils": self.snils,
            "birth_date": self.birth_date.isoformat() if self.birth_date else "",
        }

    @classmethod
    def from_session(cls, data: dict[str, str]) -> Identity:
        birth = data.get("birth_date") or ""
        return cls(
            issuer=data["issuer"],
            subject=data["subject"],
            last_name=data.get("last_name", ""),
            first_name=data.get("first_name", ""),
            middle_name=data.get("middle_name", ""),
            snils=data.get("snils", ""),
            birth_date=date.fromisoformat(birth) if birth else None,
        )


# --- the provider's metadata and keys ------------------------------------------------------
def _get_json(url: str) -> dict[str, Any]:
    try:
        response = requests.get(url, timeout=settings.ESIA_OIDC_TIMEOUT_SECONDS)
        response.raise_for_status()
        data = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise OidcError(_UNAVAILABLE, code="unavailable") from exc
    if not isinstance(data, dict):
        raise OidcError(_UNAVAILABLE, code="unavailable")
    return data


def provider() -> Provider:
    """The provider's endpoints: discovery (cached), overridden by explicit settings."""
    found: dict[str, Any] = {}
    if settings.ESIA_OIDC_DISCOVERY_URL:
        key = f"{_CACHE_PREFIX}:discovery:{settings.ESIA_OIDC_DISCOVERY_URL}"
        found = cache.get(key) or {}
        if not found:
            found = _get_json(settings.ESIA_OIDC_DISCOVERY_URL)
            cache.set(key, found, settings.ESIA_OIDC_METADATA_CACHE_SECONDS)
    issuer = str(found.get("issuer") or settings.ESIA_OIDC_ISSUER)
    if settings.ESIA_OIDC_ISSUER and issuer != settings.ESIA_OIDC_ISSUER:
        # A discovery document must not move the issuer the deployment trusts.
        raise OidcError(_FAILED, code="issuer")
    result = Provider(
        issuer=issuer,
        authorization_endpoint=settings.ESIA_OIDC_AUTHORIZATION_URL
        or str(found.get("authorization_endpoint", "")),
        token_endpoint=settings.ESIA_OIDC_TOKEN_URL or str(found.get("token_endpoint", "")),
        jwks_uri=settings.ESIA_OIDC_JWKS_URL or str(found.get("jwks_uri", "")),
        userinfo_endpoint=settings.ESIA_OIDC_USERINFO_URL
        or str(found.get("userinfo_endpoint", "")),
    )
    if not (result.issuer and result.authorization_endpoint and result.token_endpoint):
        raise OidcError(_UNAVAILABLE, code="metadata")
    return result


def _jwks(uri: str, *, refresh: bool = False) -> list[dict[str, Any]]:
    key = f"{_CACHE_PREFIX}:jwks:{uri}"
    keys = None if refresh else cache.get(key)
    if keys is None:
        data = _get_json(uri)
        keys = [k for k in data.get("keys", []) if isinstance(k, dict)]
        cache.set(key, keys, settings.ESIA_OIDC_METADATA_CACHE_SECONDS)
    return list(keys)


def _published_keys(uri: str, kid: str | None, *, refresh: bool) -> list[dict[str, Any]]:
    keys = _jwks(uri, refresh=refresh)
    return keys if kid is None else [k for k in keys if k.get("kid") == kid]


def _may_refetch(uri: str) -> bool:
    """A token no cached key verifies may mean the provider rotated its keys: the set is
    fetched again, at most once a minute (forged tokens must not flood the provider)."""
    return bool(cache.add(f"{_CACHE_PREFIX}:jwks-refetch:{uri}", 1, _JWKS_REFETCH_SECONDS))


# --- the flow ------------------------------------------------------------------------------
def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _signer() -> Callable[[dict[str, str]], dict[str, str]] | None:
    path = settings.ESIA_OIDC_CLIENT_SECRET_SIGNER
    return import_string(path) if path else None


def begin(request: HttpRequest, *, redirect_uri: str, next_url: str) -> str:
    """Start sign-in: remember state, nonce and verifier in the session; the provider's URL."""
    endpoints = provider()
    state = secrets.token_urlsafe(32)
    nonce = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)
    flows = {
        s: f
        for s, f in request.session.get(SESSION_FLOWS, {}).items()
        if f.get("started", 0) > time.time() - _FLOW_SECONDS
    }
    flows[state] = {
        "nonce": nonce,
        "verifier": verifier,
        "redirect_uri": redirect_uri,
        "next": next_url,
        "started": time.time(),
    }
    newest = sorted(flows.items(), key=lambda item: item[1]["started"])[-_MAX_FLOWS:]
    request.session[SESSION_FLOWS] = dict(newest)
    params = {
        "response_type": "code",
        "client_id": settings.ESIA_OIDC_CLIENT_ID,
        "redirect_uri": redirect_uri,
        "scope": settings.ESIA_OIDC_SCOPES,
        "state": state,
        "nonce": nonce,
        "code_challenge": _b64(hashlib.sha256(verifier.encode()).digest()),
        "code_challenge_method": "S256",
    }
    signer = _signer()
    if signer is not None:
        params.update(signer(dict(params)))
    separator = "&" if "?" in endpoints.authorization_endpoint else "?"
    return f"{endpoints.authorization_endpoint}{separator}{urlencode(params)}"


@dataclass(frozen=True)
class Completed:
    identity: Identity
    next_url: str


def complete(request: HttpRequest) -> Completed:
    """Finish sign-in from the provider's callback; raises ``OidcError`` on anything wrong."""
    state = request.GET.get("state", "")
    flows = dict(request.session.get(SESSION_FLOWS, {}))
    flow = flows.pop(state, None) if state else None
    # Single use: the state leaves the session before the code is even looked at.
    request.session[SESSION_FLOWS] = flows
    if request.GET.get("error") == "access_denied":
        # The person pressed "cancel" at the portal (the answer signs nobody in either way).
        raise OidcError(_("Вход через Госуслуги отменён."), code="cancelled")
    if flow is None or flow.get("started", 0) < time.time() - _FLOW_SECONDS:
        raise OidcError(_FAILED, code="state")
    if request.GET.get("error"):
        raise OidcError(_FAILED, code="provider")
    code = request.GET.get("code", "")
    if not code:
        raise OidcError(_FAILED, code="code")
    endpoints = provider()
    tokens = _exchange(endpoints, code=code, flow=flow)
    id_token = tokens.get("id_token")
    if not isinstance(id_token, str):
        raise OidcError(_FAILED, code="id_token")
    claims = verify_id_token(id_token, endpoints=endpoints, nonce=flow["nonce"])
    access_token = tokens.get("access_token")
    if endpoints.userinfo_endpoint and isinstance(access_token, str):
        claims = {**_userinfo(endpoints, access_token, subject=claims["sub"]), **claims}
    return Completed(identity=_identity(endpoints.issuer, claims), next_url=flow["next"])


def _exchange(endpoints: Provider, *, code: str, flow: dict[str, Any]) -> dict[str, Any]:
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": flow["redirect_uri"],
        "client_id": settings.ESIA_OIDC_CLIENT_ID,
        "code_verifier": flow["verifier"],
    }
    auth = None
    signer = _signer()
    if signer is not None:
        data.update(signer(dict(data)))
    elif settings.ESIA_OIDC_CLIENT_SECRET:
        auth = (settings.ESIA_OIDC_CLIENT_ID, settings.ESIA_OIDC_CLIENT_SECRET)
    try:
        response = requests.post(
            endpoints.token_endpoint,
            data=data,
            auth=auth,
            headers={"Accept": "application/json"},
            timeout=settings.ESIA_OIDC_TIMEOUT_SECONDS,
        )
    except requests.RequestException as exc:
        raise OidcError(_UNAVAILABLE, code="unavailable") from exc
    try:
        tokens = response.json()
    except ValueError as exc:
        raise OidcError(_FAILED, code="token") from exc
    if response.status_code != 200 or not isinstance(tokens, dict):
        raise OidcError(_FAILED, code="token")
    return tokens


def verify_id_token(token: str, *, endpoints: Provider, nonce: str) -> dict[str, Any]:
    """The ID token's claims, after every check OpenID Connect Core 3.1.3.7 asks of a client."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise OidcError(_FAILED, code="malformed") from exc
    algorithm = header.get("alg")
    kid = header.get("kid")
    claims: dict[str, Any] | None = None
    if (
        algorithm in settings.ESIA_OIDC_ALGORITHMS
        and algorithm in jwt.algorithms.get_default_algorithms()
    ):
        if not endpoints.jwks_uri:
            raise OidcError(_UNAVAILABLE, code="metadata")
        key_id = kid if isinstance(kid, str) else None
        claims = _decode_with_keys(
            token,
            algorithm,
            _published_keys(endpoints.jwks_uri, key_id, refresh=False),
            endpoints.issuer,
        )
        if claims is None and _may_refetch(endpoints.jwks_uri):
            claims = _decode_with_keys(
                token,
                algorithm,
                _published_keys(endpoints.jwks_uri, key_id, refresh=True),
                endpoints.issuer,
            )
    elif algorithm in settings.ESIA_OIDC_ALGORITHMS and settings.ESIA_OIDC_SIGNATURE_VERIFIER:
        # Algorithms PyJWT does not know (GOST R 34.10-2012 of the real ESIA) are checked by a
        # deployment's verifier; the claims are still checked here.
        verifier = import_string(settings.ESIA_OIDC_SIGNATURE_VERIFIER)
        signing_input, _dot, signature = token.rpartition(".")
        try:
            padded = signature + "=" * (-len(signature) % 4)
            signature_bytes = base64.urlsafe_b64decode(padded)
        except ValueError as exc:
            raise OidcError(_FAILED, code="malformed") from exc
        if verifier(signing_input.encode(), signature_bytes, header):
            try:
                claims = _checked_decode(token, key=None, algorithm=None, issuer=endpoints.issuer)
            except jwt.PyJWTError as exc:
                raise OidcError(_FAILED, code=_claim_code(exc)) from exc
    if claims is None:
        # No published key verifies it, or an algorithm we do not accept ("none", HS256 with
        # the public key as secret…): forged.
        raise OidcError(_FAILED, code="signature")
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != settings.ESIA_OIDC_CLIENT_ID:
        raise OidcError(_FAILED, code="audience")
    if not isinstance(claims.get("nonce"), str) or not secrets.compare_digest(
        claims["nonce"], nonce
    ):
        raise OidcError(_FAILED, code="nonce")
    return claims


def _decode_with_keys(
    token: str,
    algorithm: str,
    keys: list[dict[str, Any]],
    issuer: str,
) -> dict[str, Any] | None:
    """The claims if one of ``keys`` verifies the signature; None if none does."""
    for jwk in keys:
        try:
            key = jwt.PyJWK.from_dict(jwk, algorithm=algorithm)
        except jwt.PyJWTError:
            continue  # a key of another type or use in the same set
        try:
            return _checked_decode(token, key=key, algorithm=algorithm, issuer=issuer)
        except jwt.InvalidSignatureError:
            continue
        except jwt.PyJWTError as exc:
            # The signature is the provider's, the claims are wrong: refuse, no other key.
            raise OidcError(_FAILED, code=_claim_code(exc)) from exc
    return None


def _checked_decode(
    token: str, *, key: jwt.PyJWK | None, algorithm: str | None, issuer: str
) -> Any:
    """Decode with every claim check; the signature too unless ``key`` is None (checked by
    the deployment's verifier before)."""
    options: Any = {
        "require": ["iss", "aud", "exp", "iat", "sub"],
        "verify_signature": key is not None,
        "verify_iss": True,
        "verify_aud": True,
        "verify_exp": True,
        "verify_iat": True,
        "verify_nbf": True,
    }
    return jwt.decode(
        token,
        key=key if key is not None else "",
        algorithms=[algorithm] if algorithm else None,
        options=options,
        audience=settings.ESIA_OIDC_CLIENT_ID,
        issuer=issuer,
        leeway=settings.ESIA_OIDC_LEEWAY_SECONDS,
    )


def _claim_code(exc: jwt.PyJWTError) -> str:
    if isinstance(exc, jwt.InvalidAudienceError):
        return "audience"
    if isinstance(exc, jwt.InvalidIssuerError):
        return "issuer"
    if isinstance(exc, jwt.ExpiredSignatureError | jwt.ImmatureSignatureError):
        return "expired"
    if isinstance(exc, jwt.InvalidIssuedAtError):
        return "expired"
    return "claims"


def _userinfo(endpoints: Provider, access_token: str, *, subject: str) -> dict[str, Any]:
    """Profile claims from the userinfo endpoint; its ``sub`` must be the ID token's."""
    try:
        response = requests.get(
            endpoints.userinfo_endpoint,
            headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
            timeout=settings.ESIA_OIDC_TIMEOUT_SECONDS,
        )
        data = response.json() if response.status_code == 200 else {}
    except (requests.RequestException, ValueError):
        return {}  # the profile is a convenience; the ID token alone identifies the person
    if not isinstance(data, dict) or data.get("sub") != subject:
        return {}
    return data


def _identity(issuer: str, claims: dict[str, Any]) -> Identity:
    subject = claims.get(settings.ESIA_OIDC_SUBJECT_CLAIM, claims.get("sub"))
    if not isinstance(subject, str | int) or not str(subject):
        raise OidcError(_FAILED, code="subject")

    def text(name: str) -> str:
        value = claims.get(name)
        return str(value).strip()[:150] if isinstance(value, str | int) else ""

    birth: date | None = None
    try:
        birth = date.fromisoformat(text("birthdate")) if text("birthdate") else None
    except ValueError:
        birth = None
    snils = "".join(ch for ch in text(settings.ESIA_OIDC_SNILS_CLAIM) if ch.isdigit())
    return Identity(
        issuer=issuer,
        subject=str(subject),
        last_name=text("family_name"),
        first_name=text("given_name"),
        middle_name=text("middle_name"),
        snils=snils if len(snils) == 11 else "",
        birth_date=birth,
    )
