"""An open-data import in real Chromium: the upload shows the background check's progress, then the preview; the
confirmation shows the import's progress, then the result. The worker is the database backend's own, in batch mode.
"""

import time

import pytest
from playwright.sync_api import expect

from indicators.models import DataImport, Indicator, IndicatorValue
from tests import factories as make
from tests.test_jsonstat_import import table_07459
from tests.worker import run_worker

pytestmark = pytest.mark.browser


class HeldStatus:
    """Hold the page's status requests while the worker runs.

    With SQLite in memory the live server and the test share one database connection, so the worker must not
    run while the server answers; the page's requests wait in the browser until let go (on PostgreSQL this is
    only caution).
    """

    def __init__(self, page):
        self.page, self.holding, self.held = page, False, []
        page.route("**/status/", self.handle)

    def handle(self, route):
        if self.holding:
            self.held.append(route)
        else:
            route.continue_()

    def run_worker(self) -> float:
        """Run the queued tasks while no request reaches the server; return how long the worker took."""
        self.holding = True
        self.page.wait_for_timeout(1500)  # lets a status request already on its way be answered
        started = time.perf_counter()
        run_worker()
        took = time.perf_counter() - started
        self.holding = False
        for route in self.held:
            route.continue_()
        self.held.clear()
        return took


def test_a_coordinator_follows_the_check_and_the_import_of_an_ssb_table(page, axe, coordinator, kongsberg):
    population = Indicator.objects.population()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto("/logg-inn/")
    page.get_by_label("Brukernavn").fill(coordinator.username)
    page.get_by_label("Passord").fill(make.PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    status = HeldStatus(page)
    page.goto("/rapportering/ssb/")
    page.get_by_label("Fil fra SSB").set_input_files(
        files=[
            {
                "name": "07459.json",
                "mimeType": "application/json",
                "buffer": table_07459(
                    {("3303", "Personer1", "2024"): 28180}, regions=[("3303", "Kongsberg")], years=("2024",)
                ),
            }
        ]
    )
    page.get_by_label("Indikator").select_option(str(population.pk))

    uploaded = time.perf_counter()
    page.get_by_role("button", name="Last opp og sjekk").click()
    # The request only stored the file: the page waits for the worker and says so.
    expect(page.get_by_role("status")).to_have_text("Venter på at kontrollen skal starte …")
    expect(page.locator("progress")).to_have_attribute("value", "0")
    expect(page.get_by_role("link", name="Oppdater")).to_be_visible()
    progress_shown = time.perf_counter()
    axe.assert_no_violations(page)

    worker_took = status.run_worker()
    # The script sees the check is done and loads the preview, with no reload by hand.
    expect(page.get_by_text("Nye verdier: 1")).to_be_visible()
    preview_shown = time.perf_counter()
    expect(page.get_by_role("row", name="Kongsberg")).to_contain_text("28\u00a0180")
    assert not IndicatorValue.objects.exists()
    axe.assert_no_violations(page)

    page.get_by_role("button", name="Publiser kildens tall").click()
    expect(page.get_by_role("status")).to_have_text("Importerer … 0 %")
    expect(page.get_by_role("button", name="Publiser kildens tall")).to_have_count(0)
    status.run_worker()
    expect(page.get_by_text("1 nye verdier, 0 endret, 0 uendret")).to_be_visible()
    assert IndicatorValue.objects.get().value == 28180
    assert DataImport.objects.get().status == DataImport.Status.IMPORTED
    assert errors == []
    print(  # noqa: T201 (the figures the report quotes; shown with -s)
        f"\nupload → progress page {progress_shown - uploaded:.2f} s; worker {worker_took:.2f} s; "
        f"worker done → preview {preview_shown - progress_shown - 1.5 - worker_took:.2f} s"
    )
