from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    name = "parta.directory"
    label = "directory"
    verbose_name = _("Структура региона")

    def ready(self) -> None:
        from parta.directory import access  # noqa: F401  (registers the policy scopes)
