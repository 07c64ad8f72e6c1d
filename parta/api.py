"""The REST API, /api/v1/: django-ninja routers of the apps, one OpenAPI schema.

Every operation needs a caller: a personal token (``Authorization: Bearer``) or the session
cookie (see ``parta.accounts.api.auth``). Refusals are JSON ``{"detail", "code", "field"}``
in the caller's language; a business rule's refusal (``DomainError``) is 400, never a 500.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError

from parta.accounts.api import router as accounts_router
from parta.accounts.api.auth import ANY_AUTH
from parta.core.errors import DomainError
from parta.journal.api import router as journal_router
from parta.messaging.api import router as messaging_router

DESCRIPTION = """\
Parta's REST API for the mobile app and partner applications.

**Authentication.** Either a personal token — create one at `POST /api/v1/tokens` from a
signed-in session, then send `Authorization: Bearer <token>` — or the session cookie of the
site (calls that change something then need the `X-CSRFToken` header). No caller: 401.
A person who still holds an issued password must set their own first: 403.

**Visibility.** Every object is read through Parta's access policy: an object the caller may
not see answers 404, exactly like one that does not exist.

**Errors** are JSON `{"detail": "…", "code": "…", "field": null}`, translated according to
`Accept-Language` (ru, kk, en). Lists are paginated with `limit` and `offset` and answer
`{"items": [...], "count": N}`.

The interactive documentation at /api/v1/docs is served from Parta itself; it loads nothing
from other hosts.
"""

api = NinjaAPI(
    title="Parta API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=ANY_AUTH,
    # Local Swagger UI assets ("ninja" is in INSTALLED_APPS), and no online validator badge.
    docs=Swagger(settings={"validatorUrl": None}),
)
api.add_router("/", accounts_router)
api.add_router("/", journal_router)
api.add_router("/", messaging_router)


def _error(
    request: HttpRequest, status: int, detail: str, code: str = "", field: str | None = None
) -> HttpResponse:
    return api.create_response(
        request, {"detail": detail, "code": code, "field": field}, status=status
    )


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return _error(request, 400, str(exc.message), exc.code, exc.field)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    # Never echo the lookup: "not yours" and "does not exist" must read the same.
    return _error(request, 404, _("Не найдено."), "not_found")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, exc.message, getattr(exc, "code", ""))


@api.exception_handler(AuthenticationError)
def _not_authenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(
        request, 401, _("Нужно войти или передать действующий токен."), "not_authenticated"
    )
