"""Objects the tests (and the access matrix) need."""

from __future__ import annotations

from typing import Any

from parta.privacy.consents import give_consent
from parta.privacy.models import Consent


def parent_consent(cast: Any) -> Consent:
    """The cast's parent consents to the e-journal for their child."""
    return give_consent(cast.student, "child_ejournal", given_by=cast.parent)
