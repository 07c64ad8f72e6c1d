from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecurityConfig(AppConfig):
    name = "parta.security"
    label = "security"
    verbose_name = _("Настройки входа")

    def ready(self) -> None:
        from parta.security import (
            access,  # noqa: F401  (registers the two-factor policy)
            signals,  # noqa: F401  (sessions and two-factor receivers)
        )
