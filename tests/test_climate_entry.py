"""The planner's climate budget inside an økonomiplan version: setting it up, sectors with frames, measures with
cuts, the budget's checks on the form, who may edit, the log, deleting."""

import datetime
import html
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse

from indicators.models import Role
from plans.models import (
    ClimateBudget,
    ClimateMeasure,
    ClimateSector,
    ExampleStatus,
    GoodExample,
    MeasureStatus,
    PlanChange,
    PlanStatus,
    PlanType,
    StrategicProject,
)
from tests import factories as make

pytestmark = pytest.mark.django_db
THIS_YEAR = datetime.date.today().year
FIRST, LAST = THIS_YEAR, THIS_YEAR + 3  # the økonomiplan's period
TARGET = THIS_YEAR + 4  # the climate target's year, after the plan period
ROAD = "veitrafikk"
HEATING = "oppvarming"


@pytest.fixture
def okonomiplan(rana):
    """Rana's økonomiplan for the next four years, a draft, with a strategic project; Rana's road traffic emitted
    40 000 tonnes in 2009."""
    plan = make.plan(
        rana, PlanType.OKONOMIPLAN, first=FIRST, last=LAST, status=PlanStatus.DRAFT, title=f"Økonomiplan {FIRST}–{LAST}"
    )
    StrategicProject.objects.create(plan=plan, title="Utslippsfrie byggeplasser")
    make.emissions(rana, ROAD, {2009: 40000, THIS_YEAR - 2: 31000})
    make.emissions(rana, HEATING, {2009: 8000})
    return plan


@pytest.fixture
def budget(okonomiplan):
    """The økonomiplan's climate budget: road traffic on a path from 80 % to 70 % of 2009, framed at 60 % to 50 %."""
    budget = make.climate_budget(okonomiplan, reference_year=2009, target_year=TARGET, target_percent=95)
    years = range(FIRST, TARGET + 1)
    make.climate_sector(
        budget,
        ROAD,
        frames={y: 60 - 2 * (y - FIRST) for y in years},
        reference={y: 80 - 2 * (y - FIRST) for y in years},
    )
    return budget


def text(response) -> str:
    return html.unescape(re.sub(r"[ \t\r\n]+", " ", response.content.decode()))


def management(prefix: str, total: int, initial: int = 0) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def measure_data(budget, **fields) -> dict:
    data = {
        "number": "T1",
        "title": "Utslippsfrie byggeplasser",
        "description": "",
        "sector": ROAD,
        "emission_source": "Anleggsmaskiner",
        "level": "own",
        "responsible_unit": "Teknisk",
        "project": "",
        "effect_class": "",
        "captured_by_inventory": "on",
        "co_benefits": "",
        "result_indicator": "",
        "reason": "",
    }
    data.update(fields)
    return data


# --- a planner sets the budget up -----------------------------------------------------------------------------------


@pytest.mark.usefixtures("english")
def test_a_rana_planner_sets_up_a_budget_adds_a_sector_with_frames_and_a_measure_with_cuts(
    client, okonomiplan, rana, rana_planner, lighthouses
):
    client.force_login(rana_planner)
    plan_url = reverse("plan", args=["1833", okonomiplan.pk])
    assert "Set up a climate budget" in text(client.get(plan_url))

    response = client.post(
        reverse("climate_budget_edit", args=[okonomiplan.pk]),
        {
            "scope": "territorial",
            "reference_year": "2009",
            "target_year": str(TARGET),
            "target_percent": "95",
            "method_note": "Miljødirektoratets referansebane.",
            **management("interim", 2),
            "interim-0-year": str(LAST),
            "interim-0-percent": "52.5",
            "interim-1-year": "",
            "interim-1-percent": "",
        },
    )
    assert response.status_code == 302 and response["Location"].endswith("#klimabudsjett")
    budget = ClimateBudget.objects.get(plan=okonomiplan)
    assert (budget.reference_year, budget.target_year, budget.target_percent) == (2009, TARGET, Decimal(95))
    assert [(t.year, t.percent) for t in budget.interim_targets.all()] == [(LAST, Decimal("52.5"))]

    page = text(client.get(plan_url))
    assert f"A 95 % cut in greenhouse-gas emissions from 2009 by {TARGET}." in page
    assert "Add a sector" in page and "Add a measure" in page

    sector_url = reverse("climate_sector_create", args=[budget.pk])
    page = text(client.get(sector_url))
    # The grid: the reference year, the plan period and the target year; the sector's 2009 emissions in the choice.
    for year in (2009, FIRST, LAST, TARGET):
        assert f'name="y{year}-frame"' in page
    assert 'name="y2008-frame"' not in page and f'name="y{TARGET + 1}-frame"' not in page
    assert "Road traffic (40,000 tonnes CO₂-eq. in 2009)" in page
    rows = {f"y{y}-frame": str(60 - 2 * (y - FIRST)) for y in range(FIRST, TARGET + 1)}
    rows |= {f"y{y}-reference": str(80 - 2 * (y - FIRST)) for y in range(FIRST, TARGET + 1)}
    response = client.post(
        sector_url, {"sector": ROAD, "reference_source": "Miljødirektoratet", "y2009-frame": "100", **rows}
    )
    assert response.status_code == 302
    sector = ClimateSector.objects.get(budget=budget)
    frames = {y.year: (y.frame_percent, y.reference_percent) for y in sector.years.all()}
    assert frames[2009] == (Decimal(100), None) and frames[FIRST] == (Decimal(60), Decimal(80))
    # Beside each per cent, the tonnes it means today: 60 % of 40 000 tonnes.
    page = text(client.get(reverse("climate_sector_edit", args=[sector.pk])))
    assert "In 2009 the sector emitted 40,000 tonnes CO₂-eq." in page and ">24,000<" in page

    example = GoodExample.objects.create(
        municipality=rana, year=THIS_YEAR - 1, title="Elektrisk gravemaskin", text="Tekst.",
        status=ExampleStatus.PUBLISHED,
    )  # fmt: skip
    project = okonomiplan.strategic_projects.get()
    response = client.post(
        reverse("climate_measure_create", args=[budget.pk]),
        measure_data(
            budget,
            project=project.pk,
            result_indicator=lighthouses.pk,
            good_examples=[example.pk],
            **{
                f"y{FIRST}-cut": "1,200",
                f"y{FIRST}-cut_low": "800",
                f"y{FIRST}-cut_high": "1500.5",
                f"y{FIRST}-result_target": "12",
            },  # fmt: skip
        ),
    )
    assert response.status_code == 302, text(response)
    measure = ClimateMeasure.objects.get(budget=budget)
    assert (measure.project, measure.result_indicator, list(measure.good_examples.all())) == (
        project,
        lighthouses,
        [example],
    )
    year = measure.years.get()
    assert (year.year, year.cut, year.cut_low, year.cut_high, year.result_target) == (
        FIRST, Decimal(1200), Decimal(800), Decimal("1500.5"), Decimal(12),
    )  # fmt: skip

    page = text(client.get(plan_url))
    assert "Frames for 1 sector, 1 measure." in page
    assert reverse("climate_sector_edit", args=[sector.pk]) in page
    assert reverse("climate_measure_edit", args=[measure.pk]) in page
    logged = list(PlanChange.objects.filter(plan=okonomiplan).values_list("action", "subject"))
    assert ("created", "Climate budget") in logged
    assert ("created", "Climate budget, sector “Road traffic”") in logged
    assert ("created", "Climate measure T1 Utslippsfrie byggeplasser") in logged


def test_figures_are_typed_and_shown_the_norwegian_way(client, budget, rana_planner):
    """In bokmål a comma is the decimal mark and a space groups thousands, both as typed and as shown."""
    client.force_login(rana_planner)
    sector = budget.sectors.get()
    page = text(client.get(reverse("climate_sector_edit", args=[sector.pk])))
    assert f'name="y{FIRST}-frame" value="60"' in page
    assert ">24\xa0000<" in page  # 60 % of 40 000 tonnes
    response = client.post(
        reverse("climate_measure_create", args=[budget.pk]),
        measure_data(budget, result_indicator=make.emission_indicator(ROAD).pk, **{f"y{FIRST}-cut": "1 234,5"}),
    )
    assert response.status_code == 302, text(response)
    assert ClimateMeasure.objects.get(number="T1").years.get().cut == Decimal("1234.5")
    measure = ClimateMeasure.objects.get(number="T1")
    page = text(client.get(reverse("climate_measure_edit", args=[measure.pk])))
    assert f'name="y{FIRST}-cut" value="1\xa0234,5"' in page


# --- the budget's checks, on the form ---------------------------------------------------------------------------------


@pytest.mark.usefixtures("english")
def test_the_budgets_checks_show_on_the_form_and_nothing_is_written(client, budget, rana_planner):
    # Rolled from last year's version: an effect for a year before this version's period.
    measure = make.climate_measure(budget, "T1", ROAD, cuts={FIRST - 1: 100}, effect_class="low")
    client.force_login(rana_planner)
    response = client.post(
        reverse("climate_measure_edit", args=[measure.pk]),
        measure_data(
            budget,
            title="Nytt navn",
            **{f"y{FIRST - 1}-cut": "100", f"y{FIRST}-cut": "50000", f"y{FIRST + 1}-cut": "abc"},
        ),
    )
    page = text(response)
    assert response.status_code == 200
    assert "“abc” is not a number." in page
    # The number is read, the rest is checked only once every figure can be read.
    response = client.post(
        reverse("climate_measure_edit", args=[measure.pk]),
        measure_data(budget, title="Nytt navn", **{f"y{FIRST - 1}-cut": "100", f"y{FIRST}-cut": "50000"}),
    )
    page = text(response)
    assert response.status_code == 200 and "Nothing was saved" in page
    assert f"Effects can be entered for {FIRST}–{TARGET} (the plan period, or up to the target year), not for " \
           f"{FIRST - 1}." in page  # fmt: skip
    assert (
        f"{FIRST}: the measures in road traffic would cut 50,000 tonnes, more than the 32,000 tonnes the sector "
        "emits on its reference path."
    ) in page
    assert "A measure with a cut in tonnes names the result indicator that shows it is carried out." in page
    # What she typed stays in the form.
    assert 'value="Nytt navn"' in page and f'name="y{FIRST}-cut" value="50000"' in page
    measure.refresh_from_db()
    assert measure.title == "Tiltak T1"
    assert list(measure.years.values_list("year", "cut")) == [(FIRST - 1, Decimal(100))]
    assert not PlanChange.objects.exists()


@pytest.mark.usefixtures("english")
def test_the_terms_are_checked_on_the_form(client, okonomiplan, rana_planner):
    client.force_login(rana_planner)
    data = {"scope": "territorial", "reference_year": "2009", "target_year": "2005", "target_percent": "120",
            "method_note": "", **management("interim", 2), "interim-0-year": "2001", "interim-0-percent": "10"}  # fmt: skip
    page = text(client.post(reverse("climate_budget_edit", args=[okonomiplan.pk]), data))
    assert "The target year must come after the reference year." in page
    assert "The number can be at most 100." in page
    assert "is violated" not in page
    page = text(client.post(reverse("climate_budget_edit", args=[okonomiplan.pk]), {**data, "target_year": "2030",
                                                                                     "target_percent": "95"}))  # fmt: skip
    assert "The interim target for 2001 is outside 2010–2030." in page
    assert not ClimateBudget.objects.exists() and not PlanChange.objects.exists()


@pytest.mark.usefixtures("english")
def test_a_sector_cannot_be_added_twice(client, budget, rana_planner):
    client.force_login(rana_planner)
    page = text(client.get(reverse("climate_sector_create", args=[budget.pk])))
    assert "Heating (8,000 tonnes CO₂-eq. in 2009)" in page and "Road traffic (" not in page
    response = client.post(reverse("climate_sector_create", args=[budget.pk]), {"sector": ROAD})
    assert response.status_code == 200 and budget.sectors.count() == 1


@pytest.mark.usefixtures("english")
def test_a_measure_links_only_the_municipalitys_published_examples_and_its_plans_projects(
    client, budget, rana, oslo, rana_planner
):
    draft = GoodExample.objects.create(municipality=rana, year=FIRST - 1, title="Sykkelbyen", text="Utkast.")
    oslos = GoodExample.objects.create(
        municipality=oslo, year=FIRST - 1, title="Oslos bildeling", text="Tekst.", status=ExampleStatus.PUBLISHED
    )
    other_plan = make.plan(rana, PlanType.OKONOMIPLAN, first=FIRST - 1, last=LAST - 1)
    elsewhere = StrategicProject.objects.create(plan=other_plan, title="Gammelt prosjekt")
    client.force_login(rana_planner)
    url = reverse("climate_measure_create", args=[budget.pk])
    page = text(client.get(url))
    assert "Sykkelbyen" not in page and "Oslos bildeling" not in page and "Gammelt prosjekt" not in page
    assert "The municipality has no published good examples yet." in page
    for refused in ({"good_examples": [draft.pk]}, {"good_examples": [oslos.pk]}, {"project": elsewhere.pk}):
        response = client.post(url, measure_data(budget, effect_class="low", **refused))
        assert response.status_code == 200 and "Select a valid choice" in text(response)
    assert not ClimateMeasure.objects.exists()


# --- who may edit ---------------------------------------------------------------------------------------------------


def addresses(budget) -> list[str]:
    sector = budget.sectors.get()
    measure = make.climate_measure(budget, "T9", ROAD, effect_class="low")
    return [
        reverse("climate_budget_edit", args=[budget.plan.pk]),
        reverse("climate_sector_create", args=[budget.pk]),
        reverse("climate_sector_edit", args=[sector.pk]),
        reverse("climate_measure_create", args=[budget.pk]),
        reverse("climate_measure_edit", args=[measure.pk]),
        reverse("climate_delete", args=["sektor", sector.pk]),
        reverse("climate_delete", args=["tiltak", measure.pk]),
    ]


def test_only_planners_of_the_municipality_edit_its_climate_budget(
    client, budget, rana, rana_planner, rana_approver, oslo_planner, politician
):
    urls = addresses(budget)
    reader = make.role(make.user("leser-rana"), rana, Role.READER)
    for user in (oslo_planner, politician, rana_approver, reader):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 404, (user, url)
            assert client.post(url, {"confirm": "on", "sector": HEATING}).status_code == 404, (user, url)
    client.force_login(rana_planner)
    for url in urls:
        assert client.get(url).status_code == 200, url
    assert ClimateSector.objects.count() == 1 and ClimateMeasure.objects.count() == 1


def test_the_public_is_asked_to_log_in(client, budget):
    for url in addresses(budget):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url


def test_a_replaced_version_or_another_type_of_plan_has_no_climate_budget_to_edit(client, budget, rana, rana_planner):
    client.force_login(rana_planner)
    kommuneplan = make.plan(rana)
    assert client.get(reverse("climate_budget_edit", args=[kommuneplan.pk])).status_code == 404
    budget.plan.status, budget.plan.adopted_on = PlanStatus.REPLACED, datetime.date(FIRST - 1, 12, 15)
    budget.plan.save()
    for url in addresses(budget):
        assert client.get(url).status_code == 404, url


@pytest.mark.usefixtures("english")
@pytest.mark.usefixtures("english")
def test_readers_see_the_budget_in_short_without_links_to_edit_it(client, budget, rana, rana_planner):
    make.climate_measure(budget, "T1", ROAD, effect_class="low")
    make.climate_measure(budget, "T2", ROAD, effect_class="high")
    plan_url = reverse("plan", args=["1833", budget.plan.pk])
    client.force_login(make.role(make.user("leser-rana"), rana, Role.READER))
    page = text(client.get(plan_url))
    assert f"A 95 % cut in greenhouse-gas emissions from 2009 by {TARGET}." in page
    assert "Frames for 1 sector, 2 measures." in page
    assert "/rapportering/klima" not in page and "Add a measure" not in page
    # Adopted, the version is public, and so is its climate budget in short.
    client.logout()  # which also drops the language cookie
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    budget.plan.status, budget.plan.adopted_on = PlanStatus.ADOPTED, datetime.date(FIRST - 1, 12, 15)
    budget.plan.save()
    page = text(client.get(plan_url))
    assert "Frames for 1 sector, 2 measures." in page and "/rapportering/klima" not in page


# --- an adopted version: an explanation, and the log -----------------------------------------------------------------


@pytest.mark.usefixtures("english")
def test_changing_the_budget_of_an_adopted_plan_needs_an_explanation_and_is_logged(client, budget, rana_planner):
    plan = budget.plan
    plan.status, plan.adopted_on = PlanStatus.ADOPTED, datetime.date(FIRST - 1, 12, 15)
    plan.save()
    client.force_login(rana_planner)
    url = reverse("climate_budget_edit", args=[plan.pk])
    assert "explain the change in one line" in text(client.get(url))
    data = {
        "scope": "territorial",
        "reference_year": "2009",
        "target_year": str(TARGET),
        "target_percent": "90",
        "method_note": "",
        **management("interim", 2),
    }
    response = client.post(url, data)
    assert response.status_code == 200 and "The plan is adopted: explain the change in one line." in text(response)
    budget.refresh_from_db()
    assert budget.target_percent == Decimal(95) and not PlanChange.objects.exists()

    response = client.post(url, {**data, "reason": "Bystyret skjerpet målet", "interim-0-year": str(LAST),
                                 "interim-0-percent": "50"})  # fmt: skip
    assert response.status_code == 302
    budget.refresh_from_db()
    assert budget.target_percent == Decimal(90)
    change = PlanChange.objects.get(plan=plan)
    assert (change.action, change.subject, change.reason, change.changed_by) == (
        "changed", "Climate budget", "Bystyret skjerpet målet", rana_planner,
    )  # fmt: skip
    assert ["Target cut (%)", "95", "90"] in change.details
    assert ["Interim targets", "–", f"{LAST}: 50 %"] in change.details

    # A sector's frames, likewise: each year that changes is in the log.
    sector = budget.sectors.get()
    rows = {f"y{y.year}-frame": str(y.frame_percent) for y in sector.years.all()}
    rows |= {f"y{y.year}-reference": str(y.reference_percent) for y in sector.years.all()}
    response = client.post(
        reverse("climate_sector_edit", args=[sector.pk]),
        {**rows, f"y{FIRST}-frame": "55", "reason": "Strammere ramme"},
    )
    assert response.status_code == 302
    change = PlanChange.objects.filter(plan=plan).first()
    assert (change.subject, change.reason) == ("Climate budget, sector “Road traffic”", "Strammere ramme")
    assert change.details == [[f"Frame (%) {FIRST}", "60", "55"]]


# --- deleting -------------------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("english")
def test_a_sector_with_measures_cannot_be_deleted(client, budget, rana_planner):
    sector = budget.sectors.get()
    measure = make.climate_measure(budget, "T1", ROAD, effect_class="low")
    client.force_login(rana_planner)
    url = reverse("climate_delete", args=["sektor", sector.pk])
    assert "Yes, delete it" in text(client.get(url))
    response = client.post(url, {"confirm": "on"})
    assert response.status_code == 200
    assert "The sector has measures: delete them or move them to another sector first." in text(response)
    assert ClimateSector.objects.filter(pk=sector.pk).exists()

    # Not confirmed: nothing happens.
    response = client.post(reverse("climate_delete", args=["tiltak", measure.pk]), {})
    assert response.status_code == 200 and ClimateMeasure.objects.filter(pk=measure.pk).exists()
    response = client.post(reverse("climate_delete", args=["tiltak", measure.pk]), {"confirm": "on"})
    assert response.status_code == 302 and not ClimateMeasure.objects.filter(pk=measure.pk).exists()
    response = client.post(url, {"confirm": "on"})
    assert response.status_code == 302 and not ClimateSector.objects.filter(pk=sector.pk).exists()
    logged = list(PlanChange.objects.filter(plan=budget.plan).values_list("action", "subject"))
    assert logged == [
        ("deleted", "Climate budget, sector “Road traffic”"),
        ("deleted", "Climate measure T1 Tiltak T1"),
    ]
    assert client.post(reverse("climate_delete", args=["budsjett", budget.pk]), {"confirm": "on"}).status_code == 404


@pytest.mark.usefixtures("english")
def test_a_measure_whose_status_was_reported_cannot_be_deleted(client, budget, rana_planner):
    measure = make.climate_measure(budget, "T1", ROAD, effect_class="low")
    make.measure_report(measure, FIRST, MeasureStatus.ON_TRACK)
    client.force_login(rana_planner)
    response = client.post(reverse("climate_delete", args=["tiltak", measure.pk]), {"confirm": "on"})
    assert "Report it as cancelled instead." in text(response)
    assert ClimateMeasure.objects.filter(pk=measure.pk).exists() and not PlanChange.objects.exists()


# --- queries --------------------------------------------------------------------------------------------------------


def test_a_measures_page_takes_a_fixed_number_of_queries(client, budget, rana_planner, django_assert_num_queries):
    measure = make.climate_measure(budget, "T1", ROAD, cuts={FIRST: 100}, effect_class="low")
    url = reverse("climate_measure_edit", args=[measure.pk])

    def measure_page():
        # 1. the session
        # 2. the user
        # 3. the user's roles
        # 4. the members of the networks the user coordinates
        # 5. whether the user coordinates any network
        # 6. the measure with its budget, plan and municipality
        # 7. the municipality's numbers
        # 8. the measure's years
        # 9. the good examples the measure links (the form's initial choice)
        # 10. the inventory: the sector's emissions in the reference year
        # 11. the sector's reference path
        # 12. the other measures' cuts in the sector
        # 13. the plan's strategic projects to choose from
        # 14. the indicators to choose from
        # 15. the municipality's published good examples to choose from
        with django_assert_num_queries(15):
            response = client.get(url)
        assert response.status_code == 200

    client.force_login(rana_planner)
    client.get(url)  # the session and the first-request work
    measure_page()
    for number in range(2, 12):
        make.climate_measure(budget, f"T{number}", ROAD, cuts={FIRST: 10, FIRST + 1: 10})
    measure_page()
