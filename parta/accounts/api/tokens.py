"""/tokens: a person's own API tokens — create (secret shown once), list, revoke."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Path, Router, Status
from ninja.pagination import paginate

from parta.accounts.api import selectors
from parta.accounts.api.auth import person, session_auth
from parta.accounts.api.common import AUTH_ERRORS, INVALID, MAX_ID, NOT_FOUND, Page
from parta.accounts.api.schemas import ErrorOut, TokenCreatedOut, TokenIn, TokenOut
from parta.accounts.models import ApiToken
from parta.accounts.tokens import api_token_create, api_token_revoke

router = Router(tags=["tokens"])


def _out(token: ApiToken) -> dict[str, object]:
    return {
        "id": token.pk,
        "name": token.name,
        "prefix": token.prefix,
        "created_at": token.created_at,
        "last_used_at": token.last_used_at,
        "expires_at": token.expires_at,
        "revoked_at": token.revoked_at,
        "is_active": token.is_active,
    }


@router.post(
    "/tokens",
    auth=session_auth,
    response={201: TokenCreatedOut, 400: ErrorOut, **AUTH_ERRORS, **INVALID},
    summary="Create a personal API token",
    description=(
        "Only from a signed-in session (with the CSRF token): a token cannot mint more "
        "tokens. The secret is in the answer this once; Parta keeps only its hash."
    ),
)
def token_create(request: HttpRequest, payload: TokenIn) -> Status:
    issued = api_token_create(
        user=person(request), name=payload.name, expires_in_days=payload.expires_in_days
    )
    return Status(201, {**_out(issued.token), "token": issued.secret})


@router.get(
    "/tokens",
    response={200: list[TokenOut], **AUTH_ERRORS, **INVALID},
    summary="The person's own tokens (no secrets)",
)
@paginate(Page)
def token_list(request: HttpRequest) -> QuerySet[ApiToken]:
    return selectors.tokens_of(person(request))


@router.delete(
    "/tokens/{token_id}",
    response={204: None, **AUTH_ERRORS, **NOT_FOUND, **INVALID},
    summary="Revoke one of the person's tokens",
    description="It stops working at once. Another person's token is 404.",
)
def token_revoke(request: HttpRequest, token_id: int = Path(..., ge=1, le=MAX_ID)) -> Status:
    api_token_revoke(token=get_object_or_404(selectors.tokens_of(person(request)), pk=token_id))
    return Status(204, None)
