"""/api/v1/ endpoints about the signed-in person (filled out by the API work)."""

from ninja import Router

router = Router(tags=["me"])
