"""Backup and restore: `backup` writes a public and a private part, `restore` loads both into an empty database.

A round trip needs an empty database to restore into, so these tests are transactional
(django_db(transaction=True)): each builds its data and commits it for real, backs it up, then empties the
database with `flush`. That leaves what a freshly migrated database holds: only the content types and
permissions migrate creates, under new ids, which is why rows that refer to them must travel by natural key.
The restore then runs as it would on a new server, in its own transaction, and pytest-django flushes again
after the test. Run on SQLite and on PostgreSQL (DATABASE_URL), where the id sequences matter.
"""

import datetime
import functools
import gzip
import hashlib
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from PIL import Image

from indicators import grants
from indicators.models import (
    Computation,
    DataImport,
    Indicator,
    IndicatorChange,
    IndicatorValue,
    Municipality,
    PeerGroup,
    PeerGroupMembership,
    Reminder,
    ReminderKind,
    ReminderSetting,
    ReportingRound,
    Role,
    RoundReporter,
    ValueImport,
    ValueRevision,
    ValueState,
    ValueStatus,
)
from plans.models import (
    AnnualReport,
    BudgetImport,
    BudgetLine,
    ClimateImport,
    ExampleStatus,
    FocusArea,
    Goal,
    GoalIndicator,
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
from tests import factories as make

pytestmark = pytest.mark.django_db(transaction=True)

UTC = datetime.UTC
# Microseconds on purpose: Django's JSON encoder keeps only milliseconds, a backup must keep them all.
PRECISE = datetime.datetime(2024, 3, 1, 12, 34, 56, 123456, tzinfo=UTC)
# What must never reach the public part.
DRAFT_FIGURE = "424242.5"
WORKING_COPY = "1313.25"
UNPUBLISHED_TEXT = "Utkast: tallene er ikke kvalitetssikret ennå"
UNPUBLISHED_REPORT = "Årsrapporten for 2024 er ikke ferdig"
DRAFT_PLAN = "Utkast til økonomiplan 2026–2029"
DRAFT_EXAMPLE = "Pilotprosjekt som ikke er vurdert"
PRIVATE_WORDS = [
    DRAFT_FIGURE,
    WORKING_COPY,
    UNPUBLISHED_TEXT,
    UNPUBLISHED_REPORT,
    DRAFT_PLAN,
    DRAFT_EXAMPLE,
    "Returnert: mangler kilde",  # review comments
    "Korrigert etter ny opptelling",  # a value's comment
    "Ny prioritering i formannskapet",  # a plan change's explanation
    "avfall-2023.xlsx",  # an upload's file name
]
# What the public part must hold, so that the checks above are not passed by an empty part.
PUBLISHED_FIGURE = "1200.75"
PUBLISHED_TEXT = "Avfallsmengden per innbygger gikk ned for tredje år på rad."
ADOPTED_PLAN = "Kommuneplanens samfunnsdel 2020–2032"
PUBLISHED_EXAMPLE = "Ombruksbua på Kongsberg"
# Never backed up: migrate creates content types and permissions, and sessions and queued tasks are not worth keeping.
NOT_BACKED_UP = {
    "contenttypes.contenttype",
    "auth.permission",
    "sessions.session",
    "django_tasks_database.dbtaskresult",
    # The read model's pages, rendered again from the data (manage.py build_read_model).
    "plans.pagesnapshot",
    "indicators.comparisonsnapshot",
}


@functools.cache
def password_hash() -> str:
    """A real PBKDF2 hash, computed once: hashing for every user would make each test seconds slower."""
    return make_password("livskraft-test")


def png(colour: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 30), colour).save(buffer, format="PNG")
    return buffer.getvalue()


# --- the dataset --------------------------------------------------------------------------------------------------


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def dataset(django_user_model, media_root):
    """A little of everything the portal stores, in every state, committed to the database."""
    users = {
        name: django_user_model.objects.create(
            username=name,
            password=password_hash(),
            first_name=first,
            last_name=last,
            email=f"{name}@kongsberg.example",
            date_joined=PRECISE,
            last_login=PRECISE + datetime.timedelta(days=1),
        )
        for name, first, last in [
            ("planlegger-ingrid", "Ingrid Marie", "Haugland"),
            ("godkjenner-ola", "Ola Johan", "Bråten"),
            ("koordinator-kari", "Kari Anne", "Nordmo"),
            ("leser-peder", "Peder", "Sølvberg"),
        ]
    }
    admin = django_user_model.objects.create_superuser("drift-admin", "drift@livskraft.example", None)
    users["drift-admin"] = admin
    planner, approver, coordinator = users["planlegger-ingrid"], users["godkjenner-ola"], users["koordinator-kari"]
    editors = Group.objects.create(name="Redaktører")
    editors.permissions.add(Permission.objects.get(content_type__app_label="plans", codename="change_plan"))
    planner.groups.add(editors)
    planner.user_permissions.add(
        Permission.objects.get(content_type__app_label="indicators", codename="view_indicatorvalue")
    )

    # Kongsberg through its three numbers, and a merger: Norddal and Stordal became Fjord in 2020.
    kongsberg = make.municipality(
        "Kongsberg",
        codes=[("0604", 1964, 2019), ("3006", 2020, 2023), ("3303", 2024, None)],
        established=datetime.date(1837, 1, 1),
    )
    fjord = make.municipality("Fjord", "1578", language_form="nn", established=datetime.date(2020, 1, 1))
    for name, code in (("Norddal", "1524"), ("Stordal", "1526")):
        make.municipality(name, codes=[(code, 1977, 2019)], dissolved=datetime.date(2020, 1, 1), successor=fjord)
    network = make.network(description="Nettverk", members=[kongsberg])
    fjord_membership = make.membership(network, fjord, joined=datetime.date(2020, 1, 1))
    make.coordinator(coordinator, network)
    make.role(planner, kongsberg, Role.PLANNER)
    make.role(approver, kongsberg, Role.APPROVER)
    # Through the service, so the record of access changes (before and after, a null among them) is backed up too.
    grants.grant_role(by=admin, user=users["leser-peder"], municipality=kongsberg, role=Role.READER, login_url="")
    grants.remove_member(by=admin, membership=fjord_membership, left=datetime.date(2023, 12, 31))

    population = Indicator.objects.population()
    waste = Indicator.objects.create(
        code="husholdningsavfall",
        name_nb="Husholdningsavfall per innbygger",
        name_en="Household waste per inhabitant",
        unit="kg",
        computation=Computation.PER_INHABITANT,
        amount_unit="tonnes",
        per_inhabitant_factor=Decimal(1000),
        direction="lower",
        bottom_line="ecological",
        plausible_min=Decimal("100.5"),
        max_change=Decimal("0.3"),
        order=1,
    )
    own = Indicator.objects.create(
        code="kongsberg-ladepunkter",
        name_nb="Offentlige ladepunkter",
        unit="count",
        direction="higher",
        bottom_line="economic",
        owner=kongsberg,
        order=30,
    )

    def value(indicator, year, figure, status, state=ValueState.REPORTED, **fields):
        if status == ValueStatus.PUBLISHED:
            fields["first_published_at"] = PRECISE
        return make.value(
            indicator,
            kongsberg,
            year,
            figure,
            status=status,
            state=state,
            source="SSB-tabell 12241",
            changed_by=planner,
            changed_at=PRECISE,
            **fields,
        )

    for year in range(2019, 2024):
        value(population, year, 27000 + year, ValueStatus.PUBLISHED)
    value(waste, 2018, None, ValueStatus.PUBLISHED, state=ValueState.CONFIDENTIAL)
    value(waste, 2019, "1180.5", ValueStatus.PUBLISHED)
    # Published as 1200.75, then revised: the working copy is back in draft, the public still reads 1200.75.
    revised = value(waste, 2020, PUBLISHED_FIGURE, ValueStatus.PUBLISHED, version=2)
    revised.value, revised.status, revised.version = Decimal(WORKING_COPY), ValueStatus.DRAFT, 3
    revised.comment = "Korrigert etter ny opptelling"
    revised.source = "Kommunens vektregistrering"
    revised.save()

    # A closed reporting round with a named reporter, a reminder sent, and a planner who turned reminders off.
    reporting_round = ReportingRound.objects.create(
        network=network,
        year=2023,
        deadline=datetime.date(2024, 3, 15),
        opened_by=coordinator,
        opened_at=PRECISE,
        closed_at=PRECISE + datetime.timedelta(days=40),
        closed_by=coordinator,
    )
    reporting_round.indicators.set([population, waste])
    RoundReporter.objects.create(round=reporting_round, municipality=kongsberg, user=planner)
    Reminder.objects.create(
        round=reporting_round, municipality=kongsberg, user=planner, kind=ReminderKind.LATE, sent_at=PRECISE
    )
    ReminderSetting.objects.create(user=planner, enabled=False, changed_at=PRECISE)
    value(waste, 2021, "1150", ValueStatus.APPROVED)
    value(waste, 2022, "1140.125", ValueStatus.SUBMITTED)
    value(waste, 2023, DRAFT_FIGURE, ValueStatus.DRAFT, review_comment="Returnert: mangler kilde")
    value(own, 2023, None, ValueStatus.DRAFT, state=ValueState.MISSING, is_sample=True)
    for old, new, status in ((None, PUBLISHED_FIGURE, "published"), (PUBLISHED_FIGURE, WORKING_COPY, "draft")):
        ValueRevision.objects.create(
            indicator_value=revised,
            changed_at=PRECISE,
            changed_by=planner,
            old_value=None if old is None else Decimal(old),
            new_value=Decimal(new),
            old_state="" if old is None else "reported",
            new_state="reported",
            old_status="" if old is None else "published",
            new_status=status,
            source="Kommunens vektregistrering",
            reason="Korrigert etter ny opptelling",
        )
    upload = bytes(range(256)) * 8  # not text: every byte value, NUL included
    ValueImport.objects.create(
        uploaded_by=planner,
        uploaded_at=PRECISE,
        municipality=kongsberg,
        year=2023,
        filename="avfall-2023.xlsx",
        content=upload,
        confirmed_at=PRECISE,
        rows=3,
    )
    DataImport.objects.create(
        kind=DataImport.Kind.SSB,
        uploaded_by=coordinator,
        filename="07459.json",
        content=b'{"version": "2.0", "class": "dataset"}',
        indicator=population,
        table="07459",
        created=5,
    )
    DataImport.objects.create(
        kind=DataImport.Kind.REFORM,
        uploaded_by=coordinator,
        filename="klass-endringer.json",
        content=b"\x00\xff" * 100,
        codes_content=b'{"codes": []}',
    )
    grouping = DataImport.objects.create(
        kind=DataImport.Kind.PEER_GROUPS,
        uploaded_by=coordinator,
        filename="kostra-grupper.csv",
        content=b'"sourceCode";"targetCode"\r\n"3303";"EKG13"\r\n',
        applies_from=datetime.date(2024, 1, 1),
    )
    group = PeerGroup.objects.create(
        code="EKG13", name="KOSTRA-gruppe 13", valid_from=datetime.date(2024, 1, 1), data_import=grouping
    )
    PeerGroupMembership.objects.create(group=group, municipality=kongsberg, valid_from=group.valid_from)

    # The plan chain: an adopted kommuneplan with an økonomiplan under it, and a draft.
    kommuneplan = Plan.objects.create(
        municipality=kongsberg,
        plan_type=PlanType.KOMMUNEPLAN_SAMFUNN,
        title=ADOPTED_PLAN,
        period_start=2020,
        period_end=2032,
        status=PlanStatus.ADOPTED,
        adopted_on=datetime.date(2020, 6, 18),
        decision_reference="K-sak 45/2020",
    )
    areas = [
        FocusArea.objects.create(plan=kommuneplan, title=title, description="Beskrivelse", order=n)
        for n, title in enumerate(["Klima og miljø", "Levende lokalsamfunn"])
    ]
    goal = Goal.objects.create(focus_area=areas[0], title="Mindre avfall per innbygger", order=1)
    GoalIndicator.objects.create(
        goal=goal,
        indicator=waste,
        baseline_year=2019,
        baseline_value=Decimal("1180.5"),
        target_year=2030,
        target_value=Decimal("900.000001"),
    )
    okonomiplan = Plan.objects.create(
        municipality=kongsberg,
        plan_type=PlanType.OKONOMIPLAN,
        title="Økonomiplan 2025–2028",
        period_start=2025,
        period_end=2028,
        status=PlanStatus.ADOPTED,
        adopted_on=datetime.date(2024, 12, 12),
        parent=kommuneplan,
    )
    carried = FocusArea.objects.create(plan=okonomiplan, title="Klima og miljø", carries=areas[0])
    Goal.objects.create(focus_area=carried, title="Sortere mer matavfall", carries=goal)
    project = StrategicProject.objects.create(
        plan=okonomiplan,
        title="Ombruk i alle skoler",
        responsible_unit="Oppvekst",
        service_areas="Oppvekst, Teknisk",
        first_budget_year=2025,
        last_budget_year=2027,
    )
    project.focus_areas.add(carried, areas[1])
    draft = Plan.objects.create(
        municipality=kongsberg,
        plan_type=PlanType.OKONOMIPLAN,
        title=DRAFT_PLAN,
        period_start=2026,
        period_end=2029,
        previous_version=okonomiplan,
        parent=kommuneplan,
    )
    draft_area = FocusArea.objects.create(plan=draft, title=DRAFT_PLAN + " – klima", carries=areas[0])
    Goal.objects.create(focus_area=draft_area, title=DRAFT_PLAN + " – mål")
    BudgetLine.objects.create(
        municipality=kongsberg,
        year=2025,
        focus_area=carried,
        adopted=Decimal(12500),
        revised=Decimal(13000),
        accounts=Decimal(12950),
        source="Budsjettark 2025",
        changed_by=planner,
        changed_at=PRECISE,
    )
    BudgetLine.objects.create(
        municipality=kongsberg, year=2025, project=project, adopted=Decimal(800), changed_by=planner
    )
    BudgetLine.objects.create(municipality=kongsberg, year=2026, focus_area=draft_area, adopted=Decimal(424242))
    BudgetImport.objects.create(
        uploaded_by=planner,
        municipality=kongsberg,
        year=2025,
        filename="budsjett-2025.xlsx",
        content=b"PK\x03\x04" + bytes(range(200)),
    )
    PlanChange.objects.create(
        plan=okonomiplan,
        action=PlanChange.Action.CHANGED,
        subject="Økonomiplan 2025–2028",
        details=[["Tittel", "Økonomiplan 2025–28", "Økonomiplan 2025–2028"]],
        reason="Ny prioritering i formannskapet",
        changed_by=planner,
        changed_at=PRECISE,
    )
    IndicatorChange.objects.create(
        indicator=waste,
        field="per_inhabitant_factor",
        old="1",
        new="1000",
        reason="Tonn til kg",
        changed_by=admin,
        changed_at=PRECISE,
    )
    LogEntry.objects.create(
        user=admin,
        content_type=ContentType.objects.get_for_model(Plan),
        object_id=str(okonomiplan.pk),
        object_repr=str(okonomiplan),
        action_flag=CHANGE,
        change_message='[{"changed": {"fields": ["Status"]}}]',
        action_time=PRECISE,
    )

    # A published annual report whose introduction has an unpublished working copy, and an unpublished one.
    report = AnnualReport.objects.create(
        municipality=kongsberg, year=2023, first_published_at=PRECISE, published_at=PRECISE, published_by=approver
    )
    intro = ReportText.objects.create(
        report=report,
        kind=ReportTextKind.INTRODUCTION,
        body=UNPUBLISHED_TEXT,
        published_body=PUBLISHED_TEXT,
        changed_by=planner,
    )
    ReportText.objects.create(
        report=report,
        kind=ReportTextKind.FOCUS_AREA,
        focus_area=areas[0],
        body="Vi sorterer mer.",
        published_body="Vi sorterer mer.",
    )
    ReportText.objects.create(report=report, kind=ReportTextKind.INDICATOR, indicator=waste, body="Nedgang.")
    ReportTextRevision.objects.create(text=intro, body=PUBLISHED_TEXT, changed_by=planner, published=True)
    ReportTextRevision.objects.create(text=intro, body=UNPUBLISHED_TEXT, changed_by=planner, changed_at=PRECISE)
    unpublished = AnnualReport.objects.create(municipality=kongsberg, year=2024)
    ReportText.objects.create(report=unpublished, kind=ReportTextKind.PROJECT, project=project, body=UNPUBLISHED_REPORT)

    # Good examples with images: one published, one returned to the planner; and a file nothing refers to any more.
    published = GoodExample.objects.create(
        municipality=kongsberg,
        year=2023,
        title=PUBLISHED_EXAMPLE,
        text="Vi åpnet en **bruktbu**.",
        image_alt="Bruktbua en lørdag",
        focus_area=areas[0],
        status=ExampleStatus.PUBLISHED,
        created_by=planner,
        changed_by=coordinator,
        published_at=PRECISE,
    )
    published.image.save("bruktbu.png", ContentFile(png("#1b4d36")))
    published.indicators.add(waste, own)
    returned = GoodExample.objects.create(
        municipality=kongsberg,
        year=2024,
        title=DRAFT_EXAMPLE,
        text="Ikke vurdert.",
        image_alt="Skisse",
        review_comment="Returnert: mangler kilde",
        created_by=planner,
    )
    returned.image.save("skisse.png", ContentFile(png("#aa3311")))

    # A climate budget in the økonomiplan: an interim target, a sector's frames, a measure with its years, a good
    # example and a published status under revision with its history, and an uploaded measures spreadsheet.
    budget = make.climate_budget(okonomiplan, reference_year=2009, target_year=2030, target_percent="52.5")
    budget.interim_targets.create(year=2027, percent=Decimal("33.3"))
    make.climate_sector(budget, "veitrafikk", frames={2025: "61.25"}, reference={2025: 80}, reference_source="Egen")
    measure = make.climate_measure(
        budget, "T1", "veitrafikk", cuts={2025: ("1200.5", 900, 1500)}, targets={2025: 40}, project=project,
        result_indicator=own, co_benefits="Renere luft", responsible_unit="Teknisk", captured_by_inventory=False,
    )  # fmt: skip
    measure.good_examples.add(published)
    status = make.measure_report(measure, 2025, "on_track", workflow="published", explanation="I rute", result=38)
    status.status, status.explanation, status.workflow, status.changed_at = "delayed", "Forsinket", "draft", PRECISE
    status.save()
    status.revisions.create(status="delayed", explanation="Forsinket", workflow="draft", changed_by=planner,
                            reason="Ny vurdering", changed_at=PRECISE)  # fmt: skip
    ClimateImport.objects.create(
        uploaded_by=planner, budget=budget, year=2025, filename="klimatiltak.xlsx", content=b"PK\x03\x04" + bytes(50)
    )
    orphan = Path(media_root) / "gode-eksempler" / "gammelt-bilde.png"
    orphan.write_bytes(png("#000000"))
    return {"users": users, "published_image": published.image.name, "private_image": returned.image.name}


# --- helpers ------------------------------------------------------------------------------------------------------


def comparable(value):
    """Binary fields come back as memoryview on PostgreSQL: compare their bytes."""
    return bytes(value) if isinstance(value, memoryview) else value


def reference(obj):
    """Content types and permissions get new ids from migrate: compare them by natural key, the rest by id."""
    return obj.natural_key() if isinstance(obj, ContentType | Permission) else obj.pk


def everything() -> dict[str, list[dict]]:
    """Every row of every model that is backed up, with every field and many-to-many link, in id order."""
    found = {}
    for model in apps.get_models():
        name = model._meta.label_lower
        if name in NOT_BACKED_UP or model._meta.proxy:
            continue
        rows = []
        for obj in model._base_manager.order_by("pk"):
            row = {}
            for field in model._meta.concrete_fields:
                if field.is_relation and field.related_model in (ContentType, Permission):
                    related = getattr(obj, field.name)
                    row[field.name] = related.natural_key() if related else None
                else:
                    row[field.attname] = comparable(getattr(obj, field.attname))
            for field in model._meta.many_to_many:
                row[field.name] = sorted(reference(related) for related in getattr(obj, field.name).all())
            rows.append(row)
        found[name] = rows
    return found


def files_under(root: Path) -> dict[str, bytes]:
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


def backed_up(tmp_path) -> Path:
    target = tmp_path / "backup"
    call_command("backup", str(target), stdout=io.StringIO())
    return target


def empty_the_database() -> None:
    call_command("flush", interactive=False, verbosity=0)
    assert not any(everything().values())


def restore(backup: Path) -> str:
    out = io.StringIO()
    call_command("restore", str(backup), stdout=out)
    return out.getvalue()


def refused(backup: Path) -> str:
    with pytest.raises(CommandError) as error:
        restore(backup)
    return str(error.value)


def rewrite(backup: Path, name: str, change) -> None:
    """Change the rows of one gzip file and record its new checksum, as a careful forger would."""
    path = backup / name
    lines = gzip.decompress(path.read_bytes()).decode().splitlines(keepends=True)
    path.write_bytes(gzip.compress("".join(change(lines)).encode()))
    manifest = json.loads((backup / "manifest.json").read_text())
    manifest["files"][name] = {"sha256": hashlib.sha256(path.read_bytes()).hexdigest(), "bytes": path.stat().st_size}
    (backup / "manifest.json").write_text(json.dumps(manifest))


def public_text(backup: Path) -> str:
    """Every word of the public part's data files and manifest, decompressed."""
    texts = []
    for path in sorted((backup / "public").rglob("*")):
        if path.name.endswith(".jsonl.gz"):
            texts.append(gzip.decompress(path.read_bytes()).decode())
        elif path.name.endswith(".json"):
            texts.append(path.read_text())
    return "\n".join(texts)


# --- tests --------------------------------------------------------------------------------------------------------


def test_a_restore_into_an_empty_database_brings_back_every_row_field_and_file(dataset, media_root, settings, tmp_path):
    before = everything()
    empty = sorted(name for name, rows in before.items() if not rows)
    assert not empty, f"the dataset leaves {empty} empty: add rows of them, so the round trip checks them"
    media_before = files_under(media_root)
    assert len(media_before) == 3
    backup = backed_up(tmp_path)
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["format_version"] == 1
    assert manifest["migrations"]["indicators"] == max(manifest["applied_migrations"]["indicators"])
    assert {entry["model"]: entry["rows"] for entry in manifest["models"]} == {
        name: len(rows) for name, rows in before.items()
    }

    empty_the_database()
    settings.MEDIA_ROOT = tmp_path / "new-server-media"
    call_command("restore", str(backup), "--check", stdout=io.StringIO())
    assert not any(everything().values()), "--check wrote something"
    from core.cache import data_version

    version = data_version()
    assert "Restored" in restore(backup)
    assert data_version() > version  # cached public pages from before the restore are retired

    after = everything()
    for name in before:
        assert after[name] == before[name], f"{name} differs after the restore"
    assert after == before
    assert files_under(settings.MEDIA_ROOT) == media_before
    # New rows get fresh ids: on PostgreSQL only because the restore moved the sequences past the restored ids.
    assert Municipality.objects.create(name="Ny kommune").pk > max(
        row["id"] for row in before["indicators.municipality"]
    )
    assert IndicatorValue.objects.count() == len(before["indicators.indicatorvalue"])
    planner = apps.get_model(settings.AUTH_USER_MODEL).objects.get(username="planlegger-ingrid")
    assert planner.check_password("livskraft-test")
    assert planner.has_perm("plans.change_plan") and planner.has_perm("indicators.view_indicatorvalue")


def test_the_public_part_holds_only_what_is_published_and_no_one_personally(dataset, tmp_path):
    backup = backed_up(tmp_path)
    public = public_text(backup)
    for user in dataset["users"].values():
        for personal in (user.password, user.email, user.first_name, user.last_name, user.username):
            assert not personal or personal not in public
    assert "pbkdf2_sha256$" not in public
    for word in PRIVATE_WORDS:
        assert word not in public
    for word in (PUBLISHED_FIGURE, PUBLISHED_TEXT, ADOPTED_PLAN, PUBLISHED_EXAMPLE, "Kongsberg", "0604", "3303"):
        assert word in public
    fields = set()
    for path in (backup / "public").glob("*.jsonl.gz"):
        for line in gzip.decompress(path.read_bytes()).decode().splitlines():
            fields |= set(json.loads(line)["fields"])
    assert not fields & {"password", "email", "user", "changed_by", "created_by", "published_by", "uploaded_by"}
    assert not fields & {"comment", "review_comment", "body", "content"}
    assert not list((backup / "public").glob("auth.*")), "users are never public"
    # Images: the published example's is public, the returned example's and a forgotten file are private.
    assert sorted(files_under(backup / "public" / "media")) == [dataset["published_image"]]
    assert dataset["private_image"] in files_under(backup / "private" / "media")
    # The private part holds what the public part leaves out.
    values = gzip.decompress((backup / "private" / "indicators.indicatorvalue.jsonl.gz").read_bytes()).decode()
    assert DRAFT_FIGURE in values and WORKING_COPY in values and PUBLISHED_FIGURE in values
    assert (
        dataset["users"]["planlegger-ingrid"].password
        in gzip.decompress((backup / "private" / "auth.user.jsonl.gz").read_bytes()).decode()
    )


def test_a_database_that_holds_data_is_refused(dataset, tmp_path):
    backup = backed_up(tmp_path)
    before = everything()
    assert "The database is not empty" in refused(backup)
    assert everything() == before


def test_a_changed_file_is_refused_and_nothing_is_written(dataset, media_root, tmp_path):
    backup = backed_up(tmp_path)
    empty_the_database()
    for path in media_root.rglob("*.png"):
        path.unlink()
    # One bit flipped: the size is the same, only the checksum tells.
    values = backup / "private" / "indicators.indicatorvalue.jsonl.gz"
    data = bytearray(values.read_bytes())
    data[len(data) // 2] ^= 0x01
    values.write_bytes(bytes(data))
    message = refused(backup)
    assert "private/indicators.indicatorvalue.jsonl.gz does not match its SHA-256 checksum" in message
    assert not any(everything().values())
    assert not list(media_root.rglob("*.png"))


def test_a_backup_made_with_other_migrations_is_refused(dataset, tmp_path):
    backup = backed_up(tmp_path)
    empty_the_database()
    manifest_path = backup / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["applied_migrations"]["indicators"].append("0099_future_change")
    manifest_path.write_text(json.dumps(manifest))
    message = refused(backup)
    assert "other migrations" in message
    assert "indicators: backup 0099_future_change, this database 0" in message
    assert not any(everything().values())


def test_a_failure_while_loading_rolls_everything_back(dataset, media_root, tmp_path, settings):
    backup = backed_up(tmp_path)
    empty_the_database()
    settings.MEDIA_ROOT = tmp_path / "new-server-media"
    manifest = json.loads((backup / "manifest.json").read_text())
    loaded = [entry for entry in manifest["models"] if entry["private"]["file"]]
    last = loaded[-1]
    assert len(loaded) > 10, "the failure should come after most of the rows are in"

    # A consistent backup (checksums and counts agree) whose last file repeats a row: the database refuses it.
    def repeat_first_row(lines):
        return [*lines, lines[0]]

    rewrite(backup, last["private"]["file"], repeat_first_row)
    manifest = json.loads((backup / "manifest.json").read_text())
    for entry in manifest["models"]:
        if entry["model"] == last["model"]:
            entry["rows"] += 1
            entry["private"]["rows"] += 1
    (backup / "manifest.json").write_text(json.dumps(manifest))

    assert "rolled back" in refused(backup)
    assert not any(everything().values())
    new_media = Path(settings.MEDIA_ROOT)
    assert not new_media.exists() or not files_under(new_media)


def test_a_backup_is_never_written_over_another(dataset, tmp_path):
    backup = backed_up(tmp_path)
    manifest = (backup / "manifest.json").read_bytes()
    with pytest.raises(CommandError, match="not an empty directory"):
        call_command("backup", str(backup), stdout=io.StringIO())
    assert (backup / "manifest.json").read_bytes() == manifest
    assert [path.name for path in tmp_path.iterdir() if path.name.startswith(".")] == []
