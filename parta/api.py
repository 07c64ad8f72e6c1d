"""The REST API, /api/v1/: django-ninja routers of the apps, one OpenAPI schema."""

from ninja import NinjaAPI

from parta.accounts.api import router as accounts_router

api = NinjaAPI(
    title="Parta API",
    version="1",
    description="Parta's REST API for mobile and partner applications.",
    urls_namespace="api",
)
api.add_router("/", accounts_router)
