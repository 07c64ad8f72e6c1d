"""VER-5: remind directors of decisions not yet reported. Run daily (cron, systemd timer).

Idempotent: a director gets at most one letter a day however often it runs.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from parta.confirmation.services import reminders_send


class Command(BaseCommand):
    help = "Напомнить директорам об отчётах о подтверждении, которые ещё не отправлены (VER-5)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--site-url",
            default=getattr(settings, "PARTA_SITE_URL", ""),
            help="Адрес Парты для ссылки в письме, например https://parta.example.ru",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        sent = reminders_send(site_url=options["site_url"])
        self.stdout.write(f"reminders sent: {sent}")
