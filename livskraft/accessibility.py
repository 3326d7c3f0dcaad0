"""The accessibility statement (tilgjengelighetserklæring), and the facts it states.

Every page listed in TESTED_PAGES is among the pages the browser tests check with axe-core
(tests/browser/test_axe_on_every_page.py, which walks the URL conf and fails on a listed page it did not check),
so the statement cannot claim a test that does not run. The deviations are the known
gaps, each with the WCAG 2.1 success criterion, why, and what a reader can do instead.
"""

import datetime
import json
from dataclasses import dataclass

from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

# The day the statement was last reviewed by hand; the automatic checks run in every CI run.
REVIEWED_ON = datetime.date(2026, 11, 23)
COMPLAINTS_URL = "https://www.uutilsynet.no/"


@dataclass(frozen=True)
class TestedPage:
    url_name: str
    label: str


@dataclass(frozen=True)
class Deviation:
    criterion: str  # WCAG 2.1 success criterion, e.g. "2.1.1"
    title: str
    problem: str
    workaround: str


TESTED_PAGES = [
    TestedPage("home", _("The front page")),
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
            "deviations": DEVIATIONS,
            "reviewed_on": REVIEWED_ON,
            "axe_version": axe_version(),
            "contact_email": settings.LIVSKRAFT_ACCESSIBILITY_CONTACT,
            "complaints_url": COMPLAINTS_URL,
        },
    )
