"""Writes on people and their sign-in. Every rule lives in one function here."""

from __future__ import annotations

from django.db import transaction

from parta.accounts.models import User


@transaction.atomic
def initial_password_replace(*, user: User, password: str) -> User:
    """ACC-2: the person's own password replaces the issued one, which stops working.

    The form has already run Django's password validators against ``user``.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    user.set_password(password)
    user.must_change_password = False
    user.initial_password_issued_at = None
    user.save(update_fields=["password", "must_change_password", "initial_password_issued_at"])
    return user
