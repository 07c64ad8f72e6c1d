#!/usr/bin/env python3
"""Benchmark what a parent opens at 21:00: /parent/, the API's children, the sign-in page.

Uses the district data set in ``DATABASE_URL`` (default:
postgres://postgres@127.0.0.1:5432/parta_bench; generated with ``manage.py generate --scale
district`` only if the ``GEN-DISTRICT`` region is missing). Picks ``--parents`` generated
parents evenly spread over the district, gives each a session (written straight into the
session store: generated people have no usable password, and the sign-in form is throttled by
design) and a personal API token. Then serves Parta with gunicorn on 127.0.0.1 (a free port,
DEBUG off, ``--workers`` × ``--threads`` gthread, Redis cache) and sends each scenario a fixed
number of requests from ``--clients`` keep-alive connections, each request as a random one of
the prepared parents, with a time cap per scenario:

* ``parent_home``: GET /parent/ with the parent's session cookie;
* ``api_children``: GET /api/v1/me/children with ``Authorization: Bearer <token>``;
* ``login_page``: GET /accounts/login/ with no cookie.

Records per scenario the requests, errors (anything but 200), throughput and latency
percentiles, and for the first two the SQL statements per request measured once in-process
(``CaptureQueriesContext``) for several parents, to show the count does not depend on the
family. The sessions and tokens are deleted and the server stopped at the end, also on error.
Prints one JSON line and appends it to ``bench/results/``.

    .venv/bin/python bench/pages.py
    .venv/bin/python bench/pages.py --requests 1000 --clients 10
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

# bench/ is the script's own folder, so its shared module imports as a top-level one.
from generate_district import ensure_database, ensure_district, free_port, git_commit, machine

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/parta_bench"
DEFAULT_REDIS = "redis://127.0.0.1:6379/5"
HOST = "127.0.0.1"
TOKEN_NAME = "bench-pages"  # noqa: S105 (a token's name, not a secret)
SCALE = "district"


@dataclass(frozen=True)
class Parent:
    pk: int
    session_key: str
    token: str


@dataclass(frozen=True)
class Scenario:
    name: str
    path: str
    auth: str  # "session", "bearer" or "none"


SCENARIOS = [
    Scenario("parent_home", "/parent/", "session"),
    Scenario("api_children", "/api/v1/me/children", "bearer"),
    Scenario("login_page", "/accounts/login/", "none"),
]


# --- preparing the data -------------------------------------------------------------------
def pick_parents(count: int) -> list[int]:
    """``count`` generated parents of the district, evenly spread, the same on every run."""
    from parta.accounts.models import User
    from parta.directory import generate

    prefix = generate.SCALES[SCALE].username_prefix + "p"
    pks = list(
        User.objects.filter(username__startswith=prefix, is_active=True)
        .order_by("username")
        .values_list("pk", flat=True)
    )
    if len(pks) < count:
        raise SystemExit(f"only {len(pks)} generated parents in the district, {count} wanted")
    return [pks[i * len(pks) // count] for i in range(count)]


def prepare_parents(pks: list[int]) -> list[Parent]:
    """A fresh session and API token for each parent (earlier bench tokens are deleted)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from parta.accounts.models import ApiToken, User
    from parta.accounts.tokens import api_token_create

    ApiToken.objects.filter(user_id__in=pks, name=TOKEN_NAME).delete()
    users = User.objects.in_bulk(pks)
    parents = []
    for pk in pks:
        user = users[pk]
        if user.must_change_password or user.has_usable_password():
            raise SystemExit(f"{user.username}: not a generated person as expected")
        # What django.contrib.auth.login() stores, without going through the sign-in form.
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "parta.accounts.backends.IdentifierBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        assert session.session_key is not None
        issued = api_token_create(user=user, name=TOKEN_NAME)
        parents.append(Parent(pk=pk, session_key=session.session_key, token=issued.secret))
    return parents


def clean_up(parents: list[Parent]) -> None:
    from django.contrib.sessions.models import Session

    from parta.accounts.models import ApiToken

    Session.objects.filter(session_key__in=[p.session_key for p in parents]).delete()
    ApiToken.objects.filter(user_id__in=[p.pk for p in parents], name=TOKEN_NAME).delete()


def headers_for(scenario: Scenario, parent: Parent) -> dict[str, str]:
    from django.conf import settings

    if scenario.auth == "session":
        return {"Cookie": f"{settings.SESSION_COOKIE_NAME}={parent.session_key}"}
    if scenario.auth == "bearer":
        return {"Authorization": f"Bearer {parent.token}"}
    return {}


def family_sample(per_size: int = 3) -> list[int]:
    """The first ``per_size`` district parents (by login) of each family size (one child, two
    children), for counting queries: the count must not depend on the family."""
    from django.db.models import Count

    from parta.directory import generate
    from parta.directory.models import Guardianship

    prefix = generate.SCALES[SCALE].username_prefix + "p"
    sizes = (
        Guardianship.objects.filter(guardian__username__startswith=prefix)
        .values("guardian_id", "guardian__username")
        .annotate(n=Count("child_id"))
        .order_by("guardian__username")
    )
    sample: list[int] = []
    for size in (1, 2):
        sample += [row["guardian_id"] for row in sizes.filter(n=size)[:per_size]]
    return sample


def count_queries(scenario: Scenario, parents: list[Parent]) -> dict[str, Any]:
    """SQL statements per request, in-process, for a few parents (the second request of each,
    so a token's once-a-minute ``last_used_at`` write is not counted)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from parta.directory.models import Guardianship

    per_parent = []
    for parent in parents:
        client = Client(headers=headers_for(scenario, parent))
        client.get(scenario.path)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(scenario.path)
        if response.status_code != 200:
            raise SystemExit(f"{scenario.path}: {response.status_code} in-process")
        children = Guardianship.objects.filter(guardian_id=parent.pk).count()
        per_parent.append({"children": children, "queries": len(ctx.captured_queries)})
    counts = sorted({p["queries"] for p in per_parent})
    return {"per_parent": per_parent, "distinct_counts": counts}


# --- the server ---------------------------------------------------------------------------
@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: IO[bytes]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # gunicorn's graceful shutdown
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log.close()


SERVERS = ("gunicorn", "granian")


def start_server(env: dict[str, str], workers: int, threads: int, kind: str = "gunicorn") -> Server:
    """Parta's WSGI application under a production server: gunicorn (``workers`` processes
    of ``threads`` gthread threads) or granian (``workers`` processes, ``threads`` blocking
    threads each; its HTTP layer is Rust's)."""
    port = free_port()
    log = tempfile.NamedTemporaryFile(prefix=f"parta-bench-{kind}-", suffix=".log", delete=False)  # noqa: SIM115
    binary = Path(sys.executable).parent / kind
    if kind == "granian":
        command = [
            str(binary),
            "parta.wsgi:application",
            "--interface",
            "wsgi",
            "--host",
            HOST,
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--blocking-threads",
            str(threads),
            "--no-ws",
            "--log-level",
            "warning",
        ]
    else:
        command = [
            str(binary),
            "parta.wsgi:application",
            "--bind",
            f"{HOST}:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(threads),
            "--log-level",
            "warning",
        ]
    process = subprocess.Popen(  # noqa: S603
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    server = Server(process=process, port=port, log=log)
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            server.stop()
            raise SystemExit(f"{kind} exited with {process.returncode}; see {log.name}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            conn.request("GET", "/healthz")
            status = conn.getresponse().status
            conn.close()
            if status == 200:
                return server
        except OSError:
            pass
        if time.monotonic() > deadline:
            server.stop()
            raise SystemExit(f"{kind} did not answer /healthz in 60 s; see {log.name}")
        time.sleep(0.2)


# --- the load -----------------------------------------------------------------------------
@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)  # seconds, successful or not
    errors: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # CPU time of this process (the load generator) during the run: it shares the machine.
    client_cpu_seconds: float = 0.0

    def add(self, latency: float, outcome: str | None) -> None:
        with self.lock:
            self.latencies.append(latency)
            if outcome is not None:
                self.errors[outcome] = self.errors.get(outcome, 0) + 1


def run_load(
    scenario: Scenario,
    parents: list[Parent],
    port: int,
    *,
    clients: int,
    requests: int,
    time_cap: float,
    seed: int,
) -> tuple[Tally, float, bool]:
    """Send ``requests`` requests from ``clients`` threads; stop early at ``time_cap``."""
    tally = Tally()
    remaining = [requests]
    take = threading.Lock()
    headers = [headers_for(scenario, p) for p in parents]
    deadline = time.perf_counter() + time_cap
    capped = threading.Event()

    def client(index: int) -> None:
        rnd = random.Random(seed * 1000 + index)  # picks parents, not secrets
        conn: http.client.HTTPConnection | None = None
        while True:
            with take:
                if remaining[0] <= 0:
                    break
                remaining[0] -= 1
            if time.perf_counter() > deadline:
                capped.set()
                break
            if conn is None:
                conn = http.client.HTTPConnection(HOST, port, timeout=30)
            outcome: str | None = None
            started = time.perf_counter()
            close = False
            try:
                conn.request("GET", scenario.path, headers=headers[rnd.randrange(len(parents))])
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    outcome = str(response.status)
                close = response.will_close
            except (OSError, http.client.HTTPException) as e:
                outcome = type(e).__name__
                close = True
            if close:
                conn.close()
                conn = None
            tally.add(time.perf_counter() - started, outcome)
        if conn is not None:
            conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    cpu_started = time.process_time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    tally.client_cpu_seconds = time.process_time() - cpu_started
    return tally, time.perf_counter() - started, capped.is_set()


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    if not sorted_values:
        return 0.0
    rank = max(1, -(-len(sorted_values) * p // 100))
    return sorted_values[int(rank) - 1]


def summarise(tally: Tally, wall: float, capped: bool) -> dict[str, Any]:
    values = sorted(tally.latencies)
    ms = 1000.0
    return {
        "requests": len(values),
        "errors": sum(tally.errors.values()),
        "error_kinds": tally.errors,
        "wall_seconds": round(wall, 2),
        "time_capped": capped,
        "client_cpu_seconds": round(tally.client_cpu_seconds, 1),
        "throughput_rps": round(len(values) / wall, 1) if wall else 0.0,
        "latency_ms": {
            "p50": round(percentile(values, 50) * ms, 1),
            "p95": round(percentile(values, 95) * ms, 1),
            "p99": round(percentile(values, 99) * ms, 1),
            "max": round((values[-1] if values else 0.0) * ms, 1),
            "mean": round(sum(values) / len(values) * ms, 1) if values else 0.0,
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parents", type=int, default=200)
    parser.add_argument("--clients", type=int, default=20, help="concurrent connections")
    parser.add_argument("--requests", type=int, default=3000, help="per scenario")
    parser.add_argument("--time-cap", type=float, default=60.0, help="seconds per scenario")
    parser.add_argument("--warmup", type=int, default=100, help="unmeasured requests first")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--scenario", action="append", choices=[s.name for s in SCENARIOS], help="repeatable"
    )
    args = parser.parse_args()

    url = os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    os.environ.setdefault("REDIS_URL", DEFAULT_REDIS)
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("PARTA_ENV", "development")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parta.settings")
    sys.path.insert(0, str(ROOT))
    if url.startswith("postgres"):
        ensure_database(url)

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    dataset = ensure_district()
    scenarios = [s for s in SCENARIOS if not args.scenario or s.name in args.scenario]
    parents: list[Parent] = []
    sample: list[Parent] = []
    extra: list[Parent] = []
    server: Server | None = None
    results: dict[str, Any] = {}
    # A plain kill (SIGTERM) still stops the server and deletes the sessions and tokens.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        started = time.perf_counter()
        load_pks = pick_parents(args.parents)
        wanted = family_sample()
        prepared = prepare_parents(load_pks + [pk for pk in wanted if pk not in load_pks])
        prepare_seconds = time.perf_counter() - started
        parents, extra = prepared[: len(load_pks)], prepared[len(load_pks) :]
        sample = [p for pk in wanted for p in prepared if p.pk == pk]
        for scenario in scenarios:
            if scenario.auth != "none":
                results[scenario.name] = {"sql_queries": count_queries(scenario, sample)}
        connection.close()  # the server's workers get the database to themselves

        server = start_server(dict(os.environ), args.workers, args.threads)
        print(f"gunicorn on {HOST}:{server.port}, log {server.log.name}", file=sys.stderr)
        load_at_start = [round(x, 2) for x in os.getloadavg()]
        for scenario in scenarios:
            if args.warmup:
                run_load(
                    scenario,
                    parents,
                    server.port,
                    clients=args.clients,
                    requests=args.warmup,
                    time_cap=args.time_cap,
                    seed=args.seed + 7,
                )
            tally, wall, capped = run_load(
                scenario,
                parents,
                server.port,
                clients=args.clients,
                requests=args.requests,
                time_cap=args.time_cap,
                seed=args.seed,
            )
            summary = summarise(tally, wall, capped)
            results.setdefault(scenario.name, {}).update({"path": scenario.path, **summary})
            print(f"{scenario.name}: {json.dumps(summary)}", file=sys.stderr)
    finally:
        if server is not None:
            server.stop()
        if parents or extra:
            clean_up(parents + extra)

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        row = cursor.fetchone()
    parts = urllib.parse.urlparse(url)
    result = {
        "date": datetime.datetime.now(tz=datetime.UTC).isoformat(timespec="seconds"),
        "benchmark": "pages",
        "scale": SCALE,
        "dataset": dataset,
        "parents": len(parents),
        "prepare_seconds": round(prepare_seconds, 1),
        "server": {
            "gunicorn": f"{args.workers} workers x {args.threads} threads (gthread)",
            "debug": settings.DEBUG,
            "parta_env": settings.PARTA_ENV,
            "cache": settings.CACHES["default"]["BACKEND"],
        },
        "load": {
            "clients": args.clients,
            "requests_per_scenario": args.requests,
            "warmup_requests": args.warmup,
            "time_cap_seconds": args.time_cap,
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
    with open(RESULTS / f"{stamp}-pages-{SCALE}.jsonl", "a", encoding="utf-8") as out:
        out.write(line + "\n")
    print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
