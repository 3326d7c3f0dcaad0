"""Settings read from the environment, failing loudly on a dangerous or unreadable value."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent


def start(command="check", **env):
    """Run `manage.py check` (or the command) in a fresh process with the environment given; return the process."""
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL"}}
    return subprocess.run(
        [sys.executable, "manage.py", command], cwd=BASE_DIR, env={**clean, **env}, capture_output=True, text=True
    )


def test_production_refuses_to_start_on_the_default_secret_key():
    result = start(DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_production_starts_with_a_secret_key():
    result = start(DEBUG="0", SECRET_KEY="a-long-random-production-secret-for-the-test")
    assert result.returncode == 0, result.stderr


def test_an_unreadable_debug_value_is_refused():
    result = start(DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be one of" in result.stderr


def test_development_needs_no_environment():
    assert start().returncode == 0


def test_a_size_limit_is_read_from_the_environment():
    result = start("diffsettings", LIVSKRAFT_MAX_UPLOAD_BYTES="1048576")
    assert result.returncode == 0, result.stderr
    assert "LIVSKRAFT_MAX_UPLOAD_BYTES = 1048576" in result.stdout


@pytest.mark.parametrize(("raw", "message"), [("5MB", "must be a whole number"), ("0", "must be at least 1")])
def test_an_unreadable_size_limit_is_refused(raw, message):
    result = start(LIVSKRAFT_MAX_IMAGE_BYTES=raw)
    assert result.returncode != 0
    assert f"LIVSKRAFT_MAX_IMAGE_BYTES {message}" in result.stderr
