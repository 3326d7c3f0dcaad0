"""The world the attack runs in: the demo, plus sentinels (unpublished data no outsider may ever see) and the roles.

Every sentinel is unmistakable: a figure whose digits appear nowhere else (9117351.25), or a marker word
(LEAKMARK-3101-plan). They sit in four municipalities: Rana (the planner's and approver's), Kongsberg (the
politician's), Oslo (the other planner's), all three in the coordinator's network, and Halden, in no network of
hers and with no role of any attacker. Each is an unpublished figure in some state (draft, submitted, approved, a
draft revision of a published figure), an unpublished annual-report text, a draft plan with its focus area, goal
and project, a draft good example, or a spreadsheet waiting for confirmation.
"""

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.utils import timezone

from indicators.models import (
    NETWORK_SLUG,
    DataImport,
    Indicator,
    IndicatorValue,
    Municipality,
    MunicipalityRole,
    Network,
    Role,
    ValueImport,
    ValueRevision,
    ValueState,
    ValueStatus,
    reporting_year,
)
from plans.models import (
    AnnualReport,
    BudgetImport,
    FocusArea,
    Goal,
    GoodExample,
    Plan,
    PlanChange,
    PlanStatus,
    PlanType,
    ReportText,
    ReportTextKind,
    ReportTextRevision,
    StrategicProject,
)

# Reads every form as a superuser, so that every attacker can send what a form of the page would send; it never
# attacks.
HARVESTER = "attack-admin"
# A planner of Halden: her role is a row for the attackers to take over, her user one to escalate.
HALDEN_PLANNER = "attack-halden"
# The municipalities holding sentinels: (number today, short name). Halden is in none of the coordinator's networks.
# Halden comes first: where an address takes one id of several, it is the one nobody may touch.
MUNICIPALITIES = [("3101", "Halden"), ("1833", "Rana"), ("3303", "Kongsberg"), ("0301", "Oslo")]
# Unpublished figures: (indicator code, status, published before as a figure then revised).
FIGURES = [
    ("miljofyrtarn", ValueStatus.DRAFT, False),
    ("skoler-naer-friluftsomrade", ValueStatus.SUBMITTED, False),
    ("husholdningsavfall", ValueStatus.APPROVED, False),
    ("klimagassutslipp", ValueStatus.DRAFT, True),
]
# Between digits, what a page may write inside a number: spaces of every kind, commas and points.
DIGIT_SEPARATOR = re.compile(r"(?<=\d)[\s\u00a0\u202f,.'](?=\d)")


@dataclass(frozen=True)
class Sentinel:
    """One piece of unpublished data: the text that gives it away, whose it is, and what it is."""

    key: str
    municipality_id: int
    municipality: str
    what: str


@dataclass
class World:
    year: int
    sentinels: list[Sentinel]
    municipalities: dict[str, Municipality]  # short name → municipality
    objects: dict[type, list[int]] = field(default_factory=lambda: defaultdict(list))  # model → sentinel pks
    users: dict[str, int] = field(default_factory=dict)  # user name → pk
    network_slug: str = NETWORK_SLUG
    indicator_codes: list[str] = field(default_factory=list)

    def pks(self, model) -> list[int]:
        return self.objects.get(model, [])

    def codes(self) -> list[str]:
        return [m.kommunenummer for m in self.municipalities.values()]


def normalised(text: str) -> str:
    """The text with the separators inside numbers taken out, so 9 117 351,3 and 9,117,351.25 both read 91173513…"""
    return DIGIT_SEPARATOR.sub("", text)


def _figure(m: int, k: int) -> Decimal:
    """A figure whose integer digits are found nowhere else: 9, the municipality, the kind, then 7351."""
    return Decimal(f"9{m}{k}7351.25")


def build() -> World:
    """Add the attack's users and sentinels to a database holding the demo (load_demo); return the world."""
    User = get_user_model()
    year = reporting_year()
    admin, created = User.objects.get_or_create(
        username=HARVESTER, defaults={"is_staff": True, "is_superuser": True, "first_name": "Attack"}
    )
    if created:
        admin.set_password(None)
        admin.save()
    halden_user, _created = User.objects.get_or_create(username=HALDEN_PLANNER, defaults={"first_name": "Halden"})
    municipalities = {name: Municipality.objects.by_code(code) for code, name in MUNICIPALITIES}
    world = World(year=year, sentinels=[], municipalities=municipalities)
    role, _created = MunicipalityRole.objects.get_or_create(
        user=halden_user, municipality=municipalities["Halden"], role=Role.PLANNER
    )
    world.objects[MunicipalityRole].append(role.pk)
    world.objects[Municipality] += [m.pk for m in municipalities.values()]
    world.objects[Network].append(Network.objects.get(slug=NETWORK_SLUG).pk)
    # An indicator without values, whose admin pages (its deletion lists every value) stay quick.
    spare, _created = Indicator.objects.get_or_create(
        code="angrep-reserve",
        defaults={"name_nb": "Reserve", "unit": "count", "direction": "higher", "bottom_line": "social"},
    )
    world.objects[Indicator].append(spare.pk)
    now = timezone.now()
    indicators = {i.code: i for i in Indicator.objects.all()}
    world.indicator_codes = [code for code, *_rest in FIGURES] + ["ingen-slik-indikator"]
    population = {
        (v.municipality_id, v.year): v.value
        for v in IndicatorValue.objects.filter(indicator__is_population=True, state=ValueState.REPORTED, year=year)
    }
    for m, (_name, municipality) in enumerate(municipalities.items(), start=1):
        code = municipality.kommunenummer

        def sentinel(key, what, municipality=municipality, code=code):
            world.sentinels.append(Sentinel(str(key), municipality.pk, f"{municipality.name} ({code})", what))

        for k, (indicator_code, status, revised) in enumerate(FIGURES, start=1):
            indicator = indicators[indicator_code]
            figure = _figure(m, k)
            published = {}
            if revised:
                published = {
                    "first_published_at": now - datetime.timedelta(days=30),
                    "published_at": now - datetime.timedelta(days=30),
                    "published_value": Decimal(42),
                    "published_state": ValueState.REPORTED,
                    "published_source": "Kommunens eget tall",
                }
            value, _created = IndicatorValue.objects.update_or_create(
                indicator=indicator,
                municipality=municipality,
                year=year,
                defaults={
                    "value": figure,
                    "state": ValueState.REPORTED,
                    "status": status,
                    "source": f"LEAKMARK-{code}-source{k}",
                    "comment": f"LEAKMARK-{code}-comment{k}",
                    "is_sample": False,
                    **published,
                },
            )
            ValueRevision.objects.create(
                indicator_value=value,
                old_value=Decimal(42) if revised else None,
                new_value=figure,
                new_state=ValueState.REPORTED,
                old_status=ValueStatus.PUBLISHED if revised else "",
                new_status=status,
                reason=f"LEAKMARK-{code}-reason{k}",
            )
            world.objects[IndicatorValue].append(value.pk)
            what = f"{indicator_code} {year}, {status}" + (" revision of a published figure" if revised else "")
            sentinel(str(figure).split(".")[0], what)
            sentinel(f"LEAKMARK-{code}-comment{k}", f"the comment on {what}")
            sentinel(f"LEAKMARK-{code}-source{k}", f"the source of {what}")
            people = population.get((municipality.pk, year))
            if indicator.is_per_inhabitant and people:
                per = str(int(indicator.per_inhabitant(figure, people)))
                if len(per) >= 6:
                    sentinel(per, f"{what}, per inhabitant")

        # An annual report published with one text, whose working copy has changed since.
        report, _created = AnnualReport.objects.update_or_create(
            municipality=municipality,
            year=year,
            defaults={"first_published_at": now, "published_at": now},
        )
        text, _created = ReportText.objects.update_or_create(
            report=report,
            kind=ReportTextKind.INTRODUCTION,
            defaults={"body": f"LEAKMARK-{code}-report", "published_body": "Publisert innledning."},
        )
        ReportTextRevision.objects.create(text=text, body=f"LEAKMARK-{code}-report")
        world.objects[AnnualReport].append(report.pk)
        world.objects[ReportText].append(text.pk)
        sentinel(f"LEAKMARK-{code}-report", f"the unpublished working copy of the {year} report's introduction")

        # A draft plan, with a focus area, a goal and a project, and its log.
        plan = Plan.objects.create(
            municipality=municipality,
            plan_type=PlanType.TEMAPLAN,
            title=f"LEAKMARK-{code}-plan",
            period_start=year,
            period_end=year + 3,
            status=PlanStatus.DRAFT,
        )
        focus_area = FocusArea.objects.create(plan=plan, title=f"LEAKMARK-{code}-focus", order=1)
        goal = Goal.objects.create(focus_area=focus_area, title=f"LEAKMARK-{code}-goal", order=1)
        project = StrategicProject.objects.create(plan=plan, title=f"LEAKMARK-{code}-project")
        project.focus_areas.add(focus_area)
        PlanChange.objects.create(plan=plan, action=PlanChange.Action.CREATED, subject=f"LEAKMARK-{code}-log")
        for model, obj in ((Plan, plan), (FocusArea, focus_area), (Goal, goal), (StrategicProject, project)):
            world.objects[model].append(obj.pk)
        for part in ("plan", "focus", "goal", "project", "log"):
            sentinel(f"LEAKMARK-{code}-{part}", f"a draft plan ({part})")

        example = GoodExample.objects.create(
            municipality=municipality,
            year=year,
            title=f"LEAKMARK-{code}-example",
            text=f"LEAKMARK-{code}-story",
            created_by=halden_user,
        )
        world.objects[GoodExample].append(example.pk)
        sentinel(f"LEAKMARK-{code}-example", "a draft good example's title")
        sentinel(f"LEAKMARK-{code}-story", "a draft good example's story")

        # Spreadsheets uploaded and not yet confirmed.
        figure = _figure(m, 9)
        value_import = ValueImport.objects.create(
            uploaded_by=halden_user,
            municipality=municipality,
            year=year,
            filename=f"LEAKMARK-{code}-file.csv",
            content=f"kommunenummer;indikator;år;verdi\n{code};miljofyrtarn;{year};{figure}\n".encode(),
        )
        budget_import = BudgetImport.objects.create(
            uploaded_by=halden_user,
            municipality=municipality,
            year=year,
            filename=f"LEAKMARK-{code}-budget.csv",
            content=b"Type;Navn;Vedtatt budsjett;Revidert budsjett;Regnskap\n",
        )
        world.objects[ValueImport].append(value_import.pk)
        world.objects[BudgetImport].append(budget_import.pk)
        sentinel(str(figure).split(".")[0], "a figure in a spreadsheet waiting for confirmation")
        sentinel(f"LEAKMARK-{code}-file", "the name of a spreadsheet waiting for confirmation")

    # An open-data upload of the harvester's, for the addresses that name one (nobody else's to see).
    data_import = DataImport.objects.create(
        uploaded_by=admin,
        filename="07459.json",
        content=b"{}",
        indicator=Indicator.objects.population(),
        status=DataImport.Status.REJECTED,
        progress=100,
    )
    world.objects[DataImport].append(data_import.pk)
    # Published objects too, so that pages have something the public may see: the demo's own plans and examples.
    world.objects[Plan] += list(
        Plan.objects.filter(status=PlanStatus.ADOPTED, municipality__in=municipalities.values()).values_list(
            "pk", flat=True
        )[:2]
    )
    world.objects[GoodExample] += list(
        GoodExample.objects.exclude(pk__in=world.pks(GoodExample)).values_list("pk", flat=True)[:1]
    )
    # The coordinator as the issue found her: staff, with every permission on indicators and plans. The admin must
    # refuse her anyway (it is for superusers only), so the attack tries that door as it stood.
    coordinator = User.objects.get(username="koordinator")
    coordinator.is_staff = True
    coordinator.save(update_fields=["is_staff"])
    coordinator.user_permissions.add(*Permission.objects.filter(content_type__app_label__in=["indicators", "plans"]))
    world.users = dict(User.objects.values_list("username", "pk"))
    world.objects[User] += [world.users[HARVESTER], world.users[HALDEN_PLANNER], world.users["koordinator"]]
    return world
