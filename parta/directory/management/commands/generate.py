"""``manage.py generate --scale district``: a generated region for load tests and benchmarks.

The region's structure and people come first; then every cabinet app registered as a dataset
filler adds its data (the journal: one school year of timetable, lessons, marks, attendance
and term grades). ``--no-journal`` leaves the journal out.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from parta.core.errors import DomainError
from parta.directory import generate


class Command(BaseCommand):
    help = (
        "Generate a region of the given scale (tiny, district: 50 schools / 25,000 students, "
        "region: 1,000 schools / 300,000 students) in its own region GEN-<SCALE>."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=sorted(generate.SCALES), required=True)
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Delete this scale's region (and its people) first if it exists.",
        )
        parser.add_argument("--quiet", action="store_true", help="No progress bar.")
        parser.add_argument(
            "--no-copy",
            action="store_true",
            help="Use bulk_create even on PostgreSQL (COPY is used there by default).",
        )
        parser.add_argument("--batch-size", type=int, default=5000, help="People per batch.")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--no-journal",
            action="store_true",
            help="Only the structure and the people: no school year of the journal.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        scale = generate.SCALES[options["scale"]]
        started = time.monotonic()
        bar = tqdm(
            total=scale.people,
            unit=" чел.",
            desc=f"generate {scale.name}",
            file=sys.stderr,
            disable=options["quiet"] or not sys.stderr.isatty(),
        )
        stages: list[tqdm] = []

        def stage(description: str, total: int) -> Any:
            bar.close()
            for earlier in stages:
                earlier.close()
            stages.append(
                tqdm(
                    total=total,
                    desc=description,
                    file=sys.stderr,
                    disable=options["quiet"] or not sys.stderr.isatty(),
                )
            )
            return stages[-1].update

        try:
            with bar:
                counts = generate.generate(
                    scale,
                    replace=options["replace"],
                    use_copy=False if options["no_copy"] else None,
                    batch_size=options["batch_size"],
                    progress=bar.update,
                    seed=options["seed"],
                    skip=("journal",) if options["no_journal"] else (),
                    stage=stage,
                )
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        finally:
            for opened in stages:
                opened.close()
        summary = ", ".join(f"{key}: {value:,}".replace(",", " ") for key, value in counts.items())
        self.stdout.write(
            f"{scale.region_name} ({scale.region_code}) создан за "
            f"{time.monotonic() - started:.1f} с: {summary}."
        )
