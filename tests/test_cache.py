"""The public page cache: visitors without a session get stored pages, and any change to the data retires them."""

import secrets
import time
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse
from django.test import override_settings
from django.urls import reverse

from core.cache import SCOPE_KEY, VERSION_KEY, RecentPages, UndeclaredParameter, changed, files_digest, public_page
from indicators.models import IndicatorValue, ValueStatus
from indicators.services import change_status
from tests import factories as make
from tests import pages

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def rana(rana, waste):
    """Rana with its population and household waste published for 2023: 400 kg per inhabitant."""
    make.population(rana, {2023: 26000})
    make.published_value(waste, rana, 2023, 10400)
    return rana


def test_a_second_visitor_gets_the_stored_page_without_touching_the_database(client, rana, django_assert_num_queries):
    first = client.get("/kommune/1833/")
    assert first["X-Cache"] == "miss"
    # No queries: the stored page is served before the session or anything else is read.
    with django_assert_num_queries(0):
        second = client.get("/kommune/1833/")
    assert second["X-Cache"] == "hit" and second.content == first.content
    assert second["Content-Language"] == "en" and second["Content-Type"].startswith("text/html")
    # Served before the session and the rest, but with every security header a fresh page has.
    assert "script-src 'self'" in second["Content-Security-Policy"]
    assert second["X-Frame-Options"] == "DENY" and second["Referrer-Policy"] == "same-origin"
    assert "Cookie" in second["Vary"]


def test_publishing_a_value_retires_the_stored_pages_at_once(client, rana, waste):
    assert "400" in client.get("/kommune/1833/").content.decode()  # 10 400 t / 26 000 people = 400 kg
    value = make.value(waste, rana, 2024, 9100, status=ValueStatus.APPROVED)
    make.population(rana, {2024: 26000})
    change_status(
        values=IndicatorValue.objects.filter(pk=value.pk), status=ValueStatus.PUBLISHED, user=None, reason="Publisert"
    )
    page = client.get("/kommune/1833/")
    assert page["X-Cache"] == "miss" and "350" in page.content.decode()  # 9 100 t / 26 000 = 350 kg


def test_each_language_has_its_own_stored_page(client, rana):
    english = client.get("/kommune/1833/").content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nn"
    nynorsk = client.get("/kommune/1833/")
    assert nynorsk["X-Cache"] == "miss" and 'lang="nn"' in nynorsk.content.decode() and 'lang="en"' in english


def test_logged_in_people_always_get_a_fresh_page(client, rana, waste, politician):
    reader = make.role(politician, rana, "reader")
    client.get("/kommune/1833/")
    client.force_login(reader)
    page = client.get("/kommune/1833/")
    assert "X-Cache" not in page and "not yet published" in page.content.decode()


def test_a_hit_from_the_worker_memory_reads_only_the_versions_from_the_shared_cache(client, rana):
    first = client.get("/kommune/1833/")
    shared = caches["default"]
    names = [VERSION_KEY, f"{SCOPE_KEY}m:1833"]
    kept = shared.get_many(names)
    assert len(kept) == 2
    # Take the page out of the shared cache, keeping the versions: the worker still serves its own copy.
    shared.clear()
    shared.set_many(kept, timeout=None)
    second = client.get("/kommune/1833/")
    assert second["X-Cache"] == "hit" and second.content == first.content
    assert shared.get_many(names) == kept


@override_settings(LIVSKRAFT_VERSION_MEMORY_MS=50)
def test_a_flushed_shared_cache_never_brings_back_a_page_the_worker_remembers(client, rana, waste):
    caches["default"].clear()  # the version starts afresh, as it will after the flush below
    assert "400" in client.get("/kommune/1833/").content.decode()
    # A change that sends no signal, then the shared cache is flushed (a Redis restart): the version is gone too.
    IndicatorValue.objects.filter(indicator=waste).update(published_value=Decimal(7800))
    caches["default"].clear()
    # The process trusts the versions it read for LIVSKRAFT_VERSION_MEMORY_MS; then it reads them afresh.
    time.sleep(0.06)
    page = client.get("/kommune/1833/")
    assert page["X-Cache"] == "miss" and "300" in page.content.decode()  # 7 800 t / 26 000 = 300 kg


@override_settings(LIVSKRAFT_VERSION_MEMORY_MS=200)
def test_a_change_in_another_process_reaches_this_ones_readers_within_the_version_memory(
    client, rana, waste, django_assert_num_queries
):
    """A hit needs no request to Redis while the versions read are fresh enough; a change made by another process
    is seen once they are not, and one made by this process at once."""
    assert client.get("/kommune/1833/")["X-Cache"] == "miss"
    IndicatorValue.objects.filter(indicator=waste).update(published_value=Decimal(7800))
    # Another worker's change: it bumps the version in the shared cache, not in this process's memory.
    caches["default"].incr(f"{SCOPE_KEY}m:1833")
    assert client.get("/kommune/1833/")["X-Cache"] == "hit"  # within 200 ms: the page before the change
    time.sleep(0.21)
    page = client.get("/kommune/1833/")
    assert page["X-Cache"] == "miss" and "300" in page.content.decode()
    # This process's own change is seen at once.
    IndicatorValue.objects.filter(indicator=waste).update(published_value=Decimal(5200))
    changed({"m:1833"})
    page = client.get("/kommune/1833/")
    assert page["X-Cache"] == "miss" and "200" in page.content.decode()


@override_settings(LIVSKRAFT_PAGE_MEMORY_MB=1, LIVSKRAFT_PAGE_CACHE_SECONDS=600)
def test_the_worker_memory_keeps_within_its_size_and_drops_the_least_recently_used_first():
    pages = RecentPages()
    page = (b"x" * 400_000, {})
    for key in ("a", "b"):
        pages.put(key, page, 600)
    assert pages.get("a") is not None  # a is now the most recently used
    pages.put("c", page, 600)  # three would pass 1 MB: b goes
    assert pages.get("b") is None and pages.get("a") is not None and pages.get("c") is not None
    pages.put("huge", (b"x" * 2_000_000, {}), 600)  # larger than the whole memory: not kept, nothing dropped
    assert pages.get("huge") is None and pages.get("a") is not None
    pages.put("brief", page, 0)
    time.sleep(0.01)
    assert pages.get("brief") is None  # expired like the shared copy


@override_settings(LIVSKRAFT_PAGE_CACHE_SECONDS=0)
def test_the_cache_can_be_switched_off(client, rana):
    client.get("/kommune/1833/")
    assert "X-Cache" not in client.get("/kommune/1833/")


def test_redis_is_shared_so_a_change_in_one_process_retires_pages_everywhere(client, rana, waste, redis_process):
    """Two cache clients on the same Redis stand for two gunicorn workers: the version one bumps, the other sees."""
    from django.core.cache.backends.redis import RedisCache

    from core.cache import bump

    assert client.get("/kommune/1833/")["X-Cache"] == "miss"
    assert client.get("/kommune/1833/")["X-Cache"] == "hit"
    other_worker = RedisCache(redis_process.location, {})
    before = other_worker.get(VERSION_KEY)
    IndicatorValue.objects.filter(indicator=waste).update(published_value=Decimal(7800))
    bump()
    assert other_worker.get(VERSION_KEY) == before + 1
    page = client.get("/kommune/1833/")
    assert page["X-Cache"] == "miss" and "300" in page.content.decode()


def test_after_a_deployment_no_page_rendered_by_the_release_before_is_served(client, rana):
    with override_settings(LIVSKRAFT_RELEASE="2026.11.1"):
        assert client.get("/kommune/1833/")["X-Cache"] == "miss"
        assert client.get("/kommune/1833/")["X-Cache"] == "hit"
    # The same data, the same shared cache: only the code changed.
    with override_settings(LIVSKRAFT_RELEASE="2026.11.2"):
        assert client.get("/kommune/1833/")["X-Cache"] == "miss"


RENDERING_FILES = (
    "livskraft/views.py",
    "core/cache.py",
    "indicators/templatetags/figures.py",
    "plans/dashboard.py",
    "api/views.py",
    "demo/data.py",
    "templates/base.html",
    "locale/nn/LC_MESSAGES/django.mo",
)


def test_the_release_digest_changes_with_a_template_a_translation_or_the_static_manifest(tmp_path):
    for name in (*RENDERING_FILES, "README.md"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("1")
    manifest = tmp_path / "staticfiles" / "staticfiles.json"
    digests = [files_digest(tmp_path, manifest)]
    for name in RENDERING_FILES:
        (tmp_path / name).write_text("2")
        digests.append(files_digest(tmp_path, manifest))
    manifest.parent.mkdir()
    manifest.write_text('{"paths": {"css/site.css": "css/site.0123abcd.css"}}')
    digests.append(files_digest(tmp_path, manifest))
    assert len(set(digests)) == len(digests)
    (tmp_path / "README.md").write_text("2")  # not part of any page
    assert files_digest(tmp_path, manifest) == digests[-1]


def test_every_package_of_the_product_decides_the_release(settings):
    """A deployment that only touched a new package must still retire the pages the old code rendered."""
    base = settings.BASE_DIR
    packages = {path.parent.name for path in base.glob("*/__init__.py")} - {"tests", "tools"}
    assert packages <= set(settings.LIVSKRAFT_RELEASE_FOLDERS)
    assert {"templates", "locale"} <= set(settings.LIVSKRAFT_RELEASE_FOLDERS)


def resolve_route(route):
    """The view a route serves (public_page's wrapper for a cached page)."""
    from django.urls import resolve
    from django.urls.converters import IntConverter

    kwargs = {name: 1 if isinstance(kind, IntConverter) else "x" for name, kind in route.converters.items()}
    return resolve(reverse(route.name, kwargs=kwargs)).func


# --- query strings: a page is stored once per set of parameters it reads ----------------------------------------


def test_150_random_query_strings_make_one_stored_page(client, rana, redis_process):
    import redis as redis_library

    server = redis_library.Redis.from_url(redis_process.location)
    for number in range(150):
        response = client.get(f"/kommune/1833/?x={secrets.token_hex(8)}&n={number}")
        assert response.status_code == 200
    pages = server.keys("*livskraft:page:*")
    assert len(pages) == 1, f"{len(pages)} pages stored for one page"
    assert response["X-Cache"] == "hit"


def test_the_parameters_a_page_reads_are_keyed_in_one_order_with_the_value_it_reads(client, rana, waste):
    make.published_value(waste, rana, 2022, 9000)
    first = client.get("/indikator/husholdningsavfall/?visning=total&ar=2022")
    assert first["X-Cache"] == "miss"
    for same in ("?ar=2022&visning=total", "?ar=2023&visning=total&ar=2022&utm_source=news", "?visning=total&ar=2022&"):
        again = client.get(f"/indikator/husholdningsavfall/{same}")
        assert again["X-Cache"] == "hit" and again.content == first.content, same
    other = client.get("/indikator/husholdningsavfall/?ar=2023&visning=total")
    assert other["X-Cache"] == "miss" and other.content != first.content


def test_a_parameter_the_page_does_not_read_never_shows_up_in_it(client, rana):
    page = client.get("/kommune/1833/?kampanje=<b>gratis</b>").content.decode()
    assert "kampanje" not in page and "gratis" not in page  # not in the login link nor the language switcher


def test_a_page_cannot_read_a_parameter_it_does_not_declare(rf):
    page = public_page(lambda request: HttpResponse(request.GET.get("secret", "")), query=("shown",))
    with pytest.raises(UndeclaredParameter, match=r"\?secret="):
        page(rf.get("/?secret=1&shown=2"))
    with pytest.raises(UndeclaredParameter):
        public_page(lambda request: HttpResponse("secret" in request.GET))(rf.get("/"))
    assert (
        public_page(lambda request: HttpResponse(request.GET["shown"]), query=("shown",))(
            rf.get("/?shown=1&shown=2")
        ).content
        == b"2"
    )


CACHED_PAGES = [
    route
    for route in pages.every_page()
    if route.name not in pages.PRIVATE and hasattr(resolve_route(route), "public_query")
]


@pytest.mark.parametrize("route", CACHED_PAGES, ids=str)
def test_every_cached_page_reads_only_what_it_declares_and_ignores_the_rest(client, site, route):
    url = site.url(route)
    declared = sorted(resolve_route(route).public_query)
    # Every declared parameter given: nothing the page or its templates read is left undeclared.
    filled = "&".join(f"{name}=1" for name in declared)
    response = client.get(f"{url}?{filled}")
    assert response.status_code < 500, f"{route} answered {response.status_code}"
    if route.name in pages.REDIRECTS:
        return
    first = client.get(url)
    again = client.get(f"{url}?zz={secrets.token_hex(4)}&fbclid=1")
    assert again["X-Cache"] == "hit" and again.content == first.content, route


# --- logged-in people's pages are nobody else's ------------------------------------------------------------------


@pytest.mark.parametrize("route", pages.every_page(), ids=str)
def test_every_page_a_logged_in_user_sees_is_kept_out_of_shared_caches(client, site, route, request):
    persona = pages.PRIVATE.get(route.name, "rana_planner")
    client.force_login(request.getfixturevalue(persona))
    control = {part.strip() for part in client.get(site.url(route)).get("Cache-Control", "").split(",")}
    assert {"private", "no-store"} <= control, f"{route} as {persona}: Cache-Control {control}"


def test_the_public_gets_public_pages_without_private_marks_and_a_reader_with_them(client, rana, waste, politician):
    assert "private" not in client.get("/kommune/1833/").get("Cache-Control", "")
    client.force_login(make.role(politician, rana, "reader"))
    assert client.get("/kommune/1833/")["Cache-Control"] == "private, no-store"
