from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EsiaConfig(AppConfig):
    name = "parta.esia"
    label = "esia"
    verbose_name = _("Вход через Госуслуги")

    def ready(self) -> None:
        from parta.esia import access, checks  # noqa: F401  (the policy; deployment checks)
