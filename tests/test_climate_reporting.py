"""The climate budget's yearly reporting: planners write and submit the measures' statuses, approvers return,
approve and publish them; and the measures spreadsheet, downloaded, filled in and imported."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from indicators.models import Indicator, Role, reporting_year
from plans.climate import compose, save_report
from plans.models import (
    ClimateImport,
    ClimateMeasure,
    EffectClass,
    MeasureLevel,
    MeasureReport,
    MeasureReportRevision,
    MeasureYear,
    PlanChange,
    PlanStatus,
    PlanType,
    ReportStatus,
)
from tests import factories as make

YEAR = reporting_year()
D = Decimal


@pytest.fixture
def result_indicator(db):
    return Indicator.objects.create(
        code="nullutslipp-byggeplasser",
        name_nb="Utslippsfrie byggeplasser",
        name_en="Zero-emission construction sites",
        unit="percent",
        direction="higher",
    )


@pytest.fixture
def budget(rana, result_indicator):
    """Rana's adopted økonomiplan YEAR–YEAR+3 with a climate budget: road traffic (10 000 tonnes in 2009, a reference
    path of 90 %) and heating (2 000 tonnes, 50 %); three measures."""
    plan = make.plan(rana, PlanType.OKONOMIPLAN, first=YEAR, last=YEAR + 3, title="Økonomiplan")
    budget = make.climate_budget(plan)
    make.emissions(rana, "veitrafikk", {2009: 10000, YEAR - 2: 8000})
    make.emissions(rana, "oppvarming", {2009: 2000, YEAR - 2: 1500})
    years = range(YEAR, 2031)
    make.climate_sector(budget, "veitrafikk", frames=dict.fromkeys(years, 60), reference=dict.fromkeys(years, 90))
    make.climate_sector(budget, "oppvarming", frames=dict.fromkeys(years, 30), reference=dict.fromkeys(years, 50))
    make.climate_measure(
        budget, "T1", "veitrafikk", title="Utslippsfrie byggeplasser", result_indicator=result_indicator,
        cuts={YEAR: (100, 80, 120), YEAR + 1: 200}, targets={YEAR: 40, YEAR + 1: 60},
        emission_source="Anleggsmaskiner", responsible_unit="Eiendom",
    )  # fmt: skip
    make.climate_measure(budget, "T2", "oppvarming", title="Fjernvarme", effect_class=EffectClass.MEDIUM)
    make.climate_measure(
        budget, "T3", "veitrafikk", title="Sykkelbyen", result_indicator=result_indicator, cuts={YEAR: 50},
        level=MeasureLevel.REGIONAL, captured_by_inventory=False,
    )  # fmt: skip
    return budget


@pytest.fixture
def reader(rana, politician):
    """The politician, reader in Rana too: sees Rana's drafts, not its reporting."""
    return make.role(politician, rana, Role.READER)


def measure(number) -> ClimateMeasure:
    return ClimateMeasure.objects.get(number=number)


def report(number) -> MeasureReport:
    return MeasureReport.objects.get(measure__number=number, year=YEAR)


def status_url(code="1833", year=YEAR):
    return f"/rapportering/{code}/klimabudsjett/{year}/status/"


def template_url(code="1833", year=YEAR):
    return f"/rapportering/{code}/klimabudsjett/{year}/tiltak.xlsx"


def import_url(code="1833", year=YEAR):
    return f"/rapportering/{code}/klimabudsjett/{year}/import/"


def preview_url(stored):
    return f"/rapportering/klimabudsjett/import/{stored.pk}/"


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def status_form(client, action, *, chosen=(), reasons=None, **changes):
    """The status form as the browser sends it: what the page shows, the changes typed in, the measures chosen.

    status_form(client, "save", T1={"status": "on_track"}) chooses On track for T1.
    """
    page = client.get(status_url())
    assert page.status_code == 200
    data = {"action": action, "measure": [str(measure(n).pk) for n in chosen]}
    for row in page.context["rows"]:
        number = row.measure.number
        if row.form is not None:
            fields = {name: row.form.initial.get(name, "") for name in row.form.fields}
            fields.update(changes.get(number, {}))
            data.update({row.form.add_prefix(name): value for name, value in fields.items()})
        if reasons and number in reasons:
            data[f"reason-{row.measure.pk}"] = reasons[number]
    return data


def snapshot():
    """Everything the pages write, to show that a refused request wrote nothing."""
    return (
        list(MeasureReport.objects.order_by("pk").values_list("pk", "status", "explanation", "workflow")),
        MeasureReportRevision.objects.count(),
        list(ClimateMeasure.objects.order_by("pk").values_list("pk", "number", "title", "sector")),
        list(MeasureYear.objects.order_by("measure", "year").values_list("measure", "year", "cut", "result_target")),
        PlanChange.objects.count(),
        ClimateImport.objects.filter(confirmed_at__isnull=False).count(),
    )


# --- the reporting round ----------------------------------------------------------------------------------------


def test_a_planner_reports_statuses_and_submits_them(client, english, budget, rana_planner):
    client.force_login(rana_planner)
    page = client.get(status_url()).content.decode()
    assert "Climate measures 2025: statuses for Rana".replace("2025", str(YEAR)) in page
    assert "Target: 40.0 per cent" in page.replace("\xa0", " ")  # T1's result target beside its figure

    data = status_form(
        client, "save",
        T1={"status": "on_track", "result": "35.5"},
        T2={"status": "delayed", "explanation": "The heat plant's tender was cancelled."},
    )  # fmt: skip
    response = client.post(status_url(), data, follow=True)
    assert messages_of(response) == ["2 statuses were saved as drafts."]
    assert (report("T1").status, report("T1").result_value, report("T1").workflow) == ("on_track", D("35.5"), "draft")
    assert report("T2").explanation == "The heat plant's tender was cancelled."
    assert not MeasureReport.objects.filter(measure__number="T3").exists()

    # Saving the same again writes nothing.
    response = client.post(status_url(), status_form(client, "save"), follow=True)
    assert messages_of(response) == ["Nothing was changed."]
    assert MeasureReportRevision.objects.count() == 2

    response = client.post(status_url(), status_form(client, "submit", chosen=["T1"]), follow=True)
    assert messages_of(response) == ["1 status was submitted."]
    assert (report("T1").workflow, report("T2").workflow) == ("submitted", "draft")

    response = client.post(status_url(), status_form(client, "submit_all"), follow=True)
    assert messages_of(response) == ["1 status was submitted."]
    assert report("T2").workflow == "submitted"
    assert report("T2").changed_by == rana_planner


def test_an_approver_returns_with_a_reason_then_approves_and_publishes(
    client, english, budget, rana_planner, rana_approver
):
    save_report(
        measure=measure("T1"), year=YEAR, status="on_track", explanation="", result_value=D(35), user=rana_planner
    )
    client.force_login(rana_planner)
    client.post(status_url(), status_form(client, "submit_all"))
    assert report("T1").workflow == "submitted"

    client.force_login(rana_approver)
    page = client.get(status_url())
    assert page.context["rows"][0].form is None  # an approver reads the status; she does not write it
    response = client.post(status_url(), status_form(client, "return", chosen=["T1"]))
    assert response.status_code == 200
    assert "Write why you return this status, so the planner can correct it." in response.content.decode()
    assert report("T1").workflow == "submitted"

    reasons = {"T1": "The figure is for 2023; give this year's."}
    response = client.post(status_url(), status_form(client, "return", chosen=["T1"], reasons=reasons), follow=True)
    assert messages_of(response) == ["1 status was returned to the planner."]
    returned = report("T1")
    assert (returned.workflow, returned.review_comment) == ("draft", reasons["T1"])

    client.force_login(rana_planner)
    page = client.get(status_url()).content.decode()
    assert "The figure is for 2023; give this year&#x27;s." in page  # beside the measure, and in its history
    client.post(status_url(), status_form(client, "submit", chosen=["T1"], T1={"result": "41"}))
    assert (report("T1").workflow, report("T1").result_value) == ("submitted", D(41))

    client.force_login(rana_approver)
    response = client.post(status_url(), status_form(client, "approve", chosen=["T1", "T2"]), follow=True)
    assert messages_of(response) == [
        "1 status was approved.",
        "1 chosen measure was left as it was: only submitted statuses are approved.",
    ]
    assert compose(budget, YEAR, published_only=True).measures[0].status == ""  # approved is not public yet
    response = client.post(status_url(), status_form(client, "publish", chosen=["T1"]), follow=True)
    assert messages_of(response) == ["1 status was published."]
    public = compose(budget, YEAR, published_only=True).measures[0]
    assert (public.status, public.result) == ("on_track", D(41))
    steps = list(report("T1").revisions.values_list("workflow", "reason"))
    assert steps == [
        ("draft", ""),
        ("submitted", ""),
        ("draft", reasons["T1"]),
        ("draft", ""),  # the planner's new figure
        ("submitted", ""),
        ("approved", ""),
        ("published", ""),
    ]


def test_the_published_status_stays_public_while_a_new_draft_is_written(client, english, budget, rana_planner):
    make.measure_report(measure("T1"), YEAR, "on_track", workflow=ReportStatus.PUBLISHED, result=30)
    client.force_login(rana_planner)
    data = status_form(client, "save", T1={"status": "delayed", "explanation": "The supplier went bankrupt."})
    client.post(status_url(), data)
    draft = report("T1")
    assert (draft.status, draft.workflow, draft.published_status) == ("delayed", "draft", "on_track")

    public = compose(budget, YEAR, published_only=True).measures[0]
    assert (public.status, public.explanation, public.result) == ("on_track", "", D(30))
    working = compose(budget, YEAR, published_only=False).measures[0]
    assert (working.status, working.explanation) == ("delayed", "The supplier went bankrupt.")
    assert "The public reads: On track" in client.get(status_url()).content.decode()


@pytest.mark.parametrize("status", ["delayed", "changed", "cancelled"])
def test_a_delayed_changed_or_cancelled_measure_needs_an_explanation(client, english, budget, rana_planner, status):
    client.force_login(rana_planner)
    response = client.post(status_url(), status_form(client, "save", T2={"status": status, "explanation": "  "}))
    page = response.content.decode()
    assert "Nothing was saved" in page
    assert "T2: Explain why the measure is delayed, changed or cancelled." in page
    assert 'aria-invalid="true"' in page
    assert not MeasureReport.objects.exists()

    client.post(status_url(), status_form(client, "save", T2={"status": status, "explanation": "Moved to 2027."}))
    assert (report("T2").status, report("T2").explanation) == (status, "Moved to 2027.")


def test_a_status_is_needed_for_a_figure_and_the_figure_must_be_a_number(client, english, budget, rana_planner):
    client.force_login(rana_planner)
    data = status_form(client, "save", T1={"result": "35"}, T3={"status": "done", "result": "mye"})
    response = client.post(status_url(), data)
    page = response.content.decode()
    assert "T1: Choose a status: the measure has an explanation or a figure but no status." in page
    assert "T3: “mye” is not a number. Write it like 1 234,5 or 1234.5." in page
    assert not MeasureReport.objects.exists()


def test_figures_are_read_in_the_pages_language(client, budget, rana_planner):
    client.force_login(rana_planner)  # bokmål: 1 234,5
    client.post(status_url(), status_form(client, "save", T1={"status": "done", "result": "1 234,5"}))
    assert report("T1").result_value == D("1234.5")


# --- who may do what --------------------------------------------------------------------------------------------


def test_a_planner_cannot_approve_or_publish(client, budget, rana_planner):
    make.measure_report(measure("T1"), YEAR, "on_track", workflow=ReportStatus.APPROVED)
    make.measure_report(measure("T3"), YEAR, "on_track", workflow=ReportStatus.SUBMITTED)
    client.force_login(rana_planner)
    before = snapshot()
    for action in ("publish", "approve", "return"):
        data = status_form(client, action, chosen=["T1", "T3"], reasons={"T1": "x", "T3": "x"})
        assert client.post(status_url(), data).status_code == 404
    assert snapshot() == before
    assert compose(budget, YEAR, published_only=True).measures[0].status == ""


def test_an_approver_cannot_write_statuses_or_import(client, budget, rana_planner, rana_approver):
    client.force_login(rana_planner)
    data = status_form(client, "save", T1={"status": "done"})
    client.force_login(rana_approver)
    before = snapshot()
    assert client.post(status_url(), data).status_code == 404
    assert client.post(status_url(), {**data, "action": "submit_all"}).status_code == 404
    assert client.get(template_url()).status_code == 404
    assert client.get(import_url()).status_code == 404
    assert snapshot() == before


def test_an_oslo_planner_cannot_touch_rana(client, budget, rana_planner, oslo_planner):
    client.force_login(rana_planner)
    data = status_form(client, "save", T1={"status": "done"})
    client.post(import_url(), {"file": SimpleUploadedFile("t.csv", b"Nummer;Tiltak;Sektor\nT9;Nytt;Veitrafikk\n")})
    stored = ClimateImport.objects.get()
    client.force_login(oslo_planner)
    before = snapshot()
    for url in (status_url(), template_url(), import_url(), preview_url(stored)):
        assert client.get(url).status_code == 404, url
    assert client.post(status_url(), data).status_code == 404
    assert client.post(status_url(), {**data, "action": "submit_all"}).status_code == 404
    assert client.post(preview_url(stored)).status_code == 404
    upload = SimpleUploadedFile("t.csv", b"Nummer;Tiltak;Sektor\nT9;Nytt;Veitrafikk\n")
    assert client.post(import_url(), {"file": upload}).status_code == 404
    assert snapshot() == before
    assert ClimateImport.objects.count() == 1


@pytest.mark.parametrize("who", ["reader", "oslo_planner", None])
def test_nobody_else_sees_the_pages(client, budget, who, request):
    if who:
        client.force_login(request.getfixturevalue(who))
    for url in (status_url(), template_url(), import_url()):
        response = client.get(url)
        if who:
            assert response.status_code == 404, url
        else:
            assert response.status_code == 302 and response.url.startswith("/logg-inn/"), url


def test_a_year_without_a_climate_budget_says_so(client, english, rana, rana_planner):
    client.force_login(rana_planner)
    page = client.get(status_url()).content.decode()
    assert f"No økonomiplan with a climate budget covers {YEAR}." in page
    assert client.get(template_url()).status_code == 404


def test_the_reporting_start_links_to_the_statuses_where_a_budget_is_in_force(client, english, budget, rana_planner):
    client.force_login(rana_planner)
    assert status_url() in client.get("/rapportering/").content.decode()
    budget.plan.period_start = YEAR + 1
    budget.plan.save()
    assert status_url() not in client.get("/rapportering/").content.decode()


# --- the spreadsheet --------------------------------------------------------------------------------------------


def upload(client, content: bytes, name="klimatiltak.xlsx"):
    response = client.post(import_url(), {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 302, response.content.decode()[:2000]
    return client.get(response.url)


def csv_file(text: str) -> bytes:
    return ("\ufeff" + text).encode()


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_the_template_reads_back_unchanged(client, budget, rana_planner, language, settings):
    measure_t2 = measure("T2")
    measure_t2.title = "=Fjernvarme, trinn 2"  # a title a spreadsheet would run as a formula
    measure_t2.save()
    make.measure_report(measure("T1"), YEAR, "on_track", result="35.5", workflow=ReportStatus.PUBLISHED)
    make.measure_report(measure_t2, YEAR, "delayed", explanation="Anbudet ble avlyst.")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(rana_planner)
    response = client.get(template_url())
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    content = response.content

    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.worksheets[0]
    header = [c.value for c in sheet[1]]
    expected = {"nb": ("Nummer", "Veitrafikk", f"Status {YEAR}"), "nn": ("Nummer", "Vegtrafikk", f"Status {YEAR}"),
                "en": ("Number", "Road traffic", f"Status {YEAR}")}[language]  # fmt: skip
    assert header[0] == expected[0] and expected[2] in header
    assert sheet["C2"].value == expected[1]
    assert sheet["B3"].value == "'=Fjernvarme, trinn 2"
    assert all(cell.comment for cell in sheet[1])  # every heading has its note
    assert len(header) == 9 + 4 * len(range(YEAR, 2031)) + 3
    validated = {str(v.sqref).split(":")[0] for v in sheet.data_validations.dataValidation}
    assert {"C2", "E2", "G2", "H2"} <= validated  # sector, level, effect class, captured
    assert sheet.max_row == 4  # three measures; the empty rows below carry only the lists

    before = snapshot()
    preview = upload(client, content)
    assert preview.context["problems"] == []
    assert preview.context["counts"] == {"new": 0, "changed": 0, "unchanged": 3}
    assert preview.context["statuses"] == {"new": 0, "changed": 0, "unchanged": 2}
    read = {row.measure.number: row for row in preview.context["preview"]}
    assert read["T2"].measure.title == "=Fjernvarme, trinn 2"
    assert read["T1"].result == D("35.5") and read["T2"].explanation == "Anbudet ble avlyst."
    assert [(y.year, y.cut, y.cut_low, y.cut_high, y.result_target) for y in read["T1"].years] == [
        (YEAR, D(100), D(80), D(120), D(40)),
        (YEAR + 1, D(200), None, None, D(60)),
    ]
    assert (read["T3"].measure.level, read["T3"].measure.captured_by_inventory) == ("regional", False)
    client.post(preview_url(ClimateImport.objects.get()))
    assert snapshot()[:5] == before[:5]  # imported, and nothing changed


def test_an_import_creates_and_changes_measures_and_statuses_once(client, english, budget, rana_planner):
    text = (
        f"Nummer;Tiltak;Sektor;Hvem sitt tiltak;Effektklasse;Resultatindikator (kode);Kutt {YEAR};"
        f"Resultatmål {YEAR};Status {YEAR};Forklaring {YEAR};Resultat {YEAR}\n"
        f"T1;Utslippsfrie byggeplasser;Veitrafikk;Kommunens eget;;nullutslipp-byggeplasser;110;45;I rute;;42,5\n"
        f"T4;Ladepunkter;Veitrafikk;Regionalt;;nullutslipp-byggeplasser;1 234,5;;Ikke startet;;\n"
    )
    client.force_login(rana_planner)
    preview = upload(client, csv_file(text), "klimatiltak.csv")
    assert preview.context["problems"] == []
    assert [(r.measure_change, r.report_change) for r in preview.context["preview"]] == [
        ("changed", "new"),
        ("new", "new"),
    ]
    assert preview.context["preview"][0].changed == ["Cuts and result targets"]
    stored = ClimateImport.objects.get()
    response = client.post(preview_url(stored), follow=True)
    assert messages_of(response) == ["Imported klimatiltak.csv: 1 new measures, 1 changed, 2 statuses saved as drafts."]
    assert response.redirect_chain[-1][0] == status_url()
    t1 = measure("T1")
    # The file's columns replace the saved figures; the columns and years it does not have stay.
    assert list(t1.years.values_list("year", "cut", "cut_low", "cut_high", "result_target")) == [
        (YEAR, D(110), D(80), D(120), D(45)),
        (YEAR + 1, D(200), None, None, D(60)),
    ]
    assert t1.emission_source == "Anleggsmaskiner"  # a column the file leaves out stays
    t4 = measure("T4")
    assert (t4.level, t4.years.get().cut, report("T4").status) == ("regional", D("1234.5"), "not_started")
    assert (report("T1").status, report("T1").result_value, report("T1").workflow) == ("on_track", D("42.5"), "draft")
    assert PlanChange.objects.filter(reason="Imported from the file klimatiltak.csv").count() == 2
    stored.refresh_from_db()
    assert stored.confirmed_at is not None and stored.rows == 2

    after = snapshot()
    response = client.post(preview_url(stored), follow=True)
    assert messages_of(response) == ["This file has already been imported; nothing was changed."]
    assert snapshot() == after


def test_an_import_with_bad_rows_writes_nothing_and_says_which_row_and_why(client, english, budget, rana_planner):
    text = (
        f"Nummer;Tiltak;Sektor;Effektklasse;Resultatindikator (kode);Kutt {YEAR};Status {YEAR};Forklaring {YEAR}\n"
        f"T4;Ladepunkter;Veitrafikk;;nullutslipp-byggeplasser;10;I rute;\n"  # line 2: fine
        f"T5;Biogass;Jordbruk;Middels;;;Forsinket;\n"  # line 3: delayed without an explanation
        f"T6;Elbusser;Veitrafikk;;ukjent-indikator;20;;\n"  # line 4: no such indicator
        f"T4;Ladepunkter igjen;Veitrafikk;Lav;;;;\n"  # line 5: the number again
        f"T7;Ferjer;Havet;Lav;;;;\n"  # line 6: no such sector
        f"T8;Solceller;Oppvarming;;;mange;;\n"  # line 7: not a number
        f"T9;Varmepumper;Oppvarming;;;;;Ferdig\n"  # line 8: an explanation without a status
        f"T10;Ingenting;Oppvarming;;;;;\n"  # line 9: neither tonnes nor an effect class
    )
    client.force_login(rana_planner)
    before = snapshot()
    preview = upload(client, csv_file(text), "klimatiltak.csv")
    problems = [str(p) for p in preview.context["problems"]]
    assert problems == [
        "line 3, column “Forklaring 2025”: Explain why the measure is delayed: a delayed, changed or cancelled "
        "measure needs an explanation.".replace("2025", str(YEAR)),
        "line 4, column “Resultatindikator (kode)”: No indicator has the code “ukjent-indikator”; write the code as "
        "the indicator's page shows it.",
        "line 5, column “Nummer”: The number T4 is used twice (first on line 2); each measure needs its own.",
        "line 6, column “Sektor”: “Havet” is not one of: “Industry, oil and gas”, “Energy supply”, “Heating”, "
        "“Road traffic”, “Shipping”, “Aviation”, “Other mobile combustion”, “Agriculture”, “Waste and wastewater”, "
        "“Products with fluorinated gases”, “The municipality's own organisation”.",
        f"line 7, column “Kutt {YEAR}”: “mange” is not a number. Write it like 1 234,5 or 1234.5.",
        f"line 8, column “Status {YEAR}”: Choose the status for {YEAR}; the row has an explanation or a result but "
        "no status.",
        "line 9: Give the expected cut in tonnes for at least one year, or an effect class when it cannot be put in "
        "tonnes.",
    ]
    page = preview.content.decode()
    assert "The file cannot be imported: 7 problems. Nothing has been stored." in page
    assert "Import the measures" not in page
    assert client.post(preview_url(ClimateImport.objects.get())).status_code == 200
    assert snapshot() == before


def test_an_import_in_nynorsk_labels_works(client, budget, rana_planner, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nn"
    text = (
        f"Nummer;Tiltak;Sektor;Utsleppskjelde;Kven sitt tiltak;Ansvarleg eining;Effektklasse;"
        f"Med i utsleppsrekneskapen;Resultatindikator (kode);Kutt {YEAR};Lågt anslag {YEAR};Høgt anslag {YEAR};"
        f"Status {YEAR};Forklaring {YEAR};Resultat {YEAR}\n"
        f"T4;Landstraum i hamna;Sjøfart;Ferjer;Kommunen sitt eige;Hamnevesenet;Låg;Nei;;;;;Forseinka;"
        f"Ventar på nettselskapet;\n"
        f"T5;Bioenergi;Anna mobil forbrenning;;Nasjonalt;;Høg;Ja;;;;;Ikkje starta;;\n"
        f"T1;Utsleppsfrie byggeplassar;Vegtrafikk;;Regionalt;;;Ja;nullutslipp-byggeplasser;110;90;130;Endra;"
        f"Færre byggeplassar;12.5\n"
    )
    client.force_login(rana_planner)
    preview = upload(client, csv_file(text), "tiltak.csv")
    assert preview.context["problems"] == []
    client.post(preview_url(ClimateImport.objects.get()))
    t4 = measure("T4")
    assert (t4.sector, t4.level, t4.effect_class, t4.captured_by_inventory) == ("sjofart", "own", "low", False)
    assert (t4.emission_source, t4.responsible_unit) == ("Ferjer", "Hamnevesenet")
    assert (report("T4").status, report("T4").explanation) == ("delayed", "Ventar på nettselskapet")
    t5 = measure("T5")
    assert (t5.sector, t5.level, t5.effect_class) == ("annen-mobil-forbrenning", "national", "high")
    assert report("T5").status == "not_started"
    t1 = measure("T1")
    assert (t1.title, t1.level) == ("Utsleppsfrie byggeplassar", "regional")
    assert PlanChange.objects.count() == 3  # T4 and T5 added, T1 changed: each in the plan's log
    assert t1.years.get(year=YEAR).cut_high == D(130)
    assert (report("T1").status, report("T1").result_value) == ("changed", D("12.5"))


def test_an_import_is_checked_as_a_whole_against_the_reference_path(client, english, budget, rana_planner):
    """Road traffic emits 9 000 tonnes on its reference path: cuts are checked with the file's other measures."""
    MeasureYear.objects.filter(measure__number="T1", year=YEAR).update(cut_low=None, cut_high=None)
    header = f"Nummer;Tiltak;Sektor;Resultatindikator (kode);Kutt {YEAR}\n"
    too_much = (
        header
        + "T1;Byggeplasser;Veitrafikk;nullutslipp-byggeplasser;5000\n"
        + "T3;Sykkel;Veitrafikk;nullutslipp-byggeplasser;4500\n"
    )
    client.force_login(rana_planner)
    problems = [str(p) for p in upload(client, csv_file(too_much), "a.csv").context["problems"]]
    assert problems[0] == (
        f"line 2: {YEAR}: the measures in road traffic would cut 9,500 tonnes, more than the 9,000 tonnes the sector "
        "emits on its reference path."
    )
    # Moving the cut from one measure to another is fine, whichever row comes first.
    MeasureYear.objects.filter(measure__number="T3").update(cut=D(8000))
    moved = (
        header
        + "T3;Sykkel;Veitrafikk;nullutslipp-byggeplasser;100\n"
        + "T1;Byggeplasser;Veitrafikk;nullutslipp-byggeplasser;8000\n"
    )
    preview = upload(client, csv_file(moved), "b.csv")
    assert preview.context["problems"] == []
    client.post(preview_url(ClimateImport.objects.latest("pk")))
    assert measure("T1").years.get(year=YEAR).cut == D(8000)
    assert measure("T3").years.get(year=YEAR).cut == D(100)


def test_a_replaced_versions_statuses_are_imported_but_its_measures_stay(client, english, budget, rana_planner):
    """Last year's statuses are reported on the version in force last year, replaced since by this year's."""
    budget.plan.status = PlanStatus.REPLACED
    budget.plan.save()
    header = f"Nummer;Tiltak;Sektor;Effektklasse;Status {YEAR};Forklaring {YEAR}\n"
    client.force_login(rana_planner)
    assert status_url() in client.get("/rapportering/").content.decode()
    changed = header + "T2;Fjernvarme;Oppvarming;Middels;I rute;\nT4;Ny;Oppvarming;Lav;;\n"
    problems = [str(p) for p in upload(client, csv_file(changed), "a.csv").context["problems"]]
    assert problems == [
        "line 3: This version is replaced: its measures can no longer be changed, only their statuses reported. "
        "Change the measure in the version in force."
    ]
    statuses = header + "T2;Fjernvarme;Oppvarming;Middels;Forsinket;Anbudet kom sent.\n"
    preview = upload(client, csv_file(statuses), "b.csv")
    assert preview.context["problems"] == []
    client.post(preview_url(ClimateImport.objects.latest("pk")))
    assert (report("T2").status, report("T2").workflow) == ("delayed", "draft")
    assert not ClimateMeasure.objects.filter(number="T4").exists()


def test_a_status_column_for_another_year_is_refused(client, english, budget, rana_planner):
    text = f"Nummer;Tiltak;Sektor;Effektklasse;Status {YEAR - 1}\nT2;Fjernvarme;Oppvarming;Middels;I rute\n"
    client.force_login(rana_planner)
    problems = [str(p) for p in upload(client, csv_file(text), "a.csv").context["problems"]]
    assert problems == [
        f"line 1, column “Status {YEAR - 1}”: The column is for {YEAR - 1}; this import is for {YEAR}. Download the "
        f"template for {YEAR}, or upload the file on the page for {YEAR - 1}."
    ]


def test_problems_are_told_in_the_users_language(client, budget, rana_planner):
    client.force_login(rana_planner)  # no language chosen: bokmål, the portal's default
    text = "Nummer;Tiltak;Sektor;Effektklasse\nT4;Ladepunkter;Veitrafikk;Enorm\n"
    page = upload(client, csv_file(text), "a.csv").content.decode()
    assert "linje 2, kolonne «Effektklasse»" in page


# --- queries ----------------------------------------------------------------------------------------------------


def test_the_status_page_takes_a_fixed_number_of_queries(
    client, budget, rana_planner, result_indicator, django_assert_num_queries
):
    def status_page():
        # 1. the session
        # 2. the user
        # 3. the user's roles
        # 4. the members of the networks the user coordinates
        # 5. whether the user coordinates any network
        # 6. the number with its municipality
        # 7. the municipality's numbers
        # 8. the climate budget for the year, with its plan
        # 9–16. compose(): interim targets, sectors, their years, measures with their result indicators, their
        #    years, the inventory, the year's reports, the reference year's revisions; no strategic projects, so
        #    no budget lines
        # 17. the reports' histories with who changed them
        # 18. what the people without a full name are in the municipality (indicators/people.py)
        with django_assert_num_queries(18):
            response = client.get(status_url())
        assert response.status_code == 200
        return response

    client.force_login(rana_planner)
    save_report(measure=measure("T1"), year=YEAR, status="done", explanation="", result_value=None, user=rana_planner)
    client.get(status_url())  # the session and the first-request work
    assert len(status_page().context["rows"]) == 3
    for number in range(10):
        extra = make.climate_measure(
            budget, f"X{number}", "oppvarming", result_indicator=result_indicator, cuts={YEAR: 1}, targets={YEAR: 5}
        )
        save_report(
            measure=extra, year=YEAR, status="delayed", explanation="Sent.", result_value=D(1), user=rana_planner
        )
    assert len(status_page().context["rows"]) == 13
