"""Every page of the site in real Chromium, taken from the walk of the URL conf: one <h1>, nothing axe finds (its
undecided contrast measured too low included), no console error or Content Security Policy violation, and on every
public page nothing wider than a 320 px screen (WCAG 1.4.10: 1280 px at 400 % zoom).

This is the test the accessibility statement (livskraft/accessibility.py) stands on: the pages it says are tested
must be among the pages checked here.
"""

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from livskraft.accessibility import TESTED_PAGES
from tests import factories as make
from tests import pages


def log_in(page, user) -> None:
    page.context.clear_cookies()
    page.goto(reverse("login"))
    page.get_by_label("Brukernavn").fill(user.username)
    page.get_by_label("Passord").fill(make.PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    # Logged in: where she lands depends on her roles (plans.views.start).
    expect(page.get_by_role("button", name="Logg ut")).to_be_visible()


NARROW = {"width": 320, "height": 640}
WIDE = {"width": 1280, "height": 720}
# Where the page is wider than the window, the elements that stick out, outermost first.
STICKING_OUT = """() => [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > innerWidth + 1)
    .filter(e => !e.parentElement || e.parentElement.getBoundingClientRect().right <= innerWidth + 1)
    .slice(0, 5).map(e => e.outerHTML.slice(0, 120))"""


def assert_fits_a_narrow_screen(page, where: str) -> None:
    """Nothing makes the page scroll sideways (charts redraw to the window's width first)."""
    try:
        page.wait_for_function("() => document.documentElement.scrollWidth <= innerWidth", timeout=3000)
    except PlaywrightTimeout:
        width = page.evaluate("document.documentElement.scrollWidth")
        pytest.fail(f"{where} is {width} px wide in a 320 px window: {page.evaluate(STICKING_OUT)}", pytrace=False)


def test_every_page_passes_axe_and_the_statement_claims_no_other(page, axe, site, request):
    """Every page the walk of the URL conf finds meets WCAG 2.1 AA with data in it: the public pages as the public
    sees them, the rest as the persona who may see them. The accessibility statement lists only pages checked here.
    """
    errors = []  # console errors (a blocked script, worker or style is one) and uncaught exceptions
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_viewport_size(WIDE)
    routes = pages.every_page()
    tested = [tested.url_name for tested in TESTED_PAGES]
    assert len(tested) == len(set(tested))
    unknown = set(tested) - {route.name for route in routes}
    assert not unknown, f"the accessibility statement lists pages that are not checked here: {unknown}"
    by_persona = {}  # None: the public
    for route in routes:
        by_persona.setdefault(pages.PRIVATE.get(route.name), []).append(route)
    assert by_persona.get(None) and len(by_persona) > 1
    for persona, group in sorted(by_persona.items(), key=lambda item: item[0] is not None):  # the public first
        if persona:
            log_in(page, request.getfixturevalue(persona))
        for route in group:
            try:
                url = site.url(route)
            except LookupError as unfilled:
                pytest.fail(str(unfilled), pytrace=False)
            errors.clear()
            response = page.goto(url, wait_until="networkidle")
            where = f"{route}: {page.url} as {persona or 'the public'}"
            assert response.status == 200, f"{where} answered {response.status}"
            expect(page.locator("h1")).to_have_count(1)
            axe.assert_no_violations(page)
            assert errors == [], f"{where}: errors in the console: {errors}"


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_every_public_page_fits_a_phone_and_400_percent_zoom(page, site, live_server, language):
    """At 320 px (a small phone, and a 1280 px screen at 400 % zoom) no public page scrolls sideways, in any of the
    three languages (their words differ in length), and nothing goes to the console."""
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_viewport_size(NARROW)
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
    for route in pages.every_page():
        if route.name in pages.PRIVATE:
            continue
        errors.clear()
        page.goto(site.url(route), wait_until="networkidle")
        where = f"{route}: {page.url} in {language}"
        assert page.locator("html").get_attribute("lang") == language, where
        assert_fits_a_narrow_screen(page, where)
        assert errors == [], f"{where}: errors in the console: {errors}"
