from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JournalConfig(AppConfig):
    name = "parta.journal"
    label = "journal"
    verbose_name = _("Электронный журнал и дневник")

    def ready(self) -> None:
        import parta.journal.datasets  # noqa: F401  (data set hooks: generator and purge)
        from parta.journal import access  # noqa: F401  (registers the journal's policy)
