"""Every string a user can see is translated into bokmål and nynorsk, and each page speaks the chosen language."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

BASE_DIR = Path(settings.BASE_DIR)
# English is the source language: an empty English msgstr shows the source text, as intended.
TRANSLATED = ["nb", "nn"]
# The folders whose Python files and templates hold the strings users see.
SOURCES = [folder for folder in settings.LIVSKRAFT_RELEASE_FOLDERS if folder != "locale"]


def catalog(locale_dir: Path, language: str) -> Path:
    return locale_dir / language / "LC_MESSAGES" / "django.po"


def entries(flag: str, po: Path) -> str:
    """Return the entries msgattrib selects with the flag (e.g. --untranslated), without the header."""
    result = subprocess.run(
        ["msgattrib", flag, "--no-obsolete", "--no-wrap", str(po)],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


@pytest.mark.parametrize("language", TRANSLATED)
def test_catalog_has_no_untranslated_or_fuzzy_entries(language):
    po = catalog(BASE_DIR / "locale", language)
    assert entries("--untranslated", po) == ""
    assert entries("--only-fuzzy", po) == ""


@pytest.mark.parametrize("language", TRANSLATED)
def test_catalog_is_valid(language):
    """msgfmt --check catches broken placeholders and plural forms that would crash or garble a page."""
    subprocess.run(
        ["msgfmt", "--check", "-o", "/dev/null", str(catalog(BASE_DIR / "locale", language))],
        check=True,
        capture_output=True,
    )


def test_every_string_in_the_code_is_in_the_catalogs(tmp_path, settings, monkeypatch):
    """Extract the strings again into a copy of the catalogs: a string added without a translation shows up.

    makemessages writes each string to the locale folder nearest its source file, so the
    sources are copied beside the catalogs' copies; run in place, it would rewrite the real catalogs.
    """
    for folder in SOURCES:
        shutil.copytree(BASE_DIR / folder, tmp_path / folder, ignore=shutil.ignore_patterns("data", "__pycache__"))
    for language in TRANSLATED:
        target = catalog(tmp_path / "locale", language)
        target.parent.mkdir(parents=True)
        shutil.copy(catalog(BASE_DIR / "locale", language), target)
    real = {language: catalog(BASE_DIR / "locale", language).read_bytes() for language in TRANSLATED}
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    monkeypatch.chdir(tmp_path)
    call_command("makemessages", locale=TRANSLATED, verbosity=0)
    for language in TRANSLATED:
        extracted = catalog(tmp_path / "locale", language)
        assert "msgid" in extracted.read_text(encoding="utf-8")
        assert entries("--untranslated", extracted) == "", f"untranslated strings in {language}"
        assert catalog(BASE_DIR / "locale", language).read_bytes() == real[language], "the real catalog changed"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "skip_link", "login"),
    [
        ("nb", "Hopp til hovedinnholdet", "Logg inn"),
        ("nn", "Hopp til hovudinnhaldet", "Logg inn"),
        ("en", "Skip to main content", "Log in"),
    ],
)
def test_pages_speak_the_chosen_language(client, language, skip_link, login):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = client.get("/").content.decode()
    assert f'<html lang="{language}">' in html
    assert skip_link in html
    assert login in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("accept_language", "language"),
    [
        ("nn-NO,nn;q=0.9,nb;q=0.8", "nn"),
        ("nn", "nn"),
        ("nb-NO,nb;q=0.9", "nb"),
        ("no", "nb"),
        ("en-GB,en;q=0.9", "en"),
        ("de-DE,de;q=0.9,nn;q=0.5", "nn"),
        ("de-DE,fr;q=0.5", "nb"),
        ("", "nb"),
    ],
)
def test_a_first_visit_speaks_the_browsers_language_when_the_portal_does(client, accept_language, language):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=accept_language)
    assert f'<html lang="{language}">' in response.content.decode()
    assert response["Content-Language"] == language
    assert {"Accept-Language", "Cookie"} <= {part.strip() for part in response["Vary"].split(",")}


@pytest.mark.django_db
def test_the_language_switcher_wins_over_the_browser(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nb"
    assert '<html lang="nb">' in client.get("/", HTTP_ACCEPT_LANGUAGE="en-GB,en").content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nn"
    assert '<html lang="nn">' in client.get("/", HTTP_ACCEPT_LANGUAGE="en-GB,en").content.decode()


@pytest.mark.django_db
def test_a_cached_page_is_served_in_each_browsers_language(client):
    """The page cache keys pages by the language decided, so a nynorsk browser never gets a stored bokmål page."""
    assert '<html lang="nb">' in client.get("/kilder/").content.decode()
    second = client.get("/kilder/", HTTP_ACCEPT_LANGUAGE="nn")
    assert '<html lang="nn">' in second.content.decode() and "Datakjelder" in second.content.decode()


@pytest.mark.django_db
def test_bokmal_and_nynorsk_differ_where_the_languages_do(client):
    """A catalog copied from the other written form would pass the checks above; this would not."""
    pages = {}
    for language in TRANSLATED:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        pages[language] = client.get("/kilder/").content.decode()
    assert "Datakilder" in pages["nb"]
    assert "Datakjelder" in pages["nn"]
