"""``manage.py demo``: load the demo region once and print its logins (``make run``)."""

from __future__ import annotations

import time
from importlib import import_module
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from parta.core.errors import DomainError
from parta.directory import demo


class Command(BaseCommand):
    help = (
        "Load the demo region (once; a second run only prints the logins) and print the "
        "demo logins with their passwords. Demo mode only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset", action="store_true", help="Delete the demo region and create it anew."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        try:
            result = demo.demo_load(reset=options["reset"])
            logins = result.logins + tuple(self.populate_apps())
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        if result.created:
            self.stdout.write(
                f"Демо-регион «{demo.REGION_NAME}» создан за {time.monotonic() - started:.1f} с "
                f"({demo.demo_summary_counts(result)})."
            )
        else:
            self.stdout.write(
                f"Демо-регион «{demo.REGION_NAME}» уже загружен "
                f"({demo.demo_summary_counts(result)}); пароли демо-входов восстановлены. "
                "Пересоздать: manage.py demo --reset"
            )
        self.stdout.write(self.logins_table(logins))

    @staticmethod
    def populate_apps() -> list[demo.DemoLogin]:
        """Each cabinet app may add its own demo data: ``<app>.demo.populate()``.

        It runs on every ``manage.py demo`` (so it must be idempotent) and returns the demo
        logins it wants printed. Found by name, so the directory app imports none of them.
        """
        logins: list[demo.DemoLogin] = []
        for config in apps.get_app_configs():
            if not config.name.startswith("parta.") or config.name == "parta.directory":
                continue
            try:
                module = import_module(f"{config.name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name == f"{config.name}.demo":
                    continue
                raise
            with transaction.atomic():
                logins.extend(module.populate())
        return logins

    @staticmethod
    def logins_table(logins: tuple[demo.DemoLogin, ...]) -> str:
        rows = [("Логин", "Пароль", "Роль"), *((x.username, x.password, x.role) for x in logins)]
        widths = [max(len(row[i]) for row in rows) for i in range(2)]
        lines = ["", "Демо-входы (страница входа /accounts/login/):"]
        for i, (login, password, role) in enumerate(rows):
            lines.append(f"  {login:<{widths[0]}}  {password:<{widths[1]}}  {role}")
            if i == 0:
                lines.append(f"  {'-' * widths[0]}  {'-' * widths[1]}  {'-' * 4}")
        lines.append(
            f"Любой другой человек демо-региона входит по своему логину с паролем "
            f"{demo.DEMO_PASSWORD}."
        )
        return "\n".join(lines)
