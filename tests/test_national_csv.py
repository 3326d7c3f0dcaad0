"""The national CSV importer: every row checked before anything is written, then one transaction."""

import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from indicators import services
from indicators.importers.base import ImportRejected
from indicators.importers.national_csv import (
    apply_national,
    read_national_csv,
    write_published_csv,
)
from indicators.models import IndicatorValue, Municipality, ValueRevision, ValueState, ValueStatus
from indicators.services import ProposedValue, apply_values, change_status

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
HEADER = "kommunenummer;indikator;år;verdi;tilstand\r\n"
TRICKY_COMMENT = "Tab\there, backslash \\N and\nnewline\r\nand «æøå»"


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


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's; elsewhere bulk_create writes")
def test_a_large_import_written_with_copy_stores_what_bulk_create_stores(waste, coordinator, monkeypatch):
    """From services.COPY_FROM new values on, apply_values() writes with COPY: the rows must be the same."""
    municipalities = Municipality.objects.bulk_create([Municipality(name=f"Kommune {n}") for n in range(60)])
    proposed = []
    for n, municipality in enumerate(municipalities):
        for year in range(2001, 2021):
            if (n + year) % 7 == 0:
                proposed.append(ProposedValue(municipality.pk, year, None, ValueState.CONFIDENTIAL))
            elif (n + year) % 5 == 0:  # a comment with every character COPY's text format escapes
                proposed.append(ProposedValue(municipality.pk, year, Decimal("12.5"), comment=TRICKY_COMMENT))
            elif (n + year) % 3 == 0:
                proposed.append(ProposedValue(municipality.pk, year, Decimal(year * 10 + n), reason="Retted av SSB"))
            else:
                proposed.append(ProposedValue(municipality.pk, year, Decimal(f"{n}.123456")))
    assert len(proposed) > services.COPY_FROM
    value_fields = ["indicator_id", "municipality_id", "year", "value", "state", "status", "source", "is_sample",
                    "comment", "review_comment", "version", "changed_by_id", "changed_at", "first_published_at",
                    "published_at", "published_value", "published_state", "published_is_sample",
                    "published_source"]  # fmt: skip
    revision_fields = ["indicator_value__municipality_id", "indicator_value__year", "changed_at", "changed_by_id",
                       "old_value", "new_value", "old_state", "new_state", "old_status", "new_status", "source",
                       "reason"]  # fmt: skip

    def apply():
        return apply_values(
            proposed=proposed, indicator=waste, user=coordinator, source="Nasjonal fil", reason="Import"
        )

    def stored():
        values = sorted(IndicatorValue.objects.values_list(*value_fields), key=str)
        revisions = sorted(ValueRevision.objects.values_list(*revision_fields), key=str)
        return values, revisions

    def without_time(rows):  # each run has its own timestamp; everything else must match
        values, revisions = rows
        return [v[:12] + v[13:] for v in values], [r[:2] + r[3:] for r in revisions]

    with monkeypatch.context() as patched:
        patched.setattr(services, "COPY_FROM", len(proposed) + 1)  # the same write through bulk_create
        assert apply().created == len(proposed)
    expected = stored()
    IndicatorValue.objects.all().delete()

    with CaptureQueriesContext(connection) as queries:
        result = apply()
    assert result.created == len(proposed)
    assert not any("INSERT" in q["sql"] for q in queries.captured_queries)  # COPY, not bulk_create
    written = stored()
    assert without_time(written) == without_time(expected)
    assert len({v[12] for v in written[0]}) == 1  # one timestamp for the whole import, as bulk_create writes
    assert (
        IndicatorValue.objects.filter(comment=TRICKY_COMMENT).count()
        == ValueRevision.objects.filter(reason=TRICKY_COMMENT).count()
        > 0
    )

    # The same file again changes nothing; a value added afterwards gets an id the sequence had not given out.
    assert apply().unchanged == len(proposed)
    highest = IndicatorValue.objects.order_by("-pk").values_list("pk", flat=True).first()
    later = IndicatorValue.objects.create(indicator=waste, municipality=municipalities[0], year=2021, value=1)
    assert later.pk > highest
