"""Norwegian on English pages is marked as Norwegian (WCAG 3.1.2, language of parts): a screen reader reads a plan's
title, a goal or a source in Norwegian, not with English pronunciation. Checked on every public page of the walk of
the URL conf, for the Norwegian texts the demo world of tests/pages.py puts on them."""

from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import translation

from indicators.models import Indicator
from tests import pages

# Texts the world writes in Norwegian (bokmål: Rana's written form), and where they come from.
NORWEGIAN = {
    "Kommuneplanens samfunnsdel": "a plan's title",
    "Klima og miljø": "a focus area",
    "Mindre avfall": "a goal",
    "Ombruk": "a strategic project",
    "Et godt år.": "the municipality's introduction to its annual report",
    "Bruktbua": "a good example",
    "SSB, KOSTRA tabell 12241": "an indicator's source",
}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class LanguageOfText(HTMLParser):
    """Collect each piece of text in the page's body with the language it is marked in (the nearest lang)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None]] = []  # (tag, lang it sets or None)
        self.texts: list[tuple[str, str]] = []  # (text, language)
        self.skipping = 0  # inside <script>, <style> or <head>

    def language(self) -> str | None:
        return next((lang for _tag, lang in reversed(self.stack) if lang), None)

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        self.stack.append((tag, dict(attrs).get("lang")))
        if tag in {"script", "style", "head"}:
            self.skipping += 1

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        while self.stack:
            opened, _lang = self.stack.pop()
            if opened in {"script", "style", "head"}:
                self.skipping -= 1
            if opened == tag:
                break

    def handle_data(self, data):
        if not self.skipping and data.strip():
            self.texts.append((data.strip(), self.language()))


def unmarked_norwegian(html: str) -> list[str]:
    parser = LanguageOfText()
    parser.feed(html)
    return [
        f"{text!r} ({NORWEGIAN[known]}) is read as {language}"
        for text, language in parser.texts
        for known in NORWEGIAN
        if known in text and language not in {"nb", "nn"}
    ]


PUBLIC = [route for route in pages.every_page() if route.name not in pages.PRIVATE]


@pytest.mark.parametrize("route", PUBLIC, ids=str)
def test_norwegian_texts_on_english_pages_are_marked_norwegian(client, site, route):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(site.url(route), follow=True)
    assert response.status_code == 200
    unmarked = unmarked_norwegian(response.content.decode())
    assert not unmarked, f"{route} in English:\n" + "\n".join(unmarked)


def test_the_check_finds_unmarked_norwegian():
    """The check above can fail: Norwegian in an English page without a mark is found, with a mark it is not."""
    assert unmarked_norwegian('<html lang="en"><body><h3>Klima og miljø</h3></body></html>')
    assert not unmarked_norwegian('<html lang="en"><body><h3 lang="nb">Klima og miljø</h3></body></html>')
    assert not unmarked_norwegian('<html lang="nb"><body><p>Klima og miljø<br>x</p></body></html>')


@pytest.mark.django_db
def test_an_indicator_without_a_name_in_the_language_is_marked_in_bokmal():
    indicator = Indicator(code="x", name_nb="Andel syklende", name_en="", name_nn="")
    heading = Template("{% load site %}<h3{{ indicator.name_language|lang_attr }}>{{ indicator.name }}</h3>")
    with translation.override("en"):
        assert heading.render(Context({"indicator": indicator})) == '<h3 lang="nb">Andel syklende</h3>'
        indicator.name_en = "Share cycling"
        assert heading.render(Context({"indicator": indicator})) == "<h3>Share cycling</h3>"
    with translation.override("nb"):
        assert heading.render(Context({"indicator": indicator})) == "<h3>Andel syklende</h3>"
    with translation.override("nn"):
        assert heading.render(Context({"indicator": indicator})) == '<h3 lang="nb">Andel syklende</h3>'
