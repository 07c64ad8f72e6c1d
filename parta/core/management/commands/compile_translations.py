"""Compile the .po catalogues to .mo without GNU gettext (which a fresh machine may lack).

``--check`` fails if a committed .mo is missing or older than its .po, so CI catches a
translation that was edited but not compiled.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Compile Parta's translation catalogues (.po -> .mo)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="Fail if any .mo is stale.")

    def handle(self, *args: Any, **options: Any) -> None:
        stale: list[str] = []
        compiled = 0
        for locale_dir in settings.LOCALE_PATHS:
            for po_path in sorted(Path(locale_dir).glob("*/LC_MESSAGES/*.po")):
                mo_path = po_path.with_suffix(".mo")
                catalogue = polib.pofile(str(po_path))
                fresh = catalogue_bytes(catalogue)
                if mo_path.exists() and mo_path.read_bytes() == fresh:
                    continue
                if options["check"]:
                    stale.append(str(po_path))
                    continue
                mo_path.write_bytes(fresh)
                compiled += 1
        if stale:
            raise CommandError(
                "Translations not compiled: "
                + ", ".join(stale)
                + " (run: python manage.py compile_translations)"
            )
        if compiled:
            self.stdout.write(f"Compiled {compiled} catalogue(s).")


def catalogue_bytes(catalogue: polib.POFile) -> bytes:
    """The .mo bytes of a catalogue, skipping fuzzy and untranslated entries."""
    for entry in list(catalogue):
        if entry.obsolete:
            catalogue.remove(entry)
    return bytes(catalogue.to_binary())
