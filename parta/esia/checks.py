"""Deployment checks of the ESIA / Gosuslugi configuration (ACC-4, ADR 0009)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Warning, register
from django.utils.module_loading import import_string


@register("parta_esia", deploy=True)
def esia_settings(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """In production the provider is reached over HTTPS only, hooks import, and a shared
    secret or a signer authenticates the client."""
    from parta.esia import oidc

    if not oidc.enabled():
        return []
    problems: list[Any] = []
    urls = {
        name: getattr(settings, name)
        for name in (
            "ESIA_OIDC_DISCOVERY_URL",
            "ESIA_OIDC_ISSUER",
            "ESIA_OIDC_AUTHORIZATION_URL",
            "ESIA_OIDC_TOKEN_URL",
            "ESIA_OIDC_JWKS_URL",
            "ESIA_OIDC_USERINFO_URL",
        )
    }
    for name, value in urls.items():
        if value and not value.startswith("https://"):
            problems.append(
                Error(f"{name} must be an https:// URL in production.", id="parta.esia.E001")
            )
    for name in ("ESIA_OIDC_CLIENT_SECRET_SIGNER", "ESIA_OIDC_SIGNATURE_VERIFIER"):
        path = getattr(settings, name)
        if path:
            try:
                import_string(path)
            except ImportError:
                problems.append(Error(f"{name}: cannot import {path!r}.", id="parta.esia.E002"))
    if not (settings.ESIA_OIDC_CLIENT_SECRET or settings.ESIA_OIDC_CLIENT_SECRET_SIGNER):
        problems.append(
            Warning(
                "ESIA is on without ESIA_OIDC_CLIENT_SECRET or ESIA_OIDC_CLIENT_SECRET_SIGNER: "
                "the client does not authenticate itself at the token endpoint.",
                id="parta.esia.W001",
            )
        )
    return problems
