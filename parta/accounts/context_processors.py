from typing import Any

from django.http import HttpRequest

from parta.accounts.roles import active_role
from parta.core import access


def roles(request: HttpRequest) -> dict[str, Any]:
    """The person's roles and the active one, for the header's role switcher."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"parta_roles": access.roles_of(user), "parta_active_role": active_role(request)}
