"""The national CSV importer: every row checked before anything is written, then one transaction."""

import io
from decimal import Decimal

import pytest
from django.db import connection

from indicators.importers.base import ImportRejected
from indicators.importers.national_csv import (
    apply_national,
    apply_national_copy,
    read_national_csv,
    write_published_csv,
)
from indicators.models import IndicatorValue, Municipality, ValueRevision, ValueState, ValueStatus
from indicators.services import ProposedValue, apply_values, change_status

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
HEADER = "kommunenummer;indikator;år;verdi;tilstand\r\n"


def csv(*lines: str) -> bytes:
    return (HEADER + "".join(f"{line}\r\n" for line in lines)).encode()


def test_rows_land_on_the_municipality_that_had_the_number_that_year(kongsberg, waste, lighthouses):
    checked = read_national_csv(
        csv("0604;husholdningsavfall;2015;9 876,5;", "3303;miljofyrtarn;2024;41;", "301;miljofyrtarn;2024;;mangler"),
        "nasjonal.csv",
        last_year=2024,
    )
    assert checked.rows == 3
    oslo = Municipality.objects.get(name="Oslo")
    stored = {
        (p.indicator_id, p.municipality_id, p.year): (p.value, p.state) for p in sum(checked.by_indicator.values(), [])
    }
    assert stored == {
        (waste.pk, kongsberg.pk, 2015): (Decimal("9876.5"), ValueState.REPORTED),
        (lighthouses.pk, kongsberg.pk, 2024): (Decimal(41), ValueState.REPORTED),
        (lighthouses.pk, oslo.pk, 2024): (None, ValueState.MISSING),
    }


def test_every_problem_is_reported_and_nothing_is_written(kongsberg, waste):
    with pytest.raises(ImportRejected) as rejected:
        read_national_csv(
            csv(
                "3303;husholdningsavfall;2024;12;",  # fine
                "3303;husholdningsavfall;2024;13;",  # twice
                "0604;husholdningsavfall;2024;14;",  # Kongsberg's old number, no longer in force in 2024
                "3303;ukjent;2024;1;",
                "3303;husholdningsavfall;20x4;1;",
                "3006;husholdningsavfall;2023;-5;",  # tonnes cannot be negative
                "3006;husholdningsavfall;2022;7;mangler",
            ),
            "nasjonal.csv",
            last_year=2024,
        )
    messages = [str(p) for p in rejected.value.problems]
    assert len(messages) == 6
    assert any("appear twice" in m and "line 3" in m for m in messages)
    assert any("0604 in 2024" in m for m in messages)
    assert any("ukjent" in m for m in messages)
    assert not IndicatorValue.objects.exists()


def test_published_figures_round_trip_as_drafts_with_a_revision_each(kongsberg, waste, coordinator):
    apply_values(
        indicator=waste,
        proposed=[ProposedValue(kongsberg.pk, 2010, Decimal("9000.5")), ProposedValue(kongsberg.pk, 2024, None, "confidential")],
        user=coordinator,
        source="SSB",
        reason="first",
    )  # fmt: skip
    change_status(values=IndicatorValue.objects.all(), status=ValueStatus.PUBLISHED, user=coordinator, reason="ok")
    out = io.StringIO()
    assert write_published_csv(out) == 2
    assert out.getvalue().splitlines()[1:] == [
        "0604;husholdningsavfall;2010;9000,5;",
        "3303;husholdningsavfall;2024;;skjermet",
    ]
    checked = read_national_csv(out.getvalue().encode(), "alle.csv", last_year=2024)
    assert apply_national(checked, user=coordinator).unchanged == 2  # the same figures change nothing
    IndicatorValue.objects.all().delete()
    assert apply_national(checked, user=coordinator).created == 2
    assert set(IndicatorValue.objects.values_list("status", flat=True)) == {ValueStatus.DRAFT}
    assert ValueRevision.objects.count() == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's; elsewhere apply_national runs")
def test_the_copy_prototype_stores_what_apply_values_stores(kongsberg, waste, lighthouses, coordinator):
    data = csv("0604;husholdningsavfall;2015;9 876,5;", "3303;miljofyrtarn;2024;41;", "301;miljofyrtarn;2024;;mangler")
    fields = ["indicator_id", "municipality_id", "year", "value", "state", "status", "source", "is_sample", "comment",
              "version", "changed_by_id", "published_at", "published_state"]  # fmt: skip
    revision_fields = ["old_value", "new_value", "old_state", "new_state", "old_status", "new_status", "source",
                       "reason", "changed_by_id"]  # fmt: skip

    def stored():
        values = sorted(IndicatorValue.objects.values_list(*fields))
        revisions = sorted(ValueRevision.objects.values_list(*revision_fields), key=str)
        return values, revisions

    apply_national(read_national_csv(data, "nasjonal.csv", last_year=2024), user=coordinator)
    expected = stored()
    IndicatorValue.objects.all().delete()
    result = apply_national_copy(read_national_csv(data, "nasjonal.csv", last_year=2024), user=coordinator)
    assert result.created == 3
    assert stored() == expected
    # Existing values go through apply_values: the same file again changes nothing.
    again = apply_national_copy(read_national_csv(data, "nasjonal.csv", last_year=2024), user=coordinator)
    assert (again.created, again.unchanged) == (0, 3)
    IndicatorValue.objects.create(indicator=waste, municipality=kongsberg, year=2016, value=1)  # ids still free
