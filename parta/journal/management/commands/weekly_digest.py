"""Send the weekly digest of grades, absences and homework to the parents (run weekly)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand

from parta.journal.digest import BATCH, weekly_digest


class Command(BaseCommand):
    help = (
        "Send the week's digest (grades, absences, homework) to every parent who wants it; "
        "safe to run again. Schedule it weekly, e.g. on Saturday at 12:00."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--day", help="a day of the week to digest (YYYY-MM-DD)")
        parser.add_argument("--batch", type=int, default=BATCH)

    def handle(self, *args: Any, **options: Any) -> None:
        day = datetime.date.fromisoformat(options["day"]) if options["day"] else None
        stats = weekly_digest(day=day, batch=options["batch"])
        self.stdout.write(
            f"week of {stats.week}: {stats.letters} letters to {stats.parents} parents "
            f"({stats.skipped} skipped) in {stats.batches} batches; built in "
            f"{stats.build_seconds:.1f} s, sent in {stats.send_seconds:.1f} s"
        )
