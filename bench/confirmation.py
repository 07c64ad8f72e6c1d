#!/usr/bin/env python3
"""Benchmark a director confirming 80 teachers and a class teacher confirming 300 students.

VER-4 promises that hundreds of rows stay fast: one request per batch, no query per row. This
measures it on the district data set in ``DATABASE_URL`` (default
postgres://postgres@127.0.0.1:5432/parta_bench; generated with ``manage.py generate --scale
district`` only if the ``GEN-DISTRICT`` region is missing), in-process through Django's test
client (the whole middleware stack, no network), with a real SMTP server (aiosmtpd, on
127.0.0.1) receiving the letters each decision sends.

For every batch size (``--sizes``, default 80 and 300) and ``--repeat`` times: fresh pending
claims are written (outside the measurement), then timed:

* ``staff_page``: GET /confirmation/staff/ as the director of a generated school;
* ``staff_batch``: POST confirming all those claims at once (the letters included: they go
  out after the commit, inside the request);
* ``students_page`` and ``students_batch``: the same for students of one class, as its class
  teacher;
* ``report_page``, ``report_send`` and ``report_pdf``: the director's report of all those
  decisions, sent, then downloaded as PDF.

Each is reported with its wall time (median and maximum over the repeats, ms) and its number
of SQL statements, which must be the same for every size. Everything the run wrote is deleted
at the end, also on error. Prints one JSON line and appends it to ``bench/results/``.

    .venv/bin/python bench/confirmation.py
    .venv/bin/python bench/confirmation.py --sizes 80 300 1000 --repeat 5
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

# bench/ is the script's own folder, so its shared module imports as a top-level one.
from generate_district import configure_for_smtp_sink, ensure_district, git_commit, machine

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/parta_bench"
PREFIX = "bench-confirm-"
SCALE = "district"


class Sink:
    """An aiosmtpd handler that counts the letters it receives."""

    def __init__(self) -> None:
        self.received = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received += 1
        return "250 OK"


def pick_school() -> tuple[Any, Any, Any, Any]:
    """The first generated school (by INN) with its director, a class and its class teacher."""
    from parta.directory import generate
    from parta.directory.models import Organization, SchoolClass, StaffPosition

    region = generate.SCALES[SCALE].region_code
    school = (
        Organization.objects.filter(municipality__region__code=region, kind="school")
        .order_by("inn")
        .first()
    )
    if school is None:
        raise SystemExit("no generated school in the district")
    director = StaffPosition.objects.get(
        organization=school, position="director", is_active=True, status="confirmed"
    ).person
    school_class = (
        SchoolClass.objects.filter(organization=school, academic_year__is_current=True)
        .select_related("class_teacher")
        .order_by("grade", "letter")
        .first()
    )
    if school_class is None or school_class.class_teacher is None:
        raise SystemExit(f"{school}: no class with a class teacher")
    return school, director, school_class, school_class.class_teacher


def write_claims(school: Any, school_class: Any, n: int, batch: str) -> tuple[list[int], list[int]]:
    """``n`` adults claiming a teacher's place and ``n`` children claiming a place in the class."""
    from django.contrib.auth.hashers import make_password

    from parta.accounts.models import User
    from parta.directory.models import Enrollment, StaffPosition

    password = make_password(None)

    def people(kind: str) -> list[Any]:
        return User.objects.bulk_create(
            [
                User(
                    username=f"{PREFIX}{batch}-{kind}{i:04d}",
                    last_name=f"Заявкин{i:04d}",
                    first_name="Пётр",
                    middle_name="Ильич",
                    email=f"{PREFIX}{batch}-{kind}{i:04d}@bench.example",
                    password=password,
                )
                for i in range(n)
            ]
        )

    staff = StaffPosition.objects.bulk_create(
        [
            StaffPosition(person=p, organization=school, position="teacher", status="pending")
            for p in people("t")
        ]
    )
    students = Enrollment.objects.bulk_create(
        [Enrollment(student=p, school_class=school_class, status="pending") for p in people("s")]
    )
    return [s.pk for s in staff], [e.pk for e in students]


def timed(client: Any, method: str, path: str, data: Any = None) -> tuple[float, int, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        started = time.perf_counter()
        response = getattr(client, method)(path, data) if data is not None else client.get(path)
        elapsed = (time.perf_counter() - started) * 1000
    if response.status_code not in (200, 302):
        raise SystemExit(f"{method.upper()} {path}: {response.status_code}")
    return elapsed, len(ctx.captured_queries), response


def clean_up(school: Any, since: datetime.datetime) -> None:
    from parta.accounts.models import User
    from parta.confirmation.models import Decision, Report

    Report.objects.filter(organization=school, sent_at__gte=since).delete()
    Decision.objects.filter(person__username__startswith=PREFIX).delete()
    User.objects.filter(username__startswith=PREFIX).delete()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[80, 300])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    url = os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    smtp_port = configure_for_smtp_sink(url)
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from aiosmtpd.controller import Controller
    from django.conf import settings
    from django.test import Client
    from django.utils import timezone

    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    ensure_district()
    sink = Sink()
    smtp = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    started_at = timezone.now()
    school, director, school_class, class_teacher = pick_school()
    clean_up(school, started_at)
    samples: dict[str, dict[int, list[float]]] = {}
    queries: dict[str, dict[int, set[int]]] = {}
    letters: dict[int, int] = {}

    def record(name: str, n: int, elapsed: float, count: int) -> None:
        samples.setdefault(name, {}).setdefault(n, []).append(elapsed)
        queries.setdefault(name, {}).setdefault(n, set()).add(count)

    try:
        for n in args.sizes:
            for rep in range(args.repeat):
                since = timezone.now()
                staff_ids, student_ids = write_claims(school, school_class, n, f"{n}-{rep}")
                received = sink.received

                boss = Client()
                boss.force_login(director)
                elapsed, count, _ = timed(boss, "get", "/confirmation/staff/")
                record("staff_page", n, elapsed, count)
                body = {"ids": staff_ids, "verdict": "confirmed"}
                elapsed, count, _ = timed(boss, "post", "/confirmation/staff/", body)
                record("staff_batch", n, elapsed, count)

                teacher = Client()
                teacher.force_login(class_teacher)
                elapsed, count, _ = timed(teacher, "get", "/confirmation/students/")
                record("students_page", n, elapsed, count)
                body = {"ids": student_ids, "verdict": "confirmed"}
                elapsed, count, _ = timed(teacher, "post", "/confirmation/students/", body)
                record("students_batch", n, elapsed, count)
                letters[n] = sink.received - received

                elapsed, count, _ = timed(boss, "get", "/confirmation/reports/")
                record("report_page", n, elapsed, count)
                send = {"organization": school.pk}
                elapsed, count, response = timed(boss, "post", "/confirmation/reports/send/", send)
                record("report_send", n, elapsed, count)
                location = response["Location"]
                elapsed, count, pdf = timed(boss, "get", f"{location}pdf/")
                if not pdf.content.startswith(b"%PDF"):
                    raise SystemExit("the report's PDF is not a PDF")
                record("report_pdf", n, elapsed, count)
                clean_up(school, since)
    finally:
        clean_up(school, started_at)
        smtp.stop()

    result = {
        "bench": "confirmation",
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "commit": git_commit(),
        "machine": machine(),
        "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
        "school": school.short_name,
        "repeat": args.repeat,
        "letters_per_batch_pair": letters,
        "scenarios": {
            name: {
                str(n): {
                    "median_ms": round(statistics.median(values), 1),
                    "max_ms": round(max(values), 1),
                    "sql_queries": sorted(queries[name][n]),
                }
                for n, values in by_size.items()
            }
            for name, by_size in samples.items()
        },
    }
    line = json.dumps(result, ensure_ascii=False)
    print(line)
    RESULTS.mkdir(parents=True, exist_ok=True)
    with (RESULTS / "confirmation.jsonl").open("a", encoding="utf-8") as out:
        out.write(line + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
