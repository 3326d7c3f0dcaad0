"""Fixtures shared by the whole test suite: settings, municipalities, the personas, a world for every page and a real
browser."""

import os
import shutil
import threading
from dataclasses import dataclass
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.utils import translation

from indicators.models import Role
from tests import factories as make
from tests import pages

BASE_DIR = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
AXE_JS = BASE_DIR / "node_modules" / "axe-core" / "axe.min.js"
# Debian's chromium in a container: no sandbox (we may be root), no GPU, and nothing
# that phones home, so a test run never waits on the network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BROWSER_FIXTURES = {"browser", "page", "axe"}


def running_in_ci() -> bool:
    """Return whether the CI environment variable asks for a run that never skips."""
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no", "off"}


def skip_or_fail(reason: str) -> None:
    """Skip locally when a browser test cannot run; fail in CI so it is never silently left out."""
    if running_in_ci():
        pytest.fail(f"{reason} (CI is set, so this is a failure rather than a skip)", pytrace=False)
    pytest.skip(reason)


def pytest_collection_modifyitems(config, items):
    """Mark every test that drives the browser, and run those tests last.

    Playwright's sync API keeps an event loop running in the test thread for as long
    as the browser is open; running the browser tests last keeps Django's
    async-safety check in force for every other test.
    """
    for item in items:
        if BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Start every test with an empty cache, so login throttling (and anything cached) never leaks between tests;
    and with no cache versions remembered in this process (core/cache.py), as a new process starts."""
    from django.core.cache import cache

    from core.cache import forget_versions

    cache.clear()
    forget_versions()


@pytest.fixture(autouse=True)
def _plain_static_files(settings):
    """Serve static files from the finders, as in development.

    The settings module picks the storage when it is imported, from DEBUG. With
    DEBUG=0 in the environment it would pick the manifest storage, and every
    `{% static %}` would fail for want of a collectstatic run. Tests never collect
    static files, so they always use the plain storage.
    """
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def waste(db):
    """Household waste: planners enter tonnes, the portal shows kg per inhabitant; 100–1 000 kg is plausible."""
    from indicators.models import Computation, Indicator

    return Indicator.objects.create(
        code="husholdningsavfall",
        name_nb="Husholdningsavfall per innbygger",
        name_nn="Hushaldsavfall per innbyggjar",
        name_en="Household waste per inhabitant",
        unit="kg",
        computation=Computation.PER_INHABITANT,
        amount_unit="tonnes",
        per_inhabitant_factor=Decimal(1000),
        direction="lower",
        bottom_line="ecological",
        source="SSB, KOSTRA tabell 12241",
        plausible_min=Decimal(100),
        plausible_max=Decimal(1000),
        order=1,
    )


@pytest.fixture
def share(db):
    """Schools and kindergartens near recreation areas: a share in per cent, 0–100 plausible."""
    from indicators.models import Indicator

    return Indicator.objects.create(
        code="skoler-naer-friluftsomrade",
        name_nb="Skoler og barnehager nær friluftsområder",
        name_en="Schools and kindergartens near recreation areas",
        unit="percent",
        direction="higher",
        bottom_line="social",
        plausible_min=Decimal(0),
        plausible_max=Decimal(100),
        order=30,
    )


@pytest.fixture
def lighthouses(db):
    """Eco-Lighthouse certified businesses: a count, entered directly."""
    from indicators.models import Indicator

    return Indicator.objects.create(
        code="miljofyrtarn",
        name_nb="Miljøfyrtårn-sertifiserte virksomheter",
        name_en="Eco-Lighthouse certified businesses",
        unit="count",
        direction="higher",
        bottom_line="economic",
        order=20,
    )


# --- the municipalities the personas work in -------------------------------------------------------------------


@pytest.fixture
def oslo(db):
    """Oslo, 0301 since 1838."""
    return make.municipality("Oslo", "0301", since=1838)


@pytest.fixture
def kongsberg(oslo):
    """Kongsberg with its three numbers (0604, 3006, 3303), and Oslo with one; returns Kongsberg."""
    return make.municipality("Kongsberg", codes=[("0604", 1964, 2019), ("3006", 2020, 2023), ("3303", 2024, None)])


@pytest.fixture
def rana(db):
    """Rana, 1833 since 1964."""
    return make.municipality("Rana", "1833")


@pytest.fixture
def network(kongsberg):
    """The Livskraftige kommuner network; Kongsberg is a member, Oslo is not."""
    return make.network(members=[kongsberg])


# --- the personas: who they are is what they may do ------------------------------------------------------------


@pytest.fixture
def rana_planner(rana):
    """Return the planner in Rana: enters Rana's values and plans, and nothing of any other municipality."""
    return make.role(make.user("planlegger-rana"), rana, Role.PLANNER)


@pytest.fixture
def rana_approver(rana):
    """Return the approver in Rana: approves, returns and publishes Rana's values, but enters none."""
    return make.role(make.user("godkjenner-rana"), rana, Role.APPROVER)


@pytest.fixture
def oslo_planner(oslo):
    """Return the planner in Oslo."""
    return make.role(make.user("planlegger-oslo"), oslo, Role.PLANNER)


@pytest.fixture
def politician(kongsberg):
    """Return a member of Kongsberg's council: a reader there, who sees drafts but changes nothing (as in the demo)."""
    return make.role(make.user("politiker"), kongsberg, Role.READER)


@pytest.fixture
def politician_of_two(politician, rana):
    """Return the politician reading Rana's figures as well as Kongsberg's: after logging in she chooses a dashboard."""
    return make.role(politician, rana, Role.READER)


@pytest.fixture
def coordinator(network):
    """Return the coordinator of the network: follows every member's reporting and imports open data for them."""
    return make.coordinator(make.user("koordinator"), network)


@pytest.fixture
def administrator(db):
    """Return the administrator: a superuser, who may do everything, such as loading a municipal reform."""
    return make.user("administrator", is_staff=True, is_superuser=True)


# --- a world for every page ------------------------------------------------------------------------------------


@pytest.fixture
def site(rana, network, waste, lighthouses, rana_planner, coordinator):
    """Return a small world in which every page has something to show, and the addresses of its pages."""
    return pages.build_site(
        rana=rana,
        network=network,
        waste=waste,
        lighthouses=lighthouses,
        rana_planner=rana_planner,
        coordinator=coordinator,
    )


@pytest.fixture
def english(client):
    """Messages in English, the source language, so the assertions read as the code does."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@dataclass(frozen=True)
class Asked:
    """One request the local server received: its path, its query and the format it asked for."""

    path: str
    query: dict[str, list[str]]
    accept: str


class LocalServer:
    """Real HTTP servers on loopback, so that API clients are tested without the internet.

    start(answer) serves answer(path) -> (status, body bytes) as JSON and returns the
    server's address; every request is kept in .requests, in order.
    """

    def __init__(self):
        self.requests: list[Asked] = []
        self._servers: list[ThreadingHTTPServer] = []

    def start(self, answer) -> str:
        requests = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (the handler's name is fixed by http.server)
                parts = urlsplit(self.path)
                requests.append(Asked(parts.path, parse_qs(parts.query), self.headers.get("Accept", "")))
                status, body = answer(self.path)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self._servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()


@pytest.fixture
def local_server():
    """Return a LocalServer; its servers stop when the test ends."""
    servers = LocalServer()
    yield servers
    servers.stop()


@pytest.fixture(scope="session")
def browser():
    """Yield a headless Debian Chromium driven by Playwright, shared by the whole run."""
    if not CHROMIUM.exists():
        skip_or_fail(f"{CHROMIUM} is missing: install it with `apt-get install -y chromium`")
    from playwright.sync_api import sync_playwright

    # The sync API runs an event loop in this thread while the browser is open, and
    # Django refuses database access from a thread with a running loop.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser, live_server, settings):
    """Yield a fresh browser tab (own cookies, bokmål) pointed at the live server."""
    # The live server speaks plain http: secure cookies would never come back.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    context = browser.new_context(base_url=live_server.url, locale="nb-NO")
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()


class Axe:
    """Run axe-core in a page against the WCAG 2.1 A and AA rules."""

    def run(self, page) -> list[dict]:
        """Return the violations axe finds in the page as it is now, and the contrast it could not decide but
        measured too low (see unreadable_contrast()), as one more violation."""
        # Evaluated through the DevTools protocol rather than added as a <script>: the portal's Content Security
        # Policy rightly blocks inline scripts, and axe is the test's, not the page's.
        page.evaluate(AXE_JS.read_text(encoding="utf-8") + "\n;undefined")
        result = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
            " resultTypes: ['violations', 'incomplete']})",
            WCAG_21_AA,
        )
        unreadable = unreadable_contrast(result["incomplete"])
        return result["violations"] + ([unreadable] if unreadable else [])

    def assert_no_violations(self, page) -> None:
        """Fail with every violation, its impact, its help text and the elements at fault."""
        violations = self.run(page)
        if violations:
            raise AssertionError(format_violations(page.url, violations))


def unreadable_contrast(incomplete: list[dict]) -> dict | None:
    """Return, as a violation, the colour-contrast results axe left undecided whose measured ratio is below the one
    WCAG 1.4.3 asks for; None when there are none.

    axe calls contrast "incomplete" when it cannot be sure of the background (a badge, a pseudo-element, text over
    another element), yet it measures the ratio it sees: white on white measured 1:1 is unreadable, whatever axe's
    doubts. Results without a measured ratio (a background image or gradient) stay undecided.
    """
    nodes = []
    for rule in incomplete:
        if rule["id"] != "color-contrast":
            continue
        for node in rule["nodes"]:
            for check in node.get("any", []):
                data = check.get("data") or {}
                ratio = data.get("contrastRatio") if isinstance(data, dict) else None
                if not ratio:
                    continue
                wanted = float(str(data.get("expectedContrastRatio") or "4.5:1").split(":")[0])
                if ratio < wanted:
                    colours = f"{data.get('fgColor')} on {data.get('bgColor')}: {ratio}:1, needs {wanted}:1"
                    nodes.append({**node, "html": f"{colours}: {node.get('html', '')}"})
    if not nodes:
        return None
    return {
        "id": "color-contrast (undecided by axe, measured too low)",
        "impact": "serious",
        "help": "Text must contrast with its background: axe could not decide, but the ratio it measured is too low",
        "helpUrl": "https://www.w3.org/WAI/WCAG21/Understanding/contrast-minimum.html",
        "nodes": nodes,
    }


def format_violations(url: str, violations: list[dict]) -> str:
    """Return a readable report of axe violations, one rule per block and one line per element."""
    lines = [f"axe found {len(violations)} WCAG 2.1 AA violation(s) on {url}:"]
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation.get('impact') or 'no impact given'}): {violation['help']}"
            f" <{violation.get('helpUrl', '')}>"
        )
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node.get("target", []))
            lines.append(f"    {target}: {node.get('html', '')[:200]}")
    return "\n".join(lines)


@pytest.fixture
def axe():
    """Return the axe-core helper; needs `npm ci` to have installed axe-core."""
    if not AXE_JS.exists():
        skip_or_fail(f"{AXE_JS.relative_to(BASE_DIR)} is missing: run `npm ci`")
    return Axe()


@pytest.fixture
def redis_process(tmp_path, settings):
    """A running Redis of the test's own, with the portal's cache pointing at it; removed afterwards."""
    from tests.redis_process import RedisProcess, free_port

    if shutil.which("redis-server") is None:
        skip_or_fail("redis-server is not installed")
    server = RedisProcess(free_port(), tmp_path)
    server.start()
    try:
        settings.CACHES = server.cache_settings()
        yield server
    finally:
        if server.process is not None:
            server.stop()
