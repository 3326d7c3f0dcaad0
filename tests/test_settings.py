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


def all_settings(**env):
    """Return `manage.py diffsettings --all` (every setting, Django's defaults included) with the environment given."""
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL"}}
    return subprocess.run(
        [sys.executable, "manage.py", "diffsettings", "--all"],
        cwd=BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
    )


def test_mail_goes_to_the_console_while_developing():
    result = all_settings()
    assert result.returncode == 0, result.stderr
    assert "EMAIL_BACKEND = 'django.core.mail.backends.console.EmailBackend'" in result.stdout


def test_production_sends_mail_by_smtp_configured_from_the_environment():
    result = all_settings(
        DEBUG="0",
        SECRET_KEY="a-long-random-production-secret-for-the-test",
        EMAIL_HOST="smtp.example.no",
        EMAIL_PORT="2525",
        EMAIL_HOST_USER="livskraft",
        EMAIL_HOST_PASSWORD="hemmelig",  # noqa: S106
        EMAIL_USE_TLS="1",
        DEFAULT_FROM_EMAIL="Livskraft <ikke-svar@livskraft.example.no>",
    )
    assert result.returncode == 0, result.stderr
    for line in (
        "EMAIL_BACKEND = 'django.core.mail.backends.smtp.EmailBackend'",
        "EMAIL_HOST = 'smtp.example.no'",
        "EMAIL_PORT = 2525",
        "EMAIL_HOST_USER = 'livskraft'",
        "EMAIL_USE_TLS = True",
        "DEFAULT_FROM_EMAIL = 'Livskraft <ikke-svar@livskraft.example.no>'",
    ):
        assert line in result.stdout


def test_implicit_tls_is_chosen_alone_and_on_its_own_port():
    result = all_settings(EMAIL_USE_SSL="1")
    assert "EMAIL_USE_SSL = True" in result.stdout and "EMAIL_PORT = 465" in result.stdout
    assert "EMAIL_USE_TLS = False" in result.stdout
    both = start(EMAIL_USE_SSL="1", EMAIL_USE_TLS="1")
    assert both.returncode != 0
    assert "EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be on" in both.stderr
