"""The plan chain in the browser: the chain and plan pages, editing with a log, rolling and adopting versions."""

import datetime
import html
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse

from indicators.models import IndicatorValue, Role
from indicators.numbers import format_number
from plans.models import (
    BudgetLine,
    FocusArea,
    Goal,
    GoalIndicator,
    Plan,
    PlanChange,
    PlanStatus,
    PlanType,
    StrategicProject,
)
from tests import factories as make

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
THIS_YEAR = datetime.date.today().year


@pytest.fixture
def plans(rana):
    """Rana's kommuneplan with two focus areas; an adopted økonomiplan carrying one of them, with a project."""
    kommuneplan = make.plan(
        rana, title="Kommuneplanens samfunnsdel 2020–2032", adopted_on=datetime.date(2020, 6, 18),
        decision_reference="K-sak 45/2020",
    )  # fmt: skip
    climate = make.focus_area(kommuneplan, "Klima og miljø", order=1)
    health = make.focus_area(kommuneplan, "Folkehelse", order=2)
    okonomiplan = make.plan(
        rana, PlanType.OKONOMIPLAN, first=THIS_YEAR, last=THIS_YEAR + 3,
        title=f"Økonomiplan {THIS_YEAR}–{THIS_YEAR + 3}", adopted_on=datetime.date(THIS_YEAR - 1, 12, 14),
        parent=kommuneplan,
    )  # fmt: skip
    carried = make.focus_area(okonomiplan, "Klima og miljø", carries=climate)
    goal = make.goal(carried, "Mindre avfall")
    project = StrategicProject.objects.create(
        plan=okonomiplan, title="Ombruk", first_budget_year=THIS_YEAR, last_budget_year=THIS_YEAR + 1
    )
    project.focus_areas.add(carried)
    return {"kommuneplan": kommuneplan, "climate": climate, "health": health, "okonomiplan": okonomiplan,
            "carried": carried, "goal": goal, "project": project}  # fmt: skip


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return html.unescape(response.content.decode())


def test_the_chain_warns_about_a_focus_area_no_financial_plan_carries(client, plans):
    text = page(client, reverse("plan_chain", args=["1833"]))
    assert "Kommuneplanens samfunnsdel 2020–2032" in text and f"Økonomiplan {THIS_YEAR}–{THIS_YEAR + 3}" in text
    assert "1 focus area of the kommuneplan is carried by no økonomiplan or budget in force" in text
    warning = text[
        text.index("carried by no økonomiplan") : text.index("</ul>", text.index("carried by no økonomiplan"))
    ]
    assert "Folkehelse" in warning and "Klima og miljø" not in warning
    # The kommuneplan's page says who carries each focus area.
    text = page(client, reverse("plan", args=["1833", plans["kommuneplan"].pk]))
    assert "Carried forward by: Økonomiplan" in re.sub(r"<[^>]+>", "", text)
    assert text.count("No økonomiplan or budget in force carries this focus area forward.") == 1


def test_when_every_focus_area_is_carried_there_is_no_warning(client, plans):
    FocusArea.objects.create(plan=plans["okonomiplan"], title="Folkehelse", carries=plans["health"])
    text = page(client, reverse("plan_chain", args=["1833"]))
    assert "carried by no økonomiplan" not in text
    assert "Every focus area of the kommuneplan is carried" in text


def test_a_plan_of_a_type_that_does_not_carry_money_does_not_count_as_carrying(client, plans, rana):
    temaplan = make.plan(rana, PlanType.TEMAPLAN, title="Klimaplan", last=2030, adopted_on=datetime.date(2020, 1, 1))
    FocusArea.objects.create(plan=temaplan, title="Folkehelse", carries=plans["health"])
    assert "1 focus area of the kommuneplan is carried by no" in page(client, reverse("plan_chain", args=["1833"]))


def test_the_public_sees_adopted_plans_only(client, plans, rana, politician):
    draft = make.plan(
        rana, PlanType.TEMAPLAN, title="Utkast til klimaplan", first=2026, last=2030, status=PlanStatus.DRAFT
    )
    assert "Utkast til klimaplan" not in page(client, reverse("plan_chain", args=["1833"]))
    assert client.get(reverse("plan", args=["1833", draft.pk])).status_code == 404
    client.force_login(make.role(politician, rana, Role.READER))  # a reader in Rana too
    assert "Utkast til klimaplan" in page(client, reverse("plan_chain", args=["1833"]))
    assert client.get(reverse("plan", args=["1833", draft.pk])).status_code == 200


def test_a_plan_under_another_municipalitys_number_is_not_found(client, plans, oslo):
    assert client.get(reverse("plan", args=["0301", plans["kommuneplan"].pk])).status_code == 404


def test_a_planner_adds_a_goal_to_an_adopted_plan_with_an_explanation(client, plans, rana, rana_planner, waste):
    client.force_login(rana_planner)
    url = reverse("goal_create", args=[plans["carried"].pk])
    data = {"title": "Mer ombruk", "indicator": waste.pk, "baseline_year": 2020, "baseline_value": "420",
            "target_year": 2030, "target_value": "350", "order": 0, "carries": ""}  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 200 and "explain the change in one line" in html.unescape(response.content.decode())
    assert not Goal.objects.filter(title="Mer ombruk").exists()
    response = client.post(url, {**data, "reason": "Bystyret vedtok nytt mål om ombruk"})
    assert response.status_code == 302
    measure = GoalIndicator.objects.get(goal__title="Mer ombruk")
    assert (measure.indicator, measure.target_value) == (waste, Decimal(350))
    change = PlanChange.objects.get(plan=plans["okonomiplan"], action="created")
    assert "Mer ombruk" in change.subject and change.reason == "Bystyret vedtok nytt mål om ombruk"
    assert change.changed_by == rana_planner


def test_changing_the_indicator_of_a_goal_with_values_needs_a_reason(
    client, plans, rana, rana_planner, waste, lighthouses
):
    goal = plans["goal"]
    plan = plans["okonomiplan"]
    plan.status = PlanStatus.DRAFT  # a draft needs no explanation in general
    plan.save()
    GoalIndicator.objects.create(goal=goal, indicator=waste, baseline_year=2020, baseline_value=420)
    IndicatorValue.objects.create(indicator=waste, municipality=rana, year=2022, value=Decimal(11000))
    client.force_login(rana_planner)
    data = {"title": goal.title, "indicator": lighthouses.pk, "order": 0, "carries": ""}
    response = client.post(reverse("goal_edit", args=[goal.pk]), data)
    assert "Values are reported against" in html.unescape(response.content.decode())
    assert GoalIndicator.objects.get(goal=goal).indicator == waste
    response = client.post(reverse("goal_edit", args=[goal.pk]), {**data, "reason": "Måler sertifiserte bedrifter"})
    assert response.status_code == 302
    assert GoalIndicator.objects.get(goal=goal).indicator == lighthouses
    change = PlanChange.objects.get(plan=plan, action="changed")
    assert ["Indicator", waste.name, lighthouses.name] in change.details


def test_rolling_the_okonomiplan_keeps_the_old_version_until_the_new_one_is_adopted(
    client, plans, rana_planner, rana_approver
):
    old = plans["okonomiplan"]
    client.force_login(rana_planner)
    response = client.post(reverse("plan_roll", args=[old.pk]))
    new = Plan.objects.get(previous_version=old)
    assert response["Location"] == reverse("plan", args=["1833", new.pk])
    assert (new.period_start, new.period_end, new.status) == (THIS_YEAR + 1, THIS_YEAR + 4, PlanStatus.DRAFT)
    assert new.title == f"Økonomiplan {THIS_YEAR + 1}–{THIS_YEAR + 4}"
    area = new.focus_areas.get()
    assert area.carries == plans["climate"] and area.goals.get().title == "Mindre avfall"
    assert list(new.strategic_projects.get().focus_areas.all()) == [area]
    old.refresh_from_db()
    assert old.status == PlanStatus.ADOPTED and old.focus_areas.count() == 1
    assert client.post(reverse("plan_roll", args=[old.pk])).status_code == 302  # rolled once only
    assert Plan.objects.filter(previous_version=old).count() == 1
    # Planners cannot adopt; approvers can, and the old version is then replaced but readable.
    assert client.get(reverse("plan_adopt", args=[new.pk])).status_code == 404
    client.force_login(rana_approver)
    response = client.post(
        reverse("plan_adopt", args=[new.pk]),
        {"adopted_on": f"{THIS_YEAR}-06-01", "decision_reference": "K-sak 12/2026"},
    )
    assert response.status_code == 302
    old.refresh_from_db()
    new.refresh_from_db()
    assert (new.status, old.status) == (PlanStatus.ADOPTED, PlanStatus.REPLACED)
    client.logout()  # which also drops the language cookie
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    text = page(client, reverse("plan", args=["1833", old.pk]))
    assert "Replaced by a newer version" in text
    assert PlanChange.objects.filter(plan=new, action="adopted").exists()


def test_planners_edit_only_their_own_municipalitys_plans(client, plans, oslo_planner):
    client.force_login(oslo_planner)
    plan = plans["okonomiplan"]
    for url in (
        reverse("plan_edit", args=[plan.pk]),
        reverse("focus_area_create", args=[plan.pk]),
        reverse("focus_area_edit", args=[plans["carried"].pk]),
        reverse("goal_create", args=[plans["carried"].pk]),
        reverse("goal_edit", args=[plans["goal"].pk]),
        reverse("project_create", args=[plan.pk]),
        reverse("project_edit", args=[plans["project"].pk]),
        reverse("plan_adopt", args=[plan.pk]),
        reverse("plan_create", args=["1833"]),
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"title": "X", "reason": "x"}).status_code == 404, url
    assert client.post(reverse("plan_roll", args=[plan.pk])).status_code == 404
    assert not PlanChange.objects.exists() and Plan.objects.count() == 2
    client.logout()
    assert client.get(reverse("plan_edit", args=[plan.pk])).status_code == 302  # to the login page


def test_a_planner_creates_a_plan_and_a_project_and_the_log_records_changes(client, plans, rana, rana_planner):
    client.force_login(rana_planner)
    response = client.post(
        reverse("plan_create", args=["1833"]),
        {"plan_type": "arsbudsjett", "title": f"Årsbudsjett {THIS_YEAR + 1}", "period_start": THIS_YEAR + 1,
         "period_end": THIS_YEAR + 1, "parent": plans["okonomiplan"].pk},
    )  # fmt: skip
    budget = Plan.objects.get(plan_type="arsbudsjett")
    assert response["Location"] == reverse("plan", args=["1833", budget.pk]) and budget.status == PlanStatus.DRAFT
    response = client.post(
        reverse("project_edit", args=[plans["project"].pk]),
        {"title": "Ombruk", "focus_areas": [plans["carried"].pk], "first_budget_year": THIS_YEAR,
         "last_budget_year": THIS_YEAR + 2, "reason": "Forsinket ett år"},
    )  # fmt: skip
    assert response.status_code == 302
    change = PlanChange.objects.get(plan=plans["okonomiplan"])
    assert ["Last budget year", str(THIS_YEAR + 1), str(THIS_YEAR + 2)] in change.details
    text = page(client, reverse("plan", args=["1833", plans["okonomiplan"].pk]))
    assert "Forsinket ett år" in text and "planlegger-rana" in text


def test_the_plan_page_shows_money_beside_each_focus_area(client, plans, rana):
    BudgetLine.objects.create(
        municipality=rana, year=THIS_YEAR, focus_area=plans["carried"], adopted=1000, accounts=800
    )
    BudgetLine.objects.create(
        municipality=rana, year=THIS_YEAR, project=plans["project"], adopted=500, revised=600, accounts=650
    )
    text = page(client, reverse("plan", args=["1833", plans["okonomiplan"].pk]))
    assert f"Money {THIS_YEAR}: budget 1,600, accounts 1,450 (NOK 1 000), 91% spent." in text.replace("\xa0", " ")
    # The kommuneplan's focus area counts what the areas carrying it got.
    text = page(client, reverse("plan", args=["1833", plans["kommuneplan"].pk]))
    assert "budget 1,600, accounts 1,450" in text


def test_page_queries_do_not_grow_with_the_plan(client, plans, rana, waste):
    def count():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            client.get(reverse("plan", args=["1833", plans["okonomiplan"].pk]))
            client.get(reverse("plan_chain", args=["1833"]))
        return len(captured)

    before = count()
    for n in range(10):
        area = FocusArea.objects.create(plan=plans["okonomiplan"], title=f"Område {n}", carries=plans["health"])
        goal = Goal.objects.create(focus_area=area, title=f"Mål {n}")
        GoalIndicator.objects.create(goal=goal, indicator=waste, baseline_year=2020, baseline_value=n)
        project = StrategicProject.objects.create(plan=plans["okonomiplan"], title=f"Prosjekt {n}")
        project.focus_areas.add(area)
        BudgetLine.objects.create(municipality=rana, year=THIS_YEAR, focus_area=area, adopted=n)
    assert count() == before


def test_the_dashboard_shows_money_beside_the_goals_for_the_years_chosen(client, plans, rana):
    BudgetLine.objects.create(
        municipality=rana, year=THIS_YEAR, focus_area=plans["carried"], adopted=1000, accounts=800
    )
    BudgetLine.objects.create(
        municipality=rana, year=THIS_YEAR - 1, focus_area=plans["carried"], adopted=50, accounts=50
    )
    text = page(client, reverse("municipality", args=["1833"])).replace("\xa0", " ")
    assert f"Money {THIS_YEAR - 1}–{THIS_YEAR}: budget 1,050, accounts 850 (NOK 1 000), 81% spent." in text
    text = page(client, reverse("municipality", args=["1833"]) + f"?budsjett_fra={THIS_YEAR}&budsjett_til={THIS_YEAR}")
    assert f"Money {THIS_YEAR}: budget 1,000, accounts 800 (NOK 1 000), 80% spent." in text.replace("\xa0", " ")
    assert reverse("plan_chain", args=["1833"]) in text and reverse("digest", args=["1833"]) in text


def test_deleting_is_explained_logged_and_refused_while_money_refers_to_it(
    client, plans, rana, rana_planner, oslo_planner
):
    client.force_login(rana_planner)
    goal_url = reverse("plan_delete", args=["mal", plans["goal"].pk])
    client.post(goal_url)  # the plan is adopted: no explanation, nothing deleted
    assert Goal.objects.filter(pk=plans["goal"].pk).exists()
    client.post(goal_url, {"reason": "Slått sammen med et annet mål"})
    assert not Goal.objects.filter(pk=plans["goal"].pk).exists()
    change = PlanChange.objects.get(action="deleted")
    assert "Mindre avfall" in change.subject and change.reason == "Slått sammen med et annet mål"
    BudgetLine.objects.create(municipality=rana, year=THIS_YEAR, project=plans["project"], adopted=10)
    response = client.post(reverse("plan_delete", args=["prosjekt", plans["project"].pk]), {"reason": "Avsluttet"})
    assert response.status_code == 302
    assert StrategicProject.objects.filter(pk=plans["project"].pk).exists()
    assert "budget lines" in html.unescape(client.get(response["Location"]).content.decode())
    assert client.post(reverse("plan_delete", args=["noe-annet", 1]), {"reason": "x"}).status_code == 404
    client.force_login(oslo_planner)
    assert (
        client.post(reverse("plan_delete", args=["innsatsomrade", plans["carried"].pk]), {"reason": "x"}).status_code
        == 404
    )
    assert FocusArea.objects.filter(pk=plans["carried"].pk).exists()


@pytest.mark.parametrize("back", ["https://evil.example/", "//evil.example", "/\\evil.example", "http://testserver/"])
def test_a_refused_delete_never_sends_the_planner_to_another_site(client, plans, rana_planner, back):
    """The "back" address is taken from the request: one leading off the portal (or off https) is ignored."""
    client.force_login(rana_planner)
    goal = plans["goal"]
    response = client.post(reverse("plan_delete", args=["mal", goal.pk]), {"back": back}, secure=True)
    assert response.status_code == 302
    assert response["Location"] == reverse("plan", args=["1833", plans["okonomiplan"].pk])
    assert Goal.objects.filter(pk=goal.pk).exists()


def test_a_refused_delete_goes_back_to_the_page_on_the_portal_it_names(client, plans, rana_planner):
    client.force_login(rana_planner)
    back = reverse("goal_edit", args=[plans["goal"].pk]) + "?fra=kjeden"
    response = client.post(reverse("plan_delete", args=["mal", plans["goal"].pk]), {"back": back})
    assert (response.status_code, response["Location"]) == (302, back)


def test_goals_choose_from_shared_indicators_and_the_municipalitys_own(client, plans, rana, oslo, rana_planner, waste):
    from indicators.models import Indicator

    fields = {"unit": "count", "direction": "higher", "bottom_line": "social"}
    own = Indicator.objects.create(code="rana-egen", name_nb="Ranas egen", owner=rana, **fields)
    other = Indicator.objects.create(code="oslo-egen", name_nb="Oslos egen", owner=oslo, **fields)
    client.force_login(rana_planner)
    form = page(client, reverse("goal_create", args=[plans["carried"].pk]))
    assert waste.name in form and "Ranas egen (own indicator)" in form and "Oslos egen" not in form
    data = {"title": "Mål", "indicator": other.pk, "order": 0, "reason": "x"}
    response = client.post(reverse("goal_create", args=[plans["carried"].pk]), data)
    assert response.status_code == 200 and not Goal.objects.filter(title="Mål").exists()
    client.post(reverse("goal_create", args=[plans["carried"].pk]), {**data, "indicator": own.pk})
    assert GoalIndicator.objects.get(goal__title="Mål").indicator == own


# --- the baseline beside the figure recorded for its year -------------------------------------------------------


def baseline_note(text: str) -> str:
    """What the goal form says beside the baseline: the recorded figure, a warning, or nothing."""
    found = re.search(r'<span class="baseline-check[^"]*"[^>]*>(.*?)</span>', text, re.S)
    assert found, "no baseline check on the form"
    return found[1].strip()


@pytest.fixture
def measured(plans, rana, lighthouses):
    """The goal measured by Miljøfyrtårn from 2020; Rana has published 12 businesses for 2020, and a draft for 2021."""
    GoalIndicator.objects.create(
        goal=plans["goal"], indicator=lighthouses, baseline_year=2020, baseline_value=12, target_year=2030,
        target_value=40,
    )  # fmt: skip
    make.published_value(lighthouses, rana, 2020, 12)
    make.value(lighthouses, rana, 2021, 15)
    return plans["goal"]


def goal_data(goal, lighthouses, **measure):
    return {"title": goal.title, "indicator": lighthouses.pk, "baseline_year": 2020, "baseline_value": "12",
            "target_year": 2030, "target_value": "40", "order": 0, "carries": "", "reason": "Rettet", **measure}  # fmt: skip


def test_a_baseline_that_differs_from_the_recorded_figure_is_warned_about_beside_it(
    client, measured, rana_planner, lighthouses
):
    client.force_login(rana_planner)
    url = reverse("goal_edit", args=[measured.pk])
    assert baseline_note(page(client, url)) == ""  # 12 is the published figure for 2020
    GoalIndicator.objects.filter(goal=measured).update(baseline_value=10)
    text = page(client, url)
    assert baseline_note(text) == (
        "The figure recorded for 2020 is 12 (published), not 10. Correct the baseline, or keep it if it is meant to "
        "differ."
    )
    assert 'class="baseline-check baseline-differs"' in text
    # It sits in the field's description, which the field points to.
    assert re.search(r'aria-describedby="id_baseline_value_helptext"[^>]*id="id_baseline_value"', text)
    assert '<script src="/static/js/baseline-check.js" defer></script>' in text


def test_the_warning_does_not_stop_the_planner_and_is_repeated_after_saving(
    client, measured, rana_planner, lighthouses
):
    client.force_login(rana_planner)
    url = reverse("goal_edit", args=[measured.pk])
    response = client.post(url, goal_data(measured, lighthouses, baseline_value="11.5"), follow=True)
    text = html.unescape(response.content.decode())
    assert GoalIndicator.objects.get(goal=measured).baseline_value == Decimal("11.5")
    assert "The goal was saved." in text
    assert f"The figure recorded for 2020 is 12 (published), not {format_number(Decimal('11.5'), 1)}." in text
    response = client.post(url, goal_data(measured, lighthouses, baseline_value="10"), follow=True)
    text = html.unescape(response.content.decode())
    assert GoalIndicator.objects.get(goal=measured).baseline_value == 10
    assert "The goal was saved." in text and "The figure recorded for 2020 is 12 (published), not 10." in text


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("١٢", "Enter a number."),  # Arabic-Indic digits: only 0-9 are read
        ("0.0000001", "Ensure that there are no more than 6 decimal places."),
        ("99999999999999.9999999", "Ensure that there are no more than 20 digits in total."),
    ],
)
def test_a_goal_figure_that_cannot_be_stored_as_typed_is_refused(
    client, measured, rana_planner, lighthouses, typed, message
):
    client.force_login(rana_planner)
    response = client.post(
        reverse("goal_edit", args=[measured.pk]), goal_data(measured, lighthouses, target_value=typed)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert GoalIndicator.objects.get(goal=measured).target_value == 40


def test_a_baseline_within_its_rounding_is_no_disagreement(client, measured, rana_planner, lighthouses, rana, waste):
    make.population(rana, {2020: 26000})
    make.value(waste, rana, 2020, Decimal("10855.3"))  # 417.5115 kg per inhabitant, a draft
    GoalIndicator.objects.filter(goal=measured).update(indicator=waste, baseline_value=Decimal("417.5"))
    client.force_login(rana_planner)
    url = reverse("goal_edit", args=[measured.pk])
    assert baseline_note(page(client, url)) == ""
    GoalIndicator.objects.filter(goal=measured).update(baseline_value=Decimal("418"))  # 417.5115 rounds to 418
    assert baseline_note(page(client, url)) == ""
    GoalIndicator.objects.filter(goal=measured).update(baseline_value=Decimal("417"))
    # A draft counts for the planner: it is what she has recorded.
    assert baseline_note(page(client, url)).startswith(
        f"The figure recorded for 2020 is {format_number(Decimal('417.512'), 3)}\xa0kg per inhabitant (draft), not 417."
    )


def test_with_no_baseline_typed_the_form_tells_the_recorded_figure(client, measured, rana_planner, lighthouses):
    GoalIndicator.objects.filter(goal=measured).update(baseline_year=2021, baseline_value=None)
    client.force_login(rana_planner)
    assert baseline_note(page(client, reverse("goal_edit", args=[measured.pk]))) == (
        "The figure recorded for 2021 is 15 (draft)."
    )
