"""The API token admin: a superuser may see tokens and revoke them; nobody else."""

from __future__ import annotations

from django.urls import reverse

from parta import factories as f
from parta.accounts.models import ApiToken
from parta.accounts.tokens import api_token_create


def test_superuser_revokes_a_lost_token(cast, client):
    issued = api_token_create(user=cast.parent, name="Старый телефон")
    admin_user = f.UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    changelist = reverse("admin:accounts_apitoken_changelist")
    page = client.get(changelist)
    assert page.status_code == 200
    assert "Старый телефон" in page.content.decode()
    assert issued.secret not in page.content.decode()
    response = client.post(
        changelist, {"action": "revoke", "_selected_action": [issued.token.pk]}, follow=True
    )
    assert response.status_code == 200
    assert ApiToken.objects.get(pk=issued.token.pk).revoked_at is not None
    assert client.get(reverse("admin:accounts_apitoken_add")).status_code == 403


def test_operator_does_not_see_tokens(cast, client):
    api_token_create(user=cast.parent, name="Телефон")
    client.force_login(cast.operator)
    response = client.get(reverse("admin:accounts_apitoken_changelist"))
    assert response.status_code == 403
