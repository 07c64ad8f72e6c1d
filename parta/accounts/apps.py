from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "parta.accounts"
    label = "accounts"
    verbose_name = _("Люди и вход")

    def ready(self) -> None:
        from parta.accounts import language  # noqa: F401  (remembers the chosen language)
        from parta.accounts.roles import roles_for
        from parta.core.access import register_role_provider

        register_role_provider(roles_for)
