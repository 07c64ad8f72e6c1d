from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OnboardingConfig(AppConfig):
    name = "parta.onboarding"
    label = "onboarding"
    verbose_name = _("Доступ организаций и руководители")

    def ready(self) -> None:
        from parta.onboarding import access  # noqa: F401  (registers the policy and pages)
