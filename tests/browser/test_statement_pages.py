"""Every page the accessibility statement says is tested is checked here with axe, so the statement stays true."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from indicators.models import (
    DataImport,
    Indicator,
    LanguageForm,
    Municipality,
    MunicipalityCode,
    MunicipalityRole,
    Network,
    NetworkCoordinator,
    NetworkMembership,
    Role,
    reporting_year,
)
from livskraft.accessibility import TESTED_PAGES
from plans.models import AnnualReport, FocusArea, Goal, GoalIndicator, GoodExample, Plan, PlanStatus, PlanType
from plans.services import publish_report, save_report_texts

from factories import published_value

PASSWORD = "a-long-test-password"
YEAR = reporting_year()
# Pages a visitor reaches without logging in; the rest need a planner and approver.
PUBLIC = {"home", "municipality", "indicator", "annual_report", "network_report", "good_examples", "good_example",
          "sources", "data_download", "accessibility", "login", "plan_chain", "plan", "digest"}  # fmt: skip


@pytest.fixture
def portal(django_user_model, waste, lighthouses):
    """Kongsberg (bokmål) and Masfjorden (nynorsk) in the network, with figures, a plan, reports and an example."""
    network = Network.objects.create(name="Livskraftige kommuner", slug="livskraftige-kommuner")
    population = Indicator.objects.population()
    user = django_user_model.objects.create_user(username="planlegger", password=PASSWORD)
    found = {}
    for name, code, form in (("Kongsberg", "3303", LanguageForm.BOKMAL), ("Masfjorden", "4634", LanguageForm.NYNORSK)):
        m = Municipality.objects.create(name=name, language_form=form)
        MunicipalityCode.objects.create(municipality=m, code=code, name=name, valid_from=datetime.date(2020, 1, 1))
        NetworkMembership.objects.create(network=network, municipality=m, joined=datetime.date(2009, 1, 1))
        for year in range(YEAR - 3, YEAR + 1):
            for indicator, value in ((population, 27000), (waste, 11000 - 100 * (YEAR - year)), (lighthouses, 12)):
                published_value(indicator=indicator, municipality=m, year=year, value=Decimal(value))
        plan = Plan.objects.create(
            municipality=m,
            plan_type=PlanType.KOMMUNEPLAN_SAMFUNN,
            title=f"Kommuneplanens samfunnsdel for {name}",
            period_start=2020,
            period_end=YEAR + 8,
            status=PlanStatus.ADOPTED,
            adopted_on=datetime.date(2020, 6, 1),
        )
        area = FocusArea.objects.create(plan=plan, title="Natur og miljø")
        goal = Goal.objects.create(focus_area=area, title="Mindre avfall")
        GoalIndicator.objects.create(
            goal=goal, indicator=waste, baseline_year=2020, baseline_value=420, target_year=2030, target_value=350
        )
        for role in (Role.PLANNER, Role.APPROVER):
            MunicipalityRole.objects.create(user=user, municipality=m, role=role)
        report = AnnualReport.objects.create(municipality=m, year=YEAR)
        save_report_texts(report=report, bodies={"introduction": "Innleiing til **årsrapporten**."}, user=user)
        publish_report(report=report, user=user)
        found[code] = m
    NetworkCoordinator.objects.create(user=user, network=network)
    upload = DataImport.objects.create(
        uploaded_by=user,
        filename="07459.json",
        content=b'{"version": "1.0", "class": "dataset"}',  # a file with a problem: the page lists it
        indicator=population,
    )
    example = GoodExample.objects.create(
        municipality=found["4634"],
        year=YEAR,
        title="Bruktbu på miljøstasjonen",
        text="Ei bruktbu tek imot møblar.",
        status="published",
        published_at=timezone.now(),
    )
    return {"example": example, "upload": upload, "plan": Plan.objects.filter(municipality=found["3303"]).first()}


def url_for(name: str, portal) -> str:
    """An address of each kind of page the statement lists, with data behind it."""
    args = {
        "municipality": ["3303"],
        "indicator": ["husholdningsavfall"],
        "annual_report": ["4634", YEAR],
        "network_report": ["livskraftige-kommuner", YEAR],
        "good_example": [portal["example"].pk],
        "entry": ["3303", YEAR],
        "review": ["3303", YEAR],
        "report_edit": ["3303", YEAR],
        "example_create": ["3303"],
        "opendata_preview": [portal["upload"].pk],
        "plan_chain": ["3303"],
        "plan": ["3303", portal["plan"].pk],
        "digest": ["3303"],
        "plan_create": ["3303"],
        "budget_entry": ["3303", YEAR],
    }.get(name, [])
    return reverse(name, args=args)


def test_every_page_in_the_accessibility_statement_passes_axe(page, axe, portal):
    names = [tested.url_name for tested in TESTED_PAGES]
    assert len(names) == len(set(names))
    public = [name for name in names if name in PUBLIC]
    private = [name for name in names if name not in PUBLIC]
    assert public and private
    for name in public:
        page.goto(url_for(name, portal))
        expect(page.locator("h1")).to_have_count(1)
        axe.assert_no_violations(page)
    page.goto("/logg-inn/")
    page.get_by_label("Brukernavn").fill("planlegger")
    page.get_by_label("Passord").fill(PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Min rapportering")
    for name in private:
        response = page.goto(url_for(name, portal))
        assert response.status == 200, f"{name}: {page.url} answered {response.status}"
        expect(page.locator("h1")).to_have_count(1)
        axe.assert_no_violations(page)
