"""Send the queued deliveries whose time has come (after quiet hours, after a pause)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from parta.notifications.delivery import deliver_due


class Command(BaseCommand):
    help = "Send the queued notification deliveries that are due (email, SMS)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--limit", type=int, default=1000)

    def handle(self, *args: Any, **options: Any) -> None:
        tried = deliver_due(limit=options["limit"])
        self.stdout.write(f"{tried} due deliveries tried")
