"""Fill an empty database with the demo: the network, real population and real figures, sample figures where there
are none, plans (Kongsberg's whole chain), reports and accounts."""

import csv
import datetime
import io
import random
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from PIL import Image, ImageDraw
from tqdm import tqdm

from demo.data import (
    DATA,
    DEMO_PASSWORD,
    EMISSION_SECTORS,
    EXAMPLE_CITY_GROUPS,
    EXAMPLE_NOTE,
    EXAMPLE_PEER_GROUPS,
    EXAMPLE_PEER_GROUPS_FROM,
    EXAMPLE_PEER_GROUPS_SOURCE,
    ILLUSTRATIVE_DECISION,
    INDICATORS,
    KONGSBERG_BUDGET_2009,
    KONGSBERG_BUDGET_SOURCE,
    KONGSBERG_BUSINESS_GOAL,
    KONGSBERG_ENVIRONMENT_GOALS,
    KONGSBERG_ENVIRONMENT_PLAN,
    KONGSBERG_FOCUS_AREAS,
    KONGSBERG_GOALS,
    KONGSBERG_PROJECT,
    MEMBERS,
    NETWORK_JOINED,
    NYNORSK_NUMBERS,
    OSLO_CLIMATE,
    OSLO_CLIMATE_SECTORS,
    OSLO_CUT_RANGE,
    OSLO_MEASURES,
    OSLO_PROJECTS,
    OSLO_RESULT_INDICATORS,
    OSLO_STATUSES_2025,
    REAL_FILE,
    REAL_REASON,
    REAL_SERIES,
    ROLES,
    SAMPLE_SOURCE,
    SAMPLE_YEARS,
    USERS,
)
from indicators.importers.miljodir import sector_code, sector_indicator
from indicators.importers.ssb_population import import_population
from indicators.models import (
    NETWORK_SLUG,
    SOURCE_LENGTH,
    Indicator,
    IndicatorValue,
    LanguageForm,
    Municipality,
    MunicipalityCode,
    MunicipalityRole,
    Network,
    NetworkCoordinator,
    NetworkMembership,
    PeerGroup,
    PeerGroupMembership,
    Reminder,
    ReminderKind,
    ReportingRound,
    ValueState,
    ValueStatus,
    reporting_year,
)
from indicators.services import ProposedValue, apply_values, change_status
from plans import chain as plan_chain
from plans import climate
from plans.models import (
    AnnualReport,
    BudgetLine,
    ClimateBudget,
    ClimateMeasure,
    ClimateSector,
    ExampleStatus,
    FocusArea,
    Goal,
    GoalIndicator,
    GoodExample,
    MeasureYear,
    Plan,
    PlanStatus,
    PlanType,
    ReportStatus,
    SectorYear,
    StrategicProject,
)
from plans.services import publish_report, save_report_texts

KONGSBERG = "3303"
OSLO_PLAN_TITLE = "Økonomiplan med klimabudsjett (eksempel)"
KONGSBERG_REPORT_YEAR = 2020  # the kommuneplan's last year, and a year with SSB's built-up area and population


class Command(BaseCommand):
    help = "Load the demo: municipalities, the network, real population and figures, sample values, plans, accounts."

    def handle(self, *args, **options):
        steps = [
            ("municipalities", self.load_municipalities),
            ("accounts", self.load_users),
            ("network", self.load_network),
            ("roles", self.load_roles),
            ("population", self.load_population),
            ("KOSTRA groups (examples)", self.load_example_peer_groups),
            ("indicators", self.load_indicators),
            ("real values", self.load_real_values),
            ("sample values", self.load_sample_values),
            ("plans", self.load_plans),
            ("publish", self.publish),
            ("annual reports", self.load_reports),
            ("reporting round", self.load_round),
            ("climate budget (Oslo)", self.load_oslo_climate_budget),
        ]
        show = options["verbosity"] > 0
        self.skipped = Counter()
        with tqdm(steps, desc="demo", unit="step", disable=not show) as progress:
            for name, step in progress:
                progress.set_postfix_str(name)
                with transaction.atomic():
                    step()
        for reason, count in sorted(self.skipped.items()):
            self.stdout.write(f"Real figures not loaded: {count} ({reason}).")
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo loaded. Log in as {', '.join(u for u, *_ in USERS)} with the password {DEMO_PASSWORD}."
            )
        )

    def load_municipalities(self):
        call_command("load_municipalities", stdout=self.stdout, stderr=self.stderr)
        Municipality.objects.filter(codes__code__in=NYNORSK_NUMBERS).update(language_form=LanguageForm.NYNORSK)

    def load_users(self):
        User = get_user_model()
        for username, first, last in USERS:
            # An address on a reserved example domain, so that a password reset can be tried (its mail is printed).
            email = f"{username}@demo.livskraft.example"
            user, created = User.objects.get_or_create(
                username=username, defaults={"first_name": first, "last_name": last, "email": email}
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
        # The coordinator works in the portal, like everyone but an administrator (the admin is for superusers).
        self.coordinator = User.objects.get(username="koordinator")

    def load_network(self):
        network, _ = Network.objects.update_or_create(
            slug=NETWORK_SLUG,
            defaults={
                "name": "Livskraftige kommuner",
                "description": (
                    "Kommunenettverk for miljø og samfunnsutvikling, drevet av KS med finansiering fra "
                    "Miljøverndepartementet. Nettverket om overordnet planlegging og samfunnsutvikling."
                ),
            },
        )
        for _name, code, _form in MEMBERS:
            municipality = Municipality.objects.by_code(code, NETWORK_JOINED.year)
            membership = {"left": municipality.dissolved - datetime.timedelta(days=1)} if municipality.dissolved else {}
            NetworkMembership.objects.update_or_create(
                network=network, municipality=municipality, joined=NETWORK_JOINED, defaults=membership
            )
            if municipality.successor:
                # The network carries on with the municipality a member merged into (Norddal → Fjord).
                NetworkMembership.objects.get_or_create(
                    network=network, municipality=municipality.successor, joined=municipality.dissolved
                )
        self.network = network

    def load_roles(self):
        User = get_user_model()
        for username, code, role in ROLES:
            MunicipalityRole.objects.get_or_create(
                user=User.objects.get(username=username), municipality=Municipality.objects.by_code(code), role=role
            )
        NetworkCoordinator.objects.get_or_create(user=self.coordinator, network=self.network)

    def load_population(self):
        for path in sorted((DATA / "ssb").glob("Personer*.csv")):
            import_population(data=path.read_bytes(), filename=path.name, user=self.coordinator)

    def load_example_peer_groups(self):
        """Group today's municipalities by their latest population, as examples of KOSTRA groups (demo/data.py);
        SSB's own groups, once loaded, are left alone."""
        if PeerGroup.objects.filter(is_example=False).exists():
            return
        PeerGroup.objects.filter(is_example=True).delete()
        people = {}
        for municipality_id, _year, value in (
            IndicatorValue.objects.filter(indicator=Indicator.objects.population(), state=ValueState.REPORTED)
            .order_by("year")
            .values_list("municipality_id", "year", "value")
        ):
            people[municipality_id] = value  # the latest year's
        groups = {}

        def group(code, name):
            if code not in groups:
                groups[code] = PeerGroup.objects.create(
                    code=code, name=name, valid_from=EXAMPLE_PEER_GROUPS_FROM, is_example=True,
                    source=EXAMPLE_PEER_GROUPS_SOURCE,
                )  # fmt: skip
            return groups[code]

        memberships = []
        for municipality in Municipality.objects.filter(dissolved__isnull=True).prefetch_related("codes"):
            number = municipality.kommunenummer
            if number in EXAMPLE_CITY_GROUPS:
                chosen = group(*EXAMPLE_CITY_GROUPS[number])
            elif municipality.pk in people:
                _least, code, name = [g for g in EXAMPLE_PEER_GROUPS if people[municipality.pk] >= g[0]][-1]
                chosen = group(code, name)
            else:
                continue
            memberships.append(
                PeerGroupMembership(group=chosen, municipality=municipality, valid_from=EXAMPLE_PEER_GROUPS_FROM)
            )
        PeerGroupMembership.objects.bulk_create(memberships)

    def load_indicators(self):
        for spec in INDICATORS:
            fields = {k: v for k, v in spec.items() if k not in ("code", "sample")}
            Indicator.objects.update_or_create(code=spec["code"], defaults=fields)
        # Oslo's emissions by sector go where Miljødirektoratet's import puts them, in indicators it would create.
        for sector in EMISSION_SECTORS:
            sector_indicator(sector_code(sector), sector)

    def members(self):
        """The network's members and the municipalities they were formed from (Stordal, for Fjord)."""
        return (
            Municipality.objects.filter(
                Q(memberships__network=self.network) | Q(successor__memberships__network=self.network)
            )
            .distinct()
            .order_by("pk")
        )

    def population(self) -> dict[tuple[int, int], Decimal]:
        """The population on 1 January by (municipality id, year), from the SSB files loaded."""
        return {
            (m, y): v
            for m, y, v in IndicatorValue.objects.filter(
                indicator=Indicator.objects.population(), state=ValueState.REPORTED
            ).values_list("municipality_id", "year", "value")
        }

    def load_real_values(self):
        """Load the real figures of demo/real/figures.csv as official statistics: published, credited, not sample.

        They are written as an import of the source's file would write them (apply_values(official=True)), by the
        network's coordinator.

        A series (indicator and municipality) with real figures gets no sample figures: samples left in it by an
        earlier run of the demo are removed first, so the real series is never mixed with invented years.
        """
        population = self.population()
        by_code = {c.code: c.municipality for c in MunicipalityCode.objects.select_related("municipality")
                   .order_by("valid_from")}  # fmt: skip
        indicators = {
            i.code: i for i in Indicator.objects.filter(code__in={s["indicator"] for s in REAL_SERIES.values()})
        }
        # The last day another municipality became part of each municipality (Stavanger: Finnøy, 2020).
        absorbed_after = dict(
            Municipality.objects.filter(predecessors__isnull=False)
            .annotate(last=Max("predecessors__dissolved"))
            .values_list("pk", "last")
        )
        groups: dict[tuple[str, str], list[ProposedValue]] = defaultdict(list)
        for line, row in read_real_figures():
            spec = REAL_SERIES[row["indicator"]]
            indicator = indicators[spec["indicator"]]
            municipality, year = by_code.get(row["kommunenummer"]), int(row["year"])
            if municipality is None:
                raise CommandError(
                    f"{REAL_FILE.name}, line {line}: no municipality has ever had the number {row['kommunenummer']}; "
                    "load the municipalities' code history first."
                )
            if not municipality.existed_in(year):
                self.skipped["a year before the municipality existed"] += 1
                continue
            if (absorbed_after.get(municipality.pk) or datetime.date.min) > datetime.date(year, 1, 1):
                # The figure is for the municipality's 2024 borders, wider than its borders that year.
                self.skipped["a year before the municipality absorbed others (the figure is for later borders)"] += 1
                continue
            value = Decimal(row["value"])
            if spec["per_inhabitant"]:
                people = population.get((municipality.pk, year))
                if people is None:
                    self.skipped["a figure per inhabitant for a year without a shipped population"] += 1
                    continue
                value = value * people / indicator.per_inhabitant_factor
            source = spec["source"].format(file=row["source_file"])
            if len(source) > SOURCE_LENGTH:
                raise CommandError(f"The source of {row['indicator']} is longer than {SOURCE_LENGTH} characters.")
            groups[(indicator.code, source)].append(
                ProposedValue(municipality_id=municipality.pk, year=year, value=value)
            )
        for (code, source), proposed in groups.items():
            indicator = indicators[code]
            series = {p.municipality_id for p in proposed}
            series |= set(Municipality.objects.filter(successor_id__in=series).values_list("pk", flat=True))
            # The open round's sample figures for the reporting year (load_round()) stay: no real series has them.
            IndicatorValue.objects.filter(indicator=indicator, municipality_id__in=series, is_sample=True).exclude(
                year=reporting_year()
            ).delete()
            # The source's own figures: published in the same step, marked official, read-only to municipalities.
            apply_values(
                indicator=indicator,
                proposed=proposed,
                user=self.coordinator,
                source=source,
                reason=REAL_REASON,
                official=True,
            )

    def load_sample_values(self):
        """Invent figures for the members' series that have no real figure at all, marked as sample data.

        A merged member's series goes on in its successor's (Norddal's in Fjord's): when the successor's is real,
        the merged member gets no invented years either.
        """
        population = self.population()
        real = set(
            IndicatorValue.objects.filter(is_sample=False, indicator__is_population=False).values_list(
                "indicator_id", "municipality_id"
            )
        )
        successor = dict(Municipality.objects.filter(successor__isnull=False).values_list("pk", "successor_id"))
        for spec in INDICATORS:
            indicator = Indicator.objects.get(code=spec["code"])
            low, high, drift = spec["sample"]
            proposed = []
            for municipality in self.members():
                if {(indicator.pk, municipality.pk), (indicator.pk, successor.get(municipality.pk))} & real:
                    continue
                # Seeded by indicator and municipality, so every run gives the same sample.
                rng = random.Random(f"{spec['code']}-{municipality.name}")  # noqa: S311  (sample data, not secrets)
                level = Decimal(str(rng.uniform(low, high)))
                for _step, year in enumerate(SAMPLE_YEARS):
                    people = population.get((municipality.pk, year))
                    if people is None:
                        continue  # the municipality did not exist that year (Fjord before 2020)
                    figure = level + Decimal(str(drift)) * (year - SAMPLE_YEARS[0]) + Decimal(str(rng.gauss(0, 1)))
                    figure = max(figure, Decimal(low) / 2)
                    if indicator.is_per_inhabitant:
                        amount = figure * people / indicator.per_inhabitant_factor
                        value = amount.quantize(Decimal("0.001"), ROUND_HALF_UP)
                    elif indicator.unit == "count":
                        value = figure.quantize(Decimal(1), ROUND_HALF_UP)
                    else:
                        value = min(figure, Decimal(100)).quantize(Decimal("0.1"), ROUND_HALF_UP)
                    proposed.append(ProposedValue(municipality_id=municipality.pk, year=year, value=value))
            apply_values(
                indicator=indicator,
                proposed=proposed,
                user=self.coordinator,
                source=SAMPLE_SOURCE,
                reason="Eksempeldata lastet av load_demo",
                is_sample=True,
            )

    def baseline(self, municipality, indicator) -> dict:
        """The goal's baseline: the municipality's first figure for the indicator (real or sample), per inhabitant
        where the indicator is."""
        people = {
            v.year: v.value
            for v in IndicatorValue.objects.filter(
                indicator__is_population=True, municipality=municipality, state=ValueState.REPORTED
            )
        }
        for stored in IndicatorValue.objects.filter(
            indicator=indicator, municipality=municipality, state=ValueState.REPORTED
        ).order_by("year"):
            figure = (
                indicator.per_inhabitant(stored.value, people.get(stored.year))
                if indicator.is_per_inhabitant
                else stored.value
            )
            if figure is not None:
                return {"baseline_year": stored.year, "baseline_value": figure.quantize(Decimal("0.1"))}
        return {"baseline_year": None, "baseline_value": None}

    def example_target(self, municipality, indicator, measure) -> dict:
        """The baseline, and an example target from it.

        DOMAIN.md gives the goals but not their figures; these targets are examples, like the sample values.
        """
        baseline = self.baseline(municipality, indicator)
        better = Decimal("1.5") if measure["direction"] == "higher" else Decimal("0.9")
        return {
            **baseline,
            "target_year": measure.get("target_year", 2020),
            "target_value": (baseline["baseline_value"] * better).quantize(Decimal(1)),
        }

    def load_plans(self):
        self.load_kongsberg_chain()
        self.load_rana_chain()

    def kongsberg_plan(self, kongsberg, plan_type, title, **fields) -> Plan:
        plan, _ = Plan.objects.update_or_create(
            municipality=kongsberg,
            plan_type=plan_type,
            title=title,
            defaults={"status": PlanStatus.ADOPTED, "decision_reference": ILLUSTRATIVE_DECISION, **fields},
        )
        return plan

    def carry(self, plan, areas, *, letters="abc", descriptions=None) -> dict[str, FocusArea]:
        """Give the plan focus areas carrying the kommuneplan's (by letter), with the same titles."""
        carried = {}
        for order, letter in enumerate(letters, start=1):
            carried[letter], _ = FocusArea.objects.update_or_create(
                plan=plan,
                order=order,
                defaults={
                    "title": areas[letter].title,
                    "carries": areas[letter],
                    "description": (descriptions or {}).get(letter, ""),
                },
            )
        return carried

    def load_kongsberg_chain(self):
        """Kongsberg's plan chain as the seed article tells it, every level of it (see demo.data)."""
        kongsberg = Municipality.objects.by_code(KONGSBERG)
        self.kongsberg_plan(
            kongsberg,
            PlanType.PLANSTRATEGI,
            "Kommunal planstrategi 2012–2015 (illustrativ)",
            period_start=2012,
            period_end=2015,
            adopted_on=datetime.date(2012, 10, 17),
            decision_reference="Illustrativ: planstrategien skal rulleres ved hvert nytt kommunestyre (artikkelen)",
        )
        kommuneplan = self.kongsberg_plan(
            kongsberg,
            PlanType.KOMMUNEPLAN_SAMFUNN,
            "Kommuneplan for Kongsberg – samfunnsdelen",
            period_start=2008,
            period_end=2020,
            adopted_on=datetime.date(2008, 6, 18),
            decision_reference="Illustrativ: periode, dato og saksnummer er ikke oppgitt i artikkelen",
        )
        areas = {}
        for order, (letter, title, description) in enumerate(KONGSBERG_FOCUS_AREAS, start=1):
            areas[letter], _ = FocusArea.objects.update_or_create(
                plan=kommuneplan, order=order, defaults={"title": title, "description": description}
            )
        goals = {}
        for letter, order, title, code, measure in KONGSBERG_GOALS:
            goal, _ = Goal.objects.update_or_create(focus_area=areas[letter], order=order, defaults={"title": title})
            goals[(letter, order)] = goal
            indicator = Indicator.objects.get(code=code)
            if "target_year" in measure:
                target = self.example_target(kongsberg, indicator, measure)
            else:  # the article gives a direction and no figure: no target is made up
                target = {**self.baseline(kongsberg, indicator), "target_year": None, "target_value": None}
            GoalIndicator.objects.update_or_create(goal=goal, indicator=indicator, defaults={**measure, **target})

        # "I økonomiplanen for 2009 er det innført indikatorer for kommuneplanens innsatsområder."
        okonomiplan = self.kongsberg_plan(
            kongsberg,
            PlanType.OKONOMIPLAN,
            "Økonomiplan/handlingsprogram 2009–2012",
            period_start=2009,
            period_end=2012,
            adopted_on=datetime.date(2008, 12, 17),
            parent=kommuneplan,
        )
        carried = self.carry(okonomiplan, areas)
        lighthouses, land = Indicator.objects.get(code="miljofyrtarn"), Indicator.objects.get(code="arealbruk")
        for order, title, carries, indicator in (
            (1, KONGSBERG_BUSINESS_GOAL, goals[("a", 1)], lighthouses),
            (2, goals[("a", 2)].title, goals[("a", 2)], land),
        ):
            goal, _ = Goal.objects.update_or_create(
                focus_area=carried["a"], order=order, defaults={"title": title, "carries": carries}
            )
            above = carries.measures.get()
            # A baseline from after the plan's period (SSB's built-up area starts in 2017) would say nothing about it.
            within = above.baseline_year is not None and above.baseline_year <= okonomiplan.period_end
            measure = {
                "direction": above.direction,
                "baseline_year": above.baseline_year if within else None,
                "baseline_value": above.baseline_value if within else None,
                "target_year": above.target_year,
                "target_value": above.target_value,
            }
            GoalIndicator.objects.update_or_create(goal=goal, indicator=indicator, defaults=measure)
        project, _ = StrategicProject.objects.update_or_create(
            plan=okonomiplan,
            title=KONGSBERG_PROJECT["title"],
            defaults={k: v for k, v in KONGSBERG_PROJECT.items() if k != "title"},
        )
        project.focus_areas.set(carried.values())

        budget = self.kongsberg_plan(
            kongsberg,
            PlanType.ARSBUDSJETT,
            "Årsbudsjett 2009",
            period_start=2009,
            period_end=2009,
            adopted_on=datetime.date(2008, 12, 17),
            parent=okonomiplan,
        )
        for letter, area in self.carry(budget, areas).items():
            adopted, accounts = KONGSBERG_BUDGET_2009[letter]
            BudgetLine.objects.update_or_create(
                municipality=kongsberg,
                year=2009,
                focus_area=area,
                defaults={"adopted": adopted, "accounts": accounts, "source": KONGSBERG_BUDGET_SOURCE},
            )

        environment = self.kongsberg_plan(
            kongsberg,
            PlanType.TEMAPLAN,
            "Miljøplan for Kongsberg (illustrativ periode)",
            period_start=2009,
            period_end=2012,
            adopted_on=datetime.date(2009, 3, 25),
            parent=kommuneplan,
        )
        area = self.carry(environment, areas, letters="a", descriptions={"a": KONGSBERG_ENVIRONMENT_PLAN})["a"]
        for order, title, code, direction in KONGSBERG_ENVIRONMENT_GOALS:
            goal, _ = Goal.objects.update_or_create(focus_area=area, order=order, defaults={"title": title})
            indicator = Indicator.objects.get(code=code)
            GoalIndicator.objects.update_or_create(
                goal=goal, indicator=indicator, defaults={"direction": direction, **self.baseline(kongsberg, indicator)}
            )

        # "Disse innsatsområdene gjenspeiles så i … områdeplaner/detaljplaner."
        zoning = self.kongsberg_plan(
            kongsberg,
            PlanType.OMRADEPLAN,
            "Områdeplan for et nytt boligområde (illustrativ)",
            period_start=2009,
            period_end=2020,
            adopted_on=datetime.date(2009, 5, 6),
            parent=kommuneplan,
        )
        area = self.carry(
            zoning,
            areas,
            letters="a",
            descriptions={"a": "Artikkelen sier at innsatsområdene gjenspeiles i områdeplaner og detaljplaner; "
                          "denne planen er et illustrativt eksempel på det."},
        )["a"]  # fmt: skip
        goal, _ = Goal.objects.update_or_create(
            focus_area=area, order=1, defaults={"title": goals[("a", 2)].title, "carries": goals[("a", 2)]}
        )
        GoalIndicator.objects.update_or_create(
            goal=goal, indicator=land, defaults={"direction": "lower", **self.baseline(kongsberg, land)}
        )

        # "… og videre i årsplaner og årsrapport": the annual report is built up by the focus areas.
        report = self.kongsberg_plan(
            kongsberg,
            PlanType.ARSRAPPORT,
            "Årsrapport 2009",
            period_start=2009,
            period_end=2009,
            adopted_on=datetime.date(2010, 6, 16),
            parent=kommuneplan,
        )
        self.carry(report, areas)

    def load_rana_chain(self):
        """Rana's plan chain as an example: a kommuneplan, this year's økonomiplan carrying one of its two focus
        areas (so the chain page warns about the other), a strategic project and budget lines."""
        rana = Municipality.objects.by_code("1833")
        year = timezone.localdate().year
        kommuneplan, _ = Plan.objects.update_or_create(
            municipality=rana,
            plan_type=PlanType.KOMMUNEPLAN_SAMFUNN,
            title="Kommuneplanens samfunnsdel 2020–2032 (eksempel)",
            defaults={
                "period_start": 2020,
                "period_end": 2032,
                "status": PlanStatus.ADOPTED,
                "adopted_on": datetime.date(2020, 6, 16),
                "decision_reference": "Eksempel: K-sak 2020",
            },
        )
        climate, _ = FocusArea.objects.update_or_create(plan=kommuneplan, order=1, defaults={"title": "Klima og miljø"})
        FocusArea.objects.update_or_create(plan=kommuneplan, order=2, defaults={"title": "Folkehelse og levekår"})
        okonomiplan, _ = Plan.objects.update_or_create(
            municipality=rana,
            plan_type=PlanType.OKONOMIPLAN,
            previous_version=None,
            defaults={
                "title": f"Økonomiplan {year}–{year + 3} (eksempel)",
                "period_start": year,
                "period_end": year + 3,
                "status": PlanStatus.ADOPTED,
                "adopted_on": datetime.date(year - 1, 12, 12),
                "decision_reference": "Eksempel: K-sak økonomiplan",
                "parent": kommuneplan,
            },
        )
        carried, _ = FocusArea.objects.update_or_create(
            plan=okonomiplan, order=1, defaults={"title": "Klima og miljø", "carries": climate}
        )
        goal, _ = Goal.objects.update_or_create(
            focus_area=carried, order=1, defaults={"title": "Mindre husholdningsavfall per innbygger"}
        )
        waste = Indicator.objects.get(code="husholdningsavfall")
        measure = {"direction": "lower", "target_year": 2030}
        GoalIndicator.objects.update_or_create(
            goal=goal, indicator=waste, defaults={**measure, **self.example_target(rana, waste, measure)}
        )
        project, _ = StrategicProject.objects.update_or_create(
            plan=okonomiplan,
            title="Ombrukssentral (eksempel)",
            defaults={"first_budget_year": year - 1, "last_budget_year": year + 1, "responsible_unit": "Teknisk"},
        )
        project.focus_areas.set([carried])
        for line_year, adopted, accounts in ((year - 1, 1200, 1150), (year, 1500, None)):
            BudgetLine.objects.update_or_create(
                municipality=rana,
                year=line_year,
                focus_area=carried,
                defaults={"adopted": adopted, "accounts": accounts, "source": "Eksempeltall"},
            )

    def publish(self):
        change_status(
            # The reporting year's figures wait in the open round (load_round()), unpublished.
            values=IndicatorValue.objects.exclude(status=ValueStatus.PUBLISHED)
            .filter(municipality__in=self.members())
            .exclude(year=reporting_year())
            | IndicatorValue.objects.filter(indicator__is_population=True).exclude(status=ValueStatus.PUBLISHED),
            status=ValueStatus.PUBLISHED,
            user=self.coordinator,
            reason="Publisert av load_demo",
        )

    def load_round(self):
        """An open reporting round for the reporting year whose deadline has passed: every member has submitted its
        sample figures (Kongsberg's are approved) except Rana, which has two drafts and is late; its planner was
        reminded before the deadline. The figures are sample data and none is published."""
        year = reporting_year()
        today = timezone.localdate()
        deadline = max(today - datetime.timedelta(days=4), datetime.date(year + 1, 1, 1))
        # The network's shared indicators: not the sectors of Oslo's emissions, which only Miljødirektoratet reports.
        indicators = list(Indicator.objects.filter(code__in=[spec["code"] for spec in INDICATORS]))
        round, _created = ReportingRound.objects.update_or_create(
            network=self.network, year=year, defaults={"deadline": deadline, "opened_by": self.coordinator}
        )
        round.indicators.set(indicators)
        rana = Municipality.objects.by_code("1833")
        latest = {}
        for value in IndicatorValue.objects.filter(indicator__in=indicators, year__lt=year).order_by("year"):
            latest[(value.municipality_id, value.indicator_id)] = value
        proposed = []
        for municipality in self.network.members_in(year):
            for number, indicator in enumerate(indicators):
                if municipality == rana and number >= 2:
                    continue
                before = latest.get((municipality.pk, indicator.pk))
                reported = before is not None and before.state == ValueState.REPORTED
                proposed.append(
                    ProposedValue(
                        indicator_id=indicator.pk,
                        municipality_id=municipality.pk,
                        year=year,
                        value=before.value if reported else None,
                        state=ValueState.REPORTED if reported else ValueState.MISSING,
                    )
                )
        apply_values(
            proposed=proposed, user=self.coordinator, source=SAMPLE_SOURCE, reason=SAMPLE_SOURCE, is_sample=True
        )
        drafts = IndicatorValue.objects.filter(
            indicator__in=indicators, year=year, status=ValueStatus.DRAFT, is_sample=True
        ).exclude(municipality=rana)
        change_status(values=drafts, status=ValueStatus.SUBMITTED, user=self.coordinator, reason="Levert (eksempel)")
        change_status(
            values=IndicatorValue.objects.filter(
                indicator__in=indicators, year=year, status=ValueStatus.SUBMITTED, municipality__codes__code=KONGSBERG
            ),
            status=ValueStatus.APPROVED,
            user=self.coordinator,
            reason="Godkjent (eksempel)",
        )
        planner = get_user_model().objects.get(username="planlegger-rana")
        sent = timezone.make_aware(datetime.datetime.combine(deadline - datetime.timedelta(days=7), datetime.time(7)))
        Reminder.objects.get_or_create(
            round=round, municipality=rana, user=planner, kind=ReminderKind.BEFORE, defaults={"sent_at": sent}
        )

    def load_oslo_climate_budget(self):
        """Oslo's climate budget on Miljødirektoratet's real figures, as planners would build it through the portal.

        The økonomiplan 2025–2028 gets the budget, its frames and reference paths (computed from the real figures,
        demo.data.OSLO_CLIMATE), the example measures, and the statuses for 2025 (all but one published); it is then
        rolled to 2026–2029 with its climate budget and the new version adopted. Loaded once: a second run leaves it.
        """
        User = get_user_model()
        oslo = Municipality.objects.by_code("0301")
        if ClimateBudget.objects.filter(plan__municipality=oslo, plan__title=OSLO_PLAN_TITLE).exists():
            return
        planner = User.objects.get(username="planlegger-oslo")
        approver = User.objects.get(username="godkjenner-oslo")
        spec = OSLO_CLIMATE
        plan = Plan.objects.create(
            municipality=oslo,
            plan_type=PlanType.OKONOMIPLAN,
            title=OSLO_PLAN_TITLE,
            period_start=2025,
            period_end=2028,
            status=PlanStatus.DRAFT,
        )
        projects = {}
        for title, unit, money in OSLO_PROJECTS:
            project = StrategicProject.objects.create(
                plan=plan, title=title, responsible_unit=unit, first_budget_year=2025, last_budget_year=2028
            )
            projects[title] = project
            adopted, accounts = money[2025]
            BudgetLine.objects.create(
                municipality=oslo, year=2025, project=project, adopted=adopted, accounts=accounts,
                source="Eksempel (load_demo)", changed_by=planner,
            )  # fmt: skip
        budget = climate.save_budget(
            budget=ClimateBudget(
                plan=plan,
                reference_year=spec["reference_year"],
                target_year=spec["target_year"],
                target_percent=Decimal(spec["target_percent"]),
                method_note=spec["method_note"],
            ),
            interim=[(year, Decimal(percent)) for year, percent in spec["interim"]],
            user=planner,
        )
        emitted = climate.inventory(oslo.pk, [climate.sector_for(name) for name in OSLO_CLIMATE_SECTORS])
        reference_tonnes = {}
        for name in OSLO_CLIMATE_SECTORS:
            code = climate.sector_for(name)
            history = emitted[code]
            base, latest, earlier = history[spec["reference_year"]], history[2024], history[2019]
            now = latest / base * 100
            # Half the yearly change 2019–2024, carried on.
            rate = ((latest / earlier) ** (Decimal(1) / 5) - 1) / 2
            years = []
            tonnes = {}
            for year in range(2025, spec["target_year"] + 1):
                reference = (now * (1 + rate) ** (year - 2024)).quantize(Decimal("0.1"))
                frame = now + (100 - spec["target_percent"] - now) * (year - 2024) / (spec["target_year"] - 2024)
                years.append(SectorYear(year=year, frame_percent=frame.quantize(Decimal("0.1")),
                                        reference_percent=reference))  # fmt: skip
                tonnes[year] = base * reference / 100
            reference_tonnes[name] = tonnes
            climate.save_sector(
                sector=ClimateSector(budget=budget, sector=code, reference_source=spec["reference_source"]),
                years=years,
                user=planner,
            )
        indicators = {}
        for code, name_nb, name_nn, name_en, unit in OSLO_RESULT_INDICATORS:
            indicators[code], _ = Indicator.objects.update_or_create(
                code=code,
                defaults={"name_nb": name_nb, "name_nn": name_nn, "name_en": name_en, "unit": unit, "owner": oslo,
                          "direction": "higher",
                          "source": "Eksempel: Oslo kommunes egen rapportering"},
            )  # fmt: skip
        low_share, high_share = OSLO_CUT_RANGE
        for (
            number,
            title,
            sector,
            source,
            level,
            unit,
            project,
            cuts,
            effect,
            captured,
            benefits,
            result,
            targets,
        ) in OSLO_MEASURES:
            years = []
            for year in sorted(set(cuts) | set(targets)):
                cut = None
                if year in cuts:
                    cut = hundreds(reference_tonnes[sector][year] * cuts[year] / 100)
                years.append(
                    MeasureYear(
                        year=year,
                        cut=cut,
                        cut_low=None if cut is None else hundreds(cut * low_share / 100),
                        cut_high=None if cut is None else hundreds(cut * high_share / 100),
                        result_target=None if year not in targets else Decimal(targets[year]),
                    )
                )
            climate.save_measure(
                measure=ClimateMeasure(
                    budget=budget, number=number, title=title, sector=climate.sector_for(sector), emission_source=source, level=level, responsible_unit=unit,
                    project=projects.get(project), effect_class=effect, captured_by_inventory=captured,
                    co_benefits=benefits, result_indicator=indicators.get(result), is_example=True,
                ),
                years=years,
                user=planner,
            )  # fmt: skip
        plan_chain.adopt(
            plan, adopted_on=datetime.date(2024, 12, 11), decision_reference="Eksempel: bystyresak 2024", user=approver
        )
        measures = {m.number: m for m in budget.measures.all()}
        for number, status, explanation, result, published in OSLO_STATUSES_2025:
            report = climate.save_report(
                measure=measures[number], year=2025, status=status, explanation=explanation,
                result_value=None if result is None else Decimal(result), user=planner,
            )  # fmt: skip
            climate.move_reports(reports=[report], to=ReportStatus.SUBMITTED, user=planner)
            if published:
                climate.move_reports(reports=[report], to=ReportStatus.APPROVED, user=approver)
                climate.move_reports(reports=[report], to=ReportStatus.PUBLISHED, user=approver)
        # A good example of T1, told by the planner and published by the coordinator, and the year's annual report.
        example = GoodExample.objects.create(
            municipality=oslo,
            year=2025,
            title="Utslippsfri byggeplass for ny skole",
            text="Byggeplassen for den nye skolen brukte bare elektriske og hydrogendrevne maskiner. Støyen gikk "
            "ned, og naboene merket det.\n\n" + EXAMPLE_NOTE,
            focus_area=None,
            status=ExampleStatus.PUBLISHED,
            published_at=timezone.make_aware(datetime.datetime(2025, 11, 3, 10)),
            created_by=planner,
        )
        measures["T1"].good_examples.add(example)
        report, _ = AnnualReport.objects.get_or_create(municipality=oslo, year=2025)
        save_report_texts(
            report=report,
            user=planner,
            bodies={"introduction": "Årsrapporten viser hvordan det gikk med klimabudsjettet i 2025: status for hvert "
                    f"tiltak og utslippene mot rammen.\n\n{EXAMPLE_NOTE}"},
        )  # fmt: skip
        publish_report(report=report, user=approver)
        # The next version: rolled with its climate budget, money for 2026, adopted in December 2025.
        new = plan_chain.roll(plan, user=planner)
        for project in new.strategic_projects.all():
            money = {title: money for title, _unit, money in OSLO_PROJECTS}[project.title]
            adopted, accounts = money[2026]
            BudgetLine.objects.create(
                municipality=oslo, year=2026, project=project, adopted=adopted, accounts=accounts,
                source="Eksempel (load_demo)", changed_by=planner,
            )  # fmt: skip
        plan_chain.adopt(
            new, adopted_on=datetime.date(2025, 12, 10), decision_reference="Eksempel: bystyresak 2025", user=approver
        )

    def load_masfjorden_plan(self) -> Plan:
        """An example kommuneplan for Masfjorden, in nynorsk: the demo's report in the municipality's own form."""
        masfjorden = Municipality.objects.by_code("4634")
        plan, _ = Plan.objects.update_or_create(
            municipality=masfjorden,
            plan_type=PlanType.KOMMUNEPLAN_SAMFUNN,
            title="Kommuneplanen sin samfunnsdel for Masfjorden",
            defaults={
                "period_start": 2020,
                "period_end": 2032,
                "status": PlanStatus.ADOPTED,
                "adopted_on": datetime.date(2020, 6, 18),
                "decision_reference": "Døme: K-sak 2020",
            },
        )
        areas = [
            ("Klima, miljø og berekraftig utvikling", "husholdningsavfall", "Mindre hushaldsavfall per innbyggjar"),
            ("Gode oppvekstvilkår og levande bygder", "skoler-naer-friluftsomrade", "Alle skular og barnehagar "
             "skal ha trygg tilgang til nærturterreng"),
        ]  # fmt: skip
        for order, (title, code, goal_title) in enumerate(areas, start=1):
            focus_area, _ = FocusArea.objects.update_or_create(plan=plan, order=order, defaults={"title": title})
            goal, _ = Goal.objects.update_or_create(focus_area=focus_area, order=1, defaults={"title": goal_title})
            indicator = Indicator.objects.get(code=code)
            measure = {"direction": indicator.direction, "target_year": 2030}
            target = self.example_target(masfjorden, indicator, measure)
            target["baseline_year"] = 2020
            GoalIndicator.objects.update_or_create(goal=goal, indicator=indicator, defaults={**measure, **target})
        return plan

    def load_reports(self):
        """Annual reports with example texts for Kongsberg 2020 (bokmål) and Masfjorden 2023 (nynorsk),
        and good examples, published so that the public pages have something to show."""
        User = get_user_model()
        kongsberg = Municipality.objects.by_code(KONGSBERG)
        focus = {
            f.order: f
            for f in FocusArea.objects.filter(
                plan__municipality=kongsberg, plan__plan_type=PlanType.KOMMUNEPLAN_SAMFUNN
            )
        }
        project = StrategicProject.objects.get(plan__municipality=kongsberg, title=KONGSBERG_PROJECT["title"])
        lighthouses, land = Indicator.objects.get(code="miljofyrtarn"), Indicator.objects.get(code="arealbruk")
        report, _ = AnnualReport.objects.get_or_create(municipality=kongsberg, year=KONGSBERG_REPORT_YEAR)
        save_report_texts(
            report=report,
            user=User.objects.get(username="planlegger-kongsberg"),
            bodies={
                "introduction": "Årsrapporten viser hva kommunen har oppnådd mot målene i kommuneplanen for "
                "2008–2020. Innsatsområdene går igjen i økonomiplan, årsbudsjett og årsplaner, slik at de "
                "strategiske målene blir synlige for alle. Bebygd areal er SSBs tall; Miljøfyrtårn-tallene og "
                f"de andre indikatorene er eksempeldata.\n\n{EXAMPLE_NOTE}",
                f"focus_area-{focus[1].pk}": "Miljøsertifiseringen av næringslivet og arealbruken per innbygger "
                "følges opp i økonomiplanen og i arealplanleggingen.",
                f"indicator-{lighthouses.pk}": "Kommunen følger tallet på sertifiserte virksomheter hvert år og "
                "inviterer nye bedrifter med i ordningen.",
                f"indicator-{land.pk}": "Tallene for bebygd areal er SSBs egne (tabell 09594). Endringer fra år "
                "til år skyldes delvis at SSB har revidert kartgrunnlaget, ikke bare ny utbygging.",
                f"project-{project.pk}": "Indikatorene er tatt inn i økonomiplanen og årsbudsjettet, og "
                "årsrapporten er bygget opp etter innsatsområdene.",
            },
        )
        approver = User.objects.get(username="godkjenner-kongsberg")
        if not report.is_published:
            publish_report(report=report, user=approver)

        masfjorden_plan = self.load_masfjorden_plan()
        masfjorden = masfjorden_plan.municipality
        planner = User.objects.get(username="planlegger-masfjorden")
        report, _ = AnnualReport.objects.get_or_create(municipality=masfjorden, year=2023)
        waste_area = masfjorden_plan.focus_areas.get(order=1)
        save_report_texts(
            report=report,
            user=planner,
            bodies={
                "introduction": "Årsmeldinga syner korleis det går med måla i kommuneplanen. Tala er henta frå "
                f"SSB og frå kommunen sine eigne register.\n\n{EXAMPLE_NOTE}",
                f"focus_area-{waste_area.pk}": "Kommunen har arbeidd med kjeldesortering i alle krinsar, "
                "og mengda restavfall går ned.",
            },
        )
        if not report.is_published:
            publish_report(report=report, user=planner)

        examples = [
            (kongsberg, 2014, focus[1], [lighthouses], "Miljøfyrtårn i næringslivet",
             "Kommunen inviterte bedriftene til frokostmøter om **Miljøfyrtårn** og betalte den første "
             "sertifiseringen for små virksomheter.\n\n- 12 nye sertifiseringer\n- felles innkjøpsavtale\n\n"
             + EXAMPLE_NOTE, "Plakat med et fyrtårn og teksten Miljøfyrtårn"),
            (masfjorden, 2023, waste_area, [Indicator.objects.get(code="husholdningsavfall")],
             "Bruktbu på miljøstasjonen",
             "Ei bruktbu på miljøstasjonen tek imot møblar og utstyr som framleis kan brukast. "
             "Mykje av det som før vart kasta, får no ein ny eigar.\n\n" + EXAMPLE_NOTE, ""),
        ]  # fmt: skip
        for municipality, year, focus_area, indicators, title, text, image_alt in examples:
            example, created = GoodExample.objects.get_or_create(
                municipality=municipality,
                title=title,
                defaults={
                    "year": year,
                    "text": text,
                    "focus_area": focus_area,
                    "status": ExampleStatus.PUBLISHED,
                    "published_at": timezone.now(),
                    "created_by": self.coordinator,
                    "changed_by": self.coordinator,
                },
            )
            if created:
                example.indicators.set(indicators)
                if image_alt:
                    example.image_alt = image_alt
                    example.image.save("miljofyrtarn.png", ContentFile(demo_image()), save=True)


def read_real_figures() -> list[tuple[int, dict]]:
    """The rows of demo/real/figures.csv with their line numbers, checked against demo.data.REAL_SERIES."""
    with REAL_FILE.open(encoding="utf-8", newline="") as handle:
        rows = list(enumerate(csv.DictReader(handle), start=2))
    for line, row in rows:
        spec = REAL_SERIES.get(row["indicator"])
        where = f"{REAL_FILE.name}, line {line}"
        if spec is None:
            raise CommandError(
                f"{where}: the series {row['indicator']!r} is not in demo.data.REAL_SERIES; add it there."
            )
        if row["unit"] != spec["unit"]:
            raise CommandError(
                f"{where}: the unit is {row['unit']!r}, but {row['indicator']} is read as {spec['unit']!r}."
            )
        try:
            Decimal(row["value"]), int(row["year"])
        except (InvalidOperation, ValueError):
            raise CommandError(f"{where}: {row['value']!r} in {row['year']!r} is not a number and a year.") from None
    return rows


def hundreds(tonnes: Decimal) -> Decimal:
    """Round to whole hundreds of tonnes, as an estimate is written."""
    return (tonnes / 100).quantize(Decimal(1), ROUND_HALF_UP) * 100


def demo_image() -> bytes:
    """A simple drawn poster (a lighthouse on a green field) for the demo's good example, as PNG."""
    image = Image.new("RGB", (640, 320), "#e8f1ec")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 250, 640, 320), fill="#1b4d36")
    draw.polygon([(300, 250), (340, 250), (330, 90), (310, 90)], fill="#ffffff", outline="#212529")
    draw.rectangle((305, 70, 335, 90), fill="#ffbf47", outline="#212529")
    draw.polygon([(335, 80), (520, 40), (520, 120)], fill="#fff3c4")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
