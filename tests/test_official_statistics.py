"""Official statistics: SSB's and Miljødirektoratet's figures are published as the source's, read-only to municipalities.

A coordinator or an administrator imports them after the preview, and they are published in one step for every
municipality in the file. A planner reads them, comments on them or reports an error; she cannot change them. When
the source revises a figure the public sees "Revised by the source"; when it changes its method, a series break.
"""

import html
import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils.html import strip_tags
from openpyxl import Workbook

from indicators.models import DataImport, Indicator, IndicatorValue, Role, ValueRevision, ValueStatus, reporting_year
from indicators.services import OfficialFigureError, ProposedValue, apply_values, report_error
from tests import factories as make
from tests.test_jsonstat_import import table_07459
from tests.worker import run_worker, uses_worker

YEAR = reporting_year()


def as_user(client, user, language="en"):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(user)
    return client


def import_population(client, user, figures: dict, regions, years, **fields):
    """Upload an SSB table of population as the user, and confirm its preview; return the stored upload."""
    data = table_07459(figures, regions=regions, years=years)
    file = SimpleUploadedFile("07459.json", data, content_type="application/json")
    population = Indicator.objects.population()
    response = client.post(reverse("opendata_upload"), {"file": file, "indicator": population.pk, **fields})
    assert response.status_code == 302, response.content.decode()[:2000]
    run_worker()  # the check
    client.post(response["Location"])
    run_worker()  # the import
    return DataImport.objects.latest("pk")


@pytest.fixture
def fjord(network):
    """Fjord (1578, from 2020) and its predecessors Norddal (1524) and Stordal (1526); only Fjord is a member."""
    fjord = make.municipality("Fjord", codes=[("1578", 2020, None)])
    make.municipality("Norddal", codes=[("1524", 1838, 2019)])
    make.municipality("Stordal", codes=[("1526", 1838, 2019)])
    make.membership(network, fjord)
    return fjord


@uses_worker
def test_a_coordinator_publishes_ssbs_figures_for_predecessors_outside_her_network(client, coordinator, fjord):
    """Fjord's figures before 2020 are Norddal's and Stordal's: the coordinator's import fills them all."""
    as_user(client, coordinator)
    stored = import_population(
        client,
        coordinator,
        {("1524", "Personer1", "2019"): 1650, ("1526", "Personer1", "2019"): 1000, ("1578", "Personer1", "2020"): 2600},
        regions=[("1524", "Norddal"), ("1526", "Stordal"), ("1578", "Fjord")],
        years=("2019", "2020"),
    )
    published = {
        (v.municipality.name, v.year): (v.published_value, v.status, v.is_official)
        for v in IndicatorValue.objects.select_related("municipality")
    }
    assert published == {
        ("Norddal", 2019): (1650, ValueStatus.PUBLISHED, True),
        ("Stordal", 2019): (1000, ValueStatus.PUBLISHED, True),
        ("Fjord", 2020): (2600, ValueStatus.PUBLISHED, True),
    }
    assert (stored.created, stored.confirmed_at is not None) == (3, True)
    assert set(IndicatorValue.objects.values_list("data_import", flat=True)) == {stored.pk}


@uses_worker
def test_the_public_reads_the_source_revision_and_the_series_break(client, coordinator, kongsberg):
    as_user(client, coordinator)
    regions, key = [("3303", "Kongsberg")], ("3303", "Personer1", "2024")
    import_population(client, coordinator, {key: 28180}, regions=regions, years=("2024",))
    value = IndicatorValue.objects.get()
    assert (value.status, value.revised_at, value.version) == (ValueStatus.PUBLISHED, None, 1)

    # SSB revises the figure: published again at once, marked as revised by the source.
    import_population(client, coordinator, {key: 28200}, regions=regions, years=("2024",))
    value.refresh_from_db()
    assert (value.published_value, value.status, value.series_break) == (28200, ValueStatus.PUBLISHED, False)
    assert value.revised_at is not None
    revision = value.revisions.last()
    assert (revision.old_value, revision.new_value, revision.new_status) == (28180, 28200, "published")
    page = html.unescape(client.get(reverse("municipality", args=["3303"])).content.decode())
    assert f"Revised by the source {value.revised_at:%-d.%-m.%Y}" in page

    # SSB changes its method: a series break, not a revision.
    import_population(client, coordinator, {key: 29000}, regions=regions, years=("2024",), series_break="on")
    value.refresh_from_db()
    assert (value.published_value, value.series_break) == (29000, True)
    page = html.unescape(client.get(reverse("municipality", args=["3303"])).content.decode())
    assert "Series break: not comparable with earlier years" in page


@pytest.fixture
def rana_population(rana):
    """Rana's population for the reporting year, as SSB published it."""
    population = Indicator.objects.population()
    apply_values(
        indicator=population,
        proposed=[ProposedValue(municipality_id=rana.pk, year=YEAR, value=Decimal(26000))],
        user=None,
        source="SSB table 07459",
        reason="Imported",
        official=True,
    )
    return IndicatorValue.objects.get(indicator=population, municipality=rana, year=YEAR)


def entry_form(client, url, **changes):
    page = client.get(url)
    assert page.status_code == 200
    data = {"action": "save"}
    for group in page.context["groups"]:
        for row in group.rows:
            form = row.form
            fields = {name: form.initial.get(name, "") for name in form.fields}
            if row.indicator.is_population:
                fields.update(changes)
            data.update({form.add_prefix(name): value for name, value in fields.items()})
    return data


def test_a_planner_reads_the_source_figure_comments_and_reports_an_error_but_cannot_change_it(
    client, rana_planner, rana_population
):
    as_user(client, rana_planner)
    url = f"/rapportering/1833/{YEAR}/"
    page = html.unescape(client.get(url).content.decode())
    assert "This is the source's official figure (SSB table 07459)" in page
    assert "Official statistics" in page
    data = entry_form(
        client,
        url,
        value="30000",  # a disabled field: the server keeps SSB's figure whatever the request says
        comment="The new housing area in Mo opened in December.",
        error_report="SSB counts the students at Nord university twice.",
    )
    response = client.post(url, data)
    assert response.status_code == 302, [row.form.errors for g in response.context["groups"] for row in g.rows]
    value = IndicatorValue.objects.get(pk=rana_population.pk)
    assert (value.value, value.published_value, value.status, value.is_official) == (
        26000,
        26000,
        ValueStatus.PUBLISHED,
        True,
    )
    assert value.comment == "The new housing area in Mo opened in December."
    assert (value.error_report, value.error_reported_by) == (
        "SSB counts the students at Nord university twice.",
        rana_planner,
    )
    assert ValueRevision.objects.filter(
        indicator_value=value, reason="Error reported: SSB counts the students at Nord university twice."
    ).exists()
    page = html.unescape(strip_tags(client.get(url).content.decode()))
    assert "Error reported: SSB counts the students at Nord university twice." in page


def test_no_write_of_a_municipality_changes_a_source_figure(rana, rana_population, rana_planner):
    proposal = ProposedValue(municipality_id=rana.pk, year=YEAR, value=Decimal(30000))
    with pytest.raises(OfficialFigureError):
        apply_values(
            indicator=rana_population.indicator, proposed=[proposal], user=rana_planner, source="x", reason="x"
        )
    rana_population.refresh_from_db()
    assert rana_population.value == 26000


def test_a_planners_spreadsheet_cannot_overwrite_a_source_figure(client, rana_planner, rana_population):
    as_user(client, rana_planner)
    book = Workbook()
    sheet = book.active
    sheet.append(["kommunenummer", "indikator", "år", "verdi", "tilstand", "kommentar"])
    sheet.append(["1833", "folkemengde", YEAR, 30000, "", ""])
    out = io.BytesIO()
    book.save(out)
    file = SimpleUploadedFile("rana.xlsx", out.getvalue())
    response = client.post(f"/rapportering/1833/{YEAR}/import/", {"file": file})
    assert response.status_code == 302
    page = html.unescape(client.get(response["Location"]).content.decode())
    assert "is the source's official figure (SSB table 07459) and cannot be changed here" in page
    client.post(response["Location"])
    rana_population.refresh_from_db()
    assert rana_population.value == 26000


def test_an_approver_has_no_source_figures_to_approve(client, rana, rana_population):
    approver = make.role(make.user("godkjenner"), rana, Role.APPROVER)
    as_user(client, approver)
    page = client.get(f"/rapportering/1833/{YEAR}/godkjenning/")
    assert page.status_code == 200
    assert rana_population.pk not in [row.value.pk for row in page.context.get("rows", [])]


def test_the_coordinator_sees_the_errors_members_report(client, network, coordinator, rana, rana_population):
    make.membership(network, rana)
    planner = make.role(make.user("planlegger"), rana, Role.PLANNER)
    report_error(rana_population, text="SSB counts the students at Nord university twice.", user=planner)
    as_user(client, coordinator)
    page = html.unescape(strip_tags(client.get(f"/rapportering/oversikt/{YEAR}/").content.decode()))
    assert "Errors reported in the source's figures" in page
    assert (
        f"Rana, Population on 1 January {YEAR}: SSB counts the students at Nord university twice. (Planner in Rana, "
        in " ".join(page.split())
    )


def test_a_municipality_page_credits_the_source_of_each_figure(client, kongsberg, lighthouses):
    def publish(years, source):
        apply_values(
            indicator=lighthouses,
            proposed=[ProposedValue(municipality_id=kongsberg.pk, year=y, value=Decimal(n)) for y, n in years.items()],
            user=None,
            source=source,
            reason="Imported",
            official=True,
        )

    publish({2019: 40, 2020: 41, 2021: 44}, "Miljøfyrtårn, sertifiserte virksomheter 2021")
    publish({2023: 52}, "Miljøfyrtårn, sertifiserte virksomheter 2023")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = " ".join(strip_tags(client.get(reverse("municipality", args=["3303"])).content.decode()).split())
    assert (
        "Figures for 2019–2021: Miljøfyrtårn, sertifiserte virksomheter 2021 "
        "Figures for 2023: Miljøfyrtårn, sertifiserte virksomheter 2023"
    ) in html.unescape(page)


@uses_worker
def test_a_coordinator_publishes_ssbs_real_population_file_for_the_whole_country(client, coordinator):
    """Table 07459 as Statistikkbanken saves it (semicolons, a title line, K- numbers): 356 municipalities in 2023."""
    call_command("load_municipalities", verbosity=0)
    as_user(client, coordinator)
    form = client.get(reverse("population_upload"))
    assert "Import population from SSB" in html.unescape(form.content.decode())
    data = (settings.BASE_DIR / "indicators" / "data" / "ssb" / "Personer2023.csv").read_bytes()
    response = client.post(reverse("population_upload"), {"file": SimpleUploadedFile("Personer2023.csv", data)})
    assert response.status_code == 302
    run_worker()
    page = html.unescape(client.get(response["Location"]).content.decode())
    assert "New values: 356" in page and "Publish the source's figures" in page
    assert not IndicatorValue.objects.exists()
    client.post(response["Location"])
    run_worker()
    stored = DataImport.objects.get()
    assert (stored.kind, stored.status, stored.created) == ("population", "imported", 356)
    values = IndicatorValue.objects.filter(year=2023)
    assert values.count() == 356
    assert set(values.values_list("status", "is_official", "data_import")) == {("published", True, stored.pk)}
    assert values.get(municipality__codes__code="0301").published_value == 709_037


def test_the_command_line_keeps_the_file_it_publishes_as_the_browser_does(administrator, tmp_path):
    call_command("load_municipalities", verbosity=0)
    path = settings.BASE_DIR / "indicators" / "data" / "ssb" / "Personer2023.csv"
    out = io.StringIO()
    call_command("import_population", str(path), "--dry-run", verbosity=0, stdout=out)
    assert "values would be created: 356" in out.getvalue()
    assert not DataImport.objects.exists() and not IndicatorValue.objects.exists()
    call_command("import_population", str(path), "--user", "administrator", verbosity=0, stdout=io.StringIO())
    stored = DataImport.objects.get()
    assert (stored.kind, stored.status, stored.uploaded_by, stored.created) == (
        "population",
        "imported",
        administrator,
        356,
    )
    assert bytes(stored.content) == path.read_bytes()
    assert set(IndicatorValue.objects.values_list("data_import", "is_official")) == {(stored.pk, True)}


def test_a_planner_who_only_reports_an_error_is_told_it_went_to_the_coordinators(client, rana_planner, rana_population):
    as_user(client, rana_planner, "nb")
    url = f"/rapportering/1833/{YEAR}/"
    data = entry_form(client, url, error_report="SSB teller studentene ved Nord universitet to ganger.")
    page = html.unescape(strip_tags(client.post(url, data, follow=True).content.decode()))
    assert "Feilmeldingen er sendt til nettverkets koordinatorer." in page
    assert "Lagret 0 verdier" not in page


def test_the_coordinator_opens_the_history_of_a_figure_reported_wrong(
    client, network, coordinator, rana, rana_population
):
    make.membership(network, rana)
    report_error(
        rana_population, text="SSB counts the students twice.", user=make.role(make.user("p"), rana, Role.PLANNER)
    )
    as_user(client, coordinator)
    page = client.get(f"/rapportering/oversikt/{YEAR}/").content.decode()
    history = reverse("value_history", args=[rana_population.pk])
    assert f'<a href="{history}">Population on 1 January {YEAR}</a>' in page
    assert "SSB counts the students twice." in html.unescape(client.get(history).content.decode())


@uses_worker
def test_the_preview_speaks_norwegian_and_says_when_there_is_nothing_to_publish(client, coordinator, kongsberg):
    as_user(client, coordinator, "nb")
    regions, key = [("3303", "Kongsberg")], ("3303", "Personer1", "2024")
    stored = import_population(client, coordinator, {key: 28180}, regions=regions, years=("2024",))
    page = " ".join(
        html.unescape(strip_tags(client.get(reverse("opendata_preview", args=[stored.pk])).content.decode())).split()
    )
    assert "Folkemengde 1. januar (personer)" in page  # the unit's name, not its code "persons"
    assert "oppdatert 21.2.2024" in page  # not SSB's time stamp 2024-02-21T07:00:00Z
    assert "Last opp en annen fil · Se de publiserte tallene: Folkemengde 1. januar" in page
    assert "Alle tallene i filen er allerede publisert" not in page

    data = table_07459({key: 28180}, regions=regions, years=("2024",))
    file = SimpleUploadedFile("07459.json", data, content_type="application/json")
    response = client.post(reverse("opendata_upload"), {"file": file, "indicator": stored.indicator.pk})
    run_worker()
    page = html.unescape(strip_tags(client.get(response["Location"]).content.decode()))
    assert "Uendrede verdier: 1" in page
    assert "Alle tallene i filen er allerede publisert slik de står" in page


def test_the_population_form_asks_for_the_file_first(client, coordinator):
    as_user(client, coordinator)
    page = client.get(reverse("population_upload")).content.decode()
    assert page.index('name="file"') < page.index('name="series_break"')


def test_a_comment_on_the_source_figure_is_not_called_a_draft(client, rana_planner, rana_population):
    as_user(client, rana_planner)
    url = f"/rapportering/1833/{YEAR}/"
    data = entry_form(client, url, comment="The new housing area in Mo opened in December.")
    page = html.unescape(strip_tags(client.post(url, data, follow=True).content.decode()))
    assert "Your comment on the source's figure is saved." in page
    assert "Saved 1 value as draft" not in page and "Saved 0 values" not in page
    rana_population.refresh_from_db()
    assert (rana_population.status, rana_population.comment) == (
        "published",
        "The new housing area in Mo opened in December.",
    )
