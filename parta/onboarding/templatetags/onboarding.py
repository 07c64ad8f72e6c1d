"""Template tags of onboarding that other cabinets' pages include (VER-1..3).

``onboarding_director_step``: on the home page of a person without roles, the step "confirm
your authority" for each of their waiting director positions (VER-2).
``onboarding_operator_queues``: on the operator's home, what waits for a decision.
``onboarding_director_links``: on the school home of a director, the change of director (VER-3).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.forms import BaseForm
from django.forms.boundfield import BoundField

from parta.core import access
from parta.onboarding.models import DirectorSubmission, Verdict
from parta.onboarding.selectors import operator_waiting, pending_director_positions

register = template.Library()


@register.filter
def fields_named(form: BaseForm, names: str) -> list[BoundField]:
    """The form's fields named in ``names`` (space-separated), in that order."""
    return [form[name] for name in names.split() if name in form.fields]


@register.inclusion_tag("onboarding/_director_step.html", takes_context=True)
def onboarding_director_step(context: Any) -> dict[str, Any]:
    """VER-2: the waiting director positions of the signed-in person, with their last answer."""
    user = context["request"].user
    positions = list(pending_director_positions(user))
    last: dict[int, DirectorSubmission] = {}
    if positions:
        for submission in DirectorSubmission.objects.filter(staff_position__in=positions).order_by(
            "submitted_at"
        ):
            last[submission.staff_position_id] = submission
    return {
        "items": [(p, last.get(p.pk)) for p in positions],
        "PENDING": Verdict.PENDING,
        "REJECTED": Verdict.REJECTED,
    }


@register.inclusion_tag("onboarding/_operator_queues.html", takes_context=True)
def onboarding_operator_queues(context: Any) -> dict[str, Any]:
    return {"waiting": operator_waiting(context["request"].user)}


@register.inclusion_tag("onboarding/_director_links.html", takes_context=True)
def onboarding_director_links(context: Any) -> dict[str, Any]:
    """VER-3: "change of director" for each organization the person directs."""
    user = context["request"].user
    organizations = sorted(
        {
            (r.organization_id, r.context_label)
            for r in access.roles_of(user)
            if r.kind == access.DIRECTOR
        }
    )
    return {"organizations": organizations}
