"""Every page of the site in real Chromium, taken from the walk of the URL conf: one <h1>, and nothing axe finds.

This is the test the accessibility statement (livskraft/accessibility.py) stands on: the pages it says are tested
must be among the pages checked here.
"""

import pytest
from django.urls import reverse
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


def test_every_page_passes_axe_and_the_statement_claims_no_other(page, axe, site, request):
    """Every page the walk of the URL conf finds meets WCAG 2.1 AA with data in it: the public pages as the public
    sees them, the rest as the persona who may see them. The accessibility statement lists only pages checked here.
    """
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
            response = page.goto(url)
            assert response.status == 200, (
                f"{route}: {page.url} answered {response.status} to {persona or 'the public'}"
            )
            expect(page.locator("h1")).to_have_count(1)
            axe.assert_no_violations(page)
