#!/usr/bin/env python3
"""Benchmark the data generator: ``manage.py generate --scale district`` on PostgreSQL.

The region's structure and people, then the journal's school year (lessons, marks,
attendance, history, term grades), in one transaction; ``--no-journal`` leaves it out.
Runs against ``DATABASE_URL`` (default: postgres://postgres@127.0.0.1:5432/parta_bench),
creating and migrating that database when needed. A data set of the same scale left by an
earlier run is deleted first, outside the measurement. Measures the generation's wall time
and the process's peak resident memory (``ru_maxrss``, plus children if any; the PostgreSQL
server's own memory is not included), prints one JSON line and appends it to
``bench/results/``.

    .venv/bin/python bench/generate_district.py                 # district (target ≤ 3 min, ≤ 1 GiB)
    .venv/bin/python bench/generate_district.py --scale region  # 1,000 schools, 300,000 students
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/parta_bench"


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database named in ``url`` if it does not exist yet."""
    import psycopg
    from psycopg import sql

    parts = urllib.parse.urlparse(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        print(f"created database {name}", file=sys.stderr)


def _read(path: str, prefix: str) -> str:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(prefix):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def machine() -> dict[str, Any]:
    return {
        "host": platform.node(),
        "platform": platform.platform(),
        "cpu": _read("/proc/cpuinfo", "model name"),
        "cpus": os.cpu_count(),
        # Other work on the machine slows the run down; the load says how busy it was.
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "memory": _read("/proc/meminfo", "MemTotal"),
        "python": platform.python_version(),
    }


def git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return ""
    return out.stdout.strip()


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (for a server a benchmark starts)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def configure_for_smtp_sink(url: str) -> int:
    """Point Django (not yet set up) at ``url`` and at an SMTP sink on a free local port, which
    the caller starts; creates the database when missing. Returns the sink's port."""
    port = free_port()
    os.environ.update(
        {
            "DEBUG": "0",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(port),
            "EMAIL_USE_TLS": "false",
            "DJANGO_SETTINGS_MODULE": "parta.settings",
        }
    )
    os.environ.setdefault("PARTA_ENV", "development")
    if url.startswith("postgres"):
        ensure_database(url)
    return port


def ensure_district() -> dict[str, Any]:
    """Migrate, and generate the district data set only when its region is missing.

    Call after ``django.setup()``; the other benchmarks measure on this data set.
    """
    from django.core.management import call_command

    from parta.directory import generate

    call_command("migrate", verbosity=0, interactive=False)
    if generate.dataset_exists(generate.SCALES["district"]):
        return {"generated": False, "seconds": 0.0}
    print("GEN-DISTRICT is missing: generating it", file=sys.stderr)
    started = time.perf_counter()
    call_command("generate", scale="district", quiet=True)
    return {"generated": True, "seconds": round(time.perf_counter() - started, 1)}


def peak_rss_mib() -> dict[str, float]:
    # Linux reports ru_maxrss in KiB.
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"self": round(own, 1), "children": round(children, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="district", choices=["tiny", "district", "region"])
    parser.add_argument("--no-copy", action="store_true", help="bulk_create instead of COPY")
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--no-journal", action="store_true", help="structure and people only")
    args = parser.parse_args()

    url = os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parta.settings")
    sys.path.insert(0, str(ROOT))
    if url.startswith("postgres"):
        ensure_database(url)

    import django
    from django.core.management import call_command
    from django.db import connection
    from tqdm import tqdm

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)

    from parta.directory import generate

    scale = generate.SCALES[args.scale]
    cleanup_seconds = 0.0
    if generate.dataset_exists(scale):
        started = time.perf_counter()
        generate.generate_delete(scale)
        cleanup_seconds = time.perf_counter() - started
    rss_before = peak_rss_mib()["self"]

    bar = tqdm(
        total=scale.people,
        unit=" people",
        file=sys.stderr,
        disable=args.quiet or not sys.stderr.isatty(),
    )
    stages: list[Any] = []
    phases: dict[str, float] = {}

    def stage(description: str, total: int) -> Any:
        bar.close()
        phases["people"] = round(time.perf_counter() - started, 1)
        stages.append(tqdm(total=total, desc=description, file=sys.stderr, disable=bar.disable))
        return stages[-1].update

    load_at_start = [round(x, 2) for x in os.getloadavg()]
    started = time.perf_counter()
    with bar:
        counts = generate.generate(
            scale,
            use_copy=False if args.no_copy else None,
            batch_size=args.batch_size,
            progress=bar.update,
            skip=("journal",) if args.no_journal else (),
            stage=stage,
        )
    wall = time.perf_counter() - started
    for opened in stages:
        opened.close()
    if "people" in phases:
        phases["journal"] = round(wall - phases["people"], 1)

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        row = cursor.fetchone()
    server = row[0] if row else ""
    parts = urllib.parse.urlparse(url)
    result = {
        "date": datetime.datetime.now(tz=datetime.UTC).isoformat(timespec="seconds"),
        "benchmark": "generate",
        "scale": scale.name,
        "method": "bulk_create" if args.no_copy or connection.vendor != "postgresql" else "copy",
        "wall_seconds": round(wall, 1),
        "phases_seconds": phases,
        "peak_rss_mib": peak_rss_mib(),
        "rss_before_generation_mib": rss_before,
        "cleanup_seconds": round(cleanup_seconds, 1),
        "counts": counts,
        "database": {
            "vendor": connection.vendor,
            "server": server,
            "url": parts._replace(netloc=f"{parts.hostname}:{parts.port or 5432}").geturl(),
        },
        "load_average_at_start": load_at_start,
        "machine": machine(),
        "commit": git_commit(),
    }
    line = json.dumps(result, ensure_ascii=False)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(tz=datetime.UTC).strftime("%Y%m%d")
    with open(RESULTS / f"{stamp}-generate-{scale.name}.jsonl", "a", encoding="utf-8") as out:
        out.write(line + "\n")
    print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
