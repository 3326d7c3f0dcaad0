"""The accessibility statement (tilgjengelighetserklæring), and the facts it states.

Every page listed in TESTED_PAGES is among the pages the browser tests check with axe-core
(tests/browser/test_axe_on_every_page.py, which walks the URL conf and fails on a listed page it did not check),
and every check in TESTED_CHECKS names the browser tests it stands on (tests/test_accessibility_statement.py fails
on a test that does not exist), so the statement cannot claim a test that does not run. NOT_TESTED says plainly
what no automatic test covers. The deviations are the known gaps, each with the WCAG 2.1 success criterion, why,
and what a reader can do instead.
"""

import datetime
import json
from dataclasses import dataclass

from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

# The day the statement was last reviewed by hand; the automatic checks run in every CI run.
REVIEWED_ON = datetime.date(2026, 12, 6)
COMPLAINTS_URL = "https://www.uutilsynet.no/"


@dataclass(frozen=True)
class TestedPage:
    url_name: str
    label: str


@dataclass(frozen=True)
class TestedCheck:
    label: str
    tests: tuple[str, ...]  # the browser tests it stands on: "tests/browser/<module>.py::<test function>"


@dataclass(frozen=True)
class Deviation:
    criterion: str  # WCAG 2.1 success criterion, e.g. "2.1.1"
    title: str
    problem: str
    workaround: str


TESTED_PAGES = [
    TestedPage("home", _("The front page")),
    TestedPage("municipality_search", _("Finding a municipality by name or number")),
    TestedPage("indicators", _("Choosing what to compare")),
    TestedPage("municipality", _("A municipality's dashboard")),
    TestedPage("indicator", _("An indicator compared across the network")),
    TestedPage("annual_report", _("A municipality's annual report, in bokmål, nynorsk and English")),
    TestedPage("network_report", _("The network's annual report")),
    TestedPage("good_examples", _("The list of good examples")),
    TestedPage("good_example", _("A good example")),
    TestedPage("sources", _("Data sources")),
    TestedPage("data_download", _("Downloading a selection of data")),
    TestedPage("accessibility", _("This accessibility statement")),
    TestedPage("login", _("Log in")),
    TestedPage("reporting_start", _("My reporting")),
    TestedPage("entry", _("Entering a year's values")),
    TestedPage("review", _("Approving and publishing values")),
    TestedPage("report_edit", _("Writing the annual report")),
    TestedPage("example_create", _("Writing a good example")),
    TestedPage("opendata_upload", _("Importing a table from SSB")),
    TestedPage("opendata_preview", _("Checking an SSB table before it is imported")),
    TestedPage("emissions_upload", _("Importing emissions from Miljødirektoratet")),
    TestedPage("plan_chain", _("A municipality's plan chain")),
    TestedPage("plan", _("A plan with its focus areas, goals and money")),
    TestedPage("digest", _("What has changed since the last annual report")),
    TestedPage("plan_create", _("Creating and editing plans")),
    TestedPage("budget_entry", _("Entering a year's budget")),
]

TESTED_CHECKS = [
    TestedCheck(
        _(
            "Every page of the portal, filled with data, is checked with axe-core against the WCAG 2.1 A and AA "
            "rules, as the person who may see it: the public, a planner, an approver or a coordinator."
        ),
        ("tests/browser/test_axe_on_every_page.py::test_every_page_passes_axe_and_the_statement_claims_no_other",),
    ),
    TestedCheck(
        _("On the public pages, the first press of Tab reaches the link that skips to the main content."),
        ("tests/browser/test_accessibility.py::test_first_tab_focuses_skip_link_which_moves_focus_to_main",),
    ),
    TestedCheck(
        _(
            "With the keyboard alone: finding a municipality from the front page, choosing and downloading data, "
            "entering a year's values, and formatting a report text."
        ),
        (
            "tests/browser/test_public_pages.py::test_a_visitor_finds_kongsberg_by_its_old_number_from_the_front_page_by_keyboard",
            "tests/browser/test_public_pages.py::test_data_is_chosen_on_a_phone_by_keyboard_and_downloaded",
            "tests/browser/test_reporting_journey.py::test_the_entry_form_works_by_keyboard_alone",
            "tests/browser/test_annual_reports.py::test_the_markdown_toolbar_formats_the_chosen_words_by_keyboard",
        ),
    ),
    TestedCheck(
        _(
            "The download page fits a screen 320 pixels wide, and the entry page a phone at 200 % zoom, without "
            "scrolling sideways."
        ),
        (
            "tests/browser/test_public_pages.py::test_data_is_chosen_on_a_phone_by_keyboard_and_downloaded",
            "tests/browser/test_reporting_journey.py::test_the_entry_page_fits_a_phone_and_200_percent_zoom",
        ),
    ),
    TestedCheck(
        _("The dashboard's charts are drawn from the portal's own files, with nothing blocked by its security policy."),
        ("tests/browser/test_dashboard_charts.py::test_the_dashboard_draws_its_charts_and_passes_axe",),
    ),
    TestedCheck(
        _(
            "Charts break their lines where a year has no figure, every line style and marker has a legend entry "
            "that says what it means, and the units of the axes are shown whole on screen, on a phone and on paper."
        ),
        (
            "tests/browser/test_public_pages.py::test_lines_break_at_a_missing_year_and_every_pattern_has_a_legend_entry",
            "tests/browser/test_public_pages.py::test_axis_units_are_whole_on_screen_on_a_phone_and_on_paper",
        ),
    ),
    TestedCheck(
        _("Annual reports print without the browser's header and footer, the way the instructions say."),
        ("tests/browser/test_public_pages.py::test_the_printed_report_has_no_browser_header_or_footer",),
    ),
]

# What no automatic test covers, said plainly.
NOT_TESTED = [
    _(
        "Colour contrast that axe-core cannot decide (text over images, gradients or overlapping elements) is not "
        "measured by the tests."
    ),
    _("The portal has not been tested with screen readers (such as NVDA, JAWS or VoiceOver) or by disabled users."),
    _("Pages other than those named above are not tested at 320 pixels' width or with the keyboard alone."),
]

DEVIATIONS = [
    Deviation(
        "1.4.11",
        _("Charts: the colours of the map"),
        _("The map tells municipalities apart by shades of green, which do not all have 3:1 contrast to each other."),
        _("The ranking chart and the table beside the map give the same figures in text."),
    ),
    Deviation(
        "2.1.1",
        _("Charts: details on hover"),
        _(
            "Each chart takes keyboard focus and is described in words, but the exact figure of a single point "
            "shows only when a mouse pointer rests on it."
        ),
        _("Every chart has a table with the same figures beside it, and a sentence that sums it up."),
    ),
    Deviation(
        "1.1.1",
        _("Charts: a picture to a screen reader"),
        _(
            "A screen reader reads a chart as one picture with a sentence that sums it up; its points and lines "
            "cannot be explored one by one. The tables are the charts' alternative, not a part of them."
        ),
        _(
            "Read the table beside or below each chart: it has the same figures. Comparing every municipality "
            "shows one year; every year is in the downloads."
        ),
    ),
    Deviation(
        "2.1.1",
        _("The map on the comparison page"),
        _(
            "The map can be reached with the keyboard, but not moved or zoomed with it, and a municipality's "
            "figure shows only when a pointer rests on it."
        ),
        _("The ranking table above the map has every figure the map shows."),
    ),
    Deviation(
        "3.1.2",
        _("Municipality names in Sami and Kven"),
        _(
            "Some municipalities have official names in Sami or Kven beside the Norwegian (Rana - Raane, "
            "Oslo - Oslove). These names are not marked with their language, so a screen reader may pronounce "
            "them as Norwegian."
        ),
        _("The municipality number beside each name identifies it."),
    ),
    Deviation(
        "1.1.1",
        _("Reports saved as PDF"),
        _(
            "A report saved as PDF from the browser has not been checked against the rules for accessible PDF "
            "(PDF/UA); its charts have no text alternative in the PDF."
        ),
        _("The report's web page is the accessible version; its tables and sentences have the charts' figures."),
    ),
    Deviation(
        "1.1.1",
        _("Images in good examples"),
        _(
            "Municipalities upload the images of good examples. The portal requires an alternative text for each, "
            "but cannot check that the text describes the image well."
        ),
        _("Write to us if an image is not described well, and we will ask the municipality to improve it."),
    ),
    Deviation(
        "3.1.2",
        _("Texts written by municipalities"),
        _(
            "Municipalities write their report texts in their own written form of Norwegian; the English version "
            "of a report shows these texts in Norwegian. They are marked with their language, so screen readers "
            "pronounce them right."
        ),
        _("The figures, charts and tables of every report are in English on the English version."),
    ),
]


def axe_version() -> str:
    """The version of axe-core the tests use, as package-lock.json pins it."""
    try:
        lock = json.loads((settings.BASE_DIR / "package-lock.json").read_text(encoding="utf-8"))
        return lock["packages"]["node_modules/axe-core"]["version"]
    except (OSError, KeyError, ValueError):
        return ""


def statement(request):
    """The portal's accessibility statement, in the form public bodies use."""
    return render(
        request,
        "accessibility.html",
        {
            "tested_pages": TESTED_PAGES,
            "tested_checks": TESTED_CHECKS,
            "not_tested": NOT_TESTED,
            "deviations": DEVIATIONS,
            "reviewed_on": REVIEWED_ON,
            "axe_version": axe_version(),
            "contact_email": settings.LIVSKRAFT_ACCESSIBILITY_CONTACT,
            "complaints_url": COMPLAINTS_URL,
        },
    )
