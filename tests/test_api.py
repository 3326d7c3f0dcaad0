"""The read-only JSON API at /api/v1/: only published figures, filters, plans, schema, pagination, no writes."""

import datetime
import json
from decimal import Decimal

import pytest
from django.utils import timezone
from drf_spectacular.validation import validate_schema
from rest_framework.pagination import PageNumberPagination

from indicators.models import (
    Indicator,
    IndicatorValue,
    Municipality,
    Role,
    ValueState,
    ValueStatus,
)
from indicators.services import change_status
from plans.models import Plan, PlanStatus
from tests import api_world
from tests import factories as make
from tests.api_world import NETWORK, SECRETS, SSB_WASTE, publish, revise

API = "/api/v1/"
NEVER_PUBLISHED = {
    ("husholdningsavfall", "3303", 2022),
    ("husholdningsavfall", "3303", 2023),
    ("miljofyrtarn", "3303", 2022),
    ("miljofyrtarn", "1833", 2023),
}


# --- test data -------------------------------------------------------------------------------------------------


@pytest.fixture
def planner(db):
    """Kongsberg's planner, who revises its figures (the world gives her the role)."""
    return make.user("planlegger-kongsberg")


@pytest.fixture
def world(waste, lighthouses, planner):
    """Kongsberg (0604 → 3006 → 3303), Rana, the Fjord merger; published, unpublished and revised values; plans."""
    return api_world.build(waste=waste, lighthouses=lighthouses, planner=planner)


def get_all_pages(client, url):
    """Return the bodies of every page of a list, following the next links."""
    bodies = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, (url, response.content)
        bodies.append(response.content)
        data = response.json()
        url = data.get("next") if isinstance(data, dict) and "results" in data else None
    return bodies


def all_results(client, url):
    results = []
    while url:
        data = client.get(url).json()
        results += data["results"]
        url = data["next"]
    return results


def served(client, query=""):
    """Return the values a list serves as {(indicator, kommunenummer, year): value}."""
    return {
        (v["indicator"], v["kommunenummer"], v["year"]): v["value"] for v in all_results(client, f"{API}values/{query}")
    }


# --- 1. nothing unpublished leaks --------------------------------------------------------------------------------

LEAK_URLS = [
    API,
    f"{API}values/",
    f"{API}values/?kommune=3303",
    f"{API}values/?kommune=0604",
    f"{API}values/?kommune=3006",
    f"{API}values/?kommune=1833",
    f"{API}values/?indikator=husholdningsavfall",
    f"{API}values/?indikator=folkemengde",
    f"{API}values/?indikator=miljofyrtarn",
    f"{API}values/?fra=2022",
    f"{API}values/?til=2021",
    f"{API}values/?fra=2021&til=2022",
    f"{API}values/?fra=2022&til=2022",
    f"{API}values/?fra=2023",
    f"{API}values/?nettverk={NETWORK}",
    f"{API}values/?nettverk=kyst",
    f"{API}values/?nettverk={NETWORK}&indikator=miljofyrtarn&fra=2022",
    f"{API}values/?kommune=0604&indikator=husholdningsavfall&fra=2020&til=2023&nettverk={NETWORK}",
    f"{API}values/?kommune=3303&indikator=folkemengde&til=2022",
    f"{API}values/?page=2",
    f"{API}municipalities/",
    f"{API}municipalities/3303/",
    f"{API}municipalities/0604/",
    f"{API}municipalities/1833/",
    f"{API}networks/",
    f"{API}networks/{NETWORK}/",
    f"{API}indicators/",
    f"{API}indicators/husholdningsavfall/",
    f"{API}indicators/folkemengde/",
    f"{API}plans/",
    f"{API}plans/?kommune=3303",
    f"{API}plans/?kommune=0604",
    f"{API}plans/?kommune=1833",
    f"{API}climate-budgets/",
    f"{API}climate-budgets/?kommune=1833",
    f"{API}schema/",
]


@pytest.mark.parametrize("url", LEAK_URLS)
def test_no_unpublished_figure_appears_anywhere(client, world, monkeypatch, url):
    # Two items a page, so every list runs over several pages and each page is checked.
    monkeypatch.setattr(PageNumberPagination, "page_size", 2)
    for body in get_all_pages(client, url):
        for secret in SECRETS:
            assert secret.encode() not in body, f"{secret} leaked through {url}"
        if "/values/" in url:
            # Not even the existence of a never-published value shows.
            for item in json.loads(body)["results"]:
                assert (item["indicator"], item["kommunenummer"], item["year"]) not in NEVER_PUBLISHED, url
                assert item["published_at"], url


def test_values_are_exactly_the_published_versions(client, world):
    assert served(client) == {
        ("folkemengde", "3303", 2020): "27000",
        ("folkemengde", "3303", 2021): "27200",
        ("folkemengde", "3303", 2022): "27500",  # a draft revision says 77756705
        ("folkemengde", "1833", 2020): "26000",
        ("folkemengde", "1833", 2021): "26100",
        ("folkemengde", "1833", 2022): "26200",
        ("husholdningsavfall", "3303", 2020): "11340",  # under revision to 77745604
        ("husholdningsavfall", "3303", 2021): "11152",  # under revision to 77756705
        ("husholdningsavfall", "1833", 2021): "9135",
        ("husholdningsavfall", "1833", 2022): "9170",
        ("miljofyrtarn", "3303", 2021): "14",
        ("miljofyrtarn", "1833", 2022): "12",
    }


def test_a_value_under_revision_is_served_as_last_published(client, world, waste):
    kongsberg = world["kongsberg"]
    assert IndicatorValue.objects.get(indicator=waste, municipality=kongsberg, year=2021).status == ValueStatus.DRAFT
    items = {
        v["year"]: v for v in client.get(f"{API}values/?kommune=3303&indikator=husholdningsavfall").json()["results"]
    }
    # The revision was marked as sample data and came from another file: neither is public yet.
    assert items[2021]["value"] == "11152"
    assert items[2021]["is_sample"] is False
    assert items[2021]["state"] == ValueState.REPORTED
    assert items[2021]["source"] == "Kongsberg kommune"  # as published, not the revision's file
    # The source recorded when the figure was published, with the licence that comes with SSB's data.
    assert items[2020]["value"] == "11340"
    assert items[2020]["source"] == SSB_WASTE
    assert items[2020]["licence"]["name"] == "CC BY 4.0"
    assert items[2020]["licence"]["attribution"] == "Kilde: Statistisk sentralbyrå"


def test_a_value_item_has_every_field(client, world):
    item = client.get(f"{API}values/?kommune=1833&indikator=husholdningsavfall&fra=2022").json()["results"][0]
    assert set(item) == {
        "kommunenummer",
        "municipality",
        "indicator",
        "year",
        "value",
        "state",
        "unit",
        "per_inhabitant",
        "per_inhabitant_unit",
        "population",
        "is_sample",
        "first_published_at",
        "published_at",
        "revised_at",
        "source",
        "licence",
    }
    assert item["municipality"] == "Rana"
    assert (item["unit"], item["per_inhabitant_unit"]) == ("tonnes", "kg")
    assert item["first_published_at"] is not None
    assert item["revised_at"] is None


def test_sample_data_and_figures_without_a_known_licence_have_no_licence(client, world):
    items = client.get(f"{API}values/?indikator=miljofyrtarn").json()["results"]
    assert {(v["kommunenummer"], v["is_sample"], v["licence"]) for v in items} == {
        ("3303", True, None),  # sample data, never real statistics
        ("1833", False, None),  # Miljøfyrtårn-registeret: no licence known
    }


def test_a_logged_in_reader_sees_no_more_than_the_public(client, world):
    """The portal shows readers approved figures; the API has no sessions, so it never does."""
    client.force_login(make.role(make.user("leser"), world["kongsberg"], Role.READER))
    body = client.get(f"{API}values/?kommune=3303").content
    assert b"77734503" not in body
    assert b"11340" in body


# --- 2. per inhabitant from the published population ------------------------------------------------------------


def test_per_inhabitant_uses_the_published_population(client, world, waste, planner):
    def waste_2020():
        (item,) = client.get(f"{API}values/?kommune=3303&indikator=husholdningsavfall&fra=2020&til=2020").json()[
            "results"
        ]
        return item

    before = waste_2020()
    assert (before["value"], before["population"], before["per_inhabitant"]) == ("11340", "27000", "420")
    revise(Indicator.objects.population(), world["kongsberg"], 2020, 77756705, planner)
    change_status(
        values=IndicatorValue.objects.filter(indicator__is_population=True, year=2020, municipality=world["kongsberg"]),
        status=ValueStatus.APPROVED,
        user=planner,
        reason="Godkjent",
    )
    after = waste_2020()
    assert (after["population"], after["per_inhabitant"]) == ("27000", "420")


def test_per_inhabitant_of_a_revised_amount_uses_the_published_amount(client, world):
    items = client.get(f"{API}values/?kommune=3303&indikator=husholdningsavfall&fra=2021").json()["results"]
    # 11 152 tonnes × 1 000 ÷ 27 200 inhabitants, not the revision's 77 756 705 tonnes.
    assert [(v["year"], v["per_inhabitant"]) for v in items] == [(2021, "410")]


def test_per_inhabitant_is_null_without_a_published_population_or_for_direct_indicators(client, world, waste):
    publish(waste, world["rana"], 2023, 9200, source=SSB_WASTE)
    IndicatorValue.objects.create(
        indicator=Indicator.objects.population(),
        municipality=world["rana"],
        year=2023,
        value=Decimal(26300),
        status=ValueStatus.APPROVED,
    )
    items = {(v["indicator"], v["year"]): v for v in client.get(f"{API}values/?kommune=1833").json()["results"]}
    assert (items["husholdningsavfall", 2023]["population"], items["husholdningsavfall", 2023]["per_inhabitant"]) == (
        None,
        None,
    )
    assert items["husholdningsavfall", 2022]["per_inhabitant"] == "350"  # 9 170 000 kg ÷ 26 200
    assert (items["miljofyrtarn", 2022]["per_inhabitant"], items["miljofyrtarn", 2022]["population"]) == (None, None)
    assert items["folkemengde", 2022]["per_inhabitant"] is None


# --- 3. filters --------------------------------------------------------------------------------------------------


def test_an_old_municipality_number_finds_the_same_values(client, world):
    today = client.get(f"{API}values/?kommune=3303").json()
    assert today["count"] == 6
    assert {v["kommunenummer"] for v in today["results"]} == {"3303"}
    assert client.get(f"{API}values/?kommune=0604").json() == today
    assert client.get(f"{API}values/?kommune=3006").json() == today


def test_filter_by_years(client, world):
    assert {year for _i, _k, year in served(client, "?fra=2021&til=2021")} == {2021}
    assert {year for _i, _k, year in served(client, "?fra=2022")} == {2022}
    assert {year for _i, _k, year in served(client, "?til=2020")} == {2020}
    assert served(client, "?fra=2023") == {}


def test_filter_by_indicator(client, world):
    assert set(served(client, "?indikator=miljofyrtarn")) == {
        ("miljofyrtarn", "3303", 2021),
        ("miljofyrtarn", "1833", 2022),
    }


def test_filter_by_network_keeps_the_years_of_membership(client, world):
    # Rana joined Livskraftige kommuner in March 2022: its 2022 figures count, its earlier ones do not.
    keys = set(served(client, f"?nettverk={NETWORK}"))
    assert ("husholdningsavfall", "1833", 2022) in keys
    assert ("husholdningsavfall", "1833", 2021) not in keys
    assert {k for _i, k, _y in keys} == {"3303", "1833"}
    # Rana was in the coast network from 2020 until June 2021.
    assert {(k, y) for _i, k, y in served(client, "?nettverk=kyst")} == {("1833", 2020), ("1833", 2021)}


def test_filters_combine(client, world):
    assert served(client, f"?kommune=0604&indikator=husholdningsavfall&fra=2021&til=2023&nettverk={NETWORK}") == {
        ("husholdningsavfall", "3303", 2021): "11152"
    }


def test_an_empty_filter_is_no_filter(client, world):
    assert client.get(f"{API}values/?kommune=&fra=&nettverk=").json() == client.get(f"{API}values/").json()


@pytest.mark.parametrize(
    ("query", "parameter", "message"),
    [
        ("fra=abc", "fra", "fra must be a year between 1800 and 2200, e.g. fra=2020."),
        ("til=20x1", "til", "til must be a year between 1800 and 2200, e.g. til=2020."),
        ("fra=1700", "fra", "fra must be a year between 1800 and 2200, e.g. fra=2020."),
        ("fra=%202020", "fra", "fra must be a year between 1800 and 2200, e.g. fra=2020."),
        ("fra=2020.0", "fra", "fra must be a year between 1800 and 2200, e.g. fra=2020."),
        ("fra=%D9%A2%D9%A0%D9%A2%D9%A0", "fra", "fra must be a year between 1800 and 2200, e.g. fra=2020."),
        ("fra=2023&til=2020", "til", "til (2020) comes before fra (2023)."),
        ("kommune=0", "kommune", "kommune must be a municipality number of four digits, e.g. kommune=1833."),
        ("kommune=Kongsberg", "kommune", "kommune must be a municipality number of four digits, e.g. kommune=1833."),
        ("kommune=%201833", "kommune", "kommune must be a municipality number of four digits, e.g. kommune=1833."),
        (
            "indikator=husholdnings%20avfall",
            "indikator",
            "indikator must be an indicator's code (letters, digits, - and _), e.g. indikator=husholdningsavfall.",
        ),
        (
            "nettverk=%C3%A6",
            "nettverk",
            "nettverk must be a network's slug (letters, digits, - and _), e.g. nettverk=livskraftige-kommuner.",
        ),
        ("page=0", "page", "page must be a whole number from 1, e.g. page=2."),
        ("page=last", "page", "page must be a whole number from 1, e.g. page=2."),
        ("kommune=1833&kommune=3303", "kommune", "Give kommune only once."),
    ],
)
def test_a_malformed_parameter_is_refused_with_a_readable_message(client, world, query, parameter, message):
    """400: the request does not say what the schema allows (a pattern, a range, one value per parameter)."""
    response = client.get(f"{API}values/?{query}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {parameter: [message]}


@pytest.mark.parametrize(
    ("query", "parameter", "message"),
    [
        ("kommune=9999", "kommune", "No municipality has had the number 9999."),
        ("indikator=finnes-ikke", "indikator", "No indicator has the code finnes-ikke."),
        ("nettverk=finnes-ikke", "nettverk", "No network has the slug finnes-ikke."),
        ("page=3", "page", "There is no page 3: the last is 1."),
    ],
)
def test_a_well_formed_filter_that_names_nothing_is_not_found(client, world, query, parameter, message):
    """404: the request is as the schema allows, but what it names does not exist; not an empty list."""
    response = client.get(f"{API}values/?{query}")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {parameter: [message]}


def test_a_number_beyond_the_database_is_simply_not_found(client, world):
    huge = "9" * 30
    assert client.get(f"{API}plans/{huge}/").status_code == 404
    assert client.get(f"{API}values/?page={huge}").json() == {"page": [f"There is no page {huge}: the last is 1."]}


def test_every_filter_that_names_nothing_is_named(client, world):
    response = client.get(f"{API}values/?kommune=9999&indikator=husholdningsavfall&nettverk=finnes-ikke")
    assert response.status_code == 404
    assert response.json() == {
        "kommune": ["No municipality has had the number 9999."],
        "nettverk": ["No network has the slug finnes-ikke."],
    }


def test_plans_refuse_an_unknown_municipality(client, world):
    response = client.get(f"{API}plans/?kommune=9999")
    assert response.status_code == 404
    assert response.json() == {"kommune": ["No municipality has had the number 9999."]}


# --- municipalities, networks, indicators -----------------------------------------------------------------------


def test_a_municipality_has_its_code_history_by_any_of_its_numbers(client, world):
    response = client.get(f"{API}municipalities/0604/")
    assert response.status_code == 200
    data = response.json()
    assert data == client.get(f"{API}municipalities/3303/").json()
    assert data["kommunenummer"] == "3303"
    assert data["name"] == "Kongsberg"
    assert data["language_form"] == "nb"
    assert [(c["code"], c["valid_from"], c["valid_to"]) for c in data["codes"]] == [
        ("0604", "1838-01-01", "2019-12-31"),
        ("3006", "2020-01-01", "2023-12-31"),
        ("3303", "2024-01-01", None),
    ]


def test_a_merger_links_both_ways(client, world):
    norddal = client.get(f"{API}municipalities/1524/").json()
    assert (norddal["dissolved"], norddal["successor"]) == ("2020-01-01", "1578")
    fjord = client.get(f"{API}municipalities/1578/").json()
    assert (fjord["established"], fjord["predecessors"], fjord["successor"]) == ("2020-01-01", ["1524", "1526"], None)


def test_an_unknown_municipality_is_404(client, world):
    response = client.get(f"{API}municipalities/9999/")
    assert response.status_code == 404
    assert response.json() == {"detail": "No municipality has had the number 9999."}


@pytest.mark.parametrize(
    "address",
    ["municipalities/abc/", "municipalities/18330/", "indicators/a.b/", "networks/a%0Ab/", "plans/x/", "finnes-ikke/"],
)
def test_an_address_that_names_nothing_is_404_in_json(client, world, address):
    """Not the portal's HTML page: a client of the API reads JSON, as the schema says, from every address."""
    response = client.get(f"{API}{address}")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Nothing at this address."}


def test_a_network_lists_its_members(client, world):
    data = client.get(f"{API}networks/{NETWORK}/").json()
    assert (data["name"], data["slug"], data["description"]) == ("Livskraftige kommuner", NETWORK, "Nettverket.")
    assert data["members"] == [
        {"kommunenummer": "3303", "name": "Kongsberg", "joined": "2019-01-01", "left": None},
        {"kommunenummer": "1833", "name": "Rana", "joined": "2022-03-01", "left": None},
    ]
    coast = client.get(f"{API}networks/kyst/").json()
    assert coast["members"][0]["left"] == "2021-06-30"


def test_an_indicator_has_its_definition(client, world):
    data = client.get(f"{API}indicators/husholdningsavfall/").json()
    assert data == {
        "code": "husholdningsavfall",
        "name": {
            "nb": "Husholdningsavfall per innbygger",
            "nn": "Hushaldsavfall per innbyggjar",
            "en": "Household waste per inhabitant",
        },
        "description": {"nb": "", "nn": "", "en": ""},
        "unit": "kg",
        "computation": "per_inhabitant",
        "amount_unit": "tonnes",
        "per_inhabitant_factor": "1000",
        "direction": "lower",
        "bottom_line": "ecological",
        "source": SSB_WASTE,
        "source_url": "",
        "is_population": False,
    }
    codes = [i["code"] for i in client.get(f"{API}indicators/").json()["results"]]
    assert codes == ["folkemengde", "husholdningsavfall", "miljofyrtarn"]
    assert client.get(f"{API}indicators/folkemengde/").json()["is_population"] is True


# --- 4. plans ----------------------------------------------------------------------------------------------------


def test_only_adopted_plans_are_listed(client, world):
    plans = all_results(client, f"{API}plans/")
    assert [(p["kommunenummer"], p["title"]) for p in plans] == [
        ("3303", "Kommuneplanens samfunnsdel"),
        ("1833", "Økonomiplan"),
    ]
    assert [p["title"] for p in all_results(client, f"{API}plans/?kommune=0604")] == ["Kommuneplanens samfunnsdel"]


def test_an_adopted_plan_has_its_goals_and_indicators(client, world):
    data = client.get(f"{API}plans/{world['plan'].pk}/").json()
    assert (data["plan_type"], data["period_start"], data["period_end"], data["adopted_on"]) == (
        "kommuneplan_samfunn",
        2020,
        2032,
        "2020-06-01",
    )
    (area,) = data["focus_areas"]
    (goal,) = area["goals"]
    assert goal["title"] == "Mål for Kommuneplanens samfunnsdel"
    assert goal["indicators"] == [
        {
            "indicator": "husholdningsavfall",
            "baseline_year": 2020,
            "baseline_value": "420",
            "target_year": 2030,
            "target_value": "350",
            "direction": "lower",
        }
    ]


@pytest.mark.parametrize("status", [PlanStatus.DRAFT, PlanStatus.CONSULTATION, PlanStatus.REPEALED])
def test_a_plan_that_is_not_adopted_is_not_found(client, world, status):
    hidden = Plan.objects.get(municipality=world["kongsberg"], status=status)
    assert client.get(f"{API}plans/{hidden.pk}/").status_code == 404


def test_a_plan_above_that_is_not_adopted_is_not_named(client, world):
    (economy,) = all_results(client, f"{API}plans/?kommune=1833")
    assert Plan.objects.get(pk=economy["id"]).parent is not None
    assert economy["parent"] is None


# --- 5. schema ---------------------------------------------------------------------------------------------------


def test_the_schema_is_openapi_3_with_every_path(client, db):
    response = client.get(f"{API}schema/")
    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Livskraft API"
    assert "CC BY 4.0" in schema["info"]["description"]
    assert "Kilde: Statistisk sentralbyrå" in schema["info"]["description"]
    assert set(schema["paths"]) == {
        "/api/v1/municipalities/",
        "/api/v1/municipalities/{kommunenummer}/",
        "/api/v1/networks/",
        "/api/v1/networks/{slug}/",
        "/api/v1/indicators/",
        "/api/v1/indicators/{code}/",
        "/api/v1/values/",
        "/api/v1/plans/",
        "/api/v1/plans/{id}/",
        "/api/v1/climate-budgets/",
    }
    assert all(set(operations) == {"get"} for operations in schema["paths"].values())
    parameters = {p["name"] for p in schema["paths"]["/api/v1/values/"]["get"]["parameters"]}
    assert parameters == {"kommune", "indikator", "fra", "til", "nettverk", "page"}


def operations(schema):
    return [(path, operation) for path, item in schema["paths"].items() for operation in item.values()]


def test_the_schema_documents_every_answer_with_its_body(client, db):
    """A client generated from the schema knows the 400 and 404 the API sends, not only the 200."""
    schema = client.get(f"{API}schema/").json()
    errors = schema["components"]["schemas"]["ParameterErrors"]
    assert errors["additionalProperties"] == {"type": "array", "items": {"type": "string"}, "minItems": 1}
    for path, operation in operations(schema):
        bodies = {
            code: r["content"]["application/json"]["schema"]["$ref"] for code, r in operation["responses"].items()
        }
        single = path.endswith("}/")
        assert bodies["400"] == "#/components/schemas/ParameterErrors", path
        assert bodies["404"] == f"#/components/schemas/{'NotFound' if single else 'ParameterErrors'}", path
        assert set(bodies) == {"200", "400", "404"}, path


def test_the_schema_says_which_fields_may_be_null(client, db):
    value = client.get(f"{API}schema/").json()["components"]["schemas"]["Value"]["properties"]
    nullable = {name for name, field in value.items() if field.get("nullable")}
    assert nullable == {
        "value",
        "per_inhabitant",
        "per_inhabitant_unit",
        "population",
        "first_published_at",
        "revised_at",
        "licence",
    }


def test_the_schema_states_what_each_parameter_accepts(client, db):
    schema = client.get(f"{API}schema/").json()
    values = {p["name"]: p for p in schema["paths"]["/api/v1/values/"]["get"]["parameters"]}
    assert values["kommune"]["schema"]["pattern"] == "^[0-9]{4}$"
    assert values["indikator"]["schema"]["pattern"] == values["nettverk"]["schema"]["pattern"] == "^[-a-zA-Z0-9_]+$"
    for year in ("fra", "til"):
        assert values[year]["schema"] == {"type": "integer", "minimum": 1800, "maximum": 2200}
    assert values["page"]["schema"] == {"type": "integer", "minimum": 1}
    # ?kommune= counts as no filter, and the schema says such an empty value is allowed.
    assert all(p["allowEmptyValue"] for p in values.values())
    paths = {path: operation["parameters"][0]["schema"] for path, operation in operations(schema) if "{" in path}
    assert paths == {
        "/api/v1/municipalities/{kommunenummer}/": {"type": "string", "pattern": "^[0-9]{4}$"},
        "/api/v1/networks/{slug}/": {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"},
        "/api/v1/indicators/{code}/": {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"},
        "/api/v1/plans/{id}/": {"type": "integer", "minimum": 1},
    }


def test_the_schema_and_the_messages_are_english_whatever_the_browser_asks(client, world):
    english = client.get(f"{API}schema/", HTTP_ACCEPT_LANGUAGE="en").content
    assert client.get(f"{API}schema/", HTTP_ACCEPT_LANGUAGE="nb").content == english
    assert b"Navn" not in english
    response = client.get(f"{API}plans/0/", HTTP_ACCEPT_LANGUAGE="nb")
    assert response.json() == {"detail": "No Plan matches the given query."}
    assert response["Content-Language"] == "en"


# --- 6. pagination and query counts ------------------------------------------------------------------------------


def many_values(waste, municipalities: int, years: int):
    """Publish waste and population for each municipality and year: 2 × municipalities × years values."""
    population = Indicator.objects.population()
    now = timezone.now()
    rows = []
    for n in range(municipalities):
        m = make.municipality(f"Kommune {n:03}", f"{5000 + n}", since=2020)
        for year in range(2000, 2000 + years):
            for indicator, value in ((population, 10000 + n), (waste, 4000 + n)):
                rows.append(
                    IndicatorValue(
                        indicator=indicator,
                        municipality=m,
                        year=year,
                        value=Decimal(value),
                        status=ValueStatus.PUBLISHED,
                        published_at=now,
                        published_value=Decimal(value),
                        published_state=ValueState.REPORTED,
                        first_published_at=now,
                    )
                )
    IndicatorValue.objects.bulk_create(rows)
    return len(rows)


def test_250_values_come_in_3_pages_in_a_stable_order(client, waste):
    assert many_values(waste, municipalities=25, years=5) == 250
    first = client.get(f"{API}values/").json()
    assert (first["count"], len(first["results"]), first["previous"]) == (250, 100, None)
    assert first["next"] == f"http://testserver{API}values/?page=2"
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 100
    assert second["previous"] == f"http://testserver{API}values/"
    assert second["next"] == f"http://testserver{API}values/?page=3"
    third = client.get(second["next"]).json()
    assert (len(third["results"]), third["next"]) == (50, None)
    assert third["previous"] == f"http://testserver{API}values/?page=2"
    keys = [
        (v["indicator"], v["kommunenummer"], v["year"]) for v in first["results"] + second["results"] + third["results"]
    ]
    assert len(set(keys)) == 250
    assert keys == sorted(keys, key=lambda k: (k[0] != "folkemengde", k[0], k[1], k[2]))
    assert client.get(f"{API}values/?page=4").status_code == 404


def test_filters_are_kept_in_the_page_links(client, waste):
    many_values(waste, municipalities=25, years=5)
    data = client.get(f"{API}values/?indikator=husholdningsavfall&fra=2001").json()
    assert data["count"] == 100
    assert data["next"] is None
    data = client.get(f"{API}values/?fra=2001").json()
    assert data["next"] == f"http://testserver{API}values/?fra=2001&page=2"


# Each filter that names something adds the query that looks it up.
@pytest.mark.parametrize(("municipalities", "years"), [(1, 5), (25, 5)])
@pytest.mark.parametrize(
    ("query", "queries"),
    [
        # 1. the count of published values
        # 2. the page of values with their indicator, municipality and published population
        # 3. their municipalities' numbers
        ("", 3),
        # 1. the count of published values in the years
        # 2. the page of values with their indicator, municipality and published population
        # 3. their municipalities' numbers
        ("?fra=2001&til=2003", 3),
        # 1. the network by its slug
        # 2. the count of published values of its members while they were members
        # 3. the page of values with their indicator, municipality and published population
        # 4. their municipalities' numbers
        ("?nettverk=nettverk", 4),
        # 1. the municipality by its number
        # 2. the indicator by its code
        # 3. the network by its slug
        # 4. the count of the values left by the filters
        # 5. the page of values with their indicator, municipality and published population
        # 6. their municipalities' numbers
        ("?kommune=5000&indikator=husholdningsavfall&fra=2000&til=2004&nettverk=nettverk", 6),
    ],
)
def test_a_page_of_values_takes_the_same_queries_however_many_values(
    client, waste, django_assert_num_queries, municipalities, years, query, queries
):
    assert many_values(waste, municipalities=municipalities, years=years) == 2 * municipalities * years
    make.network("Nettverk", slug="nettverk", members=Municipality.objects.all(), joined=datetime.date(1990, 1, 1))
    with django_assert_num_queries(queries):
        response = client.get(f"{API}values/{query}")
    assert response.status_code == 200
    assert len(response.json()["results"]) == min(response.json()["count"], 100) > 0


def test_every_page_of_250_values_takes_3_queries(client, waste, django_assert_num_queries):
    many_values(waste, municipalities=25, years=5)
    for page in (1, 2, 3):
        # 1. the count of published values
        # 2. the page of values with their indicator, municipality and published population
        # 3. their municipalities' numbers
        with django_assert_num_queries(3):
            assert client.get(f"{API}values/?page={page}").status_code == 200


@pytest.mark.parametrize(
    ("url", "queries"),
    [
        # 1. the count of municipalities
        # 2. the page of municipalities with their successors
        # 3. their numbers
        # 4. their successors' numbers
        # 5. their predecessors
        # 6. the predecessors' numbers
        (f"{API}municipalities/", 6),
        # 1. the municipality's number, with the municipality
        # 2. the municipality with its successor (Fjord has none, so no successor's numbers)
        # 3. its numbers
        # 4. its predecessors
        # 5. the predecessors' numbers
        (f"{API}municipalities/1578/", 5),
        # 1. the count of networks
        # 2. the page of networks
        # 3. their memberships with the municipalities
        # 4. the municipalities' numbers
        (f"{API}networks/", 4),
        # 1. the network by its slug
        # 2. its memberships with the municipalities
        # 3. the municipalities' numbers
        (f"{API}networks/{NETWORK}/", 3),
        # 1. the count of indicators
        # 2. the page of indicators
        (f"{API}indicators/", 2),
        # 1. the indicator by its code
        (f"{API}indicators/husholdningsavfall/", 1),
        # 1. the count of adopted plans
        # 2. the page of plans with their municipality and the plan above
        # 3. the municipalities' numbers
        # 4. the focus areas
        # 5. their goals
        # 6. the goals' indicators, with the indicator
        (f"{API}plans/", 6),
        # 1. the municipality by its number
        # 2. the count of its adopted plans
        # 3. the page of plans with their municipality and the plan above
        # 4. the municipality's numbers
        # 5. the focus areas
        # 6. their goals
        # 7. the goals' indicators, with the indicator
        (f"{API}plans/?kommune=3303", 7),
        # 1. the count of public climate budgets
        # 2. the page of budgets with their plan and municipality
        # 3. the municipalities' numbers
        # 4. the interim targets
        # 5. the sectors
        # 6. their years
        # 7. the measures, with their project and result indicator
        # 8. their years
        # 9. their published reports
        # 10. the inventory of the page's municipalities
        (f"{API}climate-budgets/", 10),
        # 1. the count of published values
        # 2. the page of values with their indicator, municipality and published population
        # 3. their municipalities' numbers
        (f"{API}values/", 3),
        # 1. the municipality by its old number
        # 2. the network by its slug
        # 3. the count of the municipality's published values from its years in the network
        # 4. the page of values with their indicator, municipality and published population
        # 5. their municipalities' numbers
        (f"{API}values/?kommune=0604&nettverk={NETWORK}", 5),
    ],
)
def test_other_endpoints_take_a_fixed_number_of_queries(client, world, django_assert_num_queries, url, queries):
    # The world has several rows with nested rows at every level, so one query per row would show.
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200


# --- 7. read-only ------------------------------------------------------------------------------------------------

WRITE_URLS = [
    f"{API}values/",
    f"{API}municipalities/",
    f"{API}municipalities/3303/",
    f"{API}networks/",
    f"{API}networks/{NETWORK}/",
    f"{API}indicators/",
    f"{API}indicators/husholdningsavfall/",
    f"{API}plans/",
    f"{API}climate-budgets/",
    f"{API}schema/",
    API,
]


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("url", WRITE_URLS)
def test_writes_are_refused(world, administrator, method, url):
    from django.test import Client

    # CSRF checks on, as in production: the refusal is 405, not a CSRF failure.
    client = Client(enforce_csrf_checks=True)
    client.force_login(administrator)
    response = getattr(client, method)(url, data={"value": "1"}, content_type="application/json")
    assert response.status_code == 405
    assert "POST" not in response.get("Allow", "")


def test_writes_change_nothing(client, world):
    before = served(client)
    client.post(
        f"{API}values/", data={"indicator": "husholdningsavfall", "value": "1"}, content_type="application/json"
    )
    client.delete(f"{API}indicators/husholdningsavfall/")
    assert served(client) == before
    assert Indicator.objects.filter(code="husholdningsavfall").exists()


@pytest.mark.parametrize("method", ["TRACE", "PROPFIND", "CONNECT"])
@pytest.mark.parametrize("url", [f"{API}indicators/?page=0", f"{API}values/?kommune=0", f"{API}plans/?x=1"])
def test_a_method_the_api_does_not_serve_is_405_with_allow_whatever_the_parameters(client, world, method, url):
    response = client.generic(method, url)
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, OPTIONS"


@pytest.mark.parametrize("method", ["get", "head", "options"])
def test_reads_are_open_to_anyone(client, world, method):
    response = getattr(client, method)(f"{API}values/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    "address, parameter",
    [
        ("values/?municipality=1833", "municipality"),
        ("values/?kommune=1833&year=2024", "year"),
        ("plans/?indikator=husholdningsavfall", "indikator"),
        ("indicators/?kommune=1833", "kommune"),
        ("municipalities/1833/?fra=2020", "fra"),
    ],
)
def test_an_unknown_parameter_is_refused_not_ignored(client, world, address, parameter):
    """A misspelt filter must not return every row as if it had been applied."""
    response = client.get(f"{API}{address}")
    assert response.status_code == 400
    message = response.json()[parameter][0]
    assert message.startswith("Unknown parameter.")
    assert list(response.json()) == [parameter]


def test_the_known_parameters_are_named_when_one_is_unknown(client, world):
    response = client.get(f"{API}values/?aar=2024")
    assert response.json() == {
        "aar": ["Unknown parameter. Known parameters: fra, indikator, kommune, nettverk, page, til."]
    }
    assert client.get(f"{API}values/?kommune=1833&page=1").status_code == 200
    assert client.get(f"{API}municipalities/1833/?x=1").json() == {
        "x": ["Unknown parameter. This address takes no parameters."]
    }
