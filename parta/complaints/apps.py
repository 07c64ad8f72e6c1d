from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "parta.complaints"
    label = "complaints"
    verbose_name = _("Жалобы")

    def ready(self) -> None:
        from parta.complaints import access  # noqa: F401  (registers the policy and pages)
