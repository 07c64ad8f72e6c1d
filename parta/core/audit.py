"""Signals that say someone looked at a person's personal data (152-FZ access log).

Core and the lower apps cannot import the privacy app that keeps the log, so a view that shows
people's personal data calls ``record_view`` and the privacy app records it.

``what`` is a short code of the kind of page (``"class_roster"``, ``"person_admin"``…) and
``params`` the few words that make it specific (the class, the document): the privacy app
turns them into a sentence in the reader's language when the log is shown, so a parent who
reads Kazakh reads the log in Kazakh. The codes and their sentences are listed in
``parta.privacy.access_log.WHAT``; an unknown code is shown as it was stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.dispatch import Signal

# sender: "parta"; kwargs: viewer, subject_ids, what, params, path, request
personal_data_viewed = Signal()


def record_view(
    request: Any,
    subject_ids: Iterable[int],
    what: str,
    params: Mapping[str, Any] | None = None,
    *,
    viewer: Any = None,
) -> None:
    """Log that ``request.user`` (or ``viewer``, for API token calls) opened the personal
    data of ``subject_ids``; ``what`` is the code of the page, ``params`` its specifics."""
    ids = sorted({int(pk) for pk in subject_ids if pk is not None})
    user = viewer if viewer is not None else getattr(request, "user", None)
    if not ids or user is None or not user.is_authenticated:
        return
    personal_data_viewed.send(
        sender="parta",
        viewer=user,
        subject_ids=ids,
        what=what,
        params={str(k): str(v)[:200] for k, v in (params or {}).items()},
        path=request.path[:300],
        request=request,
    )
