#!/usr/bin/env python3
"""Load benchmark of the journal: the diary week, the journal grid and a grade write.

Uses the district data set with its school year of journal data in ``DATABASE_URL`` (default
postgres://postgres@127.0.0.1:5432/parta_bench_journal; generated with ``manage.py generate
--scale district`` when the ``GEN-DISTRICT`` region is missing). Picks ``--people`` random
students (diary), class × subject journals with their teachers (grid) and lessons already
held with one of their students (grade write), gives each person a session written straight
into the session store (generated people have no usable password, and the sign-in form is
throttled by design) with its CSRF secret. Serves Parta on 127.0.0.1 (DEBUG off, Redis
cache) with granian — ``--workers`` processes of ``--threads`` WSGI threads, 2 × 4 by
default, a process per core (ADR 0015) — or with ``--server gunicorn`` (gthread), and drives
it with wrk (Debian's package; the script installs it when it runs as root and it is
missing) at each ``--concurrency`` for
``--duration`` seconds per scenario, every request a random one of the prepared ones
(a Lua script reads them from a file):

* ``diary_week``: GET /diary/?week=<a school week> as a random student; after the warm-up
  most weeks are kept rendered (the stamp of their data has not moved), as at 21:00 when a
  class's parents open the same week;
* ``diary_week_cold``: the same requests to a server that keeps nothing
  (``PARTA_DIARY_KEEP_BODY=0``): every week rendered afresh, as after a change of its data;
* ``journal_grid``: GET /journal/<class>/<subject>/ as the subject's teacher;
* ``grade_write``: POST of one journal cell as the lesson's teacher, the way the grid's script
  saves a cell; the mark (2–5) is drawn on every request, so three writes in four change it;
* ``signed_in_floor``: GET /healthz with a student's session: the middleware, the session,
  the person and one ``SELECT 1`` — the least any signed-in page costs on this machine, the
  floor under the three targets (no target of its own).

The tables and indexes are read into the page cache first (pg_prewarm), so a run right after
a reboot or a generation measures the application, not the disk.

Records per scenario and concurrency the requests, non-2xx answers, requests/s and latency
p50/p95/p99 (wrk's own histogram), and the SQL statements per request measured once
in-process. Sessions are deleted and the server stopped at the end, also on error. Prints one
JSON line and appends it to ``bench/results/``.

    .venv/bin/python bench/journal.py                       # 16 and 64 connections, 30 s each
    .venv/bin/python bench/journal.py --duration 10 --concurrency 16
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# bench/ is the script's own folder, so its shared modules import as top-level ones.
from generate_district import ensure_database, ensure_district, git_commit, machine
from pages import HOST, SERVERS, Server, start_server

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/parta_bench_journal"
DEFAULT_REDIS = "redis://127.0.0.1:6379/5"
SCALE = "district"
TARGETS_MS: dict[str, float | None] = {
    "diary_week": 50.0,
    "diary_week_cold": 50.0,
    "journal_grid": 100.0,
    "grade_write": 30.0,
    "signed_in_floor": None,
}
# Scenarios served by a server of their own, with these settings.
SERVER_ENV = {"diary_week_cold": {"PARTA_DIARY_KEEP_BODY": "0"}}

LUA = r"""
-- One prepared request per line: method \t path \t cookie \t csrf \t body
local requests = {}
local counter = 0
function init(args)
  local f = assert(io.open(args[1], "r"))
  for line in f:lines() do
    local method, path, cookie, csrf, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    local headers = {["Cookie"] = cookie, ["Host"] = "127.0.0.1"}
    if method == "POST" then
      headers["X-CSRFToken"] = csrf
      headers["Content-Type"] = "application/x-www-form-urlencoded"
      headers["Referer"] = "http://127.0.0.1/"
    else
      body = nil
    end
    if body and body:find("{mark}", 1, true) then
      -- A grade write: the mark is drawn on every request, so most writes change the cell.
      requests[#requests + 1] = {method, path, headers, body}
    else
      requests[#requests + 1] = wrk.format(method, path, headers, body)
    end
  end
  f:close()
  math.randomseed(tonumber(args[2]) or 1)
end
function request()
  local r = requests[math.random(#requests)]
  if type(r) == "table" then
    local body = r[4]:gsub("{mark}", tostring(math.random(2, 5)))
    return wrk.format(r[1], r[2], r[3], body)
  end
  return r
end
function done(summary, latency, requests)
  local codes = 0
  io.write(string.format(
    "PARTA_RESULT {\"requests\": %d, \"seconds\": %.3f, \"non2xx\": %d, \"errors\": %d, " ..
    "\"p50\": %.2f, \"p95\": %.2f, \"p99\": %.2f, \"max\": %.2f, \"mean\": %.2f}\n",
    summary.requests, summary.duration / 1e6, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, latency.mean / 1000))
end
"""


@dataclass(frozen=True)
class Prepared:
    method: str
    path: str
    person: int
    body: str = ""


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        print("Installing Debian's wrk for the load benchmark…", file=sys.stderr)
        subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)  # noqa: S607
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "wrk"],  # noqa: S607
            check=False,
            env=env,
        )
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is needed: install Debian's package 'wrk'")
    return found


# --- what the people open ----------------------------------------------------------------
def school_weeks(rnd: random.Random, count: int) -> list[datetime.date]:
    """Mondays of school weeks up to the current one (the diary's usual weeks)."""
    from parta.journal.models import Term

    terms = list(
        Term.objects.filter(
            academic_year__organization__municipality__region__code=f"GEN-{SCALE.upper()}"
        )
        .values_list("starts_on", "ends_on")
        .distinct()
    )
    today = datetime.date.today()
    mondays = set()
    for starts, ends in terms:
        day = starts - datetime.timedelta(days=starts.weekday())
        while day <= min(ends, today + datetime.timedelta(days=7)):
            mondays.add(day)
            day += datetime.timedelta(days=7)
    ordered = sorted(mondays)
    return [ordered[rnd.randrange(len(ordered))] for _ in range(count)]


def prepare_requests(rnd: random.Random, people: int) -> dict[str, list[Prepared]]:
    from django.db.models import Max, Min, Q

    from parta.directory.models import Enrollment
    from parta.journal.models import Lesson, TimetableEntry

    region = {"school_class__organization__municipality__region__code": f"GEN-{SCALE.upper()}"}
    enrolled = Enrollment.objects.confirmed().filter(**region)
    bounds = enrolled.aggregate(low=Min("pk"), high=Max("pk"))
    students: list[int] = []
    while len(students) < people:
        row = (
            enrolled.filter(pk__gte=rnd.randint(bounds["low"], bounds["high"]))
            .order_by("pk")
            .values_list("student_id", flat=True)
            .first()
        )
        if row is not None:
            students.append(row)
    weeks = school_weeks(rnd, people)
    diary = [
        Prepared("GET", f"/diary/?week={week.isoformat()}", pk)
        for pk, week in zip(students, weeks, strict=True)
    ]

    today = datetime.date.today()
    slots = TimetableEntry.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=today), **region, valid_from__lte=today
    )
    slot_bounds = slots.aggregate(low=Min("pk"), high=Max("pk"))
    grid: list[Prepared] = []
    seen: set[tuple[int, int]] = set()
    while len(grid) < people:
        slot = (
            slots.filter(pk__gte=rnd.randint(slot_bounds["low"], slot_bounds["high"]))
            .order_by("pk")
            .values("school_class_id", "subject_id", "teacher_id")
            .first()
        )
        if slot is None or (slot["school_class_id"], slot["subject_id"]) in seen:
            continue
        seen.add((slot["school_class_id"], slot["subject_id"]))
        grid.append(
            Prepared(
                "GET",
                f"/journal/{slot['school_class_id']}/{slot['subject_id']}/",
                slot["teacher_id"],
            )
        )

    held = Lesson.objects.filter(
        **region,
        status=Lesson.Status.PLANNED,
        term__closed_at__isnull=True,
        date__lte=today,
        date__gte=today - datetime.timedelta(days=7),
    )
    lesson_bounds = held.aggregate(low=Min("pk"), high=Max("pk"))
    writes: list[Prepared] = []
    while len(writes) < people and lesson_bounds["low"] is not None:
        lesson = (
            held.filter(pk__gte=rnd.randint(lesson_bounds["low"], lesson_bounds["high"]))
            .order_by("pk")
            .values("pk", "school_class_id", "teacher_id", "substitute_id")
            .first()
        )
        if lesson is None:
            continue
        student = (
            Enrollment.objects.confirmed()
            .filter(school_class_id=lesson["school_class_id"])
            .order_by("?")
            .values_list("student_id", flat=True)
            .first()
        )
        if student is None:
            continue
        writes.append(
            Prepared(
                "POST",
                f"/journal/lessons/{lesson['pk']}/cells/{student}/",
                lesson["substitute_id"] or lesson["teacher_id"],
                "value={mark}",
            )
        )
    floor = [Prepared("GET", "/healthz", p.person) for p in diary]
    return {
        "diary_week": diary,
        "diary_week_cold": diary,
        "journal_grid": grid,
        "grade_write": writes,
        "signed_in_floor": floor,
    }


def make_sessions(person_ids: set[int]) -> dict[int, tuple[str, str]]:
    """A session and a CSRF secret for each person: {pk: (session_key, csrf_secret)}."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.middleware.csrf import _get_new_csrf_string

    from parta.accounts.models import User

    # The server's own engine (cached_db with Redis), so its first read is a cache hit.
    store = import_module(settings.SESSION_ENGINE).SessionStore
    sessions = {}
    for user in User.objects.filter(pk__in=person_ids):
        session = store()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "parta.accounts.backends.IdentifierBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        assert session.session_key is not None
        sessions[user.pk] = (session.session_key, _get_new_csrf_string())
    return sessions


def warm_database() -> dict[str, Any]:
    """Reads the data set's tables and indexes into the operating system's page cache
    (pg_prewarm, "read" mode), so that a run after a reboot or a fresh generation measures
    the application and not the disk. Without the extension (no superuser) it says so."""
    from django.db import DatabaseError, connection

    if connection.vendor != "postgresql":
        return {"prewarmed": False, "why": connection.vendor}
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
            cursor.execute(
                "SELECT coalesce(sum(pg_prewarm(c.oid, 'read')), 0) FROM pg_class c"
                " JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i')"
            )
            blocks = cursor.fetchone()[0]
    except DatabaseError as exc:
        return {"prewarmed": False, "why": str(exc).splitlines()[0]}
    return {
        "prewarmed": True,
        "mib": round(blocks * 8 / 1024),
        "seconds": round(time.perf_counter() - started, 1),
    }


def write_requests(
    path: Path, prepared: list[Prepared], sessions: dict[int, tuple[str, str]]
) -> None:
    from django.conf import settings

    with path.open("w", encoding="utf-8") as out:
        for p in prepared:
            key, csrf = sessions[p.person]
            cookie = f"{settings.SESSION_COOKIE_NAME}={key}; {settings.CSRF_COOKIE_NAME}={csrf}"
            out.write(f"{p.method}\t{p.path}\t{cookie}\t{csrf}\t{p.body}\n")


def count_queries(
    prepared: list[Prepared], sessions: dict[int, tuple[str, str]], sample: int = 5
) -> dict[str, Any]:
    """SQL statements per request, in-process, for a few of the prepared requests."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    counts = []
    statuses = []
    for p in prepared[:sample]:
        key, csrf = sessions[p.person]
        client = Client(enforce_csrf_checks=True)
        client.cookies[settings.SESSION_COOKIE_NAME] = key
        client.cookies[settings.CSRF_COOKIE_NAME] = csrf
        call = client.get if p.method == "GET" else client.post

        def arguments(mark: str, p: Prepared = p, csrf: str = csrf) -> dict[str, Any]:
            if p.method != "POST":
                return {}
            return {
                "data": p.body.replace("{mark}", mark),
                "content_type": "application/x-www-form-urlencoded",
                "headers": {"X-CSRFToken": csrf},
            }

        call(p.path, **arguments("3"))  # warm: the first request of a session may write it
        # A grade write is counted as one that changes the mark (the mark, its history,
        # the inbox of the student and the parents), not as a save of the same mark.
        with CaptureQueriesContext(connection) as ctx:
            response = call(p.path, **arguments("5"))
        statuses.append(response.status_code)
        counts.append(len(ctx.captured_queries))
    return {"per_request": counts, "statuses": statuses}


def run_wrk(
    wrk: str,
    port: int,
    requests_file: Path,
    script: Path,
    *,
    connections: int,
    seconds: int,
    seed: int,
) -> dict[str, Any]:
    threads = min(2, connections)
    command = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(script),
        f"http://{HOST}:{port}",
        "--",
        str(requests_file),
        str(seed),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    match = re.search(r"PARTA_RESULT (\{.*\})", done.stdout)
    if not match:
        raise SystemExit(f"wrk failed: {done.stdout}\n{done.stderr}")
    data = json.loads(match.group(1))
    data["requests_per_second"] = round(data["requests"] / data["seconds"], 1)
    return data


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=300, help="prepared requests per scenario")
    parser.add_argument("--concurrency", type=int, action="append", help="repeatable; 16 and 64")
    parser.add_argument("--duration", type=int, default=30, help="seconds per run")
    parser.add_argument("--warmup", type=int, default=5, help="unmeasured seconds first")
    parser.add_argument("--server", choices=SERVERS, default="granian")
    parser.add_argument("--workers", type=int, default=2, help="server processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per process")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--no-gc-freeze",
        action="store_true",
        help="serve without freezing the collector's objects (ADR 0017), to compare",
    )
    parser.add_argument("--scenario", action="append", choices=list(TARGETS_MS), help="repeatable")
    args = parser.parse_args()
    concurrency = args.concurrency or [16, 64]

    url = os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    os.environ.setdefault("REDIS_URL", DEFAULT_REDIS)
    os.environ["DEBUG"] = "0"
    if args.no_gc_freeze:
        os.environ["PARTA_GC_FREEZE"] = "0"
    os.environ.setdefault("PARTA_ENV", "development")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parta.settings")
    sys.path.insert(0, str(ROOT))
    if url.startswith("postgres"):
        ensure_database(url)
    wrk = ensure_wrk()

    import django

    django.setup()
    from django.contrib.sessions.models import Session
    from django.db import connection

    dataset = ensure_district()
    rnd = random.Random(args.seed)  # picks people and weeks, not secrets
    scenarios = [s for s in TARGETS_MS if not args.scenario or s in args.scenario]
    server: Server | None = None
    sessions: dict[int, tuple[str, str]] = {}
    results: dict[str, Any] = {}
    work = Path(tempfile.mkdtemp(prefix="parta-bench-journal-"))
    script = work / "requests.lua"
    script.write_text(LUA, encoding="utf-8")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        started = time.perf_counter()
        prepared = prepare_requests(rnd, args.people)
        sessions = make_sessions({p.person for items in prepared.values() for p in items})
        files = {}
        for name in scenarios:
            files[name] = work / f"{name}.tsv"
            write_requests(files[name], prepared[name], sessions)
            results[name] = {
                "prepared_requests": len(prepared[name]),
                "example": prepared[name][0].path,
                "sql_queries": count_queries(prepared[name], sessions),
                "target_p95_ms": TARGETS_MS[name],
                "runs": {},
            }
        prepare_seconds = time.perf_counter() - started
        warmed = warm_database()
        print(f"page cache: {warmed}", file=sys.stderr)
        connection.close()  # the server's workers get the database to themselves

        load_at_start = [round(x, 2) for x in os.getloadavg()]
        groups: dict[tuple[tuple[str, str], ...], list[str]] = {}
        for name in scenarios:
            groups.setdefault(tuple(sorted(SERVER_ENV.get(name, {}).items())), []).append(name)
        for overrides, names in groups.items():
            env = {**os.environ, **dict(overrides)}
            server = start_server(env, args.workers, args.threads, args.server)
            print(
                f"{args.server} on {HOST}:{server.port} {dict(overrides)}, log {server.log.name}",
                file=sys.stderr,
            )
            for name in names:
                for connections in concurrency:
                    if args.warmup:
                        run_wrk(
                            wrk,
                            server.port,
                            files[name],
                            script,
                            connections=connections,
                            seconds=args.warmup,
                            seed=args.seed + 7,
                        )
                    run = run_wrk(
                        wrk,
                        server.port,
                        files[name],
                        script,
                        connections=connections,
                        seconds=args.duration,
                        seed=args.seed,
                    )
                    results[name]["runs"][str(connections)] = run
                    print(f"{name} c={connections}: {json.dumps(run)}", file=sys.stderr)
            server.stop()
            server = None
    finally:
        if server is not None:
            server.stop()
        if sessions:
            Session.objects.filter(session_key__in=[s[0] for s in sessions.values()]).delete()
        shutil.rmtree(work, ignore_errors=True)

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        row = cursor.fetchone()
    parts = urllib.parse.urlparse(url)
    result = {
        "date": datetime.datetime.now(tz=datetime.UTC).isoformat(timespec="seconds"),
        "benchmark": "journal",
        "scale": SCALE,
        "dataset": dataset,
        "prepare_seconds": round(prepare_seconds, 1),
        "page_cache": warmed,
        "server": {
            args.server: f"{args.workers} workers x {args.threads} threads",
            "debug": False,
            "gc_freeze": not args.no_gc_freeze,
        },
        "load": {
            "generator": "wrk 4.1 (Debian), 2 threads, keep-alive",
            "concurrency": concurrency,
            "duration_seconds": args.duration,
            "warmup_seconds": args.warmup,
            "seed": args.seed,
        },
        "scenarios": results,
        "database": {
            "vendor": connection.vendor,
            "server": row[0] if row else "",
            "url": parts._replace(netloc=f"{parts.hostname}:{parts.port or 5432}").geturl(),
        },
        "load_average_at_start": load_at_start,
        "machine": machine(),
        "commit": git_commit(),
    }
    line = json.dumps(result, ensure_ascii=False)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(tz=datetime.UTC).strftime("%Y%m%d")
    with open(RESULTS / f"{stamp}-journal-{SCALE}.jsonl", "a", encoding="utf-8") as out:
        out.write(line + "\n")
    print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
