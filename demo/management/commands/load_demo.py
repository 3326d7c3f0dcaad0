"""Fill an empty database with the demo: the network, real population, sample figures, plans, reports and accounts."""

import datetime
import io
import random
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from PIL import Image, ImageDraw
from tqdm import tqdm

from demo.data import (
    DATA,
    DEMO_PASSWORD,
    EXAMPLE_NOTE,
    INDICATORS,
    MEMBERS,
    NETWORK_JOINED,
    NYNORSK_NUMBERS,
    ROLES,
    SAMPLE_SOURCE,
    SAMPLE_YEARS,
    USERS,
)
from indicators.importers.klass import CodeHistoryRefused, load_code_history
from indicators.importers.ssb_population import import_population
from indicators.models import (
    NETWORK_SLUG,
    Indicator,
    IndicatorValue,
    LanguageForm,
    Municipality,
    MunicipalityRole,
    Network,
    NetworkCoordinator,
    NetworkMembership,
    ValueState,
    ValueStatus,
)
from indicators.services import ProposedValue, apply_values, change_status
from plans.models import (
    AnnualReport,
    BudgetLine,
    ExampleStatus,
    FocusArea,
    Goal,
    GoalIndicator,
    GoodExample,
    Plan,
    PlanStatus,
    PlanType,
    StrategicProject,
)
from plans.services import publish_report, save_report_texts


class Command(BaseCommand):
    help = "Load the demo: municipalities, the network, real SSB population, sample values, plans and accounts."

    def handle(self, *args, **options):
        steps = [
            ("municipalities", self.load_municipalities),
            ("accounts", self.load_users),
            ("network", self.load_network),
            ("roles", self.load_roles),
            ("population", self.load_population),
            ("indicators", self.load_indicators),
            ("sample values", self.load_sample_values),
            ("plans", self.load_plans),
            ("publish", self.publish),
            ("annual reports", self.load_reports),
        ]
        show = options["verbosity"] > 0
        with tqdm(steps, desc="demo", unit="step", disable=not show) as progress:
            for name, step in progress:
                progress.set_postfix_str(name)
                with transaction.atomic():
                    step()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo loaded. Log in as {', '.join(u for u, *_ in USERS)} with the password {DEMO_PASSWORD}."
            )
        )

    def load_municipalities(self):
        try:
            result = load_code_history()
        except CodeHistoryRefused as refused:
            raise CommandError("\n".join(refused.messages)) from None
        for message in result.messages:
            self.stdout.write(message)
        Municipality.objects.filter(codes__code__in=NYNORSK_NUMBERS).update(language_form=LanguageForm.NYNORSK)

    def load_users(self):
        User = get_user_model()
        for username, first, last in USERS:
            user, created = User.objects.get_or_create(
                username=username, defaults={"first_name": first, "last_name": last}
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
        coordinator = User.objects.get(username="koordinator")
        coordinator.is_staff = True
        coordinator.save(update_fields=["is_staff"])
        coordinator.user_permissions.set(Permission.objects.filter(content_type__app_label__in=["indicators", "plans"]))
        self.coordinator = coordinator

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

    def load_indicators(self):
        for spec in INDICATORS:
            fields = {k: v for k, v in spec.items() if k not in ("code", "sample")}
            Indicator.objects.update_or_create(code=spec["code"], defaults=fields)

    def members(self):
        """The network's members and the municipalities they were formed from (Stordal, for Fjord)."""
        return (
            Municipality.objects.filter(
                Q(memberships__network=self.network) | Q(successor__memberships__network=self.network)
            )
            .distinct()
            .order_by("pk")
        )

    def load_sample_values(self):
        population = {
            (m, y): v
            for m, y, v in IndicatorValue.objects.filter(
                indicator=Indicator.objects.population(), state=ValueState.REPORTED
            ).values_list("municipality_id", "year", "value")
        }
        for spec in INDICATORS:
            indicator = Indicator.objects.get(code=spec["code"])
            low, high, drift = spec["sample"]
            proposed = []
            for municipality in self.members():
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

    def example_target(self, municipality, indicator, measure) -> dict:
        """Baseline from the sample figure of the first sample year, and an example target from it.

        DOMAIN.md gives the goals but not their figures; these are examples, like the sample values.
        """
        year = SAMPLE_YEARS[0]
        stored = IndicatorValue.objects.get(indicator=indicator, municipality=municipality, year=year)
        figure = stored.value
        if indicator.is_per_inhabitant:
            people = IndicatorValue.objects.get(indicator__is_population=True, municipality=municipality, year=year)
            figure = indicator.per_inhabitant(stored.value, people.value)
        better = Decimal("1.5") if measure["direction"] == "higher" else Decimal("0.9")
        return {
            "baseline_year": year,
            "baseline_value": figure.quantize(Decimal("0.1")),
            "target_year": measure.get("target_year", 2020),
            "target_value": (figure * better).quantize(Decimal(1)),
        }

    def load_plans(self):
        kongsberg = Municipality.objects.by_code("3303")
        kommuneplan, _ = Plan.objects.update_or_create(
            municipality=kongsberg,
            plan_type=PlanType.KOMMUNEPLAN_SAMFUNN,
            title="Kommuneplan for Kongsberg – samfunnsdelen",
            defaults={
                "period_start": 2008,
                "period_end": 2020,
                "status": PlanStatus.ADOPTED,
                "adopted_on": datetime.date(2008, 6, 18),
                "decision_reference": "Eksempel: K-sak 2008",
            },
        )
        areas = [
            ("a", "Natur, miljø og bærekraftig utvikling"),
            ("b", "Vekst, attraktivitet og næringsutvikling"),
            ("c", "Kommunale tjenester / livskvalitet og levekår, med vekt på barn og unges oppvekstmiljø"),
        ]
        focus = {}
        for order, (letter, title) in enumerate(areas, start=1):
            focus[letter], _ = FocusArea.objects.update_or_create(
                plan=kommuneplan, order=order, defaults={"title": title}
            )
        goals = [
            (
                1,
                "Kongsberg skal ha et næringsliv og innbyggere som er miljøbevisste i forhold til egen praksis "
                "og egne handlinger",
                "miljofyrtarn",
                {"target_year": 2012, "direction": "higher"},
            ),
            (
                2,
                "Arealforbruk pr. innbygger til utbyggingsformål skal reduseres",
                "arealbruk",
                {"direction": "lower"},
            ),
        ]
        for order, title, indicator_code, measure in goals:
            goal, _ = Goal.objects.update_or_create(focus_area=focus["a"], order=order, defaults={"title": title})
            indicator = Indicator.objects.get(code=indicator_code)
            GoalIndicator.objects.update_or_create(
                goal=goal,
                indicator=indicator,
                defaults={**measure, **self.example_target(kongsberg, indicator, measure)},
            )
        okonomiplan, _ = Plan.objects.update_or_create(
            municipality=kongsberg,
            plan_type=PlanType.OKONOMIPLAN,
            title="Økonomiplan/handlingsprogram 2009–2012",
            defaults={
                "period_start": 2009,
                "period_end": 2012,
                "status": PlanStatus.ADOPTED,
                "adopted_on": datetime.date(2008, 12, 17),
                "decision_reference": "Eksempel: K-sak 2008",
                "parent": kommuneplan,
            },
        )
        project, _ = StrategicProject.objects.update_or_create(
            plan=okonomiplan,
            title="Indikatorer i hele styringssystemet",
            defaults={
                "description": "Innføring av indikatorer for kommuneplanens innsatsområder i økonomiplan, "
                "årsbudsjett, årsplaner og årsrapport.",
                "responsible_unit": "Rådmannens stab",
                "service_areas": "Plan, Økonomi, Oppvekst, Helse og omsorg",
                "first_budget_year": 2009,
                "last_budget_year": 2012,
            },
        )
        project.focus_areas.set(focus.values())
        self.load_rana_chain()

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
            values=IndicatorValue.objects.exclude(status=ValueStatus.PUBLISHED).filter(municipality__in=self.members())
            | IndicatorValue.objects.filter(indicator__is_population=True).exclude(status=ValueStatus.PUBLISHED),
            status=ValueStatus.PUBLISHED,
            user=self.coordinator,
            reason="Publisert av load_demo",
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
        """Annual reports with example texts for Kongsberg 2014 (bokmål) and Masfjorden 2023 (nynorsk),
        and good examples, published so that the public pages have something to show."""
        User = get_user_model()
        kongsberg = Municipality.objects.by_code("3303")
        focus = {f.order: f for f in FocusArea.objects.filter(plan__municipality=kongsberg)}
        project = StrategicProject.objects.get(plan__municipality=kongsberg, title__startswith="Indikatorer")
        lighthouses, land = Indicator.objects.get(code="miljofyrtarn"), Indicator.objects.get(code="arealbruk")
        report, _ = AnnualReport.objects.get_or_create(municipality=kongsberg, year=2014)
        save_report_texts(
            report=report,
            user=User.objects.get(username="planlegger-kongsberg"),
            bodies={
                "introduction": "Årsrapporten viser hva kommunen har oppnådd mot målene i kommuneplanen. "
                "Innsatsområdene går igjen i økonomiplan, årsbudsjett og årsplaner, slik at de strategiske "
                f"målene blir synlige for alle.\n\n{EXAMPLE_NOTE}",
                f"focus_area-{focus[1].pk}": "Flere virksomheter er miljøsertifisert, og arealbruken per "
                "innbygger følges tett i arealplanleggingen.",
                f"indicator-{lighthouses.pk}": "Målet om at alle virksomheter skal være sertifisert innen 2012 "
                "er ikke nådd, men tallet øker hvert år.",
                f"indicator-{land.pk}": "Fortetting rundt sentrum holder arealbruken per innbygger nede.",
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
