"""Fetch a municipal reform from SSB's KLASS REST API v1 (classification 131, municipalities), and the KOSTRA groups
(classification 112, by `classifications/131/correspondsAt?targetClassificationId=112&date=…`).

Two requests, both for JSON with the Accept header (the API documents the `.json`
suffix as deprecated), in Norwegian bokmål:

- `classifications/131/changes?from=…&to=…` lists the changes in a range. KLASS's
  `from` is inclusive and its `to` exclusive, so the range's last day is asked for
  as `to` = the day after it; without `to` the range runs to today.
- `classifications/131/codes?from=D&to=D+1` lists the numbers in force on D, the last
  day of the range (or today), so that the result can be checked against them.

An error answer is JSON (RFC 9457: `detail`, `title`; older versions: `message`,
`error`); its message is reported as it is. The answers are read and checked by
indicators.importers.klass_json before anything is written.
"""

import datetime
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

MUNICIPALITIES = 131
KOSTRA_GROUPS = 112
LANGUAGE = "nb"
TIMEOUT_SECONDS = 60
ONE_DAY = datetime.timedelta(days=1)
# A longer plain-text error body is not a message meant for people.
LONGEST_TEXT_MESSAGE = 300


class KlassError(Exception):
    """KLASS refused the request or could not be reached; the message says why, in words for the user."""


@dataclass(frozen=True)
class KlassRequest:
    """One request to KLASS: what it is for (changes or codes) and where it goes."""

    kind: str
    url: str


def check_day(last: datetime.date | None = None, *, today: datetime.date | None = None) -> datetime.date:
    """Return the day to check the numbers on: the last day of the range, or today when it has none."""
    return last if last is not None else (today or timezone.localdate())


def _url(endpoint: str, parameters: list[tuple[str, str]], base: str | None) -> str:
    base = (base or settings.SSB_KLASS_URL).rstrip("/")
    return f"{base}/classifications/{MUNICIPALITIES}/{endpoint}?{urllib.parse.urlencode(parameters)}"


def changes_url(first: datetime.date, last: datetime.date | None = None, *, base: str | None = None) -> str:
    """Return the URL of the changes from the day `first` through the day `last` (None: up to today)."""
    parameters = [("from", first.isoformat())]
    if last is not None:
        parameters.append(("to", (last + ONE_DAY).isoformat()))  # KLASS's `to` is exclusive
    return _url("changes", [*parameters, ("language", LANGUAGE)], base)


def codes_url(day: datetime.date, *, base: str | None = None) -> str:
    """Return the URL of the numbers in force on `day`."""
    parameters = [("from", day.isoformat()), ("to", (day + ONE_DAY).isoformat()), ("language", LANGUAGE)]
    return _url("codes", parameters, base)


def peer_groups_url(day: datetime.date, *, base: str | None = None) -> str:
    """Return the URL of each municipality's KOSTRA group (classification 112) on `day`."""
    parameters = [("targetClassificationId", str(KOSTRA_GROUPS)), ("date", day.isoformat()), ("language", LANGUAGE)]
    return _url("correspondsAt", parameters, base)


def reform_requests(
    first: datetime.date,
    last: datetime.date | None = None,
    *,
    base: str | None = None,
    today: datetime.date | None = None,
) -> list[KlassRequest]:
    """Return the two requests for the changes from `first` through `last` (None: today) and the numbers then."""
    if last is not None and last < first:
        raise KlassError(
            _("The last day (%(last)s) is before the first day (%(first)s).") % {"first": first, "last": last}
        )
    return [
        KlassRequest("changes", changes_url(first, last, base=base)),
        KlassRequest("codes", codes_url(check_day(last, today=today), base=base)),
    ]


def _error_message(error: urllib.error.HTTPError) -> str:
    """Return the message of KLASS's error answer: JSON when asked for JSON, otherwise plain text."""
    try:
        body = error.read(64 * 1024).decode("utf-8")
    except (OSError, UnicodeDecodeError):
        body = ""
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        text = body.strip()
        if text and len(text) <= LONGEST_TEXT_MESSAGE and not text.startswith("<"):
            return text
    else:
        if isinstance(document, dict):
            for key in ("detail", "message", "title", "error"):
                if isinstance(document.get(key), str) and document[key].strip():
                    return document[key].strip()
    return error.reason or str(error.code)


def fetch(url: str, *, timeout: float = TIMEOUT_SECONDS) -> bytes:
    """Return KLASS's JSON answer at the URL, or raise KlassError saying why there is none."""
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
            # One byte more than the importer takes, so that it can say the answer is too large.
            return answer.read(settings.LIVSKRAFT_MAX_OPEN_DATA_BYTES + 1)
    except urllib.error.HTTPError as error:
        raise KlassError(
            _("KLASS answered %(status)s: %(message)s") % {"status": error.code, "message": _error_message(error)}
        ) from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise KlassError(
            _("SSB's KLASS API could not be reached (%(reason)s). Save the answers as files and import those instead.")
            % {"reason": getattr(error, "reason", error)}
        ) from None


def fetch_reform(
    first: datetime.date,
    last: datetime.date | None = None,
    *,
    base: str | None = None,
    today: datetime.date | None = None,
) -> tuple[bytes, bytes]:
    """Return KLASS's changes answer and codes answer for the days first–last, for klass_json.import_reform()."""
    answers = {request.kind: fetch(request.url) for request in reform_requests(first, last, base=base, today=today)}
    return answers["changes"], answers["codes"]
