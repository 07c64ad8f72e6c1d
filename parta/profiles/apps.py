from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProfilesConfig(AppConfig):
    name = "parta.profiles"
    label = "profiles"
    verbose_name = _("Анкета")

    def ready(self) -> None:
        from parta.profiles import access  # noqa: F401  (registers who may open questionnaires)
