"""Pieces every endpoint module shares: documented error responses, pagination, ids."""

from __future__ import annotations

from typing import Any

from ninja import Field
from ninja.pagination import LimitOffsetPagination

from parta.accounts.api.schemas import ErrorOut, ValidationErrorOut

# The largest primary key PostgreSQL's bigint holds: anything above cannot exist.
MAX_ID = 2**63 - 1

# 401: no session and no working token; 403: an issued password not yet replaced (ACC-2),
# or a session call without its CSRF token.
AUTH_ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut}
NOT_FOUND: dict[int, Any] = {404: ErrorOut}
INVALID: dict[int, Any] = {422: ValidationErrorOut}


class Page(LimitOffsetPagination):
    """``?limit=&offset=``; the answer is ``{"items": [...], "count": N}``."""

    class Input(LimitOffsetPagination.Input):
        limit: int = Field(50, ge=1, le=200)
        offset: int = Field(0, ge=0, le=MAX_ID)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_limit=200, **kwargs)
