from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConfirmationConfig(AppConfig):
    name = "parta.confirmation"
    label = "confirmation"
    verbose_name = _("Подтверждение сотрудников и учеников")

    def ready(self) -> None:
        from parta.confirmation import access  # noqa: F401  (registers the policy of claims)
