"""Compressed answers: public pages go out in brotli or gzip, stored compressed; no page with a secret is compressed."""

import gzip

import brotli
import pytest
import redis
from django.urls import reverse

from tests import factories as make

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

DASHBOARD = "/kommune/1833/"


@pytest.fixture
def rana(rana, waste):
    """Rana with its population and household waste published for 2023."""
    make.population(rana, {2023: 26000})
    make.published_value(waste, rana, 2023, 10400)
    return rana


def vary(response) -> set[str]:
    return {part.strip().lower() for part in response.get("Vary", "").split(",")}


@pytest.mark.parametrize("visit", ["miss", "hit"])
def test_a_public_page_is_sent_compressed_to_a_client_that_accepts_it_and_plain_to_one_that_does_not(
    client, rana, visit
):
    if visit == "hit":
        client.get(DASHBOARD)  # stores the page
    plain = client.get(DASHBOARD, headers={"Accept-Encoding": "identity"})
    in_brotli = client.get(DASHBOARD, headers={"Accept-Encoding": "gzip, deflate, br"})
    in_gzip = client.get(DASHBOARD, headers={"Accept-Encoding": "gzip;q=1.0, br;q=0"})
    assert in_brotli["X-Cache"] == in_gzip["X-Cache"] == "hit"
    assert "Content-Encoding" not in plain and b"<html" in plain.content
    assert in_brotli["Content-Encoding"] == "br" and in_gzip["Content-Encoding"] == "gzip"
    assert brotli.decompress(in_brotli.content) == plain.content == gzip.decompress(in_gzip.content)
    assert len(in_brotli.content) < len(plain.content) / 2
    assert int(in_brotli["Content-Length"]) == len(in_brotli.content)
    for response in (plain, in_brotli, in_gzip):
        assert {"accept-encoding", "accept-language", "cookie"} <= vary(response)
        assert "script-src 'self'" in response["Content-Security-Policy"]
        assert response["Content-Language"] == "en"


def test_the_first_visit_is_compressed_too(client, rana):
    first = client.get(DASHBOARD, headers={"Accept-Encoding": "br"})
    assert first["X-Cache"] == "miss" and first["Content-Encoding"] == "br"
    assert b"Rana" in brotli.decompress(first.content)


def test_a_logged_in_users_page_with_its_csrf_token_is_never_compressed(client, rana, politician):
    client.force_login(make.role(politician, rana, "reader"))
    page = client.get(DASHBOARD, headers={"Accept-Encoding": "gzip, br"})
    assert page.status_code == 200 and "Content-Encoding" not in page
    assert b"csrfmiddlewaretoken" in page.content and b"not yet published" in page.content


def test_a_visitors_login_form_with_a_csrf_token_is_not_compressed(client, db):
    page = client.get(reverse("login"), headers={"Accept-Encoding": "gzip, br"})
    assert page.status_code == 200 and b"csrfmiddlewaretoken" in page.content
    assert "Content-Encoding" not in page


def test_a_page_is_stored_compressed_once_and_a_hit_serves_the_stored_bytes(client, rana, redis_process):
    first = client.get(DASHBOARD)  # a client that takes no encoding: the page is still stored compressed
    assert first["X-Cache"] == "miss" and "Content-Encoding" not in first
    server = redis.Redis.from_url(redis_process.location)
    [key] = server.keys("*livskraft:page:*")
    stored = server.get(key)
    assert len(stored) < 25_000 and len(stored) < len(first.content) / 2
    hit = client.get(DASHBOARD, headers={"Accept-Encoding": "br"})
    assert hit["X-Cache"] == "hit" and hit["Content-Encoding"] == "br"
    # The stored value is the pickled (bytes, headers, encoding): the answer's body is those very bytes.
    assert hit.content in stored and brotli.decompress(hit.content) == first.content


def test_head_says_the_length_of_what_get_sends_and_sends_no_body(client, rana):
    client.get(DASHBOARD)
    got = client.get(DASHBOARD, headers={"Accept-Encoding": "br"})
    head = client.head(DASHBOARD, headers={"Accept-Encoding": "br"})
    assert head.status_code == 200 and head["X-Cache"] == "hit" and head["Content-Encoding"] == "br"
    assert head["Content-Length"] == got["Content-Length"] and head.content == b""


def test_answers_other_than_200_are_left_alone(client, db):
    missing = client.get("/kommune/9999/", headers={"Accept-Encoding": "gzip, br"})
    assert missing.status_code == 404 and "Content-Encoding" not in missing


def test_a_client_without_the_encoding_gets_the_page_decompressed_once_per_worker(client, rana):
    from core.cache import PLAIN_PAGES

    stored = client.get(DASHBOARD, headers={"Accept-Encoding": "br"})
    plain = client.get(DASHBOARD)
    again = client.get(DASHBOARD)
    assert plain["X-Cache"] == again["X-Cache"] == "hit" and "Content-Encoding" not in again
    assert again.content == plain.content == brotli.decompress(stored.content)
    # The worker keeps the decompressed copy it made for the first such client.
    assert any(page == (plain.content,) for _expires, page in PLAIN_PAGES._pages.values())
    in_gzip = client.get(DASHBOARD, headers={"Accept-Encoding": "gzip"})
    assert in_gzip["Content-Encoding"] == "gzip" and gzip.decompress(in_gzip.content) == plain.content
    assert any(page == (in_gzip.content,) for _expires, page in PLAIN_PAGES._pages.values())
