"""ACC-4 demo data: demo-parent's portal link and a request waiting for demo-director."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from parta.accounts.models import User
from parta.esia import demo
from parta.esia.models import EsiaLink, LinkCandidate, LinkRequest

pytestmark = pytest.mark.django_db


def test_demo_links_demo_parent_and_leaves_a_request_for_the_director():
    call_command("demo", stdout=io.StringIO())
    link = EsiaLink.objects.get(subject=demo.DEMO_PARENT_SUBJECT)
    assert link.user.username == "demo-parent"
    request = LinkRequest.objects.get(issuer=demo.DEMO_ISSUER)
    candidate = LinkCandidate.objects.get(request=request)
    assert candidate.user.snils == request.snils
    director = User.objects.get(username="demo-director")
    assert LinkCandidate.objects.visible_to(director).filter(pk=candidate.pk).exists()
    # Idempotent.
    demo.populate()
    assert LinkRequest.objects.filter(issuer=demo.DEMO_ISSUER).count() == 1
    assert EsiaLink.objects.filter(subject=demo.DEMO_PARENT_SUBJECT).count() == 1
