"""Demo data of the login settings (ACC-8) and two-factor sign-in (MFA).

``demo-2fa`` signs in with the demo password and then a code from an authenticator app: the
key to add to the app is printed with the demo logins (it exists only in demo mode). The main
demo logins stay password-only, and no demo organization requires two-factor sign-in, so that
anyone trying the demo gets in easily. ``demo-parent`` has one name change in the record.
Idempotent: runs on every ``manage.py demo``.
"""

from __future__ import annotations

from datetime import timedelta

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth import get_user_model
from django.utils import timezone

from parta.directory.demo import DEMO_PASSWORD, DemoLogin, ensure_demo_person
from parta.security.models import NameChange

# A demo-only key (base32): anyone may add it to an authenticator app to try the demo.
DEMO_TOTP_SECRET = "PARTADEMOTWOFACTORKEY234"  # noqa: S105  (public on purpose)


def populate() -> list[DemoLogin]:
    person = ensure_demo_person("demo-2fa", "Орлова", "Светлана", "Игоревна")
    if not Authenticator.objects.filter(user=person, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(person, DEMO_TOTP_SECRET)
        RecoveryCodes.activate(person)
    parent = get_user_model().objects.filter(username="demo-parent").first()
    if parent is not None and not NameChange.objects.filter(person=parent).exists():
        NameChange.objects.create(
            person=parent,
            old_last_name="Смирнова",
            old_first_name=parent.first_name,
            old_middle_name=parent.middle_name,
            new_last_name=parent.last_name,
            new_first_name=parent.first_name,
            new_middle_name=parent.middle_name,
            changed_by=parent,
            changed_at=timezone.now() - timedelta(days=40),
            school_record=True,
        )
    key = " ".join(DEMO_TOTP_SECRET[i : i + 4] for i in range(0, len(DEMO_TOTP_SECRET), 4))
    return [
        DemoLogin(
            "demo-2fa",
            DEMO_PASSWORD,
            f"вход с кодом из приложения-аутентификатора; ключ для приложения: {key}",
        )
    ]
