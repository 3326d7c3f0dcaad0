"""The national dataset: every municipality of the last year with its code history, 40 indicators, 25 years.

Values are written for the municipality that existed on 1 January of each year, so a municipality
formed by a merger (Fjord, 2020) has its own values from its first year and its predecessors (Norddal,
Stordal) before that, as the real figures would be. Every value is published, with the revisions the
portal would have written (created as a draft, then published); about 5 % have been revised since and
wait as a draft that differs from the published figure, and about 2 % were revised and published again.
Every chosen municipality gets a kommuneplan (3 focus areas × 2 goals, each measured by an indicator
with a baseline and a target), an økonomiplan carrying it with strategic projects and budget lines,
a good example and a published annual report for the last year.

The values and their revisions are written with COPY; everything else with bulk_create. The build is
additive (build_values and build_plans take the municipalities to add), so the benchmark can measure a
small dataset first and extend it to the national one. Figures are drawn from a seeded generator per
indicator and municipality: the same run gives the same figures.
"""

import datetime
import math
import random
import tempfile
import time
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from core import cache, pgcopy
from demo.data import MEMBERS, NETWORK_JOINED, NYNORSK_NUMBERS
from indicators import read_model as comparisons
from indicators.importers.klass import load_code_history
from indicators.models import (
    NETWORK_SLUG,
    POPULATION_DEFAULTS,
    ComparisonSnapshot,
    Indicator,
    IndicatorValue,
    LanguageForm,
    Municipality,
    Network,
    NetworkMembership,
    ValueRevision,
    ValueStatus,
)
from plans import read_model
from plans.models import (
    AnnualReport,
    BudgetLine,
    ExampleStatus,
    FocusArea,
    Goal,
    GoalIndicator,
    GoodExample,
    PageSnapshot,
    Plan,
    PlanStatus,
    PlanType,
    ReportText,
    ReportTextKind,
    ReportTextRevision,
    StrategicProject,
)
from tools.benchmark.indicator_specs import BENCH_SOURCE, SPECS

LAST_YEAR = 2024
BASELINE_YEAR = 2015
PENDING_SHARE = 0.05  # revised after publication; the revision waits as a draft
REPUBLISHED_SHARE = 0.02  # revised after publication and published again
MISSING_SHARE = 0.01
CONFIDENTIAL_SHARE = 0.002
BATCH = 2000
UTC = datetime.UTC
VALUE_COLUMNS = [
    "id", "indicator_id", "municipality_id", "year", "value", "state", "status", "source", "is_sample", "comment",
    "review_comment", "first_published_at", "revised_at", "published_at", "published_value", "published_state",
    "published_is_sample", "published_source", "version", "changed_by_id", "changed_at",
]  # fmt: skip
REVISION_COLUMNS = [
    "indicator_value_id", "changed_at", "changed_by_id", "old_value", "new_value", "old_state", "new_state",
    "old_status", "new_status", "source", "reason",
]  # fmt: skip
REASON_CREATED = "Importert for ytelsestesten"
REASON_PUBLISHED = "Publisert"
REASON_REVISED = "Korrigert tall fra kilden"
REASON_REPUBLISHED = "Publisert på nytt etter korrigering"
FOCUS_AREAS = [
    ("Klima, miljø og natur", "Kommunen skal kutte utslipp og ta vare på naturen."),
    ("Gode levekår og folkehelse", "Alle skal ha gode oppvekst- og levekår."),
    ("Verdiskaping og bærekraftig økonomi", "Kommunen skal ha et robust næringsliv og sunn økonomi."),
]
GOALS_PER_AREA = 2


@dataclass
class Step:
    name: str
    seconds: float
    rows: int = 0


@dataclass
class Build:
    """What a build wrote and how long each step took."""

    steps: list[Step] = field(default_factory=list)

    def timed(self, name: str, started: float, rows: int = 0) -> None:
        self.steps.append(Step(name, time.perf_counter() - started, rows))

    @property
    def seconds(self) -> float:
        return sum(s.seconds for s in self.steps)

    def rows(self, name: str) -> int:
        return sum(s.rows for s in self.steps if s.name == name)


@dataclass
class Baselines:
    """Each chosen municipality's figure for each indicator in its baseline year, for the plans' targets."""

    year: dict[int, int] = field(default_factory=dict)
    figure: dict[tuple[int, int], float] = field(default_factory=dict)


def load_municipalities() -> Network:
    """The code history as shipped (KLASS), nynorsk where the demo says so, and the network with its members."""
    load_code_history()
    Municipality.objects.filter(codes__code__in=NYNORSK_NUMBERS).update(language_form=LanguageForm.NYNORSK)
    network, _created = Network.objects.update_or_create(
        slug=NETWORK_SLUG,
        defaults={"name": "Livskraftige kommuner", "description": "Kommunenettverk for miljø og samfunnsutvikling."},
    )
    for _name, code, _form in MEMBERS:
        municipality = Municipality.objects.by_code(code, NETWORK_JOINED.year)
        left = {"left": municipality.dissolved - datetime.timedelta(days=1)} if municipality.dissolved else {}
        NetworkMembership.objects.update_or_create(
            network=network, municipality=municipality, joined=NETWORK_JOINED, defaults=left
        )
        if municipality.successor:  # the membership passes to the municipality it merged into (Norddal → Fjord)
            NetworkMembership.objects.get_or_create(
                network=network, municipality=municipality.successor, joined=municipality.dissolved
            )
    return network


def current_members(network: Network) -> list[Municipality]:
    """The network's members today, in force in the last year: the seven whose pages the benchmark reads."""
    return list(
        Municipality.objects.filter(
            memberships__network=network, memberships__left__isnull=True, dissolved__isnull=True
        )
        .distinct()
        .prefetch_related("codes")
        .order_by("name")
    )


def in_force(year: int = LAST_YEAR) -> list[Municipality]:
    """The municipalities of the year (357 in 2024), by their number then."""
    day = datetime.date(year, 1, 1)
    found = Municipality.objects.filter(Q(established__isnull=True) | Q(established__lte=day)).filter(
        Q(dissolved__isnull=True) | Q(dissolved__gt=day)
    )
    found = list(found.prefetch_related("codes"))
    return sorted(found, key=lambda municipality: number_in(municipality, year))


def number_in(municipality: Municipality, year: int = LAST_YEAR) -> str:
    """The municipality's number on 1 January of the year (its last one if it had none then), from prefetched codes."""
    day = datetime.date(year, 1, 1)
    codes = [c for c in municipality.codes.all() if c.valid_from <= day and (c.valid_to is None or c.valid_to >= day)]
    return (codes[0] if codes else municipality.current_code).code


def choose(count: int | None, members: list[Municipality]) -> list[Municipality]:
    """The network's members first, then the others by number, up to count (None: all of the last year)."""
    everyone = in_force()
    member_ids = {m.pk for m in members}
    chosen = [m for m in everyone if m.pk in member_ids] + [m for m in everyone if m.pk not in member_ids]
    return chosen if count is None else chosen[:count]


def history_of(chosen: list[Municipality], *, everything: bool) -> list[Municipality]:
    """The municipalities whose values the chosen ones' pages read: themselves and those merged into them.

    With everything, every municipality (those split up without a single successor included).
    """
    everyone = list(Municipality.objects.order_by("pk"))
    if everything:
        return everyone
    wanted = {m.pk for m in chosen}
    successor = {m.pk: m.successor_id for m in everyone}
    found = []
    for municipality in everyone:
        pk, seen = municipality.pk, set()
        while pk is not None and pk not in wanted and pk not in seen:
            seen.add(pk)
            pk = successor.get(pk)
        if pk in wanted:
            found.append(municipality)
    return found


def create_indicators(count: int) -> list[Indicator]:
    """The population and the first `count` indicators of the benchmark's 40."""
    population = Indicator.objects.filter(is_population=True).first()
    if population is None:
        population = Indicator.objects.create(is_population=True, **POPULATION_DEFAULTS)
    made = Indicator.objects.bulk_create(
        [Indicator(**{k: v for k, v in spec.items() if k != "sample"}) for spec in SPECS[:count]]
    )
    return [population, *made]


def spec_of(indicator: Indicator) -> dict:
    return next(spec for spec in SPECS if spec["code"] == indicator.code)


def _places(indicator: Indicator) -> int:
    if indicator.is_per_inhabitant:
        return 3
    return {"count": 0, "persons": 0, "percent": 1}.get(indicator.unit, 3)


def _population(municipality: Municipality, years: list[int]) -> dict[int, int]:
    rng = random.Random(f"folkemengde:{municipality.pk}")  # noqa: S311  (invented figures, not secrets)
    base = min(max(math.exp(rng.gauss(8.7, 1.1)), 200), 700_000)
    growth = rng.gauss(0.004, 0.008)
    return {year: max(int(base * (1 + growth) ** (year - 2000) + rng.gauss(0, base * 0.002)), 150) for year in years}


def _times(year: int, order: int) -> dict[str, datetime.datetime]:
    minute = order % 60
    return {
        "created": datetime.datetime(year + 1, 3, 1, 9, minute, tzinfo=UTC),
        "published": datetime.datetime(year + 1, 6, 15, 12, minute, tzinfo=UTC),
        "changed": datetime.datetime(year + 1, 9, 1, 10, minute, tzinfo=UTC),
        "republished": datetime.datetime(year + 1, 10, 1, 12, minute, tzinfo=UTC),
    }


def _figure(rng: random.Random, level: float, drift: float, low: float, high: float, step: int) -> float:
    figure = level + drift * step + rng.gauss(0, (high - low) * 0.03)
    floor = low / 2 if low > 0 else low - abs(high - low) * 0.2
    figure = max(figure, floor)
    return min(figure, 100.0) if high <= 100 and low >= 0 and figure > 100 else figure


def build_values(
    municipalities: list[Municipality],
    indicators: list[Indicator],
    years: list[int],
    *,
    chosen_ids: set[int],
    baselines: Baselines,
    build: Build,
) -> None:
    """COPY published values (and their revisions) for the municipalities in each year they existed."""
    started = time.perf_counter()
    first_id = pgcopy.next_id(IndicatorValue)
    counter = {"values": 0, "revisions": 0}
    population_indicator = next(i for i in indicators if i.is_population)
    others = [i for i in indicators if not i.is_population]
    for m in municipalities:
        if m.pk in chosen_ids:
            own_years = [y for y in years if m.existed_in(y)]
            baselines.year[m.pk] = max(min(BASELINE_YEAR, years[-1]), own_years[0] if own_years else years[0])

    source = pgcopy.text(BENCH_SOURCE)
    reasons = {k: pgcopy.text(v) for k, v in
               {"created": REASON_CREATED, "published": REASON_PUBLISHED, "changed": REASON_REVISED,
                "republished": REASON_REPUBLISHED}.items()}  # fmt: skip
    draft, public = ValueStatus.DRAFT.value, ValueStatus.PUBLISHED.value
    stamps = {
        (y, o): {k: pgcopy.field(v) for k, v in _times(y, o).items()} for y in years for o in range(len(indicators))
    }
    null = pgcopy.NULL

    def value_lines(revisions_file):
        """One line of the values table per figure, written as COPY reads it; the revisions go to the file."""
        next_id = first_id
        write = revisions_file.write
        for m in municipalities:
            own_years = [y for y in years if m.existed_in(y)]
            if not own_years:
                continue
            people = _population(m, own_years)
            for order, indicator in enumerate([population_indicator, *others]):
                rng = random.Random(f"{indicator.code}:{m.pk}")  # noqa: S311  (invented figures, not secrets)
                if indicator.is_population:
                    low = high = drift = 0.0
                else:
                    low, high, drift = (float(x) for x in spec_of(indicator)["sample"])
                level = rng.uniform(low, high)
                places = 0 if indicator.is_population else _places(indicator)
                factor = float(indicator.per_inhabitant_factor)
                per_inhabitant = indicator.is_per_inhabitant
                share = indicator.unit == "percent" and not per_inhabitant
                head = f"{indicator.pk}\t{m.pk}\t"
                for year in own_years:
                    if indicator.is_population:
                        amount = people[year]
                    else:
                        figure = _figure(rng, level, drift, low, high, year - years[0])
                        amount = figure * people[year] / factor if per_inhabitant else figure
                        if m.pk in chosen_ids and year == baselines.year.get(m.pk):
                            baselines.figure[(m.pk, indicator.pk)] = figure
                    draw = rng.random()
                    state = "reported"
                    if not indicator.is_population and draw < MISSING_SHARE:
                        state = "missing"
                    elif not indicator.is_population and draw < MISSING_SHARE + CONFIDENTIAL_SHARE:
                        state = "confidential"
                    reported = state == "reported"
                    published = f"{amount:.{places}f}" if reported else null
                    kind = rng.random() if reported and not indicator.is_population else 1.0
                    working = published
                    if kind < PENDING_SHARE + REPUBLISHED_SHARE:
                        changed = amount * (1 + rng.choice((-1, 1)) * rng.uniform(0.01, 0.08))
                        if share:  # a revised share stays a share: the import refuses one above 100 %
                            changed = min(changed, 100.0)
                        working = f"{changed:.{places}f}"
                        if working == published:
                            working = f"{amount - 1 if share and amount + 1 > 100 else amount + 1:.{places}f}"
                    when = stamps[(year, order)]
                    value_id = next_id
                    next_id += 1
                    tail = f"\t{source}\t"
                    write(f"{value_id}\t{when['created']}\t{null}\t{null}\t{published}\t\t{state}\t\t{draft}"
                          f"{tail}{reasons['created']}\n"
                          f"{value_id}\t{when['published']}\t{null}\t{published}\t{published}\t{state}\t{state}"
                          f"\t{draft}\t{public}{tail}{reasons['published']}\n")  # fmt: skip
                    revisions = 2
                    first_published = last_published = changed_at = when["published"]
                    revised_at, status, version = null, public, 2
                    if kind < PENDING_SHARE + REPUBLISHED_SHARE:
                        write(f"{value_id}\t{when['changed']}\t{null}\t{published}\t{working}\t{state}\t{state}"
                              f"\t{public}\t{draft}{tail}{reasons['changed']}\n")  # fmt: skip
                        revisions += 1
                        status, version, changed_at = draft, 3, when["changed"]
                        if kind >= PENDING_SHARE:  # published again
                            write(f"{value_id}\t{when['republished']}\t{null}\t{working}\t{working}\t{state}"
                                  f"\t{state}\t{draft}\t{public}{tail}{reasons['republished']}\n")  # fmt: skip
                            revisions += 1
                            published, status, version = working, public, 4
                            last_published = revised_at = changed_at = when["republished"]
                    counter["revisions"] += revisions
                    counter["values"] += 1
                    yield (f"{value_id}\t{head}{year}\t{working}\t{state}\t{status}\t{source}\tt\t\t\t"
                           f"{first_published}\t{revised_at}\t{last_published}\t{published}\t{state}\tt\t{source}"
                           f"\t{version}\t{null}\t{changed_at}\n")  # fmt: skip

    with tempfile.TemporaryFile(mode="w+", encoding="utf-8") as revisions_file, transaction.atomic():
        pgcopy.copy_lines(IndicatorValue._meta.db_table, VALUE_COLUMNS, value_lines(revisions_file))
        build.timed("values (COPY)", started, counter["values"])
        started = time.perf_counter()
        revisions_file.seek(0)
        pgcopy.copy_in(ValueRevision._meta.db_table, REVISION_COLUMNS, revisions_file)
        pgcopy.reset_sequences(IndicatorValue, ValueRevision)
        build.timed("value revisions (COPY)", started, counter["revisions"])


def _target(figure: float | None, direction: str) -> tuple[Decimal | None, Decimal | None]:
    if figure is None:
        return None, None
    better = {"lower": 0.8, "higher": 1.2}.get(direction, 1.1)
    return Decimal(f"{figure:.1f}"), Decimal(f"{figure * better:.1f}")


def build_plans(chosen: list[Municipality], indicators: list[Indicator], *, baselines: Baselines, build: Build) -> None:
    """A kommuneplan, an økonomiplan carrying it, projects, budget lines, a good example and the last year's
    published annual report for every chosen municipality: bulk_create, a dozen statements a table."""
    started = time.perf_counter()
    measured = [i for i in indicators if not i.is_population]
    year = LAST_YEAR
    now = timezone.now()
    adopted = PlanStatus.ADOPTED
    with transaction.atomic():
        kommuneplans = Plan.objects.bulk_create(
            [
                Plan(municipality=m, plan_type=PlanType.KOMMUNEPLAN_SAMFUNN, status=adopted,
                     title=f"Kommuneplanens samfunnsdel 2020–2032 for {m.name}", period_start=2020, period_end=2032,
                     adopted_on=datetime.date(2020, 6, 18), decision_reference="K-sak 45/2020")
                for m in chosen
            ],
            batch_size=BATCH,
        )  # fmt: skip
        okonomiplans = Plan.objects.bulk_create(
            [
                Plan(municipality=m, plan_type=PlanType.OKONOMIPLAN, status=adopted, parent=parent,
                     title=f"Økonomiplan {year}–{year + 3}", period_start=year, period_end=year + 3,
                     adopted_on=datetime.date(year - 1, 12, 14), decision_reference=f"K-sak 98/{year - 1}")
                for m, parent in zip(chosen, kommuneplans, strict=True)
            ],
            batch_size=BATCH,
        )  # fmt: skip
        areas = FocusArea.objects.bulk_create(
            [
                FocusArea(plan=plan, title=title, description=text, order=order)
                for plan in kommuneplans
                for order, (title, text) in enumerate(FOCUS_AREAS, start=1)
            ],
            batch_size=BATCH,
        )
        carried = FocusArea.objects.bulk_create(
            [
                FocusArea(plan=plan, title=area.title, order=area.order, carries=area)
                for plan, index in zip(okonomiplans, range(len(okonomiplans)), strict=True)
                for area in areas[index * len(FOCUS_AREAS) : (index + 1) * len(FOCUS_AREAS)]
            ],
            batch_size=BATCH,
        )
        goals = Goal.objects.bulk_create(
            [
                Goal(focus_area=area, title=f"Mål {area.order}.{n} for {area.title.lower()}", order=n)
                for area in areas
                for n in range(1, GOALS_PER_AREA + 1)
            ],
            batch_size=BATCH,
        )
        carried_goals = Goal.objects.bulk_create(
            [
                Goal(focus_area=carrier, title=goal.title, order=goal.order, carries=goal)
                for carrier, area_index in zip(carried, range(len(carried)), strict=True)
                for goal in goals[area_index * GOALS_PER_AREA : (area_index + 1) * GOALS_PER_AREA]
            ],
            batch_size=BATCH,
        )
        per_municipality = len(FOCUS_AREAS) * GOALS_PER_AREA
        measures, chosen_indicators = [], {}
        for index, municipality in enumerate(chosen):
            own_goals = goals[index * per_municipality : (index + 1) * per_municipality]
            own_carried = carried_goals[index * per_municipality : (index + 1) * per_municipality]
            picked = [measured[(index * 3 + n) % len(measured)] for n in range(per_municipality)]
            chosen_indicators[municipality.pk] = list(dict.fromkeys(picked))
            base_year = baselines.year.get(municipality.pk)
            for goal, carrier, indicator in zip(own_goals, own_carried, picked, strict=True):
                direction = indicator.direction if indicator.direction != "neutral" else "lower"
                base, target = _target(baselines.figure.get((municipality.pk, indicator.pk)), direction)
                for target_goal, target_year in ((goal, 2030), (carrier, year + 3)):
                    measures.append(
                        GoalIndicator(goal=target_goal, indicator=indicator, direction=direction,
                                      baseline_year=base_year if base is not None else None, baseline_value=base,
                                      target_year=target_year, target_value=target)
                    )  # fmt: skip
        GoalIndicator.objects.bulk_create(measures, batch_size=BATCH)

        projects = StrategicProject.objects.bulk_create(
            [
                StrategicProject(plan=plan, title=title, description="Et tverrsektorielt prosjekt i økonomiplanen.",
                                 responsible_unit="Kommunedirektørens stab", service_areas="Plan, Teknisk, Oppvekst",
                                 first_budget_year=year - 1, last_budget_year=year + 2)
                for plan in okonomiplans
                for title in ("Grønn omstilling i kommunale bygg", "Gode oppvekstmiljø")
            ],
            batch_size=BATCH,
        )  # fmt: skip
        links = StrategicProject.focus_areas.through
        link_rows = []
        for index in range(len(chosen)):
            own = carried[index * len(FOCUS_AREAS) : (index + 1) * len(FOCUS_AREAS)]
            first, second = projects[index * 2], projects[index * 2 + 1]
            link_rows += [
                links(strategicproject=first, focusarea=own[0]),
                links(strategicproject=first, focusarea=own[2]),
            ]
            link_rows.append(links(strategicproject=second, focusarea=own[1]))
        links.objects.bulk_create(link_rows, batch_size=BATCH)

        lines = []
        for index, municipality in enumerate(chosen):
            rng = random.Random(f"budsjett:{municipality.pk}")  # noqa: S311  (invented figures, not secrets)
            own_areas = carried[index * len(FOCUS_AREAS) : (index + 1) * len(FOCUS_AREAS)]
            own_projects = projects[index * 2 : index * 2 + 2]
            for line_year in range(year - 3, year + 3):
                for area in own_areas:
                    lines.append(_budget_line(rng, municipality, line_year, focus_area=area))
            for project in own_projects:
                for line_year in range(project.first_budget_year, project.last_budget_year + 1):
                    lines.append(_budget_line(rng, municipality, line_year, project=project))
        BudgetLine.objects.bulk_create(lines, batch_size=BATCH)

        examples = GoodExample.objects.bulk_create(
            [
                GoodExample(municipality=m, year=year, title=f"Ombruk i {m.name}", focus_area=areas[i * len(FOCUS_AREAS)],
                            text="Kommunen åpnet en ombrukssentral. **Mindre avfall** og flere møbler i bruk igjen.",
                            status=ExampleStatus.PUBLISHED, published_at=now)
                for i, m in enumerate(chosen)
            ],
            batch_size=BATCH,
        )  # fmt: skip
        example_links = GoodExample.indicators.through
        example_links.objects.bulk_create(
            [
                example_links(goodexample=example, indicator=chosen_indicators[m.pk][0])
                for example, m in zip(examples, chosen, strict=True)
            ],
            batch_size=BATCH,
        )

        reports = AnnualReport.objects.bulk_create(
            [AnnualReport(municipality=m, year=year, first_published_at=now, published_at=now) for m in chosen],
            batch_size=BATCH,
        )
        texts = []
        for index, (municipality, report) in enumerate(zip(chosen, reports, strict=True)):
            own_areas = areas[index * len(FOCUS_AREAS) : (index + 1) * len(FOCUS_AREAS)]
            texts.append(_text(report, ReportTextKind.INTRODUCTION, f"Årsrapporten for {municipality.name} {year}."))
            texts += [
                _text(report, ReportTextKind.FOCUS_AREA, f"Slik gikk det med {a.title.lower()}.", focus_area=a)
                for a in own_areas
            ]
            texts += [
                _text(report, ReportTextKind.INDICATOR, f"Kommentar til {i.name_nb.lower()}.", indicator=i)
                for i in chosen_indicators[municipality.pk]
            ]
            texts += [
                _text(report, ReportTextKind.PROJECT, "Prosjektet kom godt i gang i år.", project=p)
                for p in projects[index * 2 : index * 2 + 2]
            ]
        texts = ReportText.objects.bulk_create(texts, batch_size=BATCH)
        ReportTextRevision.objects.bulk_create(
            [
                ReportTextRevision(text=t, body=t.body, changed_at=t.changed_at, published=published)
                for t in texts
                for published in (False, True)
            ],
            batch_size=BATCH,
        )
    rows = sum(
        len(x) for x in (kommuneplans, okonomiplans, areas, carried, goals, carried_goals, measures, projects, lines)
    )
    rows += len(examples) + len(reports) + len(texts) * 3
    build.timed("plans, budgets and reports", started, rows)


def _budget_line(rng: random.Random, municipality, year: int, **target) -> BudgetLine:
    adopted = Decimal(int(rng.uniform(500, 20_000)))
    revised = (adopted * Decimal(str(round(rng.uniform(0.95, 1.1), 2)))).quantize(Decimal(1))
    accounts = (revised * Decimal(str(round(rng.uniform(0.85, 1.05), 2)))).quantize(Decimal(1))
    return BudgetLine(
        municipality=municipality,
        year=year,
        adopted=adopted,
        revised=revised if year <= LAST_YEAR else None,
        accounts=accounts if year <= LAST_YEAR else None,
        source="Økonomiplan og regnskap (oppdiktet)",
        **target,
    )


def _text(report: AnnualReport, kind: str, body: str, **target) -> ReportText:
    return ReportText(
        report=report, kind=kind, body=body, published_body=body, changed_at=report.published_at, **target
    )


def finish(build: Build) -> None:
    """Tell the planner the tables' new sizes and retire cached pages (bulk writes send no signals)."""
    started = time.perf_counter()
    pgcopy.analyze(IndicatorValue, ValueRevision, Municipality, Indicator, Plan, FocusArea, Goal, GoalIndicator,
                   BudgetLine, StrategicProject, ReportText, AnnualReport)  # fmt: skip
    cache.bump()
    build.timed("vacuum analyze", started)
    # The public pages as the portal stores them once the data is published (plans/read_model.py): the benchmark
    # measures the pages a visitor gets, read in one query.
    started = time.perf_counter()
    read_model.forget(None)
    build.timed(READ_MODEL_STEP, started, read_model.build(None))
    started = time.perf_counter()
    comparisons.forget(None)
    build.timed(COMPARISONS_STEP, started, comparisons.build(None))


READ_MODEL_STEP = "read model: municipalities"
COMPARISONS_STEP = "read model: indicators"


def read_model_size() -> tuple[int, int]:
    """(rows, bytes on disk with indexes and TOAST) of the read model's tables."""
    rows = size = 0
    for model in (PageSnapshot, ComparisonSnapshot):
        table = model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*), pg_total_relation_size('{table}') FROM {table}")  # noqa: S608
            found, on_disk = cursor.fetchone()
        rows, size = rows + found, size + on_disk
    return rows, size
