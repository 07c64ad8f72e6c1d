"""Complaints of the test cast, shared with the access matrix."""

from __future__ import annotations

import secrets

from parta.accounts.tokens import hash_token
from parta.complaints.models import Complaint
from parta.conftest import Cast


def school_complaint(cast: Cast, **fields: object) -> Complaint:
    """A new complaint about Школа № 1 (the municipality of ``cast.official``).

    The key of its private link is only stored hashed; the test gets it as ``access_key``.
    """
    access_key = secrets.token_urlsafe(32)
    defaults: dict[str, object] = {
        "organization": cast.school,
        "text": "Классный руководитель не выдаёт логин и пароль.",
        "complainant_name": "Иванова Ирина Ивановна",
        "email": "ivanova@example.ru",
        "access_key_hash": hash_token(access_key),
    }
    defaults.update(fields)
    complaint = Complaint.objects.create(**defaults)
    complaint.access_key = access_key
    return complaint
