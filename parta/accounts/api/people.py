"""/me, /me/roles, /me/children, /children/{id}: the calling person and their family."""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Path, Router

from parta.accounts.api import selectors
from parta.accounts.api.auth import person
from parta.accounts.api.common import AUTH_ERRORS, INVALID, MAX_ID, NOT_FOUND
from parta.accounts.api.schemas import ChildOut, MeOut, RoleOut
from parta.accounts.models import User
from parta.core.access import Role, roles_of

router = Router(tags=["me"])


@router.get("/me", response={200: MeOut, **AUTH_ERRORS}, summary="The calling person")
def me(request: HttpRequest) -> User:
    # The person is fetched through visibility like any other (a person always sees self).
    return get_object_or_404(User.objects.visible_to(person(request)), pk=person(request).pk)


@router.get("/me/roles", response={200: list[RoleOut], **AUTH_ERRORS}, summary="The person's roles")
def my_roles(request: HttpRequest) -> list[Role]:
    return roles_of(person(request))


@router.get(
    "/me/children",
    response={200: list[ChildOut], **AUTH_ERRORS},
    summary="A parent's children with their current class",
    description="An empty list for a person who is nobody's parent.",
)
def my_children(request: HttpRequest) -> list[User]:
    return list(selectors.children_of(person(request)))


@router.get(
    "/children/{child_id}",
    response={200: ChildOut, **AUTH_ERRORS, **NOT_FOUND, **INVALID},
    summary="One of the person's children",
    description="404 for anyone who is not this child's parent, as for a missing child.",
)
def child(request: HttpRequest, child_id: int = Path(..., ge=1, le=MAX_ID)) -> User:
    return get_object_or_404(selectors.children_of(person(request)), pk=child_id)
