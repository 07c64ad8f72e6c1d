"""Family requests of the test cast, shared with the access matrix."""

from __future__ import annotations

import datetime

from parta.conftest import Cast
from parta.family.models import FamilyRequest


def child_request(cast: Cast, **fields: object) -> FamilyRequest:
    """The cast's parent asks Школа № 1 to link another child in 5А (not decided yet)."""
    defaults: dict[str, object] = {
        "kind": FamilyRequest.Kind.CHILD,
        "requested_by": cast.parent,
        "organization": cast.school,
        "school_class": cast.school_class,
        "relation": "mother",
        "child_last_name": "Петрова",
        "child_first_name": "Оля",
        "child_birth_date": datetime.date(2016, 4, 12),
    }
    defaults.update(fields)
    return FamilyRequest.objects.create(**defaults)
