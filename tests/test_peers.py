"""Compare like with like: KOSTRA groups loaded from KLASS, and a municipality beside its network, county, group,
a chosen group and the country, on the comparison and the dashboard.

The national figures are real: SSB's population on 1 January 2021 (table 07459) and built-up land in 2021 (table
09594, as summed by NINA) for every municipality, as shipped in demo/real/figures.csv.
"""

import csv
import datetime
import html
import json
import statistics
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from indicators import peers
from indicators.importers.base import ImportRejected
from indicators.importers.kostra_groups import apply_groups, read_groups
from indicators.importers.ssb_population import import_population
from indicators.models import (
    Computation,
    DataImport,
    Indicator,
    Municipality,
    PeerGroup,
    PeerGroupMembership,
)
from indicators.services import ProposedValue, apply_values
from tests import factories as make
from tests.worker import run_worker, uses_worker

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

SHIPPED = settings.BASE_DIR / "indicators" / "data" / "ssb" / "Personer2021.csv"
REAL = settings.BASE_DIR / "demo" / "real" / "figures.csv"
# A KOSTRA group as KLASS's correspondsAt answers it, by the numbers of 2020: Kongsberg was 3006 then.
GROUP_13 = ["3006", "1833", "1804", "1806", "1824", "1860"]
GROUP_13_2024 = ["3303", "1833", "1804", "1806", "1824", "1860"]


def klass_answer(groups: dict[str, list[str]], *, valid_from="2020-01-01") -> dict:
    """KLASS's answer to classifications/131/correspondsAt?targetClassificationId=112&date=…"""
    return {
        "correspondenceItems": [
            {
                "sourceCode": number,
                "sourceName": f"Kommune {number}",
                "sourceShortName": "",
                "targetCode": code,
                "targetName": f"KOSTRA-gruppe {int(code[3:])}",
                "targetShortName": "",
                "validFrom": valid_from,
                "validTo": None,
            }
            for code, numbers in groups.items()
            for number in numbers
        ]
    }


def built_up_2021() -> dict[str, Decimal]:
    """Built-up land in 2021 in km² by today's number, read straight from the shipped file."""
    with REAL.open(encoding="utf-8") as file:
        return {
            row["kommunenummer"]: Decimal(row["value"])
            for row in csv.DictReader(file)
            if row["indicator"] == "builtup_area_km2" and row["year"] == "2021"
        }


def people_2021() -> dict[str, int]:
    """The population on 1 January 2021 by the number of 2021, added up over ages from SSB's file."""
    people: dict[str, int] = {}
    with SHIPPED.open(encoding="latin-1") as file:
        for line in file.read().splitlines()[3:]:
            region, _age, persons = line.split(";")
            number = region.strip('"')[2:6]
            if not number.isdigit():
                continue  # "K-Rest": divided municipalities and unknown
            people[number] = people.get(number, 0) + int(persons)
    return people


@pytest.fixture
def country(db):
    """Every municipality of the register, with its real population and built-up land in 2021, published."""
    coordinator = make.user("koordinator")
    call_command("load_municipalities", verbosity=0)
    import_population(data=SHIPPED.read_bytes(), filename=SHIPPED.name, user=coordinator)
    land = Indicator.objects.create(
        code="arealbruk", name_nb="Bebygd areal per innbygger", name_en="Built-up land per inhabitant", unit="m2",
        computation=Computation.PER_INHABITANT, amount_unit="km2", per_inhabitant_factor=Decimal(1_000_000),
        direction="lower", bottom_line="ecological",
    )  # fmt: skip
    proposed = []
    for number, km2 in built_up_2021().items():
        municipality = Municipality.objects.by_code(number)
        if municipality.existed_in(2021) and not municipality.predecessors.filter(dissolved__gt="2021-01-01"):
            proposed.append(ProposedValue(municipality_id=municipality.pk, year=2021, value=km2))
    apply_values(indicator=land, proposed=proposed, user=coordinator, source="SSB 09594", reason="", official=True)
    network = make.network(members=[])
    for number in ("3303", "1833", "0301", "3314", "1578", "4634", "3038"):
        make.membership(network, Municipality.objects.by_code(number))
    apply_groups(read_groups(json.dumps(klass_answer({"EKG13": GROUP_13})).encode()))
    return land


def per_inhabitant(km2: Decimal, people: int) -> Decimal:
    return km2 * 1_000_000 / people


def test_a_municipality_beside_its_county_group_network_and_country_checked_by_hand(country):
    land, people, area = country, people_2021(), built_up_2021()
    rana = Municipality.objects.by_code("1833")
    found = peers.panel(land, rana, year=2021)
    by_kind = {r.kind: r for r in found.references}
    # Rana by hand: 30.84 km² (say) of built-up land over 26 000-odd inhabitants; Nordland's numbers were the same in
    # 2021 as in 2024, so the file's numbers and the population's meet without a code history.
    assert found.figure == pytest.approx(per_inhabitant(area["1833"], people["1833"]))
    nordland = {n: per_inhabitant(area[n], people[n]) for n in area if n.startswith("18") and n in people}
    assert len(nordland) == 41  # Nordland had 41 municipalities in 2021
    county = by_kind[peers.Kind.COUNTY]
    assert (county.label, county.size, county.count) == ("Nordland", 41, 41)
    assert county.median == pytest.approx(statistics.median(nordland.values()))
    assert county.rank == 1 + sum(1 for v in nordland.values() if v < nordland["1833"])
    # The group: Kongsberg under its 2020 number 3006, whose 2021 population is filed under 3006 and land under 3303.
    group = {n: per_inhabitant(area[n], people[n]) for n in GROUP_13 if n != "3006"}
    group["3006"] = per_inhabitant(area["3303"], people["3006"])
    kostra = by_kind[peers.Kind.PEERS]
    assert (kostra.label, kostra.size, kostra.count) == ("KOSTRA group 13", 6, 6)
    assert kostra.median == pytest.approx(statistics.median(group.values()))
    assert kostra.rank == 1 + sum(1 for v in group.values() if v < group["1833"])
    country_figure = by_kind[peers.Kind.COUNTRY]
    assert country_figure.size == Municipality.objects.filter(dissolved__isnull=True).count() == 357
    assert country_figure.count >= 350 and country_figure.median is not None
    # Kongsberg by hand: in Viken in 2021 (3006), Buskerud from 2024 (3303); its group has the same median.
    kongsberg = peers.panel(land, Municipality.objects.by_code("3303"), year=2021)
    by_kind = {r.kind: r for r in kongsberg.references}
    assert kongsberg.figure == pytest.approx(group["3006"])
    assert (by_kind[peers.Kind.COUNTY].label, by_kind[peers.Kind.COUNTY].size) == ("Viken", 51)
    assert by_kind[peers.Kind.PEERS].median == kostra.median
    assert by_kind[peers.Kind.NETWORK].size == 7


def test_the_comparison_page_says_the_place_in_the_group_and_what_each_median_rests_on(client, country):
    page = html.unescape(client.get("/indikator/arealbruk/?kommune=1833&utvalg=alle").content.decode())
    rank = peers.panel(country, Municipality.objects.by_code("1833"), year=2021).peers.rank
    assert (
        f"Rana - Raane is in KOSTRA group 13; among the 6 municipalities in the group, Rana - Raane is number {rank} "
        "in 2021 (lower is better)." in page
    )
    table = page.split('id="caption-peers"')[1].split("</table>")[0]
    assert "County: Nordland" in table and "41 of 41 municipalities" in table
    assert "The whole country" in table and " of 357 municipalities" in table
    assert "Example" not in page.split('id="like-with-like"')[1].split("</section>")[0]  # SSB's groups, not examples


def test_a_set_with_too_few_figures_shows_no_median(client, country, waste):
    # Only Rana has a figure: one of seven, of 41 or of 357 is no median.
    rana = Municipality.objects.by_code("1833")
    make.population(rana, {2023: 26_000})
    make.published_value(waste, rana, 2023, 9_000)
    page = html.unescape(client.get("/indikator/husholdningsavfall/?kommune=1833&utvalg=alle").content.decode())
    table = page.split('id="caption-peers"')[1].split("</table>")[0]
    assert table.count("too few figures for a median") == 4  # network, county, group, country
    assert "1 of 41 municipalities" in table
    assert "too few of its municipalities have a figure for 2023 to place Rana - Raane among them (1 of 6)" in page


def test_a_chosen_group_is_compared_the_same_way(client, country):
    page = html.unescape(
        client.get("/indikator/arealbruk/?kommune=1833&utvalg=alle&gruppe=1833,1804,1806,9999").content.decode()
    )
    table = page.split('id="caption-peers"')[1].split("</table>")[0]
    assert "Chosen group (3 municipalities)" in table and "3 of 3 municipalities" in table
    assert "not municipality numbers in use today: 9999" in page


def test_the_dashboard_says_the_place_in_the_group(client, country):
    page = html.unescape(client.get("/kommune/1833/").content.decode())
    assert "Rana - Raane is in KOSTRA group 13; among the 6 municipalities in the group, Rana - Raane is number" in page
    assert "/indikator/arealbruk/?kommune=1833&utvalg=alle#like-with-like" in page


def test_the_comparison_panel_queries_do_not_grow_with_the_country(country, django_assert_num_queries):
    rana = Municipality.objects.by_code("1833")
    # compare_all (6: network, municipalities, codes, predecessors, population indicator, figures; and the years
    # shown), the register, the numbers of the year, the networks with their members, the group, its members.
    with django_assert_num_queries(11):
        peers.panel(country, rana, year=2021)
    # The group, its members, and compare_all over them (municipalities, codes, predecessors, population, figures).
    with django_assert_num_queries(7):
        peers.positions(rana, [country])


# Reading KLASS's files


def test_the_json_csv_and_reversed_shapes_of_klass_are_read(coordinator):
    call_command("load_municipalities", verbosity=0)
    answer = klass_answer({"EKG13": ["3006", "1833"], "EKG08": ["1824"]})
    from_json = read_groups(json.dumps(answer).encode())
    # The CSV answer, semicolons and quotes, in ISO-8859-1 as KLASS sends it, and the other way round (112 → 131).
    lines = ['"sourceCode";"sourceName";"targetCode";"targetName";"validFrom";"validTo"']
    for item in answer["correspondenceItems"]:
        lines.append(
            f'"{item["targetCode"]}";"Gruppe";"{item["sourceCode"]}";"Kommune {item["sourceCode"]}";"2020-01-01";""'
        )
    from_csv = read_groups("\r\n".join(lines).encode("latin-1"))
    # A correspondence table has no dates: the uploader gives the day.
    maps = {"correspondenceMaps": [{k: v for k, v in i.items() if not k.startswith("valid")}
                                   for i in answer["correspondenceItems"]]}  # fmt: skip
    from_maps = read_groups(json.dumps(maps).encode(), valid_from=datetime.date(2020, 1, 1))
    for checked in (from_json, from_csv, from_maps):
        (version,) = checked.versions
        assert version.valid_from == datetime.date(2020, 1, 1)
        assert sorted(version.members.values()) == ["EKG08", "EKG13", "EKG13"]
        assert checked.counts == {"created": 3, "updated": 0, "unchanged": 0, "removed": 0}


@pytest.mark.parametrize(
    ("items", "valid_from", "message"),
    [
        ({"EKG13": ["9999"]}, "2020-01-01", "9999 was not a municipality number on 2020-01-01."),
        ({"EKG13": ["0604"]}, "2020-01-01", "0604 was not a municipality number on 2020-01-01."),  # Kongsberg's old
        ({"EKG13": ["1833"], "EKG08": ["1833"]}, "2020-01-01", "1833 is in two groups in the version from 2020-01-01"),
        ({"EKA01": ["1833"]}, "2020-01-01", "The file has no municipality with a KOSTRA group"),
        ({"EKG13": ["1833"]}, None, "The file does not say from when the grouping applies"),
    ],
)
def test_a_file_with_problems_is_refused_whole(items, valid_from, message):
    call_command("load_municipalities", verbosity=0)
    answer = klass_answer(items, valid_from=valid_from)
    with pytest.raises(ImportRejected) as refused:
        read_groups(json.dumps(answer).encode())
    assert message in str(refused.value)
    assert not PeerGroup.objects.exists()


@uses_worker
def test_an_administrator_loads_ssbs_groups_which_replace_the_examples(client, administrator):
    call_command("load_municipalities", verbosity=0)
    example = PeerGroup.objects.create(code="EKG01", name="Eksempel", valid_from="2017-01-01", is_example=True)
    PeerGroupMembership.objects.create(group=example, municipality=Municipality.objects.by_code("1833"),
                                       valid_from=example.valid_from)  # fmt: skip
    client.force_login(administrator)
    upload = SimpleUploadedFile("kostra.json", json.dumps(klass_answer({"EKG13": GROUP_13})).encode())
    location = client.post(reverse("peer_groups_upload"), {"file": upload})["Location"]
    run_worker()
    page = html.unescape(client.get(location).content.decode())
    assert "The grouping from 2020-01-01: 1 groups, 6 municipalities." in page
    assert "Municipalities given a group: 6" in page
    assert "the demo's example groups; they are removed when you use these" in page
    assert PeerGroup.objects.get().is_example  # nothing before the confirmation
    client.post(location)
    run_worker()
    group = PeerGroup.objects.get()
    assert (group.code, group.is_example, group.data_import) == ("EKG13", False, DataImport.objects.get())
    assert group.memberships.count() == 6


def test_a_planner_cannot_load_groups(client, rana_planner, coordinator):
    for user in (rana_planner, coordinator):
        client.force_login(user)
        assert client.get(reverse("peer_groups_upload")).status_code == 404


def test_the_command_fetches_the_groups_from_klass_and_loads_them(local_server, settings, capsys):
    call_command("load_municipalities", verbosity=0)
    answer = json.dumps(klass_answer({"EKG13": GROUP_13_2024}, valid_from="2024-01-01")).encode()
    settings.SSB_KLASS_URL = local_server.start(lambda path: (200, answer)) + "/api/klass/v1"
    call_command("import_kostra_groups", "--fetch", "--date", "2024-01-01", "--dry-run")
    assert "The grouping from 2024-01-01: 1 groups, 6 municipalities." in capsys.readouterr().out
    assert not PeerGroup.objects.exists()
    call_command("import_kostra_groups", "--fetch", "--date", "2024-01-01")
    (asked, _again) = local_server.requests
    assert asked.path == "/api/klass/v1/classifications/131/correspondsAt"
    assert asked.query == {"targetClassificationId": ["112"], "date": ["2024-01-01"], "language": ["nb"]}
    assert asked.accept == "application/json"
    group = PeerGroup.objects.get()
    assert group.source.startswith("SSB, KLASS 112 (KOSTRA-grupper): http://127.0.0.1")
    assert group.memberships.count() == 6


def test_the_command_says_why_klass_refused(local_server, settings):
    call_command("load_municipalities", verbosity=0)
    error = {"detail": "Classification with id 112 has no correspondence at 1900-01-01"}
    settings.SSB_KLASS_URL = local_server.start(lambda path: (404, json.dumps(error).encode())) + "/api/klass/v1"
    with pytest.raises(CommandError, match="KLASS answered 404: Classification with id 112 has no correspondence"):
        call_command("import_kostra_groups", "--fetch", "--date", "1900-01-01")


def test_the_networks_page_sets_each_member_beside_its_county_and_group(client, country):
    page = html.unescape(client.get("/indikator/arealbruk/?ar=2021").content.decode())
    table = page.split('id="caption-members-beside"')[1].split("</table>")[0]
    kongsberg = table.split(">Kongsberg</a>")[1].split("</tr>")[0]
    assert "Viken" in kongsberg and "51 of 51 municipalities" in kongsberg
    assert "KOSTRA group 13" in kongsberg and "6 of 6 municipalities" in kongsberg
    rana = table.split(">Rana - Raane</a>")[1].split("</tr>")[0]
    assert "Nordland" in rana and "41 of 41 municipalities" in rana
    assert "The whole country: median" in page and "of 357 municipalities" in page
