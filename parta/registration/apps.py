from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistrationConfig(AppConfig):
    name = "parta.registration"
    label = "registration"
    verbose_name = _("Регистрация и приглашения")

    def ready(self) -> None:
        from parta.registration import (
            access,  # noqa: F401  (registers the policy of invitations and its pages)
            consent,  # noqa: F401  (registers the consent of self-registered learners)
        )
