"""A politician sets her municipality beside municipalities like it, in real Chromium: she picks it on the
comparison, reads its place in its KOSTRA group and the medians with what each rests on, adds her own group, and
the page passes axe and fits a 320 px phone."""

import datetime

import pytest
from playwright.sync_api import expect

from indicators.models import Indicator, PeerGroup, PeerGroupMembership
from tests import factories as make

YEAR = 2023


@pytest.fixture
def group(waste):
    """Kongsberg, Rana, Bodø and Narvik in one KOSTRA group (SSB's, not examples), with waste published for 2023;
    Kongsberg and Rana in the network."""
    population = Indicator.objects.population()
    members = []
    for n, (name, number) in enumerate((("Kongsberg", "3303"), ("Rana", "1833"), ("Bodø", "1804"),
                                         ("Narvik", "1806"))):  # fmt: skip
        municipality = make.municipality(name, number)
        make.published_value(population, municipality, YEAR, 20_000)
        make.published_value(waste, municipality, YEAR, 8_000 - 500 * n)  # 400, 375, 350, 325 kg
        members.append(municipality)
    make.network(members=members[:2])
    group = PeerGroup.objects.create(code="EKG13", name="KOSTRA-gruppe 13", valid_from=datetime.date(2020, 1, 1))
    for member in members:
        PeerGroupMembership.objects.create(group=group, municipality=member, valid_from=group.valid_from)
    return members


@pytest.mark.parametrize("width", [1280, 320])
def test_a_politician_sees_her_municipality_beside_its_group_and_adds_her_own(page, axe, group, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/indikator/husholdningsavfall/")
    page.get_by_label("Din kommune").select_option("3303")
    page.get_by_role("button", name="Oppdater").click()
    expect(page.locator(".peer-sentence")).to_have_text(
        "Kongsberg er i KOSTRA-gruppe 13; blant de 4 kommunene i gruppen er Kongsberg nummer 4 i 2023 "
        "(lavere er bedre)."
    )
    table = page.locator(".peer-table")
    expect(table.get_by_role("row", name="KOSTRA-gruppe 13")).to_contain_text(
        "363"
    )  # the median of 400, 375, 350 and 325 kg: 362,5
    expect(table.get_by_role("row", name="KOSTRA-gruppe 13")).to_contain_text("4 av 4 kommuner")
    expect(table.get_by_role("row", name="Hele landet")).to_contain_text("4 av 4 kommuner")
    page.get_by_label("Din egen sammenligningsgruppe").fill("3303,1804")
    page.get_by_role("button", name="Sammenlign", exact=True).click()
    expect(table.get_by_role("row", name="Egen gruppe (2 kommuner)")).to_contain_text("for få tall for en median")
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing sideways
    axe.assert_no_violations(page)
