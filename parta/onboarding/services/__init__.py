"""Every write of onboarding: organization access (VER-1), the director's confirmation (VER-2),
the change of director (VER-3).

Services are keyword-only, run in one transaction, lock the row they decide on, and raise
``DomainError`` with a message the person can act on. Letters go out after commit
(``parta.core.mail.send_letter``); a link in a letter is built from ``site_url`` (the address
the person used, e.g. ``request.build_absolute_uri("/")``).
"""

from parta.onboarding.services.changes import (
    CHANGE_LINK_DAYS,
    ChangeData,
    director_change_apply,
    director_change_by_token,
    director_change_candidate,
    director_change_link_send,
    director_change_reject,
    director_change_submit,
)
from parta.onboarding.services.common import LINK_RESEND_MINUTES, mask_email
from parta.onboarding.services.directors import (
    DirectorData,
    director_submission_confirm,
    director_submission_reject,
    director_submission_submit,
)
from parta.onboarding.services.requests import (
    RequestData,
    access_request_approve,
    access_request_by_token,
    access_request_reject,
    access_request_review_start,
    access_request_submit,
    access_request_upload,
)

__all__ = [
    "CHANGE_LINK_DAYS",
    "LINK_RESEND_MINUTES",
    "ChangeData",
    "DirectorData",
    "RequestData",
    "access_request_approve",
    "access_request_by_token",
    "access_request_reject",
    "access_request_review_start",
    "access_request_submit",
    "access_request_upload",
    "director_change_apply",
    "director_change_by_token",
    "director_change_candidate",
    "director_change_link_send",
    "director_change_reject",
    "director_change_submit",
    "director_submission_confirm",
    "director_submission_reject",
    "director_submission_submit",
    "mask_email",
]
