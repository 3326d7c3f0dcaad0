"""Money beside progress: budget lines entered in the browser and imported from CSV or XLSX, and who may do it."""

import datetime
import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from indicators.models import MunicipalityRole, Role, reporting_year
from plans.models import (
    BudgetImport,
    BudgetLine,
    FocusArea,
    PlanChange,
    PlanStatus,
    PlanType,
    StrategicProject,
)
from tests import factories as make
from tests import pages

YEAR = reporting_year()
NBSP = "\xa0"


@pytest.fixture
def plans(rana, oslo):
    """Rana's plan chain for YEAR: a kommuneplan, an adopted økonomiplan and årsbudsjett, a draft, and plans that
    do not count (a replaced version, one for other years); Oslo's own økonomiplan."""
    kommuneplan = make.plan(rana, PlanType.KOMMUNEPLAN_SAMFUNN, first=YEAR - 5, last=YEAR + 7)
    climate = make.focus_area(kommuneplan, "Klima og miljø i kommuneplanen")
    okonomiplan = make.plan(rana, PlanType.OKONOMIPLAN, first=YEAR, last=YEAR + 3)
    green = make.focus_area(okonomiplan, "Grønn omstilling", order=1, carries=climate)
    make.focus_area(okonomiplan, "Oppvekst", order=2)
    cycling = StrategicProject.objects.create(
        plan=okonomiplan, title="Sykkelbyen", first_budget_year=YEAR - 1, last_budget_year=YEAR + 1
    )
    cycling.focus_areas.set([green])
    StrategicProject.objects.create(plan=okonomiplan, title="Fritt prosjekt")
    StrategicProject.objects.create(plan=okonomiplan, title="Ferdig prosjekt", last_budget_year=YEAR - 1)
    StrategicProject.objects.create(plan=okonomiplan, title="Framtidig prosjekt", first_budget_year=YEAR + 1)
    budget = make.plan(rana, PlanType.ARSBUDSJETT, first=YEAR, last=YEAR)
    make.focus_area(budget, "Drift")
    draft = make.plan(
        rana, PlanType.OKONOMIPLAN, first=YEAR, last=YEAR + 3, status=PlanStatus.DRAFT, title="Økonomiplan, utkast"
    )
    make.focus_area(draft, "Ny satsing")
    replaced = make.plan(rana, PlanType.OKONOMIPLAN, first=YEAR - 1, last=YEAR + 2, status=PlanStatus.REPLACED)
    make.focus_area(replaced, "Utgått område")
    later = make.plan(rana, PlanType.OKONOMIPLAN, first=YEAR + 1, last=YEAR + 4)
    make.focus_area(later, "Senere område")
    oslo_plan = make.plan(oslo, PlanType.OKONOMIPLAN, first=YEAR, last=YEAR + 3)
    make.focus_area(oslo_plan, "Oslos område")
    return {"okonomiplan": okonomiplan, "budget": budget, "draft": draft, "kommuneplan": kommuneplan}


@pytest.fixture
def reader(rana, politician):
    """The politician, with a reader's role in Rana too: may see Rana's drafts, not its budget."""
    return make.role(politician, rana, Role.READER)


def entry_url(code="1833", year=YEAR):
    return f"/rapportering/{code}/budsjett/{year}/"


def area(title):
    return FocusArea.objects.get(title=title)


def project(title):
    return StrategicProject.objects.get(title=title)


def entry_form(client, **changes):
    """The entry form as the browser sends it: what the page shows, with the changes typed in.

    entry_form(client, Drift={"adopted": "1 234"}) types into the row titled Drift.
    """
    page = client.get(entry_url())
    assert page.status_code == 200
    data = {}
    for row in page.context["budget"].rows:
        form = row.form
        fields = {name: form.initial.get(name, "") for name in form.fields}
        fields.update(changes.get(row.title, {}))
        data.update({form.add_prefix(name): value for name, value in fields.items()})
    return data


def snapshot():
    """Everything the budget pages write, to show that a refused request wrote nothing."""
    return (
        list(
            BudgetLine.objects.order_by("pk").values_list(
                "pk", "adopted", "revised", "accounts", "source", "changed_at"
            )
        ),
        PlanChange.objects.count(),
        BudgetImport.objects.filter(confirmed_at__isnull=False).count(),
    )


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


# --- the rows of a year ----------------------------------------------------------------------------------------


def test_the_page_lists_the_financial_plans_in_force_and_drafts(client, english, plans, rana_planner):
    client.force_login(rana_planner)
    response = client.get(entry_url())
    assert response.status_code == 200
    page = response.content.decode()
    titles = [row.title for row in response.context["budget"].rows]
    assert titles == ["Grønn omstilling", "Sykkelbyen", "Oppvekst", "Fritt prosjekt", "Drift", "Ny satsing"]
    assert [group.is_draft for group in response.context["budget"].groups] == [False, False, True]
    for absent in ["Klima og miljø i kommuneplanen", "Utgått område", "Senere område", "Oslos område"]:
        assert absent not in titles
    assert "Carries forward: Klima og miljø i kommuneplanen" in page
    assert "Projects without a focus area in this plan" in page
    assert f"/rapportering/1833/budsjett/{YEAR}/import/" in page
    assert f"/rapportering/1833/budsjett/{YEAR}/mal.xlsx" in page
    # Every input has a label naming the amount and the row.
    fa = area("Oppvekst")
    assert f'<label class="visually-hidden" for="id_I-{fa.pk}-revised">Revised budget, Oppvekst</label>' in page
    assert '<th scope="col" class="text-end">Accounts</th>' in page


def test_a_year_without_financial_plans_says_so(client, english, rana, rana_planner):
    client.force_login(rana_planner)
    response = client.get(entry_url())
    assert response.status_code == 200
    assert f"No adopted financial plan (økonomiplan or årsbudsjett) covers {YEAR}" in response.content.decode()


# --- entering ---------------------------------------------------------------------------------------------------


def test_a_planner_saves_amounts_typed_the_norwegian_way_and_each_is_logged(client, english, plans, rana_planner):
    client.force_login(rana_planner)
    data = entry_form(
        client,
        Drift={"adopted": "1 234", "revised": f"1{NBSP}500"},
        Sykkelbyen={"accounts": "800"},
    )
    response = client.post(entry_url(), data, follow=True)
    assert messages_of(response) == ["Saved 2 changed budget lines."]
    drift = BudgetLine.objects.get(focus_area=area("Drift"), year=YEAR)
    assert (drift.adopted, drift.revised, drift.accounts, drift.budget) == (1234, 1500, None, 1500)
    assert drift.municipality.name == "Rana" and drift.changed_by == rana_planner
    assert drift.source == "Entered in the portal"
    cycling = BudgetLine.objects.get(project=project("Sykkelbyen"), year=YEAR)
    assert (cycling.adopted, cycling.accounts) == (None, 800)
    assert BudgetLine.objects.count() == 2

    logged = {change.subject: change for change in PlanChange.objects.all()}
    assert set(logged) == {f"Budget {YEAR}: Drift", f"Budget {YEAR}: Sykkelbyen"}
    drift_log = logged[f"Budget {YEAR}: Drift"]
    assert drift_log.plan == plans["budget"] and drift_log.action == PlanChange.Action.CREATED
    assert drift_log.changed_by == rana_planner
    # Written in the planner's language, labels and figures alike.
    assert drift_log.details == [["Adopted budget", "–", "1,234"], ["Revised budget", "–", "1,500"]]
    assert logged[f"Budget {YEAR}: Sykkelbyen"].plan == plans["okonomiplan"]
    # The page shows the stored amounts as its language writes them, and reads them back the same.
    assert 'value="1,234"' in client.get(entry_url()).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nb"
    assert f'value="1{NBSP}234"' in client.get(entry_url()).content.decode()


def test_only_the_changed_rows_are_written(client, english, plans, rana_planner):
    long_ago = timezone.now() - datetime.timedelta(days=30)
    kept = BudgetLine.objects.create(
        municipality=plans["budget"].municipality,
        year=YEAR,
        focus_area=area("Oppvekst"),
        adopted=Decimal(500),
        source="Earlier",
        changed_at=long_ago,
    )
    changed = BudgetLine.objects.create(
        municipality=plans["budget"].municipality,
        year=YEAR,
        focus_area=area("Drift"),
        adopted=Decimal(1000),
        revised=Decimal(1000),
        source="Earlier",
        changed_at=long_ago,
    )
    client.force_login(rana_planner)
    response = client.post(entry_url(), entry_form(client, Drift={"revised": "1200"}), follow=True)
    assert messages_of(response) == ["Saved 1 changed budget line."]
    kept.refresh_from_db()
    changed.refresh_from_db()
    assert (kept.changed_at, kept.source) == (long_ago, "Earlier")
    assert (changed.adopted, changed.revised, changed.source) == (1000, 1200, "Entered in the portal")
    assert changed.changed_at > long_ago
    log = PlanChange.objects.get()
    assert (log.action, log.plan) == (PlanChange.Action.CHANGED, plans["budget"])
    assert log.details == [["Revised budget", "1,000", "1,200"]]


def test_an_unchanged_form_writes_nothing(client, english, plans, rana_planner):
    BudgetLine.objects.create(
        municipality=plans["budget"].municipality, year=YEAR, focus_area=area("Drift"), adopted=Decimal(12345)
    )
    client.force_login(rana_planner)
    before = snapshot()
    response = client.post(entry_url(), entry_form(client), follow=True)
    assert messages_of(response) == ["Nothing was changed."]
    assert snapshot() == before


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("tolv", "“tolv” is not a number. Write whole thousands of kroner, like 1 234."),
        ("-5", "The number cannot be negative."),
        ("12,5", "“12,5” is not a whole number."),
        ("99 999 999 999 999 999", "The number is too large."),
        ("1e5", "“1e5” is not a number."),
    ],
)
def test_bad_numbers_are_refused_with_a_message_and_nothing_is_saved(
    client, english, plans, rana_planner, typed, message
):
    client.force_login(rana_planner)
    before = snapshot()
    # A good amount in another row: the form is saved whole or not at all.
    data = entry_form(client, Drift={"adopted": "100"}, Oppvekst={"accounts": typed})
    response = client.post(entry_url(), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert messages_of(response) == ["Nothing was saved. Correct the fields marked below."]
    assert message in page
    field_id = f"id_I-{area('Oppvekst').pk}-accounts"
    assert f'aria-describedby="{field_id}-error"' in page and 'aria-invalid="true"' in page
    # What the planner typed stays in the form.
    assert f'value="{typed}"' in page
    assert snapshot() == before


def test_someone_elses_change_meanwhile_is_not_overwritten(client, english, plans, rana_planner, rana):
    client.force_login(rana_planner)
    data = entry_form(client, Drift={"adopted": "700"})
    colleague = make.role(make.user("kollega-rana"), rana, Role.PLANNER)
    BudgetLine.objects.create(
        municipality=plans["budget"].municipality,
        year=YEAR,
        focus_area=area("Drift"),
        adopted=Decimal(650),
        changed_by=colleague,
    )
    before = snapshot()
    response = client.post(entry_url(), data)
    assert response.status_code == 200
    assert "someone else changed budget lines while you were editing" in messages_of(response)[0]
    assert "Someone else saved this line while you were editing it." in response.content.decode()
    assert snapshot() == before

    # Saving again deliberately keeps the planner's amount.
    (marked,) = [row for row in response.context["budget"].rows if row.conflict]
    assert marked.title == "Drift"
    again = {key: marked.form.data[key] for key in data}
    assert again[f"I-{area('Drift').pk}-shown"] == "650;;"
    assert again[f"I-{area('Drift').pk}-adopted"] == "700"
    assert client.post(entry_url(), again).status_code == 302
    assert BudgetLine.objects.get(focus_area=area("Drift")).adopted == 700


def test_a_row_nobody_touched_keeps_a_colleagues_change(client, english, plans, rana_planner, django_user_model):
    client.force_login(rana_planner)
    data = entry_form(client, Drift={"adopted": "700"})
    BudgetLine.objects.create(
        municipality=plans["budget"].municipality, year=YEAR, focus_area=area("Oppvekst"), adopted=Decimal(42)
    )
    assert client.post(entry_url(), data).status_code == 302
    assert BudgetLine.objects.get(focus_area=area("Oppvekst")).adopted == 42
    assert BudgetLine.objects.get(focus_area=area("Drift")).adopted == 700


# --- permissions ------------------------------------------------------------------------------------------------


def year_pages() -> list[str]:
    """Every address of Rana's budget year, found in the URL conf, so that a new one is guarded the day it is added."""
    urls = []
    for route in pages.walk():
        if route.name.startswith("budget_") and {"code", "year"} <= set(route.converters):
            for fmt in ("csv", "xlsx") if "fmt" in route.converters else (None,):
                kwargs = {"code": "1833", "year": YEAR} | ({"fmt": fmt} if fmt else {})
                urls.append(reverse(route.name, kwargs=kwargs))
    return urls


PAGES = year_pages()


def test_the_walk_finds_the_entry_import_and_template_pages():
    """The permission tests below run on what the walk finds: it must find at least the pages known today."""
    assert {entry_url(), f"{entry_url()}import/", f"{entry_url()}mal.csv", f"{entry_url()}mal.xlsx"} <= set(PAGES)


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_visitors_are_sent_to_log_in(client, plans, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith("/logg-inn/")


@pytest.mark.parametrize("who", ["oslo_planner", "reader", "rana_approver"])
@pytest.mark.parametrize("url", PAGES)
def test_only_the_municipalitys_planners_see_the_budget(client, plans, who, url, request):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("who", [None, "oslo_planner", "reader", "rana_approver"])
def test_nobody_else_can_write_the_budget(client, plans, rana_planner, who, request):
    client.force_login(rana_planner)
    data = entry_form(client, Drift={"adopted": "100"})
    client.logout()
    if who:
        client.force_login(request.getfixturevalue(who))
    before = snapshot()
    assert client.post(entry_url(), data).status_code in (302, 404)
    upload = SimpleUploadedFile("b.csv", b"Type;Navn;Vedtatt budsjett;Revidert budsjett;Regnskap\n")
    assert client.post(f"{entry_url()}import/", {"file": upload}).status_code in (302, 404)
    assert snapshot() == before
    assert not BudgetImport.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        entry_url(year=1799),
        entry_url(year=YEAR + 6),
        entry_url(code="9999"),
        f"{entry_url()}mal.pdf",
    ],
)
def test_unknown_years_municipalities_and_formats_are_not_found(client, plans, rana_planner, url):
    client.force_login(rana_planner)
    assert client.get(url).status_code == 404


def test_next_years_budget_can_be_entered(client, plans, rana_planner):
    client.force_login(rana_planner)
    assert client.get(entry_url(year=YEAR + 2)).status_code == 200


def test_an_old_municipality_number_redirects_to_the_current_one(client, kongsberg):
    client.force_login(make.role(make.user("planlegger-kongsberg"), kongsberg, Role.PLANNER))
    response = client.get(entry_url(code="0604"))
    assert response.status_code == 302
    assert response.url == entry_url(code="3303")


def test_another_users_upload_cannot_be_seen_or_confirmed(client, plans, rana_planner, oslo_planner, rana):
    colleague = make.role(make.user("kollega-rana"), rana, Role.PLANNER)
    client.force_login(colleague)
    upload(client, csv_file(GOOD_CSV))
    stored = BudgetImport.objects.get()
    before = snapshot()
    for user in (rana_planner, oslo_planner):
        client.force_login(user)
        assert client.get(preview_url(stored)).status_code == 404
        assert client.post(preview_url(stored)).status_code == 404
    assert snapshot() == before
    stored.refresh_from_db()
    assert stored.confirmed_at is None


def test_an_upload_cannot_be_confirmed_after_the_role_is_gone(client, plans, rana_planner):
    client.force_login(rana_planner)
    upload(client, csv_file(GOOD_CSV))
    MunicipalityRole.objects.filter(user=rana_planner).delete()
    before = snapshot()
    assert client.post(preview_url(BudgetImport.objects.get())).status_code == 404
    assert snapshot() == before


# --- importing --------------------------------------------------------------------------------------------------

HEADER = "Type;Navn;Vedtatt budsjett;Revidert budsjett;Regnskap"
GOOD_CSV = f"{HEADER}\nInnsatsområde;Drift;1 234;;\nProsjekt;Sykkelbyen;500;550;480\ninnsatsområde;Oppvekst;;;\n"


def csv_file(text, name="budsjett.csv", encoding="utf-8-sig"):
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def upload(client, file, year=YEAR):
    response = client.post(f"{entry_url(year=year)}import/", {"file": file})
    if response.status_code == 302:
        return client.get(response.url)
    return response


def preview_url(stored):
    return f"/rapportering/budsjett/import/{stored.pk}/"


def test_a_csv_is_previewed_then_applied_once(client, english, plans, rana_planner):
    BudgetLine.objects.create(
        municipality=plans["budget"].municipality,
        year=YEAR,
        project=project("Sykkelbyen"),
        adopted=Decimal(500),
        revised=Decimal(500),
    )
    client.force_login(rana_planner)
    before = snapshot()
    preview = upload(client, csv_file(GOOD_CSV))
    assert preview.status_code == 200
    page = preview.content.decode()
    assert "New budget lines: 1 · changed: 1 · unchanged: 1." in page
    assert [item.status for item in preview.context["preview"]] == ["new", "changed", "unchanged"]
    assert snapshot() == before

    stored = BudgetImport.objects.get()
    response = client.post(preview_url(stored), follow=True)
    assert messages_of(response) == ["Imported budsjett.csv: 1 new budget lines, 1 changed, 1 unchanged."]
    assert response.redirect_chain[-1][0] == entry_url()
    drift = BudgetLine.objects.get(focus_area=area("Drift"))
    assert (drift.adopted, drift.revised, drift.accounts) == (1234, None, None)
    assert drift.source == "file budsjett.csv" and drift.changed_by == rana_planner
    cycling = BudgetLine.objects.get(project=project("Sykkelbyen"))
    assert (cycling.adopted, cycling.revised, cycling.accounts) == (500, 550, 480)
    assert not BudgetLine.objects.filter(focus_area=area("Oppvekst")).exists()
    assert sorted(PlanChange.objects.values_list("action", "reason")) == [
        ("changed", "Imported from the file budsjett.csv"),
        ("created", "Imported from the file budsjett.csv"),
    ]
    stored.refresh_from_db()
    assert stored.confirmed_at is not None and stored.rows == 3

    # Confirming twice changes nothing.
    after = snapshot()
    response = client.post(preview_url(stored), follow=True)
    assert messages_of(response) == ["This file has already been imported; nothing was changed."]
    assert snapshot() == after

    # Importing the same file again changes nothing either.
    preview = upload(client, csv_file(GOOD_CSV))
    assert "New budget lines: 0 · changed: 0 · unchanged: 3." in preview.content.decode()
    response = client.post(preview_url(BudgetImport.objects.latest("pk")), follow=True)
    assert messages_of(response) == ["Imported budsjett.csv: 0 new budget lines, 0 changed, 3 unchanged."]
    assert snapshot()[:2] == after[:2]


def test_a_comma_separated_file_without_bom_and_with_english_headers_is_read(client, english, plans, rana_planner):
    client.force_login(rana_planner)
    text = 'TYPE,name,Adopted budget,REVISED BUDGET,accounts\nProsjekt,Fritt prosjekt,"1 000",,"7"\n'
    upload(client, csv_file(text, encoding="utf-8"))
    client.post(preview_url(BudgetImport.objects.get()))
    line = BudgetLine.objects.get(project=project("Fritt prosjekt"))
    assert (line.adopted, line.revised, line.accounts) == (1000, None, 7)


def test_the_template_lists_the_rows_and_round_trips_as_csv(client, english, plans, rana_planner):
    FocusArea.objects.filter(title="Oppvekst").update(title="=SUM(A1)")
    BudgetLine.objects.create(
        municipality=plans["budget"].municipality, year=YEAR, focus_area=area("Drift"), adopted=Decimal(1234)
    )
    client.force_login(rana_planner)
    response = client.get(f"{entry_url()}mal.csv")
    assert response["Content-Disposition"] == f'attachment; filename="livskraft-budsjett-1833-{YEAR}.csv"'
    text = response.content.decode("utf-8-sig")
    lines = text.strip().split("\r\n")
    assert lines[0] == "Type;Plan;Navn;Vedtatt budsjett;Revidert budsjett;Regnskap;ID"
    assert len(lines) == 7
    assert f"Innsatsområde;{plans['budget']};Drift;1234;;;I-{area('Drift').pk}" in lines
    assert f";'=SUM(A1);;;;I-{area('=SUM(A1)').pk}" in text
    # The template uploaded as it is changes nothing.
    upload(client, csv_file(text))
    preview = client.get(preview_url(BudgetImport.objects.get()))
    assert [item.status for item in preview.context["preview"]] == ["unchanged"] * 6
    # Filled in, it is imported; the formula-looking name is matched through its ID.
    filled = text.replace(f";;;;I-{area('=SUM(A1)').pk}", f";5;;;I-{area('=SUM(A1)').pk}")
    upload(client, csv_file(filled))
    client.post(preview_url(BudgetImport.objects.latest("pk")))
    assert BudgetLine.objects.get(focus_area=area("=SUM(A1)")).adopted == 5


def test_an_xlsx_template_is_filled_in_and_imported(client, english, plans, rana_planner):
    client.force_login(rana_planner)
    workbook = load_workbook(io.BytesIO(client.get(f"{entry_url()}mal.xlsx").content))
    sheet = workbook.active
    rows = list(sheet.iter_rows(min_row=2))
    assert [row[2].value for row in rows] == [
        "Grønn omstilling",
        "Sykkelbyen",
        "Oppvekst",
        "Fritt prosjekt",
        "Drift",
        "Ny satsing",
    ]
    rows[0][3].value = 2500
    rows[0][5].value = 2400.0  # Excel keeps numbers as floats
    rows[5][4].value = "1 000"  # a number typed as text
    out = io.BytesIO()
    workbook.save(out)
    xlsx = SimpleUploadedFile("budsjett.xlsx", out.getvalue())
    preview = upload(client, xlsx)
    assert [item.status for item in preview.context["preview"]].count("new") == 2
    client.post(preview_url(BudgetImport.objects.get()))
    green = BudgetLine.objects.get(focus_area=area("Grønn omstilling"))
    assert (green.adopted, green.accounts) == (2500, 2400)
    draft = BudgetLine.objects.get(focus_area=area("Ny satsing"))
    assert draft.revised == 1000
    assert PlanChange.objects.get(subject=f"Budget {YEAR}: Ny satsing").plan == plans["draft"]


def test_a_name_in_two_plans_needs_the_plan_or_the_id(client, english, plans, rana_planner):
    FocusArea.objects.create(plan=plans["draft"], title="Drift")
    client.force_login(rana_planner)
    page = upload(client, csv_file(f"{HEADER}\nInnsatsområde;Drift;1;;\n")).content.decode()
    assert "“Drift” is the name of more than one row" in page
    text = f"Type;Plan;{HEADER[5:]}\nInnsatsområde;Økonomiplan, utkast;Drift;9;;\n"
    upload(client, csv_file(text))
    client.post(preview_url(BudgetImport.objects.latest("pk")))
    assert BudgetLine.objects.get().focus_area.plan == plans["draft"]


def xlsx_bytes(rows):
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


BAD_FILES = [
    (f"{HEADER}\nInnsatsområde;Ukjent;1;;\n", "line 3, column “Navn”: “Ukjent” is not a focus area or project"),
    (f"{HEADER}\nInnsatsområde;Drift;2;;\n", "line 3: The same focus area or project appears twice (first on line 2)"),
    (f"{HEADER}\nInnsatsområde;Oppvekst;;;mange\n", "line 3, column “Regnskap”: “mange” is not a number"),
    (f"{HEADER}\nInnsatsområde;Oppvekst;-4;;\n", "line 3, column “Vedtatt budsjett”: The number cannot be negative."),
    (f"{HEADER}\nInnsatsområde;Oppvekst;;12,5;\n", "line 3, column “Revidert budsjett”: “12,5” is not a whole number"),
    (f"{HEADER}\nInnsatsområde;Oppvekst;1e30;;\n", "“1e30” is not a number"),
    (f"{HEADER}\nInnsatsområde;Oppvekst;999999999999999999;;\n", "The number is too large."),
    (f"{HEADER}\nMål;Oppvekst;1;;\n", "line 3, column “Type”: “Mål” is not a type of row"),
    (f"{HEADER}\nProsjekt;Ferdig prosjekt;1;;\n", "“Ferdig prosjekt” is not a focus area or project"),
    (f"{HEADER}\nInnsatsområde;Oslos område;1;;\n", "“Oslos område” is not a focus area or project"),
    (f"{HEADER}\nInnsatsområde;Utgått område;1;;\n", "“Utgått område” is not a focus area or project"),
    (f"{HEADER};ID\nInnsatsområde;Oppvekst;1;;;I-999999\n", "column “ID”: “I-999999” is not the ID of a row"),
    (f"{HEADER}\nInnsatsområde;;1;;\n", "line 3, column “Navn”: The name is empty"),
    ("Type;Navn;Vedtatt budsjett;Regnskap\nInnsatsområde;Drift;1;2\n", "The file has no column “Revidert budsjett”"),
    ("Innsatsområde;Drift;1;;\n", "The file has no column “Type”"),
    (HEADER + "\n", "The file has a header but no rows."),
]


@pytest.mark.parametrize(("text", "message"), BAD_FILES)
def test_a_bad_file_is_explained_and_nothing_is_written(client, english, plans, rana_planner, text, message):
    # One good row first: a file is imported whole or not at all.
    header, _newline, rest = text.partition("\n")
    if "Navn" in header and rest:
        good = "Innsatsområde;Drift;10;;" + (";" if header.endswith(";ID") else "")
        text = f"{header}\n{good}\n{rest}"
    client.force_login(rana_planner)
    before = snapshot()
    page = upload(client, csv_file(text)).content.decode()
    assert message in page
    assert "Nothing has been stored." in page
    client.post(preview_url(BudgetImport.objects.get()))
    assert snapshot() == before
    assert BudgetImport.objects.get().confirmed_at is None


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (SimpleUploadedFile("budsjett.pdf", b"%PDF-1.4"), "Choose a .csv or .xlsx file."),
        (SimpleUploadedFile("budsjett.csv", b""), "The submitted file is empty."),
        (SimpleUploadedFile("budsjett.csv", b"   \n"), "The file is empty."),
        (SimpleUploadedFile("budsjett.csv", b";;;;\r\n;;;;\r\n"), "The file is empty."),
        (SimpleUploadedFile("budsjett.xlsx", xlsx_bytes([])), "The file is empty."),
        (SimpleUploadedFile("budsjett.xlsx", HEADER.encode()), "is called .xlsx but is not a spreadsheet"),
        (SimpleUploadedFile("budsjett.csv", bytes(range(256)) * 40), "not a text file"),
        (SimpleUploadedFile("budsjett.csv", b"\xff\xfeT\x00y\x00p\x00e\x00" * 30), "saved as UTF-16"),
        (
            SimpleUploadedFile("budsjett.xlsx", xlsx_bytes([["Type", "Navn"], ["Innsatsområde", "Drift"]])),
            "The file has no column “Vedtatt budsjett”",
        ),
    ],
)
def test_a_file_of_the_wrong_kind_is_refused(client, english, plans, rana_planner, file, message):
    client.force_login(rana_planner)
    before = snapshot()
    page = upload(client, file).content.decode()
    assert message in page
    if BudgetImport.objects.exists():
        client.post(preview_url(BudgetImport.objects.get()))
    assert snapshot() == before


def test_a_file_larger_than_the_limit_is_refused_before_it_is_stored(client, english, plans, rana_planner, settings):
    settings.LIVSKRAFT_MAX_UPLOAD_BYTES = 2**20
    client.force_login(rana_planner)
    big = csv_file(GOOD_CSV + "Innsatsområde;Drift;1;;\n" * 50_000)
    assert big.size > 2**20
    page = upload(client, big).content.decode()
    assert "the largest file the portal takes is 1 MB" in page
    assert not BudgetImport.objects.exists()


def test_problems_are_located_in_the_users_language(client, plans, rana_planner):
    client.force_login(rana_planner)  # no language chosen: bokmål, the portal's default
    page = upload(client, csv_file(f"{HEADER}\nInnsatsområde;Oppvekst;-1;;\n")).content.decode()
    assert "linje 2, kolonne «Vedtatt budsjett»: Tallet kan ikke være negativt." in page


# --- queries ----------------------------------------------------------------------------------------------------


def test_the_entry_page_takes_a_fixed_number_of_queries(client, plans, rana_planner, django_assert_num_queries):
    def entry_page(named: int):
        # 1. the session
        # 2. the user
        # 3. the user's roles
        # 4. the members of the networks the user coordinates
        # 5. whether the user coordinates any network
        # 6. the number with its municipality
        # 7. the municipality's numbers
        # 8. the financial plans (økonomiplan, årsbudsjett) in force or in draft for the year
        # 9. their focus areas with the focus areas they carry
        # 10. their strategic projects for the year
        # 11. the projects' focus areas
        # 12. the year's budget lines with who changed them
        # 13. once a line names who changed it: what the people without a full name are in the municipality
        #     (indicators/people.py), one query however many lines
        with django_assert_num_queries(12 + named):
            response = client.get(entry_url())
        assert response.status_code == 200
        return response

    client.force_login(rana_planner)
    client.get(entry_url())  # the session and the first-request work
    entry_page(named=0)
    okonomiplan, rana = plans["okonomiplan"], plans["okonomiplan"].municipality
    for number in range(10):
        extra = FocusArea.objects.create(plan=okonomiplan, title=f"Område {number}", carries=area("Drift"))
        BudgetLine.objects.create(
            municipality=rana, year=YEAR, focus_area=extra, adopted=number, changed_by=rana_planner
        )
        extra_project = StrategicProject.objects.create(plan=okonomiplan, title=f"Prosjekt {number}")
        extra_project.focus_areas.set([extra, area("Oppvekst")])
        BudgetLine.objects.create(municipality=rana, year=YEAR, project=extra_project, accounts=number)
    assert len(entry_page(named=1).context["budget"].rows) == 26


# --- in a real browser ------------------------------------------------------------------------------------------


def test_the_budget_pages_pass_axe_and_work_in_the_browser(page, axe, plans, rana_planner):
    """The entry page with errors, the upload page and both previews meet WCAG 2.1 AA; saving works."""
    from playwright.sync_api import expect

    page.goto("/logg-inn/")
    page.get_by_label("Brukernavn").fill(rana_planner.username)
    page.get_by_label("Passord").fill(make.PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    page.goto(entry_url())
    expect(page.locator("h1")).to_have_count(1)
    axe.assert_no_violations(page)
    accounts = page.get_by_role("textbox", name="Oppvekst").nth(2)
    accounts.fill("tolv")
    page.locator("form.budget-form button[type=submit]").click()
    expect(page.locator(".invalid-feedback")).to_have_count(1)
    axe.assert_no_violations(page)
    page.get_by_role("textbox", name="Oppvekst").nth(2).fill("1 250")
    page.locator("form.budget-form button[type=submit]").click()
    expect(page.locator(".alert-success")).to_have_count(1)
    assert BudgetLine.objects.get(focus_area=area("Oppvekst")).accounts == 1250

    for name, content in (("feil.csv", f"{HEADER}\nInnsatsområde;Ukjent;x;;\n"), ("god.csv", GOOD_CSV)):
        page.goto(f"{entry_url()}import/")
        axe.assert_no_violations(page)
        page.locator("input[type=file]").set_input_files(
            files=[{"name": name, "mimeType": "text/csv", "buffer": content.encode()}]
        )
        page.locator("main form button[type=submit]").click()
        expect(page.locator("h1")).to_contain_text(name)
        axe.assert_no_violations(page)
