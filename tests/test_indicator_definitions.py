"""Indicator definitions are recorded: every change (unit, factor, direction, computation, names, source, …) is kept
with who, when, before, after and why, through one service, from the portal's pages and the admin alike.

Coordinators and administrators define indicators in the portal (/rapportering/indikatorer/); a change that alters
published figures says which before it is saved.
"""

import re
from decimal import Decimal

import pytest
from django.conf import settings

from indicators.models import Indicator, IndicatorChange
from indicators.services import definition_impact, save_indicator
from tests import factories as make

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

LIST = "/rapportering/indikatorer/"
NEW = "/rapportering/indikatorer/ny/"
WASTE = "/rapportering/indikatorer/husholdningsavfall/"


@pytest.fixture
def published(rana, oslo, waste):
    """Rana's and Oslo's household waste, published for three years and one, with Rana's population."""
    make.population(rana, {2022: 26000, 2023: 26100, 2024: 26200})
    make.published_values(waste, rana, {2022: 10400, 2023: 10300, 2024: 10150})
    make.published_values(waste, oslo, {2024: 160000})


def definition(client, address) -> dict:
    """The definition form as the browser sends it back: every field as the page shows it."""
    form = client.get(address).context["form"]
    data = {}
    for name in form.fields:
        shown = form[name].value()
        if shown is not None and shown is not False:
            data[name] = shown
    return data


# --- the service ------------------------------------------------------------------------------------------------


def test_each_changed_field_is_recorded_with_who_when_before_after_and_why(waste, coordinator):
    waste.per_inhabitant_factor, waste.unit, waste.direction = Decimal(1), "tonnes", "higher"
    changes = save_indicator(waste, user=coordinator, reason="Tonn per innbygger, som SSB")
    recorded = {(c.field, c.old, c.new) for c in IndicatorChange.objects.filter(indicator=waste)}
    assert recorded == {
        ("per_inhabitant_factor", "1000", "1"),
        ("unit", "kg", "tonnes"),
        ("direction", "lower", "higher"),
    }
    assert {(c.changed_by, c.reason) for c in changes} == {(coordinator, "Tonn per innbygger, som SSB")}
    assert Indicator.objects.get(pk=waste.pk).per_inhabitant_factor == 1


def test_saving_an_unchanged_definition_records_nothing(waste, coordinator):
    assert save_indicator(Indicator.objects.get(pk=waste.pk), user=coordinator, reason="Ingenting") == []
    assert not IndicatorChange.objects.exists()


def test_a_new_indicator_is_recorded_as_created(coordinator):
    indicator = Indicator(code="sykkelveier", name_nb="Sykkelveier", unit="km2", direction="higher",
                          bottom_line="social")  # fmt: skip
    save_indicator(indicator, user=coordinator, reason="")
    assert [(c.is_creation, c.new) for c in indicator.changes.all()] == [(True, "sykkelveier")]


def test_the_impact_names_the_published_figures_a_factor_changes(waste, published):
    changed = Indicator.objects.get(pk=waste.pk)
    changed.per_inhabitant_factor = Decimal(1)
    impact = definition_impact(waste, changed)
    # Oslo has no published population, so no per-inhabitant figure of its is shown: the factor changes none.
    assert (impact.fields, impact.figures) == (["per_inhabitant_factor"], 3)
    assert impact.municipalities == [("Rana", "2022–2024")]
    changed.unit = "tonnes"
    impact = definition_impact(waste, changed)
    assert (impact.fields, impact.figures) == (["unit", "per_inhabitant_factor"], 4)
    assert impact.municipalities == [("Oslo", "2024"), ("Rana", "2022–2024")]
    changed = Indicator.objects.get(pk=waste.pk)
    changed.name_en, changed.plausible_max = "Waste", Decimal(900)
    assert not definition_impact(waste, changed)  # a name or a plausible range changes no published figure


# --- the portal's pages -----------------------------------------------------------------------------------------


def test_a_coordinator_sees_which_published_figures_change_before_saving_a_factor(client, coordinator, published):
    client.force_login(coordinator)
    data = definition(client, WASTE) | {"per_inhabitant_factor": "1", "reason": "Tonn, ikke kg"}
    page = client.post(WASTE, data).content.decode()
    assert "Not saved yet: this change alters what has been published" in page
    assert "3 published figures will be shown differently" in page
    assert "Rana: 2022–2024" in page and "Oslo" not in page.split('id="impact"')[1].split("</section>")[0]
    assert Indicator.objects.get(code="husholdningsavfall").per_inhabitant_factor == 1000
    assert not IndicatorChange.objects.exists()

    confirmed = 'name="confirmed" value="'
    data["confirmed"] = page.split(confirmed)[1].split('"')[0]
    response = client.post(WASTE, data, follow=True)
    assert "Saved. 1 change is recorded in the history." in response.content.decode()
    assert Indicator.objects.get(code="husholdningsavfall").per_inhabitant_factor == 1


def test_a_confirmation_of_one_change_does_not_save_another(client, coordinator, published):
    client.force_login(coordinator)
    data = definition(client, WASTE) | {"per_inhabitant_factor": "1", "reason": "x"}
    data["confirmed"] = "per_inhabitant_factor=1"
    data["per_inhabitant_factor"] = "10"
    assert "Not saved yet" in client.post(WASTE, data).content.decode()
    assert Indicator.objects.get(code="husholdningsavfall").per_inhabitant_factor == 1000


def test_the_edit_page_shows_the_definitions_history(client, coordinator, administrator, waste):
    waste.direction = "higher"
    save_indicator(waste, user=administrator, reason="Mer ombruk gir mer avfall her")
    client.force_login(coordinator)
    page = client.get(WASTE).content.decode()
    history = page.split("History of the definition")[1]
    for shown in ("administrator", "Desired direction", "Lower is better", "Higher is better",
                  "Mer ombruk gir mer avfall her"):  # fmt: skip
        assert shown in history


def test_a_change_needs_a_reason_and_a_name_alone_is_saved_at_once(client, coordinator, waste):
    client.force_login(coordinator)
    data = definition(client, WASTE) | {"name_en": "Household waste"}
    page = client.post(WASTE, data).content.decode()
    assert "Say why the definition changes" in page
    assert Indicator.objects.get(pk=waste.pk).name_en == "Household waste per inhabitant"
    client.post(WASTE, data | {"reason": "Kortere navn"})
    change = IndicatorChange.objects.get()
    assert (change.field, change.old, change.new, change.changed_by) == (
        "name_en", "Household waste per inhabitant", "Household waste", coordinator
    )  # fmt: skip


def test_a_changed_definition_retires_the_cached_public_pages(client, coordinator, published):
    assert "Household waste per inhabitant" in client.get("/indikator/husholdningsavfall/").content.decode()
    assert "Household waste per inhabitant" in client.get("/indikator/husholdningsavfall/").content.decode()  # cached
    client.force_login(coordinator)
    client.post(WASTE, definition(client, WASTE) | {"name_en": "Waste from homes", "reason": "Klarere"})
    client.logout()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # logging out forgot the language
    assert "Waste from homes" in client.get("/indikator/husholdningsavfall/").content.decode()


def test_a_coordinator_creates_an_indicator(client, coordinator):
    client.force_login(coordinator)
    data = {"code": "sykkelveier", "name_nb": "Sykkelveier", "unit": "count", "computation": "direct",
            "per_inhabitant_factor": "1", "direction": "higher", "bottom_line": "social", "order": "5"}  # fmt: skip
    response = client.post(NEW, data, follow=True)
    assert response.redirect_chain[-1][0] == "/rapportering/indikatorer/sykkelveier/"
    assert Indicator.objects.get(code="sykkelveier").changes.get().is_creation
    refused = client.post(NEW, data | {"code": "ny"}).content.decode()
    assert "This code is taken by the portal&#x27;s own addresses" in refused
    assert not Indicator.objects.filter(code="ny").exists()


def test_the_list_shows_every_indicator_in_a_fixed_number_of_queries(
    client, coordinator, published, lighthouses, django_assert_num_queries
):
    client.force_login(coordinator)
    # 1. the session  2. the user  3. the user's roles  4. the municipalities she coordinates
    # 5. the indicators with their owner, published figures and last change
    with django_assert_num_queries(5):
        page = client.get(LIST).content.decode()
    assert "Household waste per inhabitant" in page and "Eco-Lighthouse certified businesses" in page


# --- who may ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["rana_planner", "rana_approver", "politician", "oslo_planner"])
def test_planners_approvers_and_readers_are_refused(client, request, persona, waste):
    client.force_login(request.getfixturevalue(persona))
    for address in (LIST, NEW, WASTE):
        assert client.get(address).status_code == 403, address
    data = {"name_en": "Hacked", "reason": "x", "per_inhabitant_factor": "1"}
    assert client.post(WASTE, data).status_code == 403
    assert client.post(NEW, data | {"code": "x"}).status_code == 403
    assert Indicator.objects.get().name_en == "Household waste per inhabitant"


def test_the_public_is_asked_to_log_in(client, waste):
    for address in (LIST, NEW, WASTE):
        response = client.get(address)
        assert response.status_code == 302 and response["Location"].startswith("/logg-inn/"), address


@pytest.mark.parametrize("persona", ["coordinator", "administrator"])
def test_coordinators_and_administrators_may(client, request, persona, waste):
    client.force_login(request.getfixturevalue(persona))
    for address in (LIST, NEW, WASTE):
        assert client.get(address).status_code == 200, address


def test_a_coordinator_cannot_define_another_networks_own_indicator(client, coordinator, oslo, administrator):
    """Oslo is in none of her networks: its own indicator is not hers to change (an administrator's is)."""
    own = Indicator.objects.create(code="oslo-bysykkel", name_nb="Bysykkelturer", unit="count", direction="higher",
                                   bottom_line="social", owner=oslo)  # fmt: skip
    client.force_login(coordinator)
    assert client.get("/rapportering/indikatorer/oslo-bysykkel/").status_code == 403
    assert "Bysykkelturer" not in client.get(LIST).content.decode()
    client.force_login(administrator)
    assert client.get(f"/rapportering/indikatorer/{own.code}/").status_code == 200


# --- the admin uses the same service ----------------------------------------------------------------------------


def test_the_admin_records_a_definition_change_and_asks_why(client, administrator, waste):
    from tests.admin_pages import change_form

    client.force_login(administrator)
    address = f"/forvaltning/indicators/indicator/{waste.pk}/change/"
    data = change_form(client.get(address)) | {"per_inhabitant_factor": "1"}
    response = client.post(address, data)
    assert response.status_code == 200 and "Say why the definition changes" in response.content.decode()
    assert not IndicatorChange.objects.exists()
    assert client.post(address, data | {"reason": "Feil faktor"}).status_code == 302
    change = IndicatorChange.objects.get()
    assert (change.field, change.old, change.new, change.reason, change.changed_by) == (
        "per_inhabitant_factor", "1000", "1", "Feil faktor", administrator
    )  # fmt: skip
    assert "Feil faktor" in client.get(address).content.decode()  # the history is shown in the admin too


def test_numbers_are_shown_and_read_in_the_pages_number_format(client, waste, coordinator):
    """In bokmål the factor reads 1 000, not 1000.000000, and sent back as shown it is the same number."""
    client.force_login(coordinator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nb"
    page = client.get(WASTE).content.decode()
    shown = re.search(r'<input type="text" name="per_inhabitant_factor" value="([^"]*)"', page).group(1)
    assert shown == "1\xa0000"
    data = definition(client, WASTE) | {
        "per_inhabitant_factor": shown,
        "name_nb": "Husholdningsavfall per innbygger (kg)",
        "reason": "Enheten i navnet",
    }
    assert client.post(WASTE, data).status_code == 302
    assert list(IndicatorChange.objects.values_list("field", flat=True)) == ["name_nb"]
    # No figure is published yet, so a new factor is saved at once: typed with a decimal comma, it is 0.5.
    assert client.post(WASTE, data | {"per_inhabitant_factor": "0,5", "reason": "Halvert"}).status_code == 302
    waste.refresh_from_db()
    assert waste.per_inhabitant_factor == Decimal("0.5")
