"""The attack: every role sends GET and POST to every address of the URL conf, and what went wrong is counted.

Addresses come from walking the URL resolver (the admin and /api/v1/ included), their parameters filled with real
numbers, years, slugs and ids from the world, the sentinels' among them, so each role also asks for what is not
hers. POSTs are what a form of the page sends (read from the page as a superuser sees it, every sentinel scrubbed
out), with the role's own CSRF token; then the same with hostile values (XSS, numbers beyond the database's
precision, Unicode digits, `status=published` and friends); then without a token, as a forged request would come.

Each role runs in a transaction rolled back at its end, so no role's writes reach another's run. Within it:
- every response is searched for the sentinels the role may not see (rules.may_see): a leak;
- every INSERT, UPDATE and DELETE is caught as it is sent to the database; the rows of the tables written are
  compared with their state before the request, and each changed row is judged (rules.may_write): a write the role
  may not make is a finding, and so is any write by a POST without a token;
- files under MEDIA_ROOT that appear, change or vanish in a request without an allowed write: a finding;
- 500 answers are kept with their exception; HTML answers carrying an XSS payload unescaped are kept too.
"""

import io
import itertools
import logging
import os
import re
import time
import traceback
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urljoin, urlsplit

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import SlugConverter
from PIL import Image

from core.cache import PAGES, PLAIN_PAGES
from indicators.access import access_for
from indicators.models import (
    DataImport,
    IndicatorValue,
    MunicipalityRole,
    NetworkCoordinator,
    ValueImport,
)
from plans.models import AnnualReport, BudgetImport, FocusArea, Goal, GoodExample, Plan, StrategicProject
from tools.attacking import ROLES, rules
from tools.attacking.world import HARVESTER, World, normalised

BASE_DIR = Path(settings.BASE_DIR)
# How many addresses one URL pattern gives at most: its parameters' values multiply.
MAX_ADDRESSES = 6
MAX_ADDRESSES_QUICK = 4
# The ids a route's <int:pk> names, by route name; a route not named here gets a guess from its name.
PK_MODELS = {
    "import_preview": ValueImport,
    "budget_import_preview": BudgetImport,
    "opendata_preview": DataImport,
    "opendata_status": DataImport,
    "value_history": IndicatorValue,
    "plan": Plan,
    "plan_edit": Plan,
    "plan_roll": Plan,
    "plan_adopt": Plan,
    "focus_area_create": Plan,
    "project_create": Plan,
    "focus_area_edit": FocusArea,
    "goal_create": FocusArea,
    "goal_edit": Goal,
    "project_edit": StrategicProject,
    "good_example": GoodExample,
    "good_example_image": GoodExample,
    "example_edit": GoodExample,
    "example_review": GoodExample,
    "api:plan-detail": Plan,
}
NAME_GUESSES = [
    ("value", IndicatorValue),
    ("role", MunicipalityRole),
    ("coordinator", NetworkCoordinator),
    ("user", None),  # the user model, looked up when used
    ("report", AnnualReport),
    ("example", GoodExample),
    ("goal", Goal),
    ("focus", FocusArea),
    ("project", StrategicProject),
    ("budget", BudgetImport),
    ("import", ValueImport),
    ("plan", Plan),
]
# Routes whose pages have no form to read (JSON, files, lists of changes), by a word of their names.
NO_FORMS = ("api:", "_history", "download", "template", "image", "status", "jsi18n", "autocomplete", "view_on_site")
DELETE_KINDS = {"innsatsomrade": FocusArea, "mal": Goal, "prosjekt": StrategicProject}
ADMIN_MODEL = re.compile(rf"^{re.escape(settings.ADMIN_URL)}(\w+)/(\w+)/")
XSS = re.compile(r"<(?:script|img|svg)\b[^>]*data-attack-xss|href=[\"']?\s*javascript:", re.I)
TEXTS = [
    "<script data-attack-xss>alert(1)</script>",
    "<img src=x onerror=alert(1) data-attack-xss>",
    "[lenke](javascript:alert(1))",
    '"><svg onload=alert(1) data-attack-xss>',
    "Robert'); DROP TABLE indicators_indicatorvalue;--",
    "nul\x00tegn",
]
NUMBERS = ["99999999999999.9999999", "١٢٣", "12,5.3", "0.0000001", "-1e400", "NaN"]  # the first one always
NUMBER_NAME = re.compile(
    r"(value|verdi|amount|adopted|revised|accounts|population|baseline|target|factor|plausible|change|year|order|"
    r"period|progress)",
    re.I,
)
# Fields a hostile form carries besides its own, to ask for what no form offers.
HOSTILE_EXTRAS = {
    "status": "published",
    "publish": "1",
    "published": "on",
    "published_at": "2020-01-01 12:00",
    "is_superuser": "on",
    "is_staff": "on",
    "role": "approver",
    "official": "on",
    "is_official": "on",
}


# --- addresses --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str  # with its namespaces; "" when the pattern has none
    pattern: str  # the whole pattern, route syntax and regular expressions as written
    converters: dict  # parameter → converter (None for a regular expression's group)

    def __str__(self):
        return self.name or self.pattern


def walk(patterns=None, prefix: str = "", namespace: str = "", converters=None) -> list[Route]:
    """Every route of the URL conf, descending into every include()."""
    found = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        pattern = f"{prefix}{entry.pattern}"
        known = {
            **(converters or {}),
            **dict.fromkeys(entry.pattern.regex.groupindex),
            **getattr(entry.pattern, "converters", {}),
        }
        if isinstance(entry, URLResolver):
            inner = ":".join(part for part in (namespace, entry.namespace) if part)
            found += walk(entry.url_patterns, pattern, inner, known)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name or ""
            found.append(Route(name, pattern, known))
    return found


def fill(pattern: str, values: dict) -> str:
    """The address of the pattern with its parameters filled (route syntax or a regular expression's groups)."""

    def value(match):
        return quote(str(values[match.group(1)]), safe="/")

    path = re.sub(r"<(?:\w+:)?(\w+)>", value, pattern)
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", value, path)
    return "/" + path.replace("^", "").replace("$", "").replace("\\", "")


def model_of(route: Route):
    """The model an address's id names: by the route's name, or for the admin by its address."""
    match = ADMIN_MODEL.match(route.pattern)
    if match:
        try:
            return apps.get_model(match.group(1), match.group(2))
        except LookupError:
            return None
    base = route.name.split(":")[-1]
    if route.name in PK_MODELS or base in PK_MODELS:
        return PK_MODELS.get(route.name) or PK_MODELS[base]
    for word, model in NAME_GUESSES:
        if word in base:
            return model or get_user_model()
    return None


def ids(model, world: World, count: int) -> list:
    """Up to count ids of the model: Halden's sentinel first (nobody's to touch), then Rana's, then any."""
    found = list(world.pks(model))
    if len(found) < count and model is not None:
        found += [
            pk for pk in model._base_manager.order_by("pk").values_list("pk", flat=True)[:count] if pk not in found
        ]
    return found[:count] or [1]


def parameter_values(route: Route, name: str, world: World) -> tuple[list, list]:
    """The values to fill the parameter with: the real ones, and odd ones that only GET tries (once each)."""
    converter = route.converters.get(name)
    if name == "code" and (isinstance(converter, SlugConverter) or "indi" in route.pattern):
        return world.indicator_codes[:2], world.indicator_codes[2:]
    if name in ("code", "kommunenummer"):
        # Halden first (world.MUNICIPALITIES), then the attackers' own; odd: a former number (0604, Kongsberg's) and Unicode digits.
        return world.codes(), ["0604", "١٨٣٣"]
    if name == "slug":
        return [world.network_slug], ["finnes-ikke"]
    if name == "year":
        return [world.year], [99999]
    if name == "fmt":
        return ["csv", "xlsx"], ["json", "exe"]
    if name in ("pk", "object_id"):
        model = model_of(route)
        if model is None:
            return sorted({pk for pks in world.objects.values() for pk in pks[-1:]})[:4], []
        # The admin's pages of one object each (Halden's: what nobody may touch), the portal's of three.
        return ids(model, world, 1 if name == "object_id" else 3), [999999]
    if name == "content_type_id":
        return [ContentType.objects.get_for_model(IndicatorValue).pk], []
    if name == "app_label":
        return ["indicators"], ["auth"]
    if name == "url":
        return ["finnes-ikke/"], []
    if name == "kind":
        return list(DELETE_KINDS), []
    return ["1"], []


def addresses(route: Route, world: World, quick: bool) -> list[tuple[str, bool]]:
    """The addresses of the route, each with whether it is a main one (real values) or odd (GET only).

    The main ones are every combination of the parameters' real values, at most MAX_ADDRESSES (fewer when quick);
    then, unless quick, one address for each odd value, the other parameters at their first real value.
    """
    limit = MAX_ADDRESSES_QUICK if quick else MAX_ADDRESSES
    names = list(route.converters)
    values = {name: parameter_values(route, name, world) for name in names}
    if set(names) == {"kind", "pk"}:
        main = [{"kind": kind, "pk": pk} for kind, model in DELETE_KINDS.items() for pk in ids(model, world, 2)]
    elif set(names) == {"content_type_id", "object_id"}:
        kind = values["content_type_id"][0][0]
        main = [{"content_type_id": kind, "object_id": pk} for pk in ids(IndicatorValue, world, 2)]
    else:
        combos = itertools.product(*(values[name][0] for name in names))
        main = [dict(zip(names, combo, strict=True)) for combo in combos]
    odd = []
    if not quick and main:
        odd = [{**main[0], name: value} for name in names for value in values[name][1]]
    return [(fill(route.pattern, c), True) for c in main[:limit]] + [(fill(route.pattern, c), False) for c in odd]


# --- forms ------------------------------------------------------------------------------------------------------


@dataclass
class Field:
    name: str
    kind: str  # the input's type, "select", "textarea" or "submit"
    value: str = ""
    checked: bool = False
    options: list = field(default_factory=list)
    accept: str = ""


@dataclass
class Form:
    action: str
    fields: list[Field]
    multipart: bool


class FormReader(HTMLParser):
    """The POST forms of a page, with their fields as the page fills them."""

    def __init__(self, url: str):
        super().__init__(convert_charrefs=True)
        self.url, self.forms, self.current, self.select, self.textarea = url, [], None, None, None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            if a.get("method", "get").lower() == "post":
                action = urljoin(self.url, a.get("action") or self.url)
                self.current = Form(action, [], "multipart" in a.get("enctype", ""))
            return
        if self.current is None or not a.get("name"):
            if tag == "option" and self.select is not None:
                self.select.options.append((a.get("value", ""), "selected" in a))
            return
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "image", "button", "reset"):
                kind = "submit"
            self.current.fields.append(
                Field(a["name"], kind, a.get("value", ""), "checked" in a, accept=a.get("accept", ""))
            )
        elif tag == "button" and a.get("type", "submit").lower() == "submit":
            self.current.fields.append(Field(a["name"], "submit", a.get("value", "")))
        elif tag == "select":
            self.select = Field(a["name"], "select-multiple" if "multiple" in a else "select")
            self.current.fields.append(self.select)
        elif tag == "textarea":
            self.textarea = Field(a["name"], "textarea")
            self.current.fields.append(self.textarea)
        elif tag == "option" and self.select is not None:
            self.select.options.append((a.get("value", ""), "selected" in a))

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea.value += data

    def handle_endtag(self, tag):
        if tag == "form" and self.current is not None:
            self.forms.append(self.current)
            self.current = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def read_forms(url: str, html: str) -> list[Form]:
    reader = FormReader(url)
    reader.feed(html)
    return reader.forms


def scrub(text: str, world: World) -> str:
    """The text without any sentinel, so an attacker never sends one back and is then seen to 'leak' it."""
    if "LEAKMARK" in text:
        text = re.sub(r"LEAKMARK-[\w-]+", "Vanlig tekst", text)
    flat = normalised(text)
    if any(s.key in flat for s in world.sentinels if s.key.isdigit()):
        return "12"
    return text


def png(size=(2, 2)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "#1b4d36").save(buffer, format="PNG")
    return buffer.getvalue()


def upload(f: Field, world: World, hostile: bool) -> SimpleUploadedFile:
    if "image" in f.accept or "image" in f.name or "bilde" in f.name:
        if hostile:  # a page with a script, sent as an image
            return SimpleUploadedFile("bilde.png", b"<html><script>alert(1)</script></html>", "image/png")
        return SimpleUploadedFile("bilde.png", png(), "image/png")
    code, year = world.municipalities["Rana"].kommunenummer, world.year
    if hostile:
        rows = f'=HYPERLINK("http://x");{TEXTS[0]};{year};99999999999999.9999999\n{code};miljofyrtarn;{year};١٢٣\n'
    else:
        rows = f"{code};miljofyrtarn;{year};12\n"
    return SimpleUploadedFile("verdier.csv", f"kommunenummer;indikator;år;verdi\n{rows}".encode(), "text/csv")


def form_data(form: Form, world: World, *, submit=None, hostile: str = "", number: str = "", user_id=None) -> dict:
    """What the form sends, with one submit button: its own values (sentinels scrubbed, every box ticked but the
    admin's DELETE boxes); or, hostile="text", XSS and worse in its text fields, the attacker's choices in its
    selects (herself as the user, approver as the role, Halden as the municipality), every box ticked and fields no
    form offers (`status=published`…); or, hostile="number", the number in every field that takes one."""
    data: dict[str, list] = defaultdict(list)
    texts = itertools.cycle(TEXTS)
    halden = str(world.municipalities["Halden"].pk)
    choices = {"user": str(user_id or ""), "role": "approver", "status": "published", "municipality": halden}
    radios = {f.name for f in form.fields if f.kind == "radio" and f.checked}
    for f in form.fields:
        if f.kind == "submit" or f.name == "csrfmiddlewaretoken":
            continue
        if f.kind == "checkbox":
            if f.checked or hostile == "text" or not f.name.endswith("DELETE"):
                data[f.name].append(f.value or "on")
        elif f.kind == "radio":
            if f.checked or f.name not in radios:
                radios.add(f.name)
                data[f.name].append(f.value)
        elif f.kind == "file":
            data[f.name] = upload(f, world, hostile == "text")
        elif f.kind.startswith("select"):
            chosen = [v for v, selected in f.options if selected] or [v for v, _s in f.options if v][:1]
            key = f.name.split("-")[-1]
            if hostile == "text" and choices.get(key):
                chosen = [choices[key]]
            data[f.name] += chosen
        elif hostile == "number" and f.kind != "hidden" and (f.kind == "number" or NUMBER_NAME.search(f.name)):
            data[f.name].append(number)
        elif hostile == "text" and f.kind not in ("hidden", "number") and not NUMBER_NAME.search(f.name):
            special = {"date": "2025-02-30", "url": "javascript:alert(1)", "email": "x@x.no<script>"}
            data[f.name].append(special.get(f.kind) or next(texts))
        else:
            data[f.name].append(scrub(f.value, world))
    if hostile == "text":
        for name, value in HOSTILE_EXTRAS.items():
            data.setdefault(name, [value])
    if submit is not None:
        data[submit[0]] = [submit[1]]
    return {k: (v if not isinstance(v, list) else v[0] if len(v) == 1 else v) for k, v in data.items()}


def submits(form: Form) -> list:
    """The form's submit buttons with a name, and the admin's actions, each a (name, value) to send; [None] if none.

    The admin's "save and add another" and "save and continue" save as "save" does: only its first button is sent.
    """
    found = [(f.name, f.value) for f in form.fields if f.kind == "submit"]
    if any(name == "_save" for name, _value in found):
        found = [("_save", "")]
    for f in form.fields:
        if f.kind == "select" and f.name == "action":
            # Not delete_selected: its confirmation lists every related row (an indicator's thousands of values), and
            # each object's own delete page, attacked anyway, deletes the same way.
            found += [("action", v) for v, _s in f.options if v and v != "delete_selected"]
    return list(dict.fromkeys(found))[:4] or [None]


# --- what a request did -------------------------------------------------------------------------------------------


WRITE_SQL = re.compile(r'^\s*(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.I)


class WriteWatch:
    """Catches the tables every INSERT, UPDATE and DELETE sent through Django's connection writes to."""

    def __init__(self):
        self.tables: set[str] = set()

    def __call__(self, execute, sql, params, many, context):
        match = WRITE_SQL.match(sql)
        if match:
            self.tables.add(match.group(1))
        return execute(sql, params, many, context)


class Tables:
    """Every table's rows as they stand, to compare with after a request; rows deleted are kept to look up."""

    def __init__(self):
        self.models = {}
        for model in apps.get_models(include_auto_created=True):
            if model._meta.label_lower not in rules.IGNORED:
                self.models.setdefault(model._meta.db_table, model)
        self.rows = {table: self.load(table) for table in self.models}
        self.gone: dict[str, dict] = defaultdict(dict)

    def columns(self, table):
        """The columns compared: all but last_login, which her own logging in (outside any request) writes."""
        model = self.models[table]
        pk = model._meta.pk
        return [pk] + [f for f in model._meta.concrete_fields if f is not pk and f.attname != "last_login"]

    def load(self, table) -> dict:
        columns = self.columns(table)
        names = ", ".join(connection.ops.quote_name(f.column) for f in columns)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {names} FROM {connection.ops.quote_name(table)}")  # noqa: S608  (our own names)
            attnames = [f.attname for f in columns]
            return {
                row[0]: dict(zip(attnames, (bytes(v) if isinstance(v, memoryview) else v for v in row), strict=True))
                for row in cursor.fetchall()
            }

    def label(self, table) -> str:
        return self.models[table]._meta.label_lower

    def diff(self, table) -> list[tuple[dict | None, dict | None]]:
        """The rows the table changed since it was last read, as (before, after), and remember the new state."""
        if table not in self.models:
            return []
        old, new = self.rows[table], self.load(table)
        self.rows[table] = new
        changes = [(old.get(pk), new.get(pk)) for pk in old.keys() | new.keys() if old.get(pk) != new.get(pk)]
        for before, after in changes:
            if after is None:
                self.gone[table][before[self.columns(table)[0].attname]] = before
        return changes

    def row(self, label, pk) -> dict | None:
        for table, model in self.models.items():
            if model._meta.label_lower == label:
                return self.rows[table].get(pk) or self.gone[table].get(pk)
        return None

    def municipality_of(self, label, row) -> int | None:
        spec = rules.MUNICIPALITY_OF.get(label)
        if spec is None or row is None:
            return None
        if isinstance(spec, str):
            return row.get(spec)
        key, parent = spec
        return self.municipality_of(parent, self.row(parent, row.get(key)))


def media_files() -> dict[str, tuple]:
    root = Path(settings.MEDIA_ROOT)
    found = {}
    for folder, _dirs, files in os.walk(root):
        for name in files:
            path = Path(folder) / name
            stat = path.stat()
            found[str(path.relative_to(root))] = (stat.st_size, stat.st_mtime_ns)
    return found


def body_text(response) -> str:
    """The response's content as text: a zip (XLSX) unpacked, anything else decoded as UTF-8."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                return "\n".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
        except zipfile.BadZipFile:
            pass
    return content.decode("utf-8", "replace")


def summary_of(exc_info) -> str:
    """The exception in one line, with the last frame of the project's own code that it passed."""
    kind, value, tb = exc_info
    ours = [
        frame
        for frame in traceback.extract_tb(tb)
        if frame.filename.startswith(str(BASE_DIR)) and "/.venv/" not in frame.filename
    ]
    where = ""
    if ours:
        last = ours[-1]
        where = f" at {Path(last.filename).relative_to(BASE_DIR)}:{last.lineno} in {last.name}"
    return f"{kind.__name__}: {str(value)[:160]}{where}"


# --- the run ----------------------------------------------------------------------------------------------------


@dataclass
class Figures:
    roles: list[str]
    quick: bool
    requests: int = 0
    by_status: Counter = field(default_factory=Counter)
    by_role: Counter = field(default_factory=Counter)
    by_method: Counter = field(default_factory=Counter)
    seconds_by_role: dict = field(default_factory=dict)
    seconds_by_route: Counter = field(default_factory=Counter)
    routes: int = 0
    addresses: int = 0
    harvested: int = 0
    errors: list = field(default_factory=list)  # 500s
    leaks: list = field(default_factory=list)
    writes_allowed: int = 0
    writes_refused: list = field(default_factory=list)  # writes the role may not make: findings
    writes_unjudged: list = field(default_factory=list)
    writes_unwatched: list = field(default_factory=list)
    files_allowed: int = 0
    files_refused: list = field(default_factory=list)
    xss: list = field(default_factory=list)
    csrf_attempts: int = 0
    csrf_refused: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return {
            "roles": self.roles,
            "quick": self.quick,
            "seconds": round(self.seconds, 1),
            "routes": self.routes,
            "addresses": self.addresses,
            "requests": self.requests,
            "by_role": dict(self.by_role),
            "seconds_by_role": {role: round(seconds, 1) for role, seconds in self.seconds_by_role.items()},
            "slowest_routes": {route: round(seconds, 1) for route, seconds in self.seconds_by_route.most_common(15)},
            "by_method": dict(self.by_method),
            "by_status": {str(k): v for k, v in sorted(self.by_status.items())},
            "errors_500": self.errors,
            "leaks": self.leaks,
            "writes_allowed": self.writes_allowed,
            "writes_unauthorized": self.writes_refused,
            "writes_without_rule": self.writes_unjudged,
            "writes_outside_requests": self.writes_unwatched,
            "files_allowed": self.files_allowed,
            "files_unauthorized": self.files_refused,
            "xss_unescaped": self.xss,
            "csrf_attempts": self.csrf_attempts,
            "csrf_refused": self.csrf_refused,
        }


class Attacker:
    """One role's run: her client, her token, and what she may see and write."""

    def __init__(self, role: str, world: World, figures: Figures):
        self.role, self.world, self.figures = role, world, figures
        username = ROLES[role][0]
        User = get_user_model()
        self.user = User.objects.get(username=username) if username else None
        self.client = Client(enforce_csrf_checks=True, raise_request_exception=False)
        access = access_for(User.objects.get(pk=self.user.pk)) if self.user else access_for(_Anonymous())
        networks = set(NetworkCoordinator.objects.filter(user=self.user).values_list("network_id", flat=True))
        self.actor = rules.Actor(access=access, user_id=self.user.pk if self.user else None,
                                 coordinated_networks=networks if self.user else set())  # fmt: skip
        self.hidden = [s for s in world.sentinels if not rules.may_see(self.actor, s.municipality_id)]
        self.pattern = re.compile("|".join(re.escape(s.key) for s in self.hidden)) if self.hidden else None
        self.by_key = {s.key: s for s in self.hidden}
        self.is_staff = bool(self.user and self.user.is_staff)
        self.watch = WriteWatch()
        self.tables: Tables | None = None
        self.media = {}
        # Set once she has taken rights (a role, a permission, a network) she may not take: what she sees and writes
        # afterwards follows from that write, and is marked so.
        self.escalated = False
        self.wrote = False  # whether any write of hers was allowed: then her pages are read again

    def log_in(self):
        if self.user:
            self.client.force_login(self.user)
        self.client.get("/logg-inn/")  # the login page sets the CSRF cookie, for anyone

    @property
    def token(self) -> str:
        cookie = self.client.cookies.get(settings.CSRF_COOKIE_NAME)
        return cookie.value if cookie else ""

    def send(self, method: str, url: str, route: Route, variant: str = "", data=None, token=True):
        if method == "POST":
            data = dict(data or {})
            if token:
                data["csrfmiddlewaretoken"] = self.token
            else:
                self.figures.csrf_attempts += 1
        self.watch.tables.clear()
        began = time.monotonic()
        try:
            with connection.execute_wrapper(self.watch), transaction.atomic():
                response = self.client.get(url) if method == "GET" else self.client.post(url, data)
        except DatabaseError as error:  # the request broke the transaction; its savepoint was rolled back
            self.figures.errors.append(self.finding(method, url, route, variant, exception=f"{type(error).__name__}: "
                                                    f"{str(error)[:160]} (the transaction could not be committed)"))  # fmt: skip
            return None
        figures = self.figures
        figures.seconds_by_route[str(route)] += time.monotonic() - began
        figures.requests += 1
        figures.by_status[response.status_code] += 1
        figures.by_role[self.role] += 1
        figures.by_method[method] += 1
        if method == "POST" and not token and response.status_code == 403:
            figures.csrf_refused += 1
        if response.status_code >= 500:
            exc = getattr(response, "exc_info", None)
            summary = summary_of(exc) if exc else f"answered {response.status_code} without an exception"
            if response.status_code != 503 or exc:
                figures.errors.append(self.finding(method, url, route, variant, exception=summary))
        text = body_text(response)
        self.look_for_leaks(method, url, route, variant, text)
        if "html" in response.get("Content-Type", "") and XSS.search(text):
            figures.xss.append(self.finding(method, url, route, variant, found=XSS.search(text).group(0)))
        refused = self.judge_writes(method, url, route, variant, token)
        self.judge_files(method, url, route, variant, refused)
        if self.user and "_auth_user_id" not in self.client.session:
            self.log_in()  # logged out (or her password changed) by the request: go on as herself
        return response

    def finding(self, method, url, route, variant, **details) -> dict:
        found = {"role": self.role, "method": method, "url": url, "route": str(route), "variant": variant, **details}
        if self.escalated:
            found["after_taking_rights"] = True
        return found

    def look_for_leaks(self, method, url, route, variant, text):
        if self.pattern is None:
            return
        seen = {m.group(0) for m in self.pattern.finditer(normalised(text))}
        for key in sorted(seen):
            s = self.by_key[key]
            self.figures.leaks.append(
                self.finding(method, url, route, variant, sentinel=key, municipality=s.municipality, what=s.what)
            )

    def judge_writes(self, method, url, route, variant, token) -> int:
        """Judge every row the request changed; return how many changes were findings.

        Every table written is read again before any row is judged, so a row created with its parent in the same
        request finds the parent, and so its municipality.
        """
        refused = 0
        changes = [
            (self.tables.label(table), before, after)
            for table in self.watch.tables
            if table in self.tables.models
            for before, after in self.tables.diff(table)
        ]
        for label, before, after in changes:
            municipality = self.tables.municipality_of(label, after or before)
            allowed = rules.may_write(label, self.actor, before, after, municipality)
            entry = self.finding(method, url, route, variant, table=label, change=describe(before, after))
            if allowed is None:
                self.figures.writes_unjudged.append(entry)
            elif not allowed or not token:
                if not token:
                    entry["csrf"] = True
                self.figures.writes_refused.append(entry)
                refused += 1
                self.escalated = self.escalated or label in rules.RIGHTS
                self.wrote = True
            else:
                self.figures.writes_allowed += 1
                self.wrote = True
        return refused

    def judge_files(self, method, url, route, variant, refused):
        now = media_files()
        if now == self.media:
            return
        changed = sorted(k for k in now.keys() | self.media.keys() if now.get(k) != self.media.get(k))
        self.media = now
        image_written = any(t == GoodExample._meta.db_table for t in self.watch.tables)
        if image_written and not refused:
            self.figures.files_allowed += len(changed)
        else:
            for path in changed:
                self.figures.files_refused.append(self.finding(method, url, route, variant, file=path))


class _Anonymous:
    is_authenticated = False
    is_active = False


def describe(before: dict | None, after: dict | None) -> str:
    """One line saying what a write did to a row."""
    if before is None:
        shown = {k: v for k, v in after.items() if v not in (None, "", b"") and k not in ("content",)}
        return "created " + short(shown)
    if after is None:
        return f"deleted {short(before)}"
    return "changed " + ", ".join(
        f"{k}: {short(before[k])} → {short(after[k])}" for k in after if before.get(k) != after[k]
    )


def short(value) -> str:
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= 120 else text[:117] + "…"


def phases(routes, world: World, quick: bool) -> list[tuple[Route, str, bool]]:
    """Every route's addresses: (route, address, whether POSTs go there too)."""
    return [(route, url, main) for route in routes for url, main in addresses(route, world, quick)]


def post_order(item) -> int:
    """Which POSTs go first: the admin's forms, then the portal's, then lists' actions (once rights may be taken)."""
    route, _url, _main = item
    name = route.name
    if name.startswith("admin:") and name.endswith("_changelist"):
        return 2  # actions on the admin's lists, once rights may have been taken through its forms
    if name.split(":")[-1] in ("review", "example_review"):
        return 2
    return 0 if name.startswith("admin:") else 1


def harvest(items, world: World, figures: Figures) -> dict[str, list[Form]]:
    """The POST forms of every address, read as a superuser sees them, grouped by the address they post to."""
    client = Client(raise_request_exception=False)
    client.force_login(get_user_model().objects.get(username=HARVESTER))
    forms: dict[str, dict] = defaultdict(dict)
    for route, url, main in items:
        if not main or any(word in route.name for word in NO_FORMS):
            continue
        with transaction.atomic():
            response = client.get(url)
            transaction.set_rollback(True)
        figures.harvested += 1
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        for form in read_forms(url, response.content.decode("utf-8", "replace")):
            action = urlsplit(form.action).path
            signature = tuple(sorted((f.name, f.kind) for f in form.fields))
            forms[action].setdefault(signature, form)
    return {action: list(found.values()) for action, found in forms.items()}


def attack(*, world: World, roles: list[str], quick: bool, progress=None) -> Figures:
    """Run the attack for the roles against the current database; return the figures."""
    started = time.monotonic()
    figures = Figures(roles=list(roles), quick=quick)
    routes = walk()
    items = phases(routes, world, quick)
    figures.routes, figures.addresses = len(routes), len(items)
    quiet = [logging.getLogger(name) for name in ("django.request", "django.security.csrf", "django.server")]
    levels = [logger.level for logger in quiet]
    for logger in quiet:
        logger.setLevel(logging.CRITICAL)
    try:
        forms = {} if quick else harvest(items, world, figures)
        for role in roles:
            cache.clear()
            PAGES.clear()
            PLAIN_PAGES.clear()
            began = time.monotonic()
            with transaction.atomic():
                run_role(role, world, figures, items, forms, quick, progress)
                transaction.set_rollback(True)
            figures.seconds_by_role[role] = time.monotonic() - began
    finally:
        for logger, level in zip(quiet, levels, strict=True):
            logger.setLevel(level)
        cache.clear()
        PAGES.clear()
        PLAIN_PAGES.clear()
    figures.seconds = time.monotonic() - started
    return figures


def run_role(role, world, figures, items, forms, quick, progress):
    attacker = Attacker(role, world, figures)
    attacker.log_in()
    attacker.tables = Tables()
    attacker.media = media_files()
    pages = []  # the HTML pages she was shown, to read again after her POSTs
    for route, url, _main in items:
        response = attacker.send("GET", url, route, "plain")
        if response is not None and response.status_code == 200 and "html" in response.get("Content-Type", ""):
            pages.append((route, url))
    if progress:
        progress(f"{role}: GET done ({figures.requests} requests so far)")
    if quick:
        attacker_end(attacker, figures)
        return
    posted = set()
    for route, url, main in sorted(items, key=post_order):
        if not main or (any(word in route.name for word in NO_FORMS) and route.pattern in posted):
            continue  # files and JSON: one address of the route is enough to POST to
        posted.add(route.pattern)
        own = forms.get(urlsplit(url).path, [])
        if route.name.startswith("admin:") and not attacker.is_staff:
            own = []  # the admin sends her to its login before it reads any form: one POST shows it
        attacker.send("POST", url, route, "blind, hostile fields only", data=dict(HOSTILE_EXTRAS))
        for index, form in enumerate(own):
            first = submits(form)[0]
            for submit in submits(form):
                data = form_data(form, world, submit=submit)
                attacker.send("POST", url, route, f"form {submit}", data=data)
            hostile = form_data(form, world, submit=first, hostile="text", user_id=attacker.actor.user_id)
            attacker.send("POST", url, route, "form, hostile text and choices", data=hostile)
            # Beyond the database's precision always; in the portal's forms then one of the other odd numbers, in turn.
            numbers = (
                [NUMBERS[0]] if route.name.startswith("admin:") else [NUMBERS[0], NUMBERS[1 + (index + len(url)) % 5]]
            )
            for number in numbers:
                data = form_data(form, world, submit=first, hostile="number", number=number)
                attacker.send("POST", url, route, f"form, numbers {number}", data=data)
            attacker.send("POST", url, route, "form, no CSRF token", data=form_data(form, world), token=False)
    if progress:
        progress(f"{role}: POST done ({figures.requests} requests so far)")
    # Her pages again, outside the admin, if she wrote anything: what she wrote is shown now (stored XSS), and what
    # rights she took show her more (leaks).
    for route, url in pages if attacker.wrote else []:
        if not route.name.startswith("admin:"):
            attacker.send("GET", url, route, "after the POSTs")
    attacker_end(attacker, figures)


def attacker_end(attacker: Attacker, figures: Figures):
    """Writes that no request's watch saw: compare every table with its last known state."""
    for table in attacker.tables.models:
        for before, after in attacker.tables.diff(table):
            figures.writes_unwatched.append(
                {"role": attacker.role, "table": attacker.tables.label(table), "change": describe(before, after)}
            )


# --- the report ------------------------------------------------------------------------------------------------


def grouped(entries: list[dict], keys: tuple) -> list[tuple[tuple, int, dict]]:
    """Findings grouped by the keys, each group with its count and first example, largest first."""
    groups: dict[tuple, list] = defaultdict(list)
    for entry in entries:
        groups[tuple(entry.get(k) for k in keys)].append(entry)
    return sorted(((key, len(found), found[0]) for key, found in groups.items()), key=lambda g: -g[1])


def after(entry: dict) -> str:
    return "(after taking rights) " if entry.get("after_taking_rights") else ""


def report(figures: Figures, *, limit: int = 15) -> str:
    """The figures as text for a person: the counts first, then each kind of finding grouped."""
    refused_csrf = sum(1 for w in figures.writes_refused if w.get("csrf"))
    lines = [
        f"Attack on Livskraft: roles {', '.join(figures.roles)}{' (quick: GET only)' if figures.quick else ''}",
        f"  {figures.routes} URL patterns, {figures.addresses} addresses; {figures.harvested} pages read for forms",
        f"  requests: {figures.requests} ({', '.join(f'{m} {n}' for m, n in sorted(figures.by_method.items()))}) "
        f"in {figures.seconds:.0f} s",
        "  by role: "
        + ", ".join(f"{r} {figures.by_role[r]} ({figures.seconds_by_role.get(r, 0):.0f} s)" for r in figures.roles),
        f"  answers: {', '.join(f'{s}: {n}' for s, n in sorted(figures.by_status.items()))}",
        f"  500s: {len(figures.errors)}",
        f"  leaks: {len(figures.leaks)} (of them after the role took rights it may not take: "
        f"{sum(1 for e in figures.leaks if e.get('after_taking_rights'))})",
        f"  unauthorized writes: {len(figures.writes_refused)} (of them by a POST without a CSRF token: "
        f"{refused_csrf}); allowed writes: {figures.writes_allowed}; writes without a rule: "
        f"{len(figures.writes_unjudged)}; writes outside any request: {len(figures.writes_unwatched)}",
        f"  files under MEDIA_ROOT written without an allowed upload: {len(figures.files_refused)}; "
        f"by allowed uploads: {figures.files_allowed}",
        f"  XSS payloads served unescaped: {len(figures.xss)}",
        f"  POSTs without a CSRF token: {figures.csrf_attempts}, answered 403: {figures.csrf_refused}",
    ]
    sections = [
        ("500s", figures.errors, ("exception",), lambda e: f"{e['exception']}\n      e.g. {e['role']} {e['method']} "
                                                          f"{e['url']} ({e['variant']})"),
        ("Leaks", figures.leaks, ("role", "route", "municipality", "after_taking_rights"),
         lambda e: f"{after(e)}{e['role']} sees {e['municipality']}'s {e['what']} ({e['sentinel']}) at {e['route']}\n"
                   f"      e.g. {e['method']} {e['url']} ({e['variant']})"),
        ("Unauthorized writes", figures.writes_refused, ("role", "route", "table", "after_taking_rights"),
         lambda e: f"{after(e)}{e['role']} writes {e['table']} through {e['route']}{' WITHOUT A CSRF TOKEN' if e.get('csrf') else ''}"
                   f"\n      e.g. {e['method']} {e['url']} ({e['variant']}): {e['change']}"),
        ("Writes without a rule", figures.writes_unjudged, ("role", "route", "table"),
         lambda e: f"{e['role']} writes {e['table']} through {e['route']}\n      e.g. {e['url']}: {e['change']}"),
        ("Writes outside any request", figures.writes_unwatched, ("role", "table"),
         lambda e: f"{e['role']}: {e['table']}: {e['change']}"),
        ("Files", figures.files_refused, ("role", "route"),
         lambda e: f"{e['role']} {e['method']} {e['url']} ({e['variant']}) wrote {e['file']}"),
        ("XSS", figures.xss, ("role", "route"), lambda e: f"{e['role']} {e['method']} {e['url']}: {e['found']}"),
    ]  # fmt: skip
    for title, entries, keys, show in sections:
        if not entries:
            continue
        groups = grouped(entries, keys)
        lines.append(f"\n{title}: {len(entries)} in {len(groups)} groups")
        for _key, count, example in groups[:limit]:
            lines.append(f"  [{count}] {show(example)}")
        if len(groups) > limit:
            lines.append(f"  … and {len(groups) - limit} more groups (--json lists them all)")
    return "\n".join(lines)
