"""Template helpers of registration (ACC-1) for allauth's pages, whose views are not ours."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings

from parta.core import access
from parta.registration.access import INVITERS
from parta.registration.consent import LEARNER_ACCOUNT

register = template.Library()


@register.simple_tag
def learner_consent_template() -> str:
    """The template of the current consent text a registering learner agrees to."""
    return LEARNER_ACCOUNT.template


@register.simple_tag
def confirmation_days() -> int:
    """How many days the emailed confirmation link of a new account works (ACC-1)."""
    return int(settings.ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS)


@register.filter
def invites(user: Any) -> bool:
    """Whether ``user`` may invite people by email (ACC-3): a class teacher, the school's
    administration — the roles of the invitation pages."""
    return access.has_role(user, *INVITERS)


@register.inclusion_tag("registration/_school_links.html", takes_context=True)
def registration_school_links(context: Any) -> dict[str, Any]:
    """ACC-3: on the school administration's home, the way to the invitations."""
    user = context["request"].user
    return {
        "show": access.has_role(user, *INVITERS),
        "may_invite_staff": access.has_role(user, access.DIRECTOR),
    }
