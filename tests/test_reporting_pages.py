"""The reporting round seen by its users (issue 16): what the planner, the approver and the coordinator see on the
entry, approval, import and overview pages, and what the pages carry for the hints typed figures get."""

import csv
import io
import json
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from indicators.importers.spreadsheet import Template, export_csv, export_xlsx, read_values, template_xlsx
from indicators.models import Indicator, IndicatorValue, ValueImport, ValueRevision, ValueState, ValueStatus
from tests import factories as make
from tests.test_reporting import YEAR, as_user, entry_url, full_form, snapshot

REVIEW = f"/rapportering/1833/{YEAR}/godkjenning/"


@pytest.fixture
def world(network, rana, oslo, waste, lighthouses):
    """Rana and Oslo in the network (with Kongsberg), with no population for the reporting year yet: SSB has not
    published it."""
    make.membership(network, rana)
    make.membership(network, oslo)
    make.population(rana, {YEAR - 3: 26000})
    make.population(oslo, {YEAR - 3: 717000})


def page_of(response) -> str:
    return response.content.decode()


def field_tag(page: str, name: str) -> str:
    """Return the <input> or <textarea> tag of the named field."""
    return re.search(rf'<(?:input|textarea)[^>]*name="{name}"[^>]*>', page).group(0)


# --- 1. the latest published figure, with its year ---------------------------------------------------------------


def test_each_indicator_shows_its_latest_published_figure_with_its_year(client, world, rana_planner, rana, waste):
    lighthouses = Indicator.objects.get(code="miljofyrtarn")
    make.published_value(waste, rana, YEAR - 3, 10712)  # 10 712 tonnes for 26 000 inhabitants: 412 kg each
    make.published_value(lighthouses, rana, YEAR - 3, 30)
    make.value(lighthouses, rana, YEAR - 2, 31, status=ValueStatus.SUBMITTED)  # not public: not "published"
    page = page_of(as_user(client, rana_planner).get(entry_url()))
    waste_box = page[page.index('id="indicator-husholdningsavfall"') :]
    assert f"412\xa0kg per inhabitant ({YEAR - 3})" in waste_box[: waste_box.index("</dl>")]
    lighthouses_box = page[page.index('id="indicator-miljofyrtarn"') :]
    assert f"30 ({YEAR - 3})" in lighthouses_box[: lighthouses_box.index("</dl>")]
    # The planner never reads "Value 2024 –" for a year nobody reported.
    assert f"Value {YEAR - 1}" not in page


def test_last_years_unpublished_figure_is_shown_beside_the_published_one(client, world, rana_planner, rana):
    lighthouses = Indicator.objects.get(code="miljofyrtarn")
    make.published_value(lighthouses, rana, YEAR - 3, 30)
    make.value(lighthouses, rana, YEAR - 1, 33, status=ValueStatus.SUBMITTED)
    page = page_of(as_user(client, rana_planner).get(entry_url()))
    box = page[page.index('id="indicator-miljofyrtarn"') :]
    box = box[: box.index("</dl>")]
    assert f"30 ({YEAR - 3})" in box
    assert f"Value {YEAR - 1}" in box and "33" in box and "Submitted" in box


def test_an_indicator_never_published_says_so(client, world, rana_planner):
    page = page_of(as_user(client, rana_planner).get(entry_url()))
    box = page[page.index('id="indicator-miljofyrtarn"') :]
    assert "Nothing published yet" in box[: box.index("</dl>")]


def test_the_change_check_compares_with_the_latest_published_figure_and_names_its_year(
    client, world, rana_planner, rana
):
    lighthouses = Indicator.objects.get(code="miljofyrtarn")
    # Published 20 three years ago; last year's 44 is only a draft, and a revision of the old figure (to 40) is
    # under way: the public still reads 20, and so the check compares with 20.
    published = make.published_value(lighthouses, rana, YEAR - 3, 20)
    IndicatorValue.objects.filter(pk=published.pk).update(value=40, status=ValueStatus.DRAFT)
    make.value(lighthouses, rana, YEAR - 1, 44)
    as_user(client, rana_planner)
    response = client.post(entry_url(), full_form(client, miljofyrtarn={"value": "45"}, action="submit"))
    assert f"+125% change from the last published figure, 20 in {YEAR - 3}; more than 50% is unusual." in (
        page_of(response)
    )
    assert not IndicatorValue.objects.filter(indicator=lighthouses, year=YEAR).exists()
    # 29 is within 50 % of 20: it needs no explanation.
    client.post(entry_url(), full_form(client, miljofyrtarn={"value": "29"}, action="submit"))
    assert IndicatorValue.objects.get(indicator=lighthouses, year=YEAR).status == ValueStatus.SUBMITTED


def test_a_per_inhabitant_figure_is_compared_per_inhabitant_on_each_years_population(
    client, world, rana_planner, rana, waste
):
    make.published_value(waste, rana, YEAR - 3, 10400)  # 400 kg each for 26 000
    make.population(rana, {YEAR: 39000})
    as_user(client, rana_planner)
    # Half as many tonnes again for half as many people again: 400 kg each, no change per inhabitant, so nothing to
    # explain (the tonnes alone moved 50 %; the population, 50 % too, is within the limit).
    client.post(entry_url(), full_form(client, husholdningsavfall={"value": "15600"}, action="submit"))
    assert IndicatorValue.objects.get(indicator=waste, year=YEAR).status == ValueStatus.SUBMITTED


# --- 2. the population typed on the same page --------------------------------------------------------------------


def test_per_inhabitant_figures_use_the_population_typed_on_the_same_page(client, world, rana_planner, rana, waste):
    make.value(Indicator.objects.population(), rana, YEAR, 26000)  # a draft, to be corrected
    as_user(client, rana_planner)
    # 29 000 tonnes is 1 115 kg each for the stored 26 000 (implausible), but 967 kg for the 30 000 she types.
    data = full_form(
        client,
        folkemengde={"value": "30 000"},
        husholdningsavfall={"value": "29000"},
        miljofyrtarn={"value": "mange"},  # an error elsewhere, so the page comes back with what she typed
        action="submit",
    )
    page = page_of(client.post(entry_url(), data))
    box = page[page.index('id="indicator-husholdningsavfall"') :]
    box = box[: box.index("</fieldset>")]
    assert "967\xa0kg per inhabitant</output>" in box
    assert "Population: 30,000" in box
    assert "above the highest plausible figure" not in box
    # With the other error corrected it is submitted without a comment: the server divided by 30 000 too.
    data[f"i{Indicator.objects.get(code='miljofyrtarn').pk}-value"] = "12"
    assert client.post(entry_url(), data).status_code == 302
    assert IndicatorValue.objects.get(indicator=waste, year=YEAR).status == ValueStatus.SUBMITTED
    assert IndicatorValue.objects.get(indicator__is_population=True, municipality=rana, year=YEAR).value == 30000


def test_without_a_typed_population_the_figure_waits_for_one(client, world, rana_planner, waste):
    as_user(client, rana_planner)
    data = full_form(client, husholdningsavfall={"value": "52000"}, miljofyrtarn={"value": "mange"})
    page = page_of(client.post(entry_url(), data))
    box = page[page.index('id="indicator-husholdningsavfall"') :]
    assert "The population for the year is not known yet" in box[: box.index("</fieldset>")]


def test_a_population_reported_missing_leaves_nothing_to_divide_by(client, world, rana_planner, rana, waste):
    make.population(rana, {YEAR: 26000})
    as_user(client, rana_planner)
    # 52 000 tonnes on the stored 26 000 would be 2 000 kg each; with the population marked missing the page
    # cannot divide, and says so.
    data = full_form(
        client,
        folkemengde={"state": "missing", "value": "", "reason": "Feil i registeret"},
        husholdningsavfall={"value": "52000"},
        miljofyrtarn={"value": "mange"},
    )
    page = page_of(client.post(entry_url(), data))
    box = page[page.index('id="indicator-husholdningsavfall"') :]
    box = box[: box.index("</fieldset>")]
    assert "The population for the year is not known yet" in box
    assert "above the highest plausible figure" not in box


# --- 3. what the page carries for the hints while she types -----------------------------------------------------


def test_each_figure_carries_its_rules_for_the_live_hint(client, world, rana_planner, rana, waste):
    make.published_value(waste, rana, YEAR - 3, 10400)
    page = page_of(as_user(client, rana_planner, "nb").get(entry_url()))
    amount = field_tag(page, f"i{waste.pk}-value")
    assert 'data-min="100.000000"' in amount and 'data-max="1000.000000"' in amount
    assert 'data-min-text="100\xa0kg per innbygger"' in amount
    assert 'data-max-change="0.5"' in amount
    assert f'data-published-year="{YEAR - 3}"' in amount
    assert 'data-published-figure="400' in amount and 'data-published-text="400\xa0kg per innbygger"' in amount
    assert 'data-factor="1000.000"' in amount
    # The hint and the per-inhabitant figure describe the field.
    assert f'aria-describedby="i{waste.pk}-hint i{waste.pk}-per-inhabitant"' in amount
    assert f'id="i{waste.pk}-hint"' in page and 'aria-live="polite"' in page
    population = field_tag(page, f"i{Indicator.objects.population().pk}-value")
    assert "data-population-input" in population
    # The words, in her language, as data the script reads (no inline script: the CSP forbids it).
    words = json.loads(re.search(r'<script id="entry-words" type="application/json">(.*?)</script>', page).group(1))
    assert words["above"] == "%(figure)s er over det høyeste sannsynlige tallet, %(limit)s."
    assert words["sample"] == "1\xa0234,5"
    assert 'src="/static/js/entry.js" defer' in page


def test_the_server_shows_the_same_hint_beside_a_stored_figure(client, world, rana_planner, rana, waste):
    make.population(rana, {YEAR: 26000})
    make.value(waste, rana, YEAR, 52000)
    page = page_of(as_user(client, rana_planner).get(entry_url()))
    hint = re.search(rf'<div class="entry-hint[^"]*" id="i{waste.pk}-hint"[^>]*>(.*?)</div>', page, re.S).group(1)
    assert "2,000\xa0kg per inhabitant is above the highest plausible figure, 1,000\xa0kg per inhabitant." in hint
    assert "Explain the figure in the comment before you submit it." in hint


# --- 4. a share above 100 % --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "refused"), [("100,5", True), ("100", False), ("-2", False), ("97,5", False)])
def test_a_share_above_100_percent_is_an_error(client, world, share, rana_planner, typed, refused):
    as_user(client, rana_planner)
    before = snapshot()
    response = client.post(entry_url(), full_form(client, skoler_naer_friluftsomrade={"value": typed}))
    if refused:
        assert response.status_code == 200
        assert "A share cannot be above 100 %." in page_of(response)
        assert snapshot() == before
    else:
        assert response.status_code == 302
        assert IndicatorValue.objects.get(indicator=share, year=YEAR).value == Decimal(typed.replace(",", "."))


def test_an_imported_share_above_100_percent_is_refused(client, world, share, rana_planner):
    as_user(client, rana_planner)
    text = f"kommunenummer;indikator;år;verdi\n1833;skoler-naer-friluftsomrade;{YEAR};101\n"
    response = client.post(f"{entry_url()}import/", {"file": SimpleUploadedFile("andel.csv", text.encode())})
    assert "A share cannot be above 100 %." in page_of(client.get(response.url))


# --- 5. the error summary, and what the success message says ------------------------------------------------------


def test_a_refused_submit_lists_every_problem_at_the_top_with_a_link_to_its_field(
    client, world, rana_planner, rana, waste
):
    lighthouses = Indicator.objects.get(code="miljofyrtarn")
    make.population(rana, {YEAR: 26000})
    as_user(client, rana_planner)
    data = full_form(client, husholdningsavfall={"value": "52000"}, miljofyrtarn={"value": "mange"}, action="submit")
    response = client.post(entry_url(), data)
    page = page_of(response)
    assert response.status_code == 200
    assert "<title>Error: Report" in page
    summary = re.search(r'<div class="error-summary"[^>]*>(.*?)</div>\s*</div>', page, re.S)
    assert 'tabindex="-1"' in summary.group(0) and "data-error-summary" in summary.group(0)
    assert page.index("error-summary") < page.index("<h1>")
    assert "Nothing was saved" in summary.group(1)
    assert "Correct the 2 problems below, then try again." in summary.group(1)
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary.group(1))
    assert (
        f"id_i{lighthouses.pk}-value",
        "Eco-Lighthouse certified businesses: “mange” is not a number. Write it like 1,234.5.",
    ) in links
    assert (
        f"id_i{waste.pk}-comment",
        "Household waste per inhabitant: Explain the figure before you submit it: it looks implausible.",
    ) in links
    # Each link leads to a field that says it is invalid and is described by its error.
    for target, _text in links:
        tag = re.search(rf'<(?:input|textarea)[^>]*id="{target}"[^>]*>', page).group(0)
        assert 'aria-invalid="true"' in tag
        error_id = f"{target}_error"
        assert error_id in re.search(r'aria-describedby="([^"]*)"', tag).group(1).split()
        assert f'id="{error_id}"' in page
    # The figure's own hint still describes it beside its error.
    value_tag = field_tag(page, f"i{lighthouses.pk}-value")
    assert f"i{lighthouses.pk}-hint" in value_tag
    assert 'src="/static/js/error-summary.js" defer' in page


def test_a_page_without_problems_has_no_error_summary(client, world, rana_planner):
    page = page_of(as_user(client, rana_planner).get(entry_url()))
    assert "error-summary" not in page


def test_the_success_message_says_how_many_figures_carry_warnings(client, world, rana_planner, rana, waste):
    make.population(rana, {YEAR: 26000})
    as_user(client, rana_planner)
    data = full_form(
        client,
        husholdningsavfall={"value": "52000", "comment": "Ny gjenvinningsstasjon."},
        miljofyrtarn={"value": "12"},
        action="submit",
    )
    page = page_of(client.post(entry_url(), data, follow=True))
    assert "2 figures are saved and submitted for approval. 1 of them carries a warning" in page


def test_a_draft_saved_with_warnings_says_so(client, world, rana_planner, rana):
    make.population(rana, {YEAR: 26000})
    as_user(client, rana_planner)
    page = page_of(client.post(entry_url(), full_form(client, husholdningsavfall={"value": "52000"}), follow=True))
    assert "Saved 1 value as draft. 1 figure on the page carries a warning: explain it before you submit." in page


def test_the_messages_are_in_the_planners_language(client, world, rana_planner, rana):
    make.population(rana, {YEAR: 26000})
    as_user(client, rana_planner, "nb")
    data = full_form(
        client,
        husholdningsavfall={"value": "52000", "comment": "Ny gjenvinningsstasjon."},
        miljofyrtarn={"value": "12"},
        action="submit",
    )
    page = page_of(client.post(entry_url(), data, follow=True))
    assert "2 tall er lagret og sendt til godkjenning. 1 av dem har merknader" in page


# --- 6. the approver ---------------------------------------------------------------------------------------------


@pytest.fixture
def submitted(world, rana, rana_planner, waste):
    """Rana's figures for the year, submitted: waste far above last published, lighthouses within reason."""
    lighthouses = Indicator.objects.get(code="miljofyrtarn")
    make.population(rana, {YEAR: 26000})
    make.published_value(waste, rana, YEAR - 3, 10400)  # 400 kg each
    make.published_value(lighthouses, rana, YEAR - 3, 40)
    return {
        "waste": make.value(
            waste, rana, YEAR, 52000, status=ValueStatus.SUBMITTED, comment="Ny gjenvinningsstasjon.", changed_by=None
        ),
        "lighthouses": make.value(lighthouses, rana, YEAR, 42, status=ValueStatus.SUBMITTED),
    }


def row_of(page: str, value) -> str:
    start = page.index(f'id="value-{value.pk}"')
    return page[start : page.index("</tr>", start)]


def test_the_approver_sees_the_last_published_figure_the_change_the_warnings_and_the_comment(
    client, submitted, rana_approver
):
    page = page_of(as_user(client, rana_approver).get(REVIEW))
    waste = row_of(page, submitted["waste"])
    assert "2,000\xa0kg per inhabitant" in waste
    assert f"from 400\xa0kg per inhabitant ({YEAR - 3})" in waste
    assert "+400%" in waste
    assert "is above the highest plausible figure" in waste
    assert "Ny gjenvinningsstasjon." in waste
    lighthouses = row_of(page, submitted["lighthouses"])
    assert f"from 40 ({YEAR - 3})" in lighthouses and "+5%" in lighthouses
    assert "Check the figure" not in lighthouses
    # Publishing needs approval first, and the page says so beside the button.
    assert 'aria-describedby="publish-help"' in page
    assert "Publishes only the chosen figures that are approved: a submitted figure must be approved first." in page
    # The table scrolls by keyboard; "choose all" is added by review.js, the form works without it.
    assert 'class="table-responsive review-scroll" tabindex="0" role="region"' in page
    assert 'data-choose-all="Choose all"' in page and 'src="/static/js/review.js" defer' in page


def test_each_returned_figure_needs_its_own_reason(client, submitted, rana_approver, rana_planner):
    waste, lighthouses = submitted["waste"], submitted["lighthouses"]
    as_user(client, rana_approver)
    before = snapshot()
    response = client.post(
        REVIEW,
        {"action": "return", "value": [waste.pk, lighthouses.pk], f"reason-{waste.pk}": "Tonn, ikke kg?"},
    )
    page = page_of(response)
    assert response.status_code == 200
    assert snapshot() == before  # nothing returned while one reason is missing
    summary = page[page.index("error-summary") : page.index("<h1>")]
    assert "Nothing was returned" in summary
    assert (
        f'<a href="#reason-{lighthouses.pk}">Eco-Lighthouse certified businesses: Write why you return this figure, '
        "so the planner can correct it.</a>" in summary
    )
    reason = field_tag(page, f"reason-{lighthouses.pk}")
    assert 'aria-invalid="true"' in reason and f'aria-describedby="reason-{lighthouses.pk}-error"' in reason
    assert f'id="reason-{lighthouses.pk}-error"' in page
    # What she chose and wrote is kept.
    assert "Tonn, ikke kg?</textarea>" in page
    assert f'id="value-{waste.pk}" checked' in page and f'id="value-{lighthouses.pk}" checked' in page

    client.post(
        REVIEW,
        {
            "action": "return",
            "value": [waste.pk, lighthouses.pk],
            f"reason-{waste.pk}": "Tonn, ikke kg?",
            f"reason-{lighthouses.pk}": "Gjelder tallet hele året?",
        },
    )
    waste.refresh_from_db()
    lighthouses.refresh_from_db()
    assert (waste.status, waste.review_comment) == (ValueStatus.DRAFT, "Tonn, ikke kg?")
    assert (lighthouses.status, lighthouses.review_comment) == (ValueStatus.DRAFT, "Gjelder tallet hele året?")
    assert ValueRevision.objects.filter(indicator_value=waste, reason="Tonn, ikke kg?").exists()
    client.logout()
    planner_page = page_of(as_user(client, rana_planner).get(entry_url()))
    assert "Tonn, ikke kg?" in planner_page and "Gjelder tallet hele året?" in planner_page


def test_a_reason_that_is_too_long_is_refused(client, submitted, rana_approver):
    waste = submitted["waste"]
    as_user(client, rana_approver)
    page = page_of(client.post(REVIEW, {"action": "return", "value": [waste.pk], f"reason-{waste.pk}": "x" * 1001}))
    assert "Write the reason in at most 1000 characters (it has 1001)." in page
    waste.refresh_from_db()
    assert waste.status == ValueStatus.SUBMITTED


def test_publishing_acts_only_on_approved_figures_and_says_what_happened(client, submitted, rana_approver):
    waste, lighthouses = submitted["waste"], submitted["lighthouses"]
    as_user(client, rana_approver)
    client.post(REVIEW, {"action": "approve", "value": [lighthouses.pk]})
    page = page_of(client.post(REVIEW, {"action": "publish", "value": [waste.pk, lighthouses.pk]}, follow=True))
    waste.refresh_from_db()
    lighthouses.refresh_from_db()
    assert (waste.status, lighthouses.status) == (ValueStatus.SUBMITTED, ValueStatus.PUBLISHED)
    assert "Published 1 figure: the public pages show it now." in page
    assert (
        "Not published, because it is not approved yet: Household waste per inhabitant. Approve it first, then "
        "publish it." in page
    )


def test_publishing_again_says_the_figure_is_already_published(client, submitted, rana_approver):
    waste, lighthouses = submitted["waste"], submitted["lighthouses"]
    as_user(client, rana_approver)
    client.post(REVIEW, {"action": "approve", "value": [lighthouses.pk]}, follow=True)
    client.post(REVIEW, {"action": "publish", "value": [lighthouses.pk]}, follow=True)
    page = page_of(client.post(REVIEW, {"action": "publish", "value": [waste.pk, lighthouses.pk]}, follow=True))
    assert "Already published: Eco-Lighthouse certified businesses." in page
    assert "Not published, because it is not approved yet: Household waste per inhabitant." in page
    assert "Published 1 figure" not in page


def test_approving_says_what_was_left(client, submitted, rana_approver):
    waste, lighthouses = submitted["waste"], submitted["lighthouses"]
    as_user(client, rana_approver)
    client.post(REVIEW, {"action": "approve", "value": [lighthouses.pk]})
    page = page_of(client.post(REVIEW, {"action": "approve", "value": [waste.pk, lighthouses.pk]}, follow=True))
    assert "Approved 1 figure. Publish it when it may be shown to the public." in page
    assert "Already approved: Eco-Lighthouse certified businesses." in page


def test_choosing_nothing_is_explained(client, submitted, rana_approver):
    as_user(client, rana_approver)
    page = page_of(client.post(REVIEW, {"action": "publish"}, follow=True))
    assert "Choose one or more figures first." in page


def test_query_counts_of_the_entry_and_review_pages_do_not_grow_with_the_data(
    client, submitted, rana, oslo, rana_planner, rana_approver, waste, django_assert_num_queries
):
    def pages():
        client.force_login(rana_planner)
        # 1. the session
        # 2. the user
        # 3. the municipality by its number
        # 4. the user's roles
        # 5. the networks the user coordinates
        # 6. whether the user coordinates any network
        # 7. the municipality's numbers
        # 8. the indicators
        # 9. the municipality's values for the year and the year before, with who changed them
        # 10. each indicator's latest published figure before the year, with the population published for its year
        # 11. the goals that measure the indicators in the plans in force
        # 12. which of the year's figures a closed reporting round holds
        with django_assert_num_queries(12):
            assert client.get(entry_url()).status_code == 200
        client.force_login(rana_approver)
        # 1.–7. as above
        # 8. the year's values that are not drafts, with their indicator, who changed them, and the population
        # 9. each of their indicators' latest published figure before the year, with its year's population
        with django_assert_num_queries(9):
            assert client.get(REVIEW).status_code == 200

    pages()
    lighthouses = Indicator.objects.get(code="miljofyrtarn")
    for year in range(YEAR - 20, YEAR - 3):
        make.published_value(waste, rana, year, 10000 + year)
        make.published_value(lighthouses, rana, year, year - 1990)
        make.published_value(Indicator.objects.population(), rana, year, 25000 + year)
    for number in range(4):
        extra = Indicator.objects.create(
            code=f"ekstra-{number}", name_nb=f"Ekstra {number}", unit="count", direction="higher", bottom_line="social"
        )
        make.published_value(extra, rana, YEAR - 1, number)
        make.published_value(extra, oslo, YEAR - 1, number)
        make.value(extra, rana, YEAR, number + 1, status=ValueStatus.SUBMITTED)
    pages()


# --- 7. the import template and the preview ---------------------------------------------------------------------


def download(client, fmt="xlsx"):
    response = client.get(f"{entry_url()}mal.{fmt}")
    assert response.status_code == 200
    return response.content


TEMPLATE_WORDS = [
    (
        "nb",
        [f"Tall {YEAR}", "Veiledning"],
        "mangler,ikke relevant,skjermet",
        ("Husholdningsavfall per innbygger", "tonn, samlet for kommunen", "prosent (høyst 100)"),
    ),
    (
        "nn",
        [f"Tal {YEAR}", "Rettleiing"],
        "manglar,ikkje relevant,skjerma",
        ("Hushaldsavfall per innbyggjar", "tonn, samla for kommunen", "prosent (høgst 100)"),
    ),
    (
        "en",
        [f"Figures {YEAR}", "Instructions"],
        "missing,not applicable,confidential",
        ("Household waste per inhabitant", "tonnes, total for the municipality", "per cent (at most 100)"),
    ),
]


@pytest.mark.parametrize(("language", "sheets", "states", "words"), TEMPLATE_WORDS)
def test_the_xlsx_template_explains_itself_in_the_planners_language(
    client, world, share, rana_planner, language, sheets, states, words
):
    as_user(client, rana_planner, language)
    workbook = load_workbook(io.BytesIO(download(client)))
    assert workbook.sheetnames == sheets
    figures = workbook.worksheets[0]
    rows = list(figures.iter_rows(values_only=True))
    assert rows[0] == ("kommunenummer", "indikator", "indikatornavn", "enhet", "år", "verdi", "tilstand", "kommentar")
    by_code = {row[1]: row for row in rows[1:]}
    # The population comes from SSB: not a row to fill in.
    assert set(by_code) == {"husholdningsavfall", "miljofyrtarn", "skoler-naer-friluftsomrade"}
    name, total, percent = words
    assert by_code["husholdningsavfall"][2] == name
    assert by_code["husholdningsavfall"][3].startswith(total)
    assert by_code["skoler-naer-friluftsomrade"][3] == percent
    assert by_code["miljofyrtarn"][:2] == ("1833", "miljofyrtarn") and by_code["miljofyrtarn"][4] == YEAR
    # tilstand is a list to choose from, on every row.
    (validation,) = figures.data_validations.dataValidation
    assert validation.type == "list" and validation.formula1 == f'"{states}"'
    assert str(validation.sqref) == f"G2:G{len(rows)}"
    guide = [row[0] for row in workbook.worksheets[1].iter_rows(values_only=True)]
    assert len(guide) >= 8 and all(guide)
    assert any(states.replace(",", ", ") in paragraph for paragraph in guide)
    assert figures.freeze_panes == "A2"


def test_the_csv_template_names_each_indicator_and_unit_without_the_population(client, world, rana_planner):
    as_user(client, rana_planner, "nb")
    text = download(client, "csv").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == ["kommunenummer", "indikator", "indikatornavn", "enhet", "år", "verdi", "tilstand", "kommentar"]
    assert [row[1] for row in rows[1:]] == ["husholdningsavfall", "miljofyrtarn"]
    assert rows[1][2] == "Husholdningsavfall per innbygger"
    assert rows[1][3] == "tonn, samlet for kommunen (portalen regner ut kg per innbygger)"


def test_a_filled_in_template_is_read_back_in_every_language(client, world, rana_planner, rana):
    """The real writer's workbook, filled in as a planner would, read by the real reader: new templates work."""
    for language, missing in (("nb", "mangler"), ("nn", "manglar"), ("en", "missing")):
        as_user(client, rana_planner, language)
        workbook = load_workbook(io.BytesIO(download(client)))
        sheet = workbook.worksheets[0]
        header = [cell.value for cell in sheet[1]]
        for row in sheet.iter_rows(min_row=2):
            code = row[header.index("indikator")].value
            if code == "husholdningsavfall":
                row[header.index("verdi")].value = 10400.5
            else:
                row[header.index("tilstand")].value = missing
        out = io.BytesIO()
        workbook.save(out)
        rows = read_values(out.getvalue(), "mal.xlsx", may_enter=lambda m: m == rana.pk, last_year=YEAR + 1)
        assert {(r.indicator.code, r.value, r.state) for r in rows} == {
            ("husholdningsavfall", Decimal("10400.5"), ValueState.REPORTED),
            ("miljofyrtarn", None, ValueState.MISSING),
        }


def test_templates_made_before_still_work(world, rana):
    """Templates downloaded before this change had six columns, one sheet and the population: they are read alike."""
    old = [
        ["kommunenummer", "indikator", "år", "verdi", "tilstand", "kommentar"],
        ["1833", "folkemengde", YEAR, 26100, "", ""],
        ["1833", "husholdningsavfall", YEAR, Decimal("10400.5"), "", "Ny ordning"],
        ["1833", "miljofyrtarn", YEAR, None, "ikke relevant", ""],
    ]
    for data, name in ((export_xlsx(old), "gammel.xlsx"), (export_csv(old).encode("utf-8"), "gammel.csv")):
        rows = read_values(data, name, may_enter=lambda m: m == rana.pk, last_year=YEAR + 1)
        assert {(r.indicator.code, r.value, r.state, r.comment) for r in rows} == {
            ("folkemengde", Decimal("26100"), ValueState.REPORTED, ""),
            ("husholdningsavfall", Decimal("10400.5"), ValueState.REPORTED, "Ny ordning"),
            ("miljofyrtarn", None, ValueState.NOT_APPLICABLE, ""),
        }


def test_the_template_writer_neutralises_formulas_in_every_cell(world, rana):
    template = Template(
        title="Tall",
        rows=[["kommunenummer", "kommentar"], ["1833", "=1+1"]],
        instructions_title="Veiledning",
        instructions=["=HYPERLINK(1)"],
    )
    workbook = load_workbook(io.BytesIO(template_xlsx(template)))
    assert workbook.worksheets[0]["B2"].value == "'=1+1"
    assert workbook.worksheets[1]["A1"].value == "'=HYPERLINK(1)"


def test_the_import_preview_shows_units_and_per_inhabitant_figures(client, world, rana_planner, rana, waste):
    make.population(rana, {YEAR - 1: 26000})
    make.value(waste, rana, YEAR - 1, 10000)
    text = (
        "kommunenummer;indikator;år;verdi\n"
        f"1833;folkemengde;{YEAR};26 000\n"
        f"1833;husholdningsavfall;{YEAR};10 400,5\n"
        f"1833;husholdningsavfall;{YEAR - 1};10 400\n"
        f"1833;miljofyrtarn;{YEAR};12\n"
    )
    as_user(client, rana_planner)
    response = client.post(f"{entry_url()}import/", {"file": SimpleUploadedFile("tall.csv", text.encode())})
    page = page_of(client.get(response.url))
    # This year's population is in the file itself: 10 400,5 tonnes for 26 000 is 400 kg each.
    assert '<span class="figure">10,400.5\xa0tonnes</span>' in page
    assert "= 400\xa0kg per inhabitant" in page
    # Last year's stored figure, and the file's, each with the population stored for that year.
    assert '<span class="figure">10,000\xa0tonnes</span><span class="d-block small">= 385\xa0kg per inhabitant' in (
        page
    )
    assert '<span class="figure">12</span>' in page
    assert "kg per inhabitant</span>" in page  # the indicator's unit under its name
    assert 'tabindex="0" role="region" aria-labelledby="preview-caption"' in page
    assert not ValueImport.objects.filter(confirmed_at__isnull=False).exists()


# --- 8. the network's matrix ---------------------------------------------------------------------------------------


def test_the_coordinator_sees_at_a_glance_who_has_not_reported(client, world, coordinator, rana, oslo, waste):
    for indicator in Indicator.objects.exclude(is_population=True):
        make.value(indicator, rana, YEAR, 1, status=ValueStatus.SUBMITTED)
    make.population(rana, {YEAR: 26000})
    as_user(client, coordinator)
    page = page_of(client.get(f"/rapportering/oversikt/{YEAR}/"))
    summary = page[page.index('id="behind-title"') : page.index('id="matrix-title"')]
    assert "1 of 3 municipalities have entered all 3 figures." in summary
    assert "<strong>Oslo</strong>: 0 of 3 entered, 0 submitted or further" in summary
    assert "<strong>Kongsberg</strong>: 0 of 3 entered" in summary
    assert "Rana" not in summary
    matrix = page[page.index('id="matrix-title"') :]
    assert 'tabindex="0" role="region" aria-labelledby="matrix-caption"' in matrix
    assert '<span class="badge status-badge status-missing">Not entered</span>' in matrix
    assert '<span class="badge status-badge status-submitted">Submitted</span>' in matrix
    assert "Rana" in matrix and "Oslo" in matrix

    only_missing = page_of(client.get(f"/rapportering/oversikt/{YEAR}/?vis=mangler"))
    matrix = only_missing[only_missing.index('id="matrix-title"') :]
    assert 'name="vis" value="mangler" id="only-missing" checked' in only_missing
    assert '<th scope="row">Oslo</th>' in matrix and '<th scope="row">Rana</th>' not in matrix


def test_the_summary_puts_whoever_has_entered_least_first(client, world, coordinator, rana, oslo, waste):
    make.value(waste, rana, YEAR, 1)
    as_user(client, coordinator)
    page = page_of(client.get(f"/rapportering/oversikt/{YEAR}/"))
    summary = page[page.index('id="behind-title"') : page.index('id="matrix-title"')]
    assert summary.index("Oslo") < summary.index("Rana")
    assert "<strong>Rana</strong>: 1 of 3 entered, 0 submitted or further" in summary
