"""`manage.py benchmark`: which databases it refuses, and a tiny run of the whole thing on PostgreSQL.

The tiny run leaves out gunicorn, wrk and Chromium (--skip-serving) and takes a few seconds; the full benchmark
is run by hand (README: "Benchmark at national scale"), never as a test.
"""

import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from indicators.models import IndicatorValue, Municipality, ValueRevision
from plans.models import AnnualReport
from tools.benchmark.safety import refusal


@pytest.fixture(autouse=True)
def _benchmark_installed(request, settings):
    """Install the benchmark, as its own settings overlay does (tools/benchmark/settings.py): the product does not."""
    if "product_settings" not in request.keywords:
        settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "tools.benchmark"]


@pytest.mark.product_settings
def test_the_product_does_not_install_the_benchmark():
    with pytest.raises(CommandError, match="Unknown command"):
        call_command("benchmark", "--skip-serving")


on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the benchmark writes with PostgreSQL's COPY; run the tests with DATABASE_URL=postgres://… to include it",
)


@pytest.mark.parametrize(
    ("vendor", "name", "allowed", "refused"),
    [
        ("postgresql", "livskraft_bench", False, False),
        ("postgresql", "benchmark-2026", False, False),
        ("postgresql", "livskraft", False, True),
        ("postgresql", "production", True, True),
        ("postgresql", "test_livskraft", False, True),
        ("postgresql", "test_livskraft", True, False),
        ("sqlite", "/srv/livskraft/bench.sqlite3", False, True),
        ("sqlite", "/srv/livskraft/bench.sqlite3", True, True),
    ],
)
def test_only_a_postgresql_database_named_for_the_benchmark_is_accepted(vendor, name, allowed, refused):
    assert (refusal(vendor=vendor, name=name, test_database_allowed=allowed) is not None) is refused


def test_refuses_the_test_database_without_being_told_it_is_one(db):
    if "bench" in str(connection.settings_dict["NAME"]).lower():
        pytest.skip("the test database's name contains 'bench', which the benchmark accepts")
    with pytest.raises(CommandError) as refused:
        call_command("benchmark", "--skip-serving")
    if connection.vendor == "postgresql":
        assert "--i-know-this-is-a-test-database" in str(refused.value) or "bench" in str(refused.value)
    else:
        assert "PostgreSQL" in str(refused.value)
    assert not Municipality.objects.exists()


@on_postgresql
def test_refuses_to_empty_a_database_holding_data_without_wipe(db):
    Municipality.objects.create(name="Kept")
    with pytest.raises(CommandError, match="--wipe"):
        call_command("benchmark", "--i-know-this-is-a-test-database", "--skip-serving")
    assert Municipality.objects.filter(name="Kept").exists()


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_tiny_benchmark_runs_end_to_end(tmp_path, capsys):
    Municipality.objects.create(name="Wiped")
    report = tmp_path / "benchmark.json"
    call_command(
        "benchmark", "--i-know-this-is-a-test-database", "--wipe", "--municipalities", "8", "--indicators", "3",
        "--years", "3", "--requests", "2", "--skip-serving", "--workbook-rows", "500", "--json", str(report),
    )  # fmt: skip
    printed = capsys.readouterr().out
    assert "LIVSKRAFT AT NATIONAL SCALE" in printed
    assert "portal import ÷ COPY" in printed
    figures = json.loads(report.read_text())
    # Every target is in the table, those of the parts left out (gunicorn, Chromium, the suite) as n/a.
    verdicts = {t["figure"]: t["verdict"] for t in figures["targets"]}
    assert verdicts["dashboard, first visit: bytes transferred"] == "n/a"
    assert verdicts["the dashboard as stored in Redis (bytes)"] == "n/a"
    assert verdicts["the test suite on SQLite"] == "n/a"
    assert verdicts["portal import ÷ COPY"] in ("PASS", "FAIL")
    assert {"uncached dashboard: server median", "uncached annual report: server median"} <= set(verdicts)
    # The emissions workbook's dry run read the 500 rows, filed on the municipalities the build made.
    assert figures["workbook"]["rows"] == 500
    assert figures["workbook"]["created"] + figures["workbook"]["updated"] + figures["workbook"]["unchanged"] > 0
    assert not Municipality.objects.filter(name="Wiped").exists()
    # The network's 7 municipalities (and those merged into them) and one more, each with 4 indicators
    # (the population too) for 3 years.
    assert figures["build"]["municipalities_in_force"] == 8
    assert figures["build"]["values"] == IndicatorValue.objects.count() >= 7 * 4 * 3
    assert ValueRevision.objects.count() >= 2 * IndicatorValue.objects.count()
    assert AnnualReport.objects.filter(year=2024, published_at__isnull=False).count() == 8
    pages = {(p["key"], p["cache"]): p for p in figures["pages"]}
    assert {p["status"] for p in figures["pages"]} == {200}
    assert pages[("report", "hit")]["queries"] == 0
    for key, small in figures["queries_small"].items():
        assert pages[(key, "off")]["queries"] == small["queries"], key
    assert figures["import"]["rows"] == IndicatorValue.objects.published().count()
    assert figures["import"]["portal_seconds"] > 0 and figures["import"]["copy_seconds"] > 0
    # The import put the published dataset back as it was.
    assert IndicatorValue.objects.filter(status="published").exists()
