from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "parta.privacy"
    label = "privacy"
    verbose_name = _("Персональные данные")

    def ready(self) -> None:
        from parta.privacy import (
            access,  # noqa: F401  (registers the policy of consents)
            access_log,  # noqa: F401  (connects the access-log receiver)
        )
