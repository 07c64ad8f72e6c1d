from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FamilyConfig(AppConfig):
    name = "parta.family"
    label = "family"
    verbose_name = _("Семья")

    def ready(self) -> None:
        from parta.family import access  # noqa: F401  (registers the policy and pages)
