"""Fetch a table from Statistics Norway's PxWebApi v2 as JSON-stat 2.0, within the API's documented limits.

At most 800 000 cells per request: a query for more is split into several requests
along its longest list of codes. At most 30 requests a minute: requests are spaced
two seconds apart. An error answer is JSON with a `title`, which is reported as it is.
The answers are checked and imported by indicators.importers.ssb_jsonstat, all of
them before anything is written.
"""

import json
import math
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

MAX_CELLS = 800_000
REQUESTS_PER_MINUTE = 30
TIMEOUT_SECONDS = 60
# Selection expressions PxWebApi accepts instead of a list of codes, e.g. top(5) or 20*.
EXPRESSION_MARKERS = ("(", "*", "?")


class PxWebError(Exception):
    """The API refused the request or could not be reached; the message says why, in words for the user."""


@dataclass(frozen=True)
class Query:
    """A table and the codes to ask for, per dimension: {"Region": ["3303"], "Tid": ["top(5)"]}."""

    table: str
    value_codes: dict[str, list[str]] = field(default_factory=dict)
    lang: str = "no"

    def url(self, base: str) -> str:
        parameters = [("lang", self.lang), ("outputFormat", "json-stat2")]
        parameters += [(f"valueCodes[{dimension}]", ",".join(codes)) for dimension, codes in self.value_codes.items()]
        return f"{base.rstrip('/')}/tables/{urllib.parse.quote(self.table)}/data?{urllib.parse.urlencode(parameters)}"


def parse_value_codes(items: list[str]) -> dict[str, list[str]]:
    """Read `Dimension=code,code` items (as typed on the command line); ValueError when one is malformed."""
    codes = {}
    for item in items:
        dimension, sep, listed = item.partition("=")
        values = [code.strip() for code in listed.split(",") if code.strip()]
        if not sep or not dimension.strip() or not values:
            raise ValueError(_("“%(item)s” is not of the form Dimension=code,code.") % {"item": item})
        codes[dimension.strip()] = values
    return codes


def _countable(codes: list[str]) -> bool:
    return not any(marker in code for code in codes for marker in EXPRESSION_MARKERS)


def split(query: Query, *, max_cells: int = MAX_CELLS) -> list[Query]:
    """Split the query into queries of at most max_cells cells each, along its longest list of codes.

    Dimensions asked for with an expression such as top(5) count as one code: the API
    says so if the answer would be too large.
    """
    sizes = {d: len(codes) if _countable(codes) else 1 for d, codes in query.value_codes.items()}
    cells = math.prod(sizes.values()) if sizes else 1
    if cells <= max_cells:
        return [query]
    longest = max(sizes, key=sizes.get)
    others = cells // sizes[longest]
    if others > max_cells:
        raise PxWebError(
            _("The query asks for %(cells)s cells; ask for fewer codes (at most %(limit)s cells per request).")
            % {"cells": cells, "limit": max_cells}
        )
    per_request = max_cells // others
    codes = query.value_codes[longest]
    return [
        Query(query.table, {**query.value_codes, longest: codes[start : start + per_request]}, query.lang)
        for start in range(0, len(codes), per_request)
    ]


def _error_title(error: urllib.error.HTTPError) -> str:
    try:
        body = json.loads(error.read().decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return error.reason or str(error.code)
    return str(body.get("title") or body.get("detail") or error.reason or error.code)


def fetch(
    query: Query, *, base: str | None = None, max_cells: int = MAX_CELLS, sleep=time.sleep, clock=time.monotonic
) -> list[bytes]:
    """Return the JSON-stat answers to the query, one per request, spacing the requests to respect the rate limit."""
    base = base or settings.SSB_API_URL
    interval = 60 / REQUESTS_PER_MINUTE
    answers, last = [], None
    for part in split(query, max_cells=max_cells):
        if last is not None:
            wait = interval - (clock() - last)
            if wait > 0:
                sleep(wait)
        last = clock()
        request = urllib.request.Request(part.url(base), headers={"Accept": "application/json"})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310
                answers.append(answer.read())
        except urllib.error.HTTPError as error:
            raise PxWebError(
                _("SSB answered %(status)s: %(title)s") % {"status": error.code, "title": _error_title(error)}
            ) from None
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise PxWebError(
                _("SSB's API could not be reached (%(reason)s). Save the table as a file and import that instead.")
                % {"reason": getattr(error, "reason", error)}
            ) from None
    return answers
