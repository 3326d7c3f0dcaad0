"""Every page of the site, found by walking the URL conf, with its address filled from a small demo world.

The guard tests (tests/test_every_page.py) and the browser's axe check (tests/browser/test_axe_on_every_page.py)
take their pages from here, so a new page is checked the day it is added: a route whose address cannot be filled
from the world, or that asks the public to log in without naming the persona who may see it, fails with a message
naming it instead of being skipped.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter, SlugConverter, StringConverter

from indicators.models import (
    DataImport,
    MunicipalityRole,
    NetworkCoordinator,
    ReportingRound,
    ValueImport,
    ValueStatus,
    reporting_year,
)
from plans.models import (
    AnnualReport,
    BudgetImport,
    ClimateImport,
    EffectClass,
    ExampleStatus,
    GoodExample,
    MeasureStatus,
    PlanStatus,
    PlanType,
)
from plans.services import publish_report, save_report_texts
from tests import factories as make

YEAR = reporting_year()

# Whole namespaces that are not pages of the portal, and why.
EXCLUDED_NAMESPACES = {
    "admin": "Django's admin, for superusers only, in Django's own templates (tests/test_admin.py; its login in "
    "test_production.py)",
    "api": "the JSON API (tests/test_api.py), not HTML",
}
# Single routes that are not pages a visitor reads, and why. A name here that no longer exists fails the guard.
EXCLUDED_ROUTES = {
    "set_language": "an action: POST the language, answered with a redirect",
    "logout": "an action: POST only",
    "health": "for the load balancer: plain text, no page",
    "municipality_download": "a download (CSV, XLSX, JSON-stat)",
    "indicator_download": "a download (CSV, XLSX, JSON-stat)",
    "bulk_download": "a download (CSV)",
    "bulk_download_json": "a download (JSON-stat)",
    "import_template": "a download: the spreadsheet template (CSV, XLSX)",
    "budget_template": "a download: the spreadsheet template (CSV, XLSX)",
    "climate_template": "a download: the climate measures spreadsheet (XLSX)",
    "goal_calculation": "a download: one goal's calculation (CSV)",
    "report_goal_calculation": "a download: one goal's calculation as a report shows it (CSV)",
    "climate_measures_download": "a download: the climate budget's measures and statuses (CSV, XLSX, JSON)",
    "climate_paths_jsonstat": "a download: the climate budget's frames and paths (JSON-stat)",
    "climate_network_jsonstat": "a download: the network's climate budgets' frames and paths (JSON-stat)",
    "good_example_image": "an image",
    "plan_roll": "an action: POST only",
    "plan_delete": "an action: POST only",
    "example_review": "an action: POST only",
    "password_reset_confirm": "the one-time link of a reset mail, followed by tests/test_accounts.py",
    "admin_password_reset": "a redirect from the admin's login to the portal's password_reset",
    "opendata_status": "JSON for the open-data preview's progress script (tests/test_opendata_tasks.py)",
    "access_notice_seen": "an action: POST only",
    "round_close": "an action: POST only",
    "climate_delete": "a confirmation before a POST, with the kind of part in its address (tests/test_climate_entry.py)",
}
# Routes without a name, by their pattern, and why.
EXCLUDED_PATTERNS = {
    f"{settings.ADMIN_URL}login/": "the admin's login, wrapped so that it counts refused logins like the site's",
    f"{settings.ADMIN_URL}password_change/": "a redirect from the admin to the portal's password_change",
}
# Pages whose content a Norwegian reader reads in the municipality's own written form (målform), whatever the
# language chosen; the site around the content stays in the visitor's language.
OWN_LANGUAGE = {
    "annual_report": "the report is the municipality's own text, in bokmål or nynorsk as it has decided",
}
# Public pages that answer with a redirect on purpose, and where to.
REDIRECTS = {
    "network_report_latest": "the report of the newest year with one",
    "climate_budget_latest": "the climate budget of this year, or of the newest year with one",
}
# Pages behind the login, and the persona who may see them (a fixture in tests/conftest.py).
PRIVATE = {
    "password_change": "rana_planner",
    "password_change_done": "rana_planner",
    "start": "politician_of_two",  # others are sent on: a politician to her dashboard, the rest to Min rapportering
    "reporting_start": "rana_planner",
    "reporting_overview": "coordinator",
    "round_create": "coordinator",
    "round_matrix": "coordinator",
    "round_edit": "coordinator",
    "reminder_settings": "rana_planner",
    "import_preview": "rana_planner",
    "opendata_upload": "coordinator",
    "emissions_upload": "coordinator",
    "population_upload": "coordinator",
    "reform_upload": "administrator",
    "peer_groups_upload": "administrator",
    "opendata_preview": "coordinator",
    "indicator_definitions": "coordinator",
    "indicator_definition_create": "coordinator",
    "indicator_definition": "coordinator",
    "access_roles": "coordinator",
    "role_withdraw": "coordinator",
    "coordinator_withdraw": "administrator",
    "network_members": "coordinator",
    "membership_end": "coordinator",
    "entry": "rana_planner",
    "review": "rana_approver",
    "import_values": "rana_planner",
    "value_history": "rana_planner",
    "plan_create": "rana_planner",
    "plan_edit": "rana_planner",
    "plan_adopt": "rana_approver",
    "focus_area_create": "rana_planner",
    "focus_area_edit": "rana_planner",
    "goal_create": "rana_planner",
    "goal_edit": "rana_planner",
    "project_create": "rana_planner",
    "project_edit": "rana_planner",
    "budget_entry": "rana_planner",
    "budget_import": "rana_planner",
    "budget_import_preview": "rana_planner",
    "climate_status": "rana_planner",
    "climate_import": "rana_planner",
    "climate_import_preview": "rana_planner",
    "report_edit": "rana_planner",
    "my_examples": "rana_planner",
    "example_edit": "rana_planner",
    "example_create": "rana_planner",
    "climate_budget_edit": "rana_planner",
    "climate_sector_create": "rana_planner",
    "climate_sector_edit": "rana_planner",
    "climate_measure_create": "rana_planner",
    "climate_measure_edit": "rana_planner",
}


@dataclass(frozen=True)
class Route:
    """One URL pattern: its name (with its namespaces), its whole pattern, and its parameters with converters."""

    name: str  # "" when the pattern has none
    namespace: str  # "" outside any namespace; "outer:inner" when nested
    pattern: str
    converters: dict  # parameter → converter; None for a regular expression's group

    def __str__(self):
        return self.name or f"unnamed route {self.pattern!r}"

    @property
    def excluded(self) -> str | None:
        """Return why the route is not a page to check, or None when it is one."""
        outermost = self.namespace.split(":")[0]
        if outermost in EXCLUDED_NAMESPACES:
            return EXCLUDED_NAMESPACES[outermost]
        if not self.name:
            return EXCLUDED_PATTERNS.get(self.pattern)
        return EXCLUDED_ROUTES.get(self.name)


def walk(patterns=None, prefix: str = "", namespace: str = "", converters=None) -> list[Route]:
    """Return every route of the URL conf, in order, descending into every include()."""
    found = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        pattern = f"{prefix}{entry.pattern}"
        # path() gives each parameter a converter; re_path() only names it, as a group of its expression.
        groups = dict.fromkeys(entry.pattern.regex.groupindex)
        known = {**(converters or {}), **groups, **getattr(entry.pattern, "converters", {})}
        if isinstance(entry, URLResolver):
            inner = ":".join(part for part in (namespace, entry.namespace) if part)
            found += walk(entry.url_patterns, pattern, inner, known)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name or ""
            found.append(Route(name, namespace, pattern, known))
    return found


def every_page() -> list[Route]:
    """Return every route that is a page to check: all but the excluded ones."""
    return [route for route in walk() if not route.excluded]


# --- the demo world ---------------------------------------------------------------------------------------------


@dataclass
class Site:
    """A small world in which every page has something to show, and the objects each address points at."""

    municipality: object
    indicator: object
    network: object
    objects: dict  # route name → the object its pk names

    def arguments(self, route: Route) -> dict:
        """Return the route's parameters filled from the world; raise LookupError naming what cannot be filled."""
        filled = {}
        for name, converter in route.converters.items():
            if name == "code" and isinstance(converter, SlugConverter):
                filled[name] = self.indicator.code  # indikator/<slug:code>/
            elif name == "code" and isinstance(converter, StringConverter):
                filled[name] = self.municipality.kommunenummer  # kommune/<str:code>/
            elif name == "slug" and isinstance(converter, SlugConverter):
                filled[name] = self.network.slug
            elif name == "year" and isinstance(converter, IntConverter):
                filled[name] = YEAR
            elif name == "pk" and isinstance(converter, IntConverter) and route.name in self.objects:
                filled[name] = self.objects[route.name].pk
            else:
                raise LookupError(
                    f"{route} ({route.pattern}): the demo world in tests/pages.py has no value for the parameter "
                    f"{name!r}; give it one, or exclude the route with a reason"
                )
        return filled

    def url(self, route: Route) -> str:
        return reverse(route.name, kwargs=self.arguments(route))


def build_site(*, rana, network, waste, lighthouses, rana_planner, coordinator) -> Site:
    """Rana in the network with a year's figures, its plan chain, reports, good examples and files to check."""
    membership = make.membership(network, rana)
    population = make.population(rana, {YEAR - 1: 26000, YEAR: 26200})
    make.published_values(waste, rana, {YEAR - 1: 10400, YEAR: 10150})
    submitted = make.value(lighthouses, rana, YEAR, 12, status=ValueStatus.SUBMITTED, changed_by=rana_planner)

    kommuneplan = make.plan(rana, title="Kommuneplanens samfunnsdel", first=YEAR - 5, last=YEAR + 7)
    climate = make.focus_area(kommuneplan, "Klima og miljø", order=1)
    goal = make.goal(climate, "Mindre avfall", indicator=waste, baseline=(YEAR - 1, 400), target=(YEAR + 5, 350))
    okonomiplan = make.plan(
        rana, PlanType.OKONOMIPLAN, first=YEAR, last=YEAR + 3, title="Økonomiplan", parent=kommuneplan
    )
    carried = make.focus_area(okonomiplan, "Klima og miljø i økonomiplanen", carries=climate)
    project = okonomiplan.strategic_projects.create(title="Ombruk", first_budget_year=YEAR, last_budget_year=YEAR)
    project.focus_areas.add(carried)
    draft = make.plan(
        rana, PlanType.OKONOMIPLAN, first=YEAR + 1, last=YEAR + 4, title="Økonomiplan, utkast",
        status=PlanStatus.DRAFT, previous_version=okonomiplan,
    )  # fmt: skip
    # The økonomiplan's climate budget: two sectors on published emissions, a measure with a published status.
    make.emissions(rana, "veitrafikk", {2009: 40000, YEAR - 2: 30000})
    make.emissions(rana, "oppvarming", {2009: 10000, YEAR - 2: 4000})
    climate_budget = make.climate_budget(okonomiplan, target_year=YEAR + 5, method_note="Etter **Miljødirektoratet**.")
    climate_sector = make.climate_sector(climate_budget, "veitrafikk", frames={YEAR: 50}, reference={YEAR: 70})
    make.climate_sector(climate_budget, "oppvarming", frames={YEAR: 20}, reference={YEAR: 36})
    climate_measure = make.climate_measure(climate_budget, "T1", "veitrafikk", cuts={YEAR: (4000, 3000, 5000)},
                                           result_indicator=lighthouses, project=project)  # fmt: skip
    make.climate_measure(climate_budget, "T3", "oppvarming", effect_class="medium", is_example=True)
    make.measure_report(climate_measure, YEAR, "on_track", workflow="published", explanation="Som planlagt")

    report = AnnualReport.objects.create(municipality=rana, year=YEAR)
    save_report_texts(report=report, bodies={"introduction": "Et godt år."}, user=rana_planner)
    publish_report(report=report, user=rana_planner)
    published_example = GoodExample.objects.create(
        municipality=rana, year=YEAR, title="Bruktbua", text="Vi åpnet en **bruktbu**.",
        status=ExampleStatus.PUBLISHED, published_at=datetime.datetime(YEAR, 3, 1, 12, tzinfo=datetime.UTC),
        created_by=rana_planner,
    )  # fmt: skip
    draft_example = GoodExample.objects.create(
        municipality=rana, year=YEAR, title="Sykkelbyen", text="Et utkast.", created_by=rana_planner
    )

    value_import = ValueImport.objects.create(
        uploaded_by=rana_planner,
        municipality=rana,
        year=YEAR,
        filename="verdier.csv",
        content=f"kommunenummer;indikator;år;verdi\n1833;miljofyrtarn;{YEAR};13\n".encode(),
    )
    budget_import = BudgetImport.objects.create(
        uploaded_by=rana_planner,
        municipality=rana,
        year=YEAR,
        filename="budsjett.csv",
        content=(
            "Type;Navn;Vedtatt budsjett;Revidert budsjett;Regnskap\n"
            "Innsatsområde;Klima og miljø i økonomiplanen;100;;\n"
        ).encode(),
    )
    cycling = make.climate_measure(climate_budget, "T2", "veitrafikk", effect_class=EffectClass.MEDIUM)
    make.measure_report(cycling, YEAR, MeasureStatus.DELAYED, explanation="Venter på anbud.")
    climate_import = ClimateImport.objects.create(
        uploaded_by=rana_planner,
        budget=climate_budget,
        year=YEAR,
        filename="klimatiltak.csv",
        content=f"Nummer;Tiltak;Sektor;Effektklasse;Status {YEAR}\nT1;Sykkelbyen;Veitrafikk;Middels;I rute\n".encode(),
    )
    data_import = DataImport.objects.create(
        uploaded_by=coordinator,
        filename="07459.json",
        content=b'{"version": "1.0", "class": "dataset"}',  # a file with problems: the page lists them
        indicator=population,
        status=DataImport.Status.REJECTED,
        progress=100,
        problems=[{"message": "The file is JSON-stat 1.0; only version 2.0 can be read.", "line": None, "column": ""}],
    )
    reporting_round = ReportingRound.objects.create(
        network=network, year=YEAR, deadline=datetime.date(YEAR + 1, 3, 15), opened_by=coordinator
    )
    reporting_round.indicators.set([waste, lighthouses])
    objects = {
        "plan": kommuneplan,
        "plan_edit": okonomiplan,
        "plan_adopt": draft,
        "focus_area_create": okonomiplan,
        "focus_area_edit": carried,
        "goal_create": carried,
        "goal_edit": goal,
        "project_create": okonomiplan,
        "project_edit": project,
        "good_example": published_example,
        "example_edit": draft_example,
        "import_preview": value_import,
        "budget_import_preview": budget_import,
        "climate_import_preview": climate_import,
        "opendata_preview": data_import,
        "value_history": submitted,
        "role_withdraw": MunicipalityRole.objects.get(user=rana_planner, municipality=rana),
        "coordinator_withdraw": NetworkCoordinator.objects.get(user=coordinator, network=network),
        "membership_end": membership,
        "round_matrix": reporting_round,
        "round_edit": reporting_round,
        "climate_budget_edit": okonomiplan,
        "climate_sector_create": climate_budget,
        "climate_sector_edit": climate_sector,
        "climate_measure_create": climate_budget,
        "climate_measure_edit": climate_measure,
    }
    return Site(municipality=rana, indicator=waste, network=network, objects=objects)
