from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "parta.notifications"
    label = "notifications"
    verbose_name = _("Уведомления")

    def ready(self) -> None:
        from parta.notifications import access, delivery, receivers  # noqa: F401  (policy, receivers)
