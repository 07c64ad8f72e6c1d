"""The Redis cache backend (core/cache.py) against the machine's Redis server.

Production and the benchmarks run with ``REDIS_URL``; the test settings use the local-memory
cache, so these tests talk to Redis themselves (``PARTA_TEST_REDIS_URL``, by default the
server every development and CI machine runs on 127.0.0.1:6379). Not reachable is a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from parta.core.cache import RedisCache

URL = os.environ.get("PARTA_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


@pytest.fixture
def cache() -> Iterator[RedisCache]:
    backend = RedisCache(URL, {"KEY_PREFIX": f"parta-test-{uuid.uuid4().hex}"})
    yield backend
    backend.clear()


def test_commands_round_trip_and_one_client_is_reused(cache: RedisCache) -> None:
    cache.set("week", ("2026-12-01", "<p>body</p>"), 30)
    assert cache.get("week") == ("2026-12-01", "<p>body</p>")
    assert cache.add("week", "other") is False
    assert cache.add("n", 1) is True
    assert cache.incr("n") == 2
    assert cache.get_many(["week", "n", "none"]) == {"week": ("2026-12-01", "<p>body</p>"), "n": 2}
    cache.delete("week")
    assert cache.get("week") is None

    client = cache._cache.get_client()
    assert cache._cache.get_client("other-key") is client
    assert cache._cache.get_client(write=True) is client  # one server: one pool, one client


def test_threads_share_the_client(cache: RedisCache) -> None:
    def work(n: int) -> int:
        for i in range(50):
            cache.set(f"k{n}:{i}", i, 30)
            assert cache.get(f"k{n}:{i}") == i
        return n

    with ThreadPoolExecutor(max_workers=8) as pool:  # a failed assertion is raised here
        assert sorted(pool.map(work, range(8))) == list(range(8))
    assert len(cache._cache._clients) == 1
