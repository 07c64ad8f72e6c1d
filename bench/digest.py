#!/usr/bin/env python3
"""Benchmark the weekly digest (issue 5, item 7) for the district's parents into an SMTP sink.

On the district data set with its school year in ``DATABASE_URL`` (default
postgres://postgres@127.0.0.1:5432/parta_bench_journal; generated if its region is missing),
for the school week before ``--day`` (default: the last full week with lessons), it runs
``parta.journal.digest.weekly_digest`` in this process, sending every letter over SMTP to a
sink in another process (aiosmtpd's own ``Sink`` handler on 127.0.0.1, which accepts and
drops them). The digests of that week (deliveries and inbox rows) are deleted before and
after, so a run is repeatable.

Reports: parents, letters, time to build and to send, SQL statements per batch (min and max:
equal when the batch costs a fixed number), peak RSS. Target: built in ≤ 2 minutes.

    .venv/bin/python bench/digest.py
    .venv/bin/python bench/digest.py --batch 2000
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from generate_district import (
    configure_for_smtp_sink,
    ensure_district,
    git_commit,
    machine,
    peak_rss_mib,
)

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/parta_bench_journal"
TARGET_SECONDS = 120


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=1000, help="parents per batch")
    parser.add_argument("--day", help="a day of the week to digest (YYYY-MM-DD)")
    args = parser.parse_args()

    url = os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    port = configure_for_smtp_sink(url)
    sys.path.insert(0, str(ROOT))
    sink = subprocess.Popen(  # noqa: S603 (our own interpreter and a fixed module)
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"127.0.0.1:{port}",
            "-c",
            "aiosmtpd.handlers.Sink",
        ],
    )
    try:
        import django

        django.setup()
        from django.db.models import Max

        from parta.journal import digest
        from parta.journal.models import Mark
        from parta.notifications.models import Delivery, Notification

        ensure_district()
        if args.day:
            day = datetime.date.fromisoformat(args.day)
        else:
            last = Mark.objects.filter(value__isnull=False).aggregate(d=Max("lesson__date"))["d"]
            day = last - datetime.timedelta(days=7) if last else datetime.date.today()
        monday, _sunday = digest.week_of(day)
        key = f"{digest.TOPIC}:{monday.isoformat()}:"

        def clean() -> None:
            Delivery.objects.filter(key__startswith=key).delete()
            Notification.objects.filter(key__startswith=key).delete()

        _wait_for(port)
        clean()
        started = time.perf_counter()
        stats = digest.weekly_digest(day=monday, batch=args.batch, count_queries=True)
        total = time.perf_counter() - started
        clean()
    finally:
        sink.terminate()
        sink.wait(timeout=10)

    result = {
        "bench": "digest",
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "commit": git_commit(),
        "machine": machine(),
        "week": monday.isoformat(),
        "batch": args.batch,
        "parents": stats.parents,
        "letters": stats.letters,
        "skipped": stats.skipped,
        "batches": stats.batches,
        "queries_per_batch": {
            "min": min(stats.queries_per_batch, default=0),
            "max": max(stats.queries_per_batch, default=0),
        },
        "build_seconds": round(stats.build_seconds, 1),
        "send_seconds": round(stats.send_seconds, 1),
        "total_seconds": round(total, 1),
        "peak_rss_mib": peak_rss_mib(),
        "target_build_seconds": TARGET_SECONDS,
        "met": stats.build_seconds <= TARGET_SECONDS,
    }
    line = json.dumps(result, ensure_ascii=False)
    print(line)
    RESULTS.mkdir(exist_ok=True)
    with (RESULTS / "digest.jsonl").open("a", encoding="utf-8") as out:
        out.write(line + "\n")
    return 0


def _wait_for(port: int) -> None:
    import socket

    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the SMTP sink did not start")


if __name__ == "__main__":
    sys.exit(main())
