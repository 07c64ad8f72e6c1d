"""``complaints_links``: on the home of a municipal official or the operator, the complaint
queue with the number of complaints waiting (ACC-6)."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Count, Q

from parta.complaints.models import Complaint
from parta.core import access

register = template.Library()


@register.inclusion_tag("complaints/_links.html", takes_context=True)
def complaints_links(context: Any) -> dict[str, Any]:
    user = context["request"].user
    if not access.has_role(user, *access.page_roles("complaints_queue")):
        return {"show": False}
    counts = Complaint.objects.visible_to(user).aggregate(
        new=Count("pk", filter=Q(status=Complaint.Status.NEW)),
        in_progress=Count("pk", filter=Q(status=Complaint.Status.IN_PROGRESS)),
    )
    return {"show": True, **counts}
