"""The accessibility statement claims only checks the browser tests make, and says what they do not cover."""

import ast
import re

import pytest
from django.conf import settings

from livskraft.accessibility import DEVIATIONS, NOT_TESTED, TESTED_CHECKS

pytestmark = pytest.mark.django_db


def functions_in(module: str) -> set[str]:
    tree = ast.parse((settings.BASE_DIR / module).read_text(encoding="utf-8"))
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")}


@pytest.mark.parametrize("check", TESTED_CHECKS, ids=lambda check: str(check.label)[:40])
def test_every_check_the_statement_claims_names_browser_tests_that_exist(check):
    assert check.tests, f"{check.label}: names no test"
    for test in check.tests:
        module, _sep, function = test.partition("::")
        assert module.startswith("tests/browser/"), f"{test}: not a browser test"
        assert (settings.BASE_DIR / module).exists(), f"{test}: no such file"
        assert function in functions_in(module), f"{test}: no such test"


def test_the_statement_says_what_is_tested_and_what_is_not_in_every_language(client):
    for language in ("nb", "nn", "en"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        html = client.get("/tilgjengelighet/").content.decode()
        checks = re.search(r'<ul class="tested-checks">(.*?)</ul>', html, re.S)[1]
        assert checks.count("<li>") == len(TESTED_CHECKS)
        gaps = re.search(r'<ul class="not-tested">(.*?)</ul>', html, re.S)[1]
        assert gaps.count("<li>") == len(NOT_TESTED)
        assert html.count('<th scope="row">') == len(DEVIATIONS)
    english = html
    assert "not been tested with screen readers" in english
    assert "The map on the comparison page" in english and "not moved or zoomed" in english


def test_the_statement_in_bokmal_names_the_known_deviations(client):
    html = client.get("/tilgjengelighet/").content.decode()
    assert "Kartet på sammenligningssiden" in html
    assert "Kommunenavn på samisk og kvensk" in html
    assert "Rapporter lagret som PDF" in html
