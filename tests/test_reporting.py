"""The reporting round, per role: entering, submitting, approving, publishing, importing, and who may do what."""

import io
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook, load_workbook

from indicators.importers.base import MAX_PROBLEMS
from indicators.models import (
    Indicator,
    IndicatorValue,
    Municipality,
    Network,
    Role,
    ValueImport,
    ValueRevision,
    ValueState,
    ValueStatus,
    reporting_year,
)
from indicators.numbers import NumberError, parse_number
from indicators.services import change_status
from tests import factories as make
from tests.admin_pages import change_form

YEAR = reporting_year()


@pytest.fixture
def network(rana, oslo):
    """The network with Rana and Oslo: the coordinator follows both."""
    return make.network(members=[rana, oslo])


@pytest.fixture
def population(rana, oslo):
    for municipality, people in ((rana, 26000), (oslo, 717000)):
        make.population(municipality, dict.fromkeys((YEAR - 1, YEAR), people))
    return Indicator.objects.population()


@pytest.fixture
def politician(politician, rana):
    """The politician reads Rana's figures too: this reporting round is Rana's."""
    return make.role(politician, rana, Role.READER)


@pytest.fixture
def world(network, population, waste, lighthouses):
    """Two network municipalities with population, and two indicators to report."""


def as_user(client, user, language="en"):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    if user is not None:
        client.force_login(user)
    return client


def entry_url(code="1833", year=YEAR):
    return f"/rapportering/{code}/{year}/"


def full_form(client, url=None, action="save", **changes):
    """The entry form as the browser sends it: what the page shows, with the changes typed in.

    full_form(client, miljofyrtarn={"value": "42"}) changes one indicator; "_" stands for "-" in codes.
    """
    page = client.get(url or entry_url())
    assert page.status_code == 200
    data = {"action": action}
    for group in page.context["groups"]:
        for row in group.rows:
            form = row.form
            fields = {name: form.initial.get(name, "") for name in form.fields}
            fields.update(changes.get(row.indicator.code.replace("-", "_"), {}))
            data.update({form.add_prefix(name): value for name, value in fields.items()})
    return data


def snapshot():
    """Everything the reporting round writes, to show that a refused request wrote nothing."""
    return (
        list(IndicatorValue.objects.order_by("pk").values_list("pk", "value", "state", "status", "version")),
        ValueRevision.objects.count(),
        ValueImport.objects.filter(confirmed_at__isnull=False).count(),
    )


# --- numbers -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("1 234,5", "1234.5"),
        ("1\xa0234,5", "1234.5"),
        ("1.234,5", "1234.5"),
        ("1,234.5", "1234.5"),
        ("12,5", "12.5"),
        ("12.5", "12.5"),
        ("1.234.567", "1234567"),
        ("−3,2", "-3.2"),
        ("709037", "709037"),
    ],
)
def test_numbers_are_read_the_norwegian_and_the_english_way(text, number):
    assert parse_number(text) == Decimal(number)
    assert parse_number(text, english=True) == Decimal(number)


@pytest.mark.parametrize(
    ("text", "norwegian", "english"),
    [
        ("26,100", "26.1", "26100"),  # English groups thousands with a lone comma; Norwegian writes decimals so
        ("-12,345", "-12.345", "-12345"),
        ("12,5", "12.5", "12.5"),  # not three digits after it: a decimal comma on any page
        ("1,2345", "1.2345", "1.2345"),
        ("0,125", "0.125", "0.125"),  # nobody groups a leading zero
    ],
)
def test_a_lone_comma_is_read_the_way_the_page_writes_figures(text, norwegian, english):
    assert parse_number(text) == Decimal(norwegian)
    assert parse_number(text, english=True) == Decimal(english)


@pytest.mark.parametrize(
    "text",
    [
        "", "tolv", "1,2,3.4.5", "12a", "1e5", "--1",
        "12,5.3", "1.23,4", "1,234,5", "1 23",  # thousands are grouped by three, or it is a typing error
        "١٢٣", "１２", "1٫5",  # Arabic-Indic and full-width digits, the Arabic decimal mark: only 0-9 are read
    ],
)  # fmt: skip
def test_text_that_is_not_a_number_is_refused(text):
    with pytest.raises(NumberError):
        parse_number(text)


# --- access ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [entry_url(), f"{entry_url()}godkjenning/", f"{entry_url()}import/", f"/rapportering/oversikt/{YEAR}/"],
)
def test_anonymous_visitors_are_sent_to_log_in(client, world, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith("/logg-inn/")


def test_anonymous_post_writes_nothing(client, world):
    before = snapshot()
    waste = Indicator.objects.get(code="husholdningsavfall")
    response = client.post(entry_url(), {f"i{waste.pk}-value": "9000", f"i{waste.pk}-version": 0, "action": "save"})
    assert response.status_code == 302
    assert snapshot() == before


def test_a_planner_cannot_see_another_municipalitys_year(client, world, rana_planner, oslo):
    IndicatorValue.objects.create(
        indicator=Indicator.objects.get(code="miljofyrtarn"), municipality=oslo, year=YEAR, value=Decimal(77)
    )
    as_user(client, rana_planner)
    assert client.get(entry_url("0301")).status_code == 404
    assert client.get(f"{entry_url('0301')}godkjenning/").status_code == 404
    assert client.get(f"{entry_url('0301')}mal.csv").status_code == 404


def test_a_planner_cannot_change_another_municipalitys_values_by_tampering(client, world, rana_planner, oslo):
    oslo_value = IndicatorValue.objects.create(
        indicator=Indicator.objects.get(code="miljofyrtarn"), municipality=oslo, year=YEAR, value=Decimal(77)
    )
    as_user(client, rana_planner)
    before = snapshot()
    # Her own form, posted to Oslo's address.
    assert client.post(entry_url("0301"), full_form(client, miljofyrtarn={"value": "1"})).status_code == 404
    # Oslo's value through the approver's form and the history page.
    review = client.post(f"{entry_url('0301')}godkjenning/", {"action": "publish", "value": [oslo_value.pk]})
    assert review.status_code == 404
    assert client.get(f"/verdi/{oslo_value.pk}/historikk/").status_code == 404
    assert snapshot() == before


def test_an_approvers_form_only_moves_values_of_her_own_municipality(client, world, rana_approver, oslo, rana):
    lighthouses = Indicator.objects.get(code="miljofyrtarn")
    oslo_value = IndicatorValue.objects.create(
        indicator=lighthouses, municipality=oslo, year=YEAR, value=Decimal(77), status=ValueStatus.APPROVED
    )
    as_user(client, rana_approver)
    # Rana's approval page, with Oslo's value id slipped into the form.
    client.post(f"{entry_url()}godkjenning/", {"action": "publish", "value": [oslo_value.pk]})
    oslo_value.refresh_from_db()
    assert oslo_value.status == ValueStatus.APPROVED


def test_a_planner_cannot_approve(client, world, rana_planner):
    as_user(client, rana_planner)
    assert client.get(f"{entry_url()}godkjenning/").status_code == 404


def test_a_politician_reads_drafts_but_cannot_change_them(client, world, politician, rana):
    IndicatorValue.objects.create(
        indicator=Indicator.objects.get(code="miljofyrtarn"), municipality=rana, year=YEAR, value=Decimal(41)
    )
    as_user(client, politician)
    page = client.get(entry_url()).content.decode()
    assert 'value="41"' in page
    assert "only the municipality's planners can change the figures" in page
    before = snapshot()
    assert client.post(entry_url(), full_form(client, miljofyrtarn={"value": "50", "version": 1})).status_code == 404
    assert snapshot() == before


def test_the_public_never_sees_drafts(client, world, rana):
    lighthouses = Indicator.objects.get(code="miljofyrtarn")
    IndicatorValue.objects.create(indicator=lighthouses, municipality=rana, year=YEAR, value=Decimal(4321))
    for url in ("/kommune/1833/", "/indikator/miljofyrtarn/"):
        assert "4\xa0321" not in client.get(url).content.decode()


# --- yearly entry ----------------------------------------------------------------------------------------------


def test_a_planner_saves_drafts_typed_the_norwegian_way(client, world, rana_planner, rana):
    as_user(client, rana_planner, "nb")
    response = client.post(
        entry_url(),
        full_form(
            client, husholdningsavfall={"value": "11 234,5"}, miljofyrtarn={"value": "42", "comment": "Fire nye."}
        ),
    )
    assert response.status_code == 302
    waste = IndicatorValue.objects.get(indicator__code="husholdningsavfall", municipality=rana, year=YEAR)
    assert waste.value == Decimal("11234.5")
    assert waste.status == ValueStatus.DRAFT
    assert waste.changed_by == rana_planner
    assert waste.source
    lighthouses = IndicatorValue.objects.get(indicator__code="miljofyrtarn", municipality=rana, year=YEAR)
    assert lighthouses.comment == "Fire nye."
    assert ValueRevision.objects.filter(indicator_value=lighthouses, changed_by=rana_planner).count() == 1
    page = client.get(entry_url()).content.decode()
    # The computed per-inhabitant figure: 11 234,5 tonnes × 1000 / 26 000 inhabitants = 432 kg.
    assert "432\xa0kg" in page


def test_a_planner_on_the_english_page_types_figures_the_english_way_and_saving_again_changes_nothing(
    client, world, rana_planner, rana
):
    as_user(client, rana_planner, "en")
    client.post(
        entry_url(), full_form(client, husholdningsavfall={"value": "11,234.5"}, miljofyrtarn={"value": "1,042"})
    )
    waste = IndicatorValue.objects.get(indicator__code="husholdningsavfall", municipality=rana, year=YEAR)
    lighthouses = IndicatorValue.objects.get(indicator__code="miljofyrtarn", municipality=rana, year=YEAR)
    assert (waste.value, lighthouses.value) == (Decimal("11234.5"), Decimal("1042"))
    page = client.get(entry_url()).content.decode()
    assert 'value="11,234.5"' in page and 'value="1,042"' in page
    # The form as shown, sent again, reads the same figures: nothing changes, no revision is written.
    before = snapshot()
    client.post(entry_url(), full_form(client))
    assert snapshot() == before


def test_blank_fields_create_no_values(client, world, rana_planner):
    as_user(client, rana_planner)
    client.post(entry_url(), full_form(client))
    assert not IndicatorValue.objects.filter(year=YEAR).exclude(indicator__is_population=True).exists()


def test_missing_is_an_explicit_choice(client, world, rana_planner, rana):
    as_user(client, rana_planner)
    client.post(entry_url(), full_form(client, miljofyrtarn={"state": "missing"}))
    value = IndicatorValue.objects.get(indicator__code="miljofyrtarn", municipality=rana, year=YEAR)
    assert value.state == ValueState.MISSING
    assert value.value is None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"value": "mange"}, "is not a number"),
        ({"value": "-3"}, "cannot be negative"),
        ({"value": "99999999999999999999"}, "too large"),
        # Beyond what the database stores (DecimalField(20, 6)): refused, never rounded silently, never a 500.
        ({"value": "99999999999999.9999999"}, "at most 6 decimals"),
        ({"value": "0,0000001"}, "at most 6 decimals"),
        ({"value": "12,5.3"}, "“12,5.3” is not a number"),
        ({"value": "١٢٣"}, "“١٢٣” is not a number"),
        ({"state": "missing", "value": "4"}, "Leave the figure empty"),
    ],
)
def test_bad_input_is_explained_and_nothing_is_saved(client, world, rana_planner, fields, message):
    as_user(client, rana_planner)
    before = snapshot()
    response = client.post(entry_url(), full_form(client, miljofyrtarn=fields, husholdningsavfall={"value": "10000"}))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "Nothing was saved" in response.content.decode()
    assert snapshot() == before


def test_an_implausible_figure_needs_an_explanation_before_it_is_submitted(client, world, rana_planner, rana):
    as_user(client, rana_planner)
    # 52 000 tonnes for 26 000 inhabitants is 2 000 kg each: above the plausible 1 000 kg.
    response = client.post(entry_url(), full_form(client, husholdningsavfall={"value": "52000"}, action="submit"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Explain the figure before you submit it" in page
    assert "above the highest plausible figure" in page
    assert not IndicatorValue.objects.filter(indicator__code="husholdningsavfall", year=YEAR).exists()

    # A draft may be saved as it is; the warning stays on the page.
    client.post(entry_url(), full_form(client, husholdningsavfall={"value": "52000"}))
    value = IndicatorValue.objects.get(indicator__code="husholdningsavfall", municipality=rana, year=YEAR)
    assert value.status == ValueStatus.DRAFT
    assert "above the highest plausible figure" in client.get(entry_url()).content.decode()

    explained = {"value": "52000", "comment": "Ny gjenvinningsstasjon tar imot næringsavfall."}
    client.post(entry_url(), full_form(client, husholdningsavfall=explained, action="submit"))
    value.refresh_from_db()
    assert value.status == ValueStatus.SUBMITTED


def test_a_large_change_from_the_last_published_figure_needs_an_explanation(client, world, rana_planner, rana):
    lighthouses = Indicator.objects.get(code="miljofyrtarn")
    make.published_value(lighthouses, rana, YEAR - 1, 20)
    as_user(client, rana_planner)
    response = client.post(entry_url(), full_form(client, miljofyrtarn={"value": "45"}, action="submit"))
    assert f"+125% change from the last published figure, 20 in {YEAR - 1}" in response.content.decode()
    assert not IndicatorValue.objects.filter(indicator=lighthouses, year=YEAR).exists()
    client.post(entry_url(), full_form(client, miljofyrtarn={"value": "24"}, action="submit"))
    assert IndicatorValue.objects.get(indicator=lighthouses, year=YEAR).status == ValueStatus.SUBMITTED


def test_the_second_of_two_planners_saving_the_same_value_is_refused(client, world, rana_planner, rana):
    colleague = make.role(make.user("kollega-rana"), rana, Role.PLANNER)
    lighthouses = Indicator.objects.get(code="miljofyrtarn")
    value = IndicatorValue.objects.create(indicator=lighthouses, municipality=rana, year=YEAR, value=Decimal(30))
    # Both open the page at version 1; the colleague saves first.
    as_user(client, colleague)
    client.post(entry_url(), full_form(client, miljofyrtarn={"value": "31", "version": 1}))
    client.logout()
    as_user(client, rana_planner)
    response = client.post(entry_url(), full_form(client, miljofyrtarn={"value": "35", "version": 1}))
    page = response.content.decode()
    value.refresh_from_db()
    assert value.value == Decimal(31)
    assert "Someone else saved this value while you were editing it" in page
    assert "Saved by Planner in Rana" in page  # a colleague without a full name, never her login name
    assert 'value="35"' in page  # her own figure is kept in the form
    # Saving again is a deliberate choice to keep hers.
    version = f'name="i{lighthouses.pk}-version" value="2"'
    assert version in page
    client.post(entry_url(), full_form(client, miljofyrtarn={"value": "35", "version": 2}))
    value.refresh_from_db()
    assert value.value == Decimal(35)


# --- approval and publication ----------------------------------------------------------------------------------


def submitted_value(rana, rana_planner, figure=30):
    value = IndicatorValue.objects.create(
        indicator=Indicator.objects.get(code="miljofyrtarn"),
        municipality=rana,
        year=YEAR,
        value=Decimal(figure),
        status=ValueStatus.SUBMITTED,
        changed_by=rana_planner,
    )
    return value


def test_an_approver_returns_a_value_with_a_reason_the_planner_sees(client, world, rana_planner, rana_approver, rana):
    value = submitted_value(rana, rana_planner)
    as_user(client, rana_approver)
    refused = client.post(
        f"{entry_url()}godkjenning/", {"action": "return", "value": [value.pk], f"reason-{value.pk}": " "}
    )
    value.refresh_from_db()
    assert value.status == ValueStatus.SUBMITTED
    assert "Write why you return this figure" in refused.content.decode()
    client.post(
        f"{entry_url()}godkjenning/",
        {"action": "return", "value": [value.pk], f"reason-{value.pk}": "Tallet gjelder 2023, ikke 2024."},
    )
    value.refresh_from_db()
    assert value.status == ValueStatus.DRAFT
    client.logout()
    as_user(client, rana_planner)
    assert "Tallet gjelder 2023, ikke 2024." in client.get(entry_url()).content.decode()


def test_approve_then_publish_shows_the_value_to_the_public(client, world, rana_planner, rana_approver, rana):
    value = submitted_value(rana, rana_planner, figure=4321)
    as_user(client, rana_approver)
    client.post(f"{entry_url()}godkjenning/", {"action": "publish", "value": [value.pk]})
    value.refresh_from_db()
    assert value.status == ValueStatus.SUBMITTED  # a submitted value must be approved before it is published
    client.post(f"{entry_url()}godkjenning/", {"action": "approve", "value": [value.pk]})
    client.post(f"{entry_url()}godkjenning/", {"action": "publish", "value": [value.pk]})
    value.refresh_from_db()
    assert value.status == ValueStatus.PUBLISHED
    assert value.first_published_at is not None
    client.logout()
    assert "4\xa0321" in client.get("/kommune/1833/").content.decode()
    statuses = list(
        ValueRevision.objects.filter(indicator_value=value).order_by("pk").values_list("new_status", flat=True)
    )
    assert statuses == ["approved", "published"]


def test_a_revised_published_value_is_marked_revised_on_public_pages(client, world, rana_planner, rana_approver, rana):
    value = submitted_value(rana, rana_planner)
    change_status(values=[value], status=ValueStatus.APPROVED, user=rana_approver, reason="ok")
    change_status(values=[value], status=ValueStatus.PUBLISHED, user=rana_approver, reason="ok")
    assert "Revised" not in as_user(client, None).get("/kommune/1833/").content.decode()
    as_user(client, rana_planner)
    client.post(entry_url(), full_form(client, miljofyrtarn={"value": "33", "reason": "Retting av registeret"}))
    value.refresh_from_db()
    assert value.status == ValueStatus.DRAFT
    change_status(values=[value], status=ValueStatus.SUBMITTED, user=rana_planner, reason="ok")
    change_status(values=[value], status=ValueStatus.APPROVED, user=rana_approver, reason="ok")
    change_status(values=[value], status=ValueStatus.PUBLISHED, user=rana_approver, reason="ok")
    client.logout()
    assert "Revised" in as_user(client, None).get("/kommune/1833/").content.decode()
    assert "Retting av registeret" in client.get("/kommune/1833/").content.decode()


def test_the_history_shows_every_change_with_who_and_why(client, world, rana_planner, rana):
    as_user(client, rana_planner)
    client.post(entry_url(), full_form(client, miljofyrtarn={"value": "30"}))
    value = IndicatorValue.objects.get(indicator__code="miljofyrtarn", year=YEAR)
    client.post(
        entry_url(), full_form(client, miljofyrtarn={"value": "32", "comment": "To nye bedrifter.", "version": 1})
    )
    page = client.get(f"/verdi/{value.pk}/historikk/").content.decode()
    assert page.count("Planner in Rana") >= 2  # who made each change: her role, as she has no full name
    assert page.count("planlegger-rana") == 1  # her login name only where she is told she is logged in
    assert "To nye bedrifter." in page
    assert "30 (Draft)" in page and "32 (Draft)" in page


# --- the network's reporting round ------------------------------------------------------------------------------


def test_the_coordinator_sees_who_has_reported_what(client, world, coordinator, rana):
    IndicatorValue.objects.create(
        indicator=Indicator.objects.get(code="miljofyrtarn"),
        municipality=rana,
        year=YEAR,
        value=Decimal(3),
        status=ValueStatus.SUBMITTED,
    )
    as_user(client, coordinator)
    response = client.get(f"/rapportering/oversikt/{YEAR}/")
    assert response.status_code == 200
    rows = {row["municipality"].name: row["counts"] for row in response.context["rows"]}
    # Population is published for both; Rana has submitted one more; the waste figure is missing for both.
    assert rows["Rana"] == {"draft": 0, "submitted": 1, "approved": 0, "published": 1, "missing": 1}
    assert rows["Oslo"] == {"draft": 0, "submitted": 0, "approved": 0, "published": 1, "missing": 2}


def test_planners_and_politicians_do_not_see_the_network_overview(
    client, world, rana_planner, politician, rana_approver
):
    for user in (rana_planner, politician):
        assert as_user(client, user).get(f"/rapportering/oversikt/{YEAR}/").status_code == 404
        client.logout()
    assert as_user(client, rana_approver).get(f"/rapportering/oversikt/{YEAR}/").status_code == 200


def test_query_counts_do_not_grow_with_the_data(client, world, coordinator, rana_planner):
    def count(url, user):
        client.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    overview = count(f"/rapportering/oversikt/{YEAR}/", coordinator)
    entry = count(entry_url(), rana_planner)
    network = Network.objects.get()
    for number in range(5):
        make.membership(network, make.municipality(f"Kommune {number}", f"50{number:02d}"))
        Indicator.objects.create(
            code=f"ekstra-{number}", name_nb=f"Ekstra {number}", unit="count", direction="higher", bottom_line="social"
        )
    assert count(f"/rapportering/oversikt/{YEAR}/", coordinator) == overview
    assert count(entry_url(), rana_planner) == entry
    assert entry <= 15


# --- spreadsheet import ------------------------------------------------------------------------------------------


def csv_file(text, name="verdier.csv"):
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def upload(client, file):
    response = client.post(f"{entry_url()}import/", {"file": file})
    if response.status_code == 302:
        return client.get(response.url)
    return response


GOOD_CSV = f"kommunenummer;indikator;år;verdi;tilstand;kommentar\n1833;miljofyrtarn;{YEAR};12;;\n1833;husholdningsavfall;{YEAR};10 400,5;;Ny ordning\n"


def test_a_spreadsheet_is_previewed_then_imported_as_drafts(client, world, rana_planner, rana):
    as_user(client, rana_planner)
    preview = upload(client, csv_file(GOOD_CSV))
    assert preview.status_code == 200
    assert "2 valid rows" in preview.content.decode()
    assert not IndicatorValue.objects.filter(year=YEAR).exclude(indicator__is_population=True).exists()
    stored = ValueImport.objects.get()
    response = client.post(f"/rapportering/import/{stored.pk}/")
    assert response.status_code == 302
    waste = IndicatorValue.objects.get(indicator__code="husholdningsavfall", year=YEAR)
    assert waste.value == Decimal("10400.5")
    assert waste.status == ValueStatus.DRAFT
    assert waste.comment == "Ny ordning"
    assert "verdier.csv" in waste.source
    # Confirming twice imports once.
    client.post(f"/rapportering/import/{stored.pk}/")
    assert ValueRevision.objects.filter(indicator_value=waste).count() == 1


def test_an_xlsx_spreadsheet_is_read(client, world, rana_planner):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["kommunenummer", "indikator", "år", "verdi"])
    sheet.append(["1833", "miljofyrtarn", YEAR, 17])
    sheet.append([1833, "husholdningsavfall", YEAR, 10400.25])
    data = io.BytesIO()
    workbook.save(data)
    as_user(client, rana_planner)
    upload(client, SimpleUploadedFile("verdier.xlsx", data.getvalue()))
    client.post(f"/rapportering/import/{ValueImport.objects.get().pk}/")
    assert IndicatorValue.objects.get(indicator__code="husholdningsavfall", year=YEAR).value == Decimal("10400.25")
    assert IndicatorValue.objects.get(indicator__code="miljofyrtarn", year=YEAR).value == 17


def test_a_spreadsheet_figure_too_small_to_store_is_refused_not_rounded_to_zero(client, world, rana_planner):
    """Excel keeps 0.0000001 as the float 1e-07: it is refused as having too many decimals, not stored as 0."""
    workbook = Workbook()
    workbook.active.append(["kommunenummer", "indikator", "år", "verdi"])
    workbook.active.append([1833, "husholdningsavfall", YEAR, 0.0000001])
    data = io.BytesIO()
    workbook.save(data)
    as_user(client, rana_planner)
    before = snapshot()
    page = upload(client, SimpleUploadedFile("verdier.xlsx", data.getvalue())).content.decode()
    assert "Write the figure with at most 6 decimals" in page
    client.post(f"/rapportering/import/{ValueImport.objects.get().pk}/")
    assert snapshot() == before


BAD_FILES = [
    (f"kommunenummer;indikator;år;verdi\n1833;miljofyrtarn;{YEAR};mange\n", "“mange” is not a number"),
    (f"kommunenummer;indikator;år;verdi\n1833;miljofyrtarn;{YEAR};-4\n", "cannot be negative"),
    (f"kommunenummer;indikator;år;verdi\n1833;miljofyrtarn;{YEAR};1e30\n", "is not a number"),
    (f"kommunenummer;indikator;år;verdi\n1833;miljofyrtarn;{YEAR};999999999999999999\n", "too large"),
    (f"kommunenummer;indikator;år;verdi\n1833;miljofyrtarn;{YEAR};0,0000001\n", "at most 6 decimals"),
    (f"kommunenummer;indikator;år;verdi\n1833;miljofyrtarn;{YEAR};99999999999999.9999999\n", "at most 6 decimals"),
    (f"kommunenummer;indikator;år;verdi\n1833;miljofyrtarn;{YEAR};12,5.3\n", "“12,5.3” is not a number"),
    (f"kommunenummer;indikator;år;verdi\n1833;miljofyrtarn;{YEAR};١٢٣\n", "“١٢٣” is not a number"),
    ("sted;indikator;år;verdi\n1833;miljofyrtarn;2024;3\n", "no column “kommunenummer”"),
    (
        f"kommunenummer;indikator;år;verdi\n1833;miljofyrtarn;{YEAR};3\n1833;miljofyrtarn;{YEAR};4\n",
        "appear twice (first on line 3)",
    ),
    (f"kommunenummer;indikator;år;verdi\n9999;miljofyrtarn;{YEAR};3\n", "No municipality had the number 9999"),
    (f"kommunenummer;indikator;år;verdi\n0301;miljofyrtarn;{YEAR};3\n", "may not enter values for municipality 0301"),
    (f"kommunenummer;indikator;år;verdi\n1833;ukjent;{YEAR};3\n", "is not an indicator code"),
    ("", "empty"),
]


@pytest.mark.parametrize(("text", "message"), BAD_FILES)
def test_a_bad_spreadsheet_is_explained_and_nothing_is_written(client, world, rana_planner, text, message):
    # One good row first: a file is imported whole or not at all.
    good = f"1833;husholdningsavfall;{YEAR};10000\n"
    if "\n" in text:
        header, rest = text.split("\n", 1)
        text = f"{header}\n{good}{rest}" if "verdi" in header else text
    as_user(client, rana_planner)
    before = snapshot()
    response = client.post(f"{entry_url()}import/", {"file": csv_file(text)})
    page = (client.get(response.url) if response.status_code == 302 else response).content.decode()
    assert message in page
    if ValueImport.objects.exists():
        client.post(f"/rapportering/import/{ValueImport.objects.get().pk}/")
    assert snapshot() == before


def test_a_file_with_more_problems_than_the_page_lists_says_how_many_it_left_out(client, world, rana_planner):
    as_user(client, rana_planner)
    rows = "".join(f"1833;ukjent-{number};{YEAR};3\n" for number in range(MAX_PROBLEMS + 1))
    page = upload(client, csv_file(f"kommunenummer;indikator;år;verdi\n{rows}")).content.decode()
    assert f"The file cannot be imported: {MAX_PROBLEMS + 1} problems." in page
    assert page.count("is not an indicator code") == MAX_PROBLEMS
    assert f"Only the first {MAX_PROBLEMS} problems are listed." in page


def test_a_binary_file_renamed_csv_is_refused(client, world, rana_planner):
    as_user(client, rana_planner)
    before = snapshot()
    page = upload(client, SimpleUploadedFile("verdier.csv", bytes(range(256)) * 40)).content.decode()
    assert "not a text file" in page
    assert snapshot() == before


def test_a_50_mb_file_is_refused_before_it_is_stored(client, world, rana_planner):
    as_user(client, rana_planner)
    big = SimpleUploadedFile("stor.csv", b"kommunenummer;indikator;\xc3\xa5r;verdi\n" + b"1833;x;2024;1\n" * 4_000_000)
    assert big.size > 50 * 2**20
    response = client.post(f"{entry_url()}import/", {"file": big})
    assert response.status_code == 200
    assert "the largest file the portal takes is 5 MB" in response.content.decode()
    assert not ValueImport.objects.exists()


def test_another_users_upload_cannot_be_seen_or_confirmed(client, world, rana_planner, rana):
    colleague = make.role(make.user("kollega-rana"), rana, Role.PLANNER)
    as_user(client, colleague)
    upload(client, csv_file(GOOD_CSV))
    client.logout()
    as_user(client, rana_planner)
    stored = ValueImport.objects.get()
    assert client.get(f"/rapportering/import/{stored.pk}/").status_code == 404
    assert client.post(f"/rapportering/import/{stored.pk}/").status_code == 404
    assert stored.confirmed_at is None


def test_the_template_neutralises_formulas(client, world, rana_planner, rana):
    IndicatorValue.objects.create(
        indicator=Indicator.objects.get(code="miljofyrtarn"),
        municipality=rana,
        year=YEAR,
        value=Decimal(-0) + 5,
        comment='=HYPERLINK("http://example.invalid","klikk")',
    )
    as_user(client, rana_planner)
    text = client.get(f"{entry_url()}mal.csv").content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text
    assert "\r\n1833;miljofyrtarn;" in text
    workbook = load_workbook(io.BytesIO(client.get(f"{entry_url()}mal.xlsx").content))
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    comments = [row[rows[0].index("kommentar")] for row in rows[1:]]
    assert '\'=HYPERLINK("http://example.invalid","klikk")' in comments


def test_the_template_round_trips(client, world, rana_planner):
    """A planner downloads the template, fills in a figure, and uploads it again."""
    as_user(client, rana_planner)
    template = client.get(f"{entry_url()}mal.csv").content.decode("utf-8-sig")
    lines = template.strip().split("\r\n")
    filled = [lines[0]] + [line.replace(f";{YEAR};;", f";{YEAR};7;") for line in lines[1:] if "miljofyrtarn" in line]
    upload(client, csv_file("\n".join(filled)))
    client.post(f"/rapportering/import/{ValueImport.objects.get().pk}/")
    assert IndicatorValue.objects.get(indicator__code="miljofyrtarn", year=YEAR).value == 7


def test_changing_a_published_figure_needs_a_reason_that_the_public_then_sees(
    client, world, rana_planner, rana_approver
):
    lighthouses = Indicator.objects.get(code="miljofyrtarn")
    rana = Municipality.objects.get(name="Rana")
    value = IndicatorValue.objects.create(indicator=lighthouses, municipality=rana, year=YEAR, value=Decimal(12))
    change_status(values=[value], status=ValueStatus.PUBLISHED, user=rana_approver, reason="Publisert")
    as_user(client, rana_planner)
    before = snapshot()
    response = client.post(entry_url(), full_form(client, miljofyrtarn={"value": "14"}))
    assert response.status_code == 200
    assert "This figure has been published: say why it changes." in response.content.decode()
    assert snapshot() == before

    data = full_form(client, miljofyrtarn={"value": "14", "reason": "To bedrifter manglet i registeret"})
    assert client.post(entry_url(), data).status_code == 302
    value.refresh_from_db()
    assert value.value == 14 and value.status == ValueStatus.DRAFT
    assert value.revisions.order_by("pk").last().reason == "To bedrifter manglet i registeret"

    # Only the comment changes: no figure is revised, so no reason is asked for.
    data = full_form(client, miljofyrtarn={"comment": "Tall fra registeret"})
    assert client.post(entry_url(), data).status_code == 302


def test_the_public_keeps_reading_the_published_figure_while_a_revision_is_under_way(
    client, world, rana_planner, rana_approver, rana
):
    value = submitted_value(rana, rana_planner, figure=31)
    change_status(values=[value], status=ValueStatus.APPROVED, user=rana_approver, reason="ok")
    change_status(values=[value], status=ValueStatus.PUBLISHED, user=rana_approver, reason="ok")
    as_user(client, rana_planner)
    client.post(entry_url(), full_form(client, miljofyrtarn={"value": "53", "reason": "Dobbeltelling rettet"}))
    value.refresh_from_db()
    assert (value.value, value.status, value.published_value) == (53, ValueStatus.DRAFT, 31)

    def shown(user, url):
        """The figures a reader sees on the page: those shown in cells and rows, as text."""
        client.logout()
        text = as_user(client, user).get(url).content.decode()
        return set(
            re.findall(r"(?:>|[;,\n])\s*(31|53)(?=[<;,.\s])", re.sub(r"<script\b.*?</script>", "", text, flags=re.S))
        )

    for url in ["/kommune/1833/", "/indikator/miljofyrtarn/", "/kommune/1833/data.csv"]:
        assert shown(None, url) == {"31"}, url
    # Approved: the municipality's readers see the new figure; the public still reads the published one.
    change_status(values=[value], status=ValueStatus.SUBMITTED, user=rana_planner, reason="ok")
    change_status(values=[value], status=ValueStatus.APPROVED, user=rana_approver, reason="ok")
    assert shown(None, "/kommune/1833/") == {"31"}
    assert shown(rana_approver, "/kommune/1833/") == {"53"}
    change_status(values=[value], status=ValueStatus.PUBLISHED, user=rana_approver, reason="ok")
    assert shown(None, "/kommune/1833/") == {"53"}
    page = as_user(client, None).get("/kommune/1833/").content.decode()
    assert "Revised" in page and "Dobbeltelling rettet" in page


# --- the admin ---------------------------------------------------------------------------------------------------

ADMIN_VALUES = "/forvaltning/indicators/indicatorvalue/"


def approved_value(rana, planner, approver, figure=30):
    value = submitted_value(rana, planner, figure=figure)
    change_status(values=[value], status=ValueStatus.APPROVED, user=approver, reason="ok")
    return value


def test_a_value_published_in_the_admin_is_published_as_in_the_reporting_round(
    client, world, rana_planner, rana_approver, rana, administrator
):
    value = approved_value(rana, rana_planner, rana_approver, figure=4321)
    assert "4,321" not in as_user(client, None).get("/kommune/1833/").content.decode()  # now in the page cache
    as_user(client, administrator)
    response = client.post(ADMIN_VALUES, {"action": "publish", "_selected_action": [value.pk]}, follow=True)
    assert "Published 1 value." in response.content.decode()

    value.refresh_from_db()
    assert value.status == ValueStatus.PUBLISHED and value.first_published_at is not None
    assert value.revisions.order_by("pk").last().changed_by == administrator
    client.logout()
    assert "4,321" in as_user(client, None).get("/kommune/1833/").content.decode()
    # A published figure is changed only with a reason the public can read.
    as_user(client, rana_planner)
    response = client.post(entry_url(), full_form(client, miljofyrtarn={"value": "4400"}))
    assert "This figure has been published: say why it changes." in response.content.decode()
    value.refresh_from_db()
    assert value.value == 4321


def test_the_admins_change_form_cannot_publish(client, world, rana_planner, rana_approver, rana, administrator):
    value = approved_value(rana, rana_planner, rana_approver, figure=4321)
    as_user(client, administrator)
    address = f"{ADMIN_VALUES}{value.pk}/change/"
    data = change_form(client.get(address)) | {"status": ValueStatus.PUBLISHED, "comment": "Sjekket", "reason": "x"}
    assert client.post(address, data).status_code == 302
    value.refresh_from_db()
    assert (value.comment, value.status, value.published_at) == ("Sjekket", ValueStatus.APPROVED, None)
    client.logout()
    assert "4,321" not in as_user(client, None).get("/kommune/1833/").content.decode()


def test_a_published_figure_changed_in_the_admin_waits_for_approval(
    client, world, rana_planner, rana_approver, rana, administrator
):
    value = approved_value(rana, rana_planner, rana_approver, figure=4321)
    change_status(values=[value], status=ValueStatus.PUBLISHED, user=rana_approver, reason="ok")
    as_user(client, administrator)
    address = f"{ADMIN_VALUES}{value.pk}/change/"
    data = change_form(client.get(address)) | {"value": "4400", "reason": "Rettet etter registeret"}
    assert client.post(address, data).status_code == 302
    value.refresh_from_db()
    assert (value.value, value.status, value.published_value) == (4400, ValueStatus.DRAFT, 4321)
    assert value.revisions.order_by("pk").last().reason == "Rettet etter registeret"
    client.logout()
    page = as_user(client, None).get("/kommune/1833/").content.decode()
    assert "4,321" in page and "4,400" not in page


def test_the_admin_publishes_only_approved_values(
    client, world, rana_planner, rana_approver, rana, oslo, administrator
):
    mine = approved_value(rana, rana_planner, rana_approver)
    submitted = IndicatorValue.objects.create(
        indicator=Indicator.objects.get(code="husholdningsavfall"),
        municipality=rana,
        year=YEAR,
        value=Decimal(9000),
        status=ValueStatus.SUBMITTED,
    )
    other = IndicatorValue.objects.create(
        indicator=mine.indicator, municipality=oslo, year=YEAR, value=Decimal(80), status=ValueStatus.APPROVED
    )
    as_user(client, administrator)
    chosen = [mine.pk, submitted.pk, other.pk]
    response = client.post(ADMIN_VALUES, {"action": "publish", "_selected_action": chosen}, follow=True)
    assert "1 chosen value was not published" in response.content.decode()
    statuses = dict(IndicatorValue.objects.filter(pk__in=chosen).values_list("pk", "status"))
    assert statuses == {mine.pk: "published", submitted.pk: "submitted", other.pk: "published"}


def test_an_approver_with_staff_and_permissions_cannot_publish_in_the_admin(
    client, world, rana_planner, rana_approver, rana
):
    """The admin is for administrators: an approver publishes on her review page, with its checks, not there."""
    value = approved_value(rana, rana_planner, rana_approver)
    rana_approver.is_staff = True
    rana_approver.save()
    rana_approver.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_indicatorvalue", "change_indicatorvalue"])
    )
    as_user(client, rana_approver)
    response = client.post(ADMIN_VALUES, {"action": "publish", "_selected_action": [value.pk]})
    assert response.status_code == 302 and response["Location"].startswith("/forvaltning/login/")
    value.refresh_from_db()
    assert (value.status, value.published_at) == (ValueStatus.APPROVED, None)


def test_staff_without_the_change_permission_cannot_publish(client, world, rana_planner, rana_approver, rana):
    value = approved_value(rana, rana_planner, rana_approver)
    rana_approver.is_staff = True
    rana_approver.save()
    rana_approver.user_permissions.add(Permission.objects.get(codename="view_indicatorvalue"))
    as_user(client, rana_approver)
    client.post(ADMIN_VALUES, {"action": "publish", "_selected_action": [value.pk]})
    value.refresh_from_db()
    assert (value.status, value.published_at) == (ValueStatus.APPROVED, None)
