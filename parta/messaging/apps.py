from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "parta.messaging"
    label = "messaging"
    verbose_name = _("Сообщения и объявления")

    def ready(self) -> None:
        from parta.messaging import access  # noqa: F401  (the policy of conversations)
