"""Guard tests over every page in the URL conf: each answers, in every language, with the accessible frame.

The pages come from walking the URL conf (tests/pages.py), not from a list kept by hand, so a new page is
checked from the day it is added, or fails here until the walker can fill its address and knows who may see it.
"""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from tests import pages

ROUTES = pages.walk()
PUBLIC = [route for route in pages.every_page() if route.name not in pages.PRIVATE]
BEHIND_THE_LOGIN = [route for route in pages.every_page() if route.name in pages.PRIVATE]
LANGUAGES = [code for code, _name in settings.LANGUAGES]
# A year (1000–2999) split by a space of any kind: what Django's localisation makes of {{ year }}.
GROUPED_YEAR = re.compile(r"\b[12][\s\u00a0\u202f]\d{3}\b")


def assert_accessible_frame(response, language: str, where: str, content_language: str | None = None) -> None:
    """One <h1>, a <title>, lang for the language shown, and a skip link first, to the main landmark; nothing that
    takes the focus elsewhere, runs inline or loads from another site; tables with captions and scoped headers."""
    html = response.content.decode()
    headings = re.findall(r"<h1[\s>]", html)
    assert len(headings) == 1, f"{where}: {len(headings)} <h1> elements, not one"
    assert re.search(r"<title>[^<]*\S[^<]* – Livskraft</title>", html), f"{where}: no title before – Livskraft"
    assert f'<html lang="{language}">' in html, f"{where}: <html> does not say lang={language!r}"
    content_language = content_language or language
    assert response["Content-Language"] == content_language, f"{where}: Content-Language {response['Content-Language']}"
    # The skip link comes before any other link or control and targets the main landmark.
    first_focusable = re.search(r"<(a|button|input|select|textarea)\b[^>]*>", html).group(0)
    assert 'href="#main"' in first_focusable, f"{where}: the first thing to focus is {first_focusable}"
    assert '<main id="main" tabindex="-1"' in html, f"{where}: no <main id=main> for the skip link"
    assert "autofocus" not in html, f"{where}: focus must start at the top, where the skip link is"
    assert "<script>" not in html, f"{where}: an inline script, which the Content Security Policy forbids"
    # Nothing loads from another site: every script, style sheet and image comes from the portal.
    outside = re.findall(r'<(?:script|link|img)\b[^>]*(?:src|href)="(?:https?:)?//', html)
    assert outside == [], f"{where}: loads from another site: {outside}"
    # A year is printed as 2025, never grouped like a figure ("2 025"), in the title and the headings.
    for heading in re.findall(r"<title>.*?</title>|<h[1-3][\s>].*?</h[1-3]>", html, re.S):
        grouped = GROUPED_YEAR.search(re.sub(r"<[^>]+>", "", heading))
        assert not grouped, f"{where}: a year printed with a thousands separator: {grouped.group(0)!r} in {heading}"
    for table in re.findall(r"<table.*?</table>", html, re.S):
        assert re.search(r"<caption[\s>]", table), f"{where}: a table without a caption"
        assert re.findall(r"<th(?=[\s>])(?![^>]*scope=)", table) == [], f"{where}: a <th> without scope"


def test_the_lists_of_exceptions_name_only_routes_that_exist():
    names = {route.name for route in ROUTES}
    namespaces = {route.namespace.split(":")[0] for route in ROUTES}
    unnamed = {route.pattern for route in ROUTES if not route.name}
    assert set(pages.EXCLUDED_ROUTES) <= names, set(pages.EXCLUDED_ROUTES) - names
    assert set(pages.EXCLUDED_NAMESPACES) <= namespaces, set(pages.EXCLUDED_NAMESPACES) - namespaces
    assert set(pages.EXCLUDED_PATTERNS) <= unnamed, set(pages.EXCLUDED_PATTERNS) - unnamed
    special = set(pages.PRIVATE) | set(pages.REDIRECTS) | set(pages.OWN_LANGUAGE)
    assert special <= {route.name for route in pages.every_page()}, special - {r.name for r in pages.every_page()}


def test_every_unnamed_route_is_excluded_with_a_reason():
    """A page without a name cannot be given an address by reverse(): name it, or say why it is not a page."""
    assert [route.pattern for route in ROUTES if not route.name and not route.excluded] == []


@pytest.mark.parametrize("route", PUBLIC, ids=str)
def test_every_public_page_answers_with_the_accessible_frame(client, site, route):
    try:
        url = site.url(route)
    except LookupError as unfilled:
        pytest.fail(str(unfilled), pytrace=False)
    for language in LANGUAGES:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        response = client.get(url)
        where = f"{route} ({url}, {language})"
        if route.name in pages.REDIRECTS:
            assert response.status_code == 302, f"{where} answered {response.status_code}, not a redirect"
            response = client.get(response.url)
        if response.status_code == 302 and response.url.startswith(reverse("login")):
            pytest.fail(
                f"{where} asks the public to log in: add it to PRIVATE in tests/pages.py with the persona who "
                "may see it",
                pytrace=False,
            )
        assert response.status_code == 200, f"{where} answered {response.status_code}"
        own = None
        if route.name in pages.OWN_LANGUAGE:
            # The content is in the municipality's written form (or English), marked on its container; the site
            # around it stays in the visitor's language.
            own = site.municipality.language_form if language != "en" else language
            assert re.search(rf'<article\b[^>]* lang="{own}"', response.content.decode()), f"{where}: no lang={own}"
        assert_accessible_frame(response, language, where, content_language=own)


@pytest.mark.parametrize("route", BEHIND_THE_LOGIN, ids=str)
def test_every_page_behind_the_login_sends_the_public_to_log_in_and_shows_its_persona_the_frame(
    client, site, route, request
):
    try:
        url = site.url(route)
    except LookupError as unfilled:
        pytest.fail(str(unfilled), pytrace=False)
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and anonymous.url.startswith(reverse("login")), (
        f"{route} ({url}) answered the public {anonymous.status_code}, not a redirect to the login page"
    )
    client.force_login(request.getfixturevalue(pages.PRIVATE[route.name]))
    for language in LANGUAGES:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        response = client.get(url)
        where = f"{route} ({url}, {language}, as {pages.PRIVATE[route.name]})"
        assert response.status_code == 200, f"{where} answered {response.status_code}"
        assert_accessible_frame(response, language, where)
