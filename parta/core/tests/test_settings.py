"""Production settings refuse what only a demo may have."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
STRONG_SECRET = "x" * 20 + "production-secret-for-the-test-only" + "y" * 10


def run_check(**env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DEBUG", "PARTA_DEMO", "PARTA_ENV"}
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import django; from django.conf import settings; django.setup()"],
        cwd=ROOT,
        env={**environment, "DJANGO_SETTINGS_MODULE": "parta.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_the_demo_secret():
    result = run_check(PARTA_ENV="production", ALLOWED_HOSTS="parta.example.org")
    assert result.returncode != 0
    assert "demo secret is refused" in result.stderr


@pytest.mark.parametrize(("name", "value"), [("DEBUG", "1"), ("PARTA_DEMO", "1")])
def test_production_refuses_debug_and_demo_mode(name, value):
    result = run_check(
        PARTA_ENV="production", SECRET_KEY=STRONG_SECRET, ALLOWED_HOSTS="x.org", **{name: value}
    )
    assert result.returncode != 0
    assert "cannot run" in result.stderr


def test_production_starts_with_its_own_secret():
    result = run_check(
        PARTA_ENV="production", SECRET_KEY=STRONG_SECRET, ALLOWED_HOSTS="parta.example.org"
    )
    assert result.returncode == 0, result.stderr
