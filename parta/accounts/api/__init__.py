"""/api/v1/ endpoints of the accounts app: the person, their family, classes, tokens."""

from ninja import Router

from parta.accounts.api import classes, people, tokens

router = Router()
router.add_router("/", people.router)
router.add_router("/", classes.router)
router.add_router("/", tokens.router)
