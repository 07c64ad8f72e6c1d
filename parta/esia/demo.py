"""Demo data of sign-in through ESIA / Gosuslugi (ACC-4).

With the local test provider (README: ``.venv/bin/oidc-provider-mock --port 9400`` and
``ESIA_OIDC_DISCOVERY_URL=http://localhost:9400/.well-known/openid-configuration``,
``ESIA_OIDC_CLIENT_ID=parta-demo``):

- ``demo-parent`` is linked to the portal subject ``demo-parent-gosuslugi``: sign in at the
  provider with that subject and Parta opens her account directly;
- another parent of Школа № 1 has asked the school to confirm; ``demo-director`` sees the
  request in «Заявки на вход через Госуслуги».

Idempotent: runs on every ``manage.py demo``.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model

from parta.directory.demo import DemoLogin, demo_school
from parta.directory.models import Enrollment, Guardianship
from parta.esia.models import EsiaLink, LinkCandidate, LinkRequest

DEMO_ISSUER = "http://localhost:9400"
DEMO_PARENT_SUBJECT = "demo-parent-gosuslugi"


def populate() -> list[DemoLogin]:
    users = get_user_model().objects
    parent = users.filter(username="demo-parent").first()
    if parent is None:
        return []
    EsiaLink.objects.get_or_create(
        issuer=DEMO_ISSUER,
        subject=DEMO_PARENT_SUBJECT,
        defaults={
            "user": parent,
            "method": EsiaLink.Method.PASSWORD,
            "display_name": parent.full_name,
        },
    )
    if LinkRequest.objects.filter(issuer=DEMO_ISSUER).exists():
        return []
    school = demo_school()
    children = Enrollment.objects.current().filter(school_class__organization=school)
    asking = (
        users.filter(
            pk__in=Guardianship.objects.filter(child_id__in=children.values("student_id")).values(
                "guardian_id"
            )
        )
        .exclude(snils="")
        .exclude(username__startswith="demo-")
        .exclude(pk__in=EsiaLink.objects.values("user_id"))
        .order_by("pk")
        .first()
    )
    if asking is None:
        return []
    request = LinkRequest.objects.create(
        issuer=DEMO_ISSUER,
        subject=f"demo-esia-{asking.pk}",
        last_name=asking.last_name,
        first_name=asking.first_name,
        middle_name=asking.middle_name,
        snils=asking.snils,
        birth_date=asking.birth_date,
        message="Не помню пароль с листка, прошу подтвердить вход через Госуслуги.",
    )
    LinkCandidate.objects.create(
        request=request, user=asking, organization=school, match=LinkCandidate.Match.SNILS
    )
    return []
