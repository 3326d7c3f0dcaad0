"""Finding a municipality by what a visitor knows of it: a name, today's number, or a number or name it once had.

Every municipality and every number it has had are read as plain rows (two queries; a thousand short rows for the
whole country) and matched in Python: SQLite's LIKE folds the case of ASCII letters only, so "øvre" would not find
"Øvre Eiker" in the database, and matching here ranks the results the same way on every database.
"""

from dataclasses import dataclass, field
from datetime import date

from indicators.models import Municipality, MunicipalityCode

# The most results a search page lists; a query of one letter could otherwise list half the country.
MAX_RESULTS = 50


@dataclass
class FormerCode:
    code: str
    name: str
    first_year: int
    last_year: int | None  # None while in use


@dataclass
class Found:
    """A municipality that matched, with the number it has now and what it had before."""

    pk: int
    name: str
    code: str  # in force today, or the last one of a dissolved municipality
    dissolved: date | None
    successor_id: int | None = None
    successor: "Found | None" = None
    former: list[FormerCode] = field(default_factory=list)  # oldest first
    matched_former: FormerCode | None = None  # the former number or name the search matched, if that was all
    rank: tuple = ()

    @property
    def former_codes(self) -> list[FormerCode]:
        """The former numbers, one entry per number (a renaming under the same number is not a new number)."""
        seen, codes = set(), []
        for former in self.former:
            if former.code != self.code and former.code not in seen:
                seen.add(former.code)
                codes.append(former)
        return codes


def normalise(text: str) -> str:
    """Fold case and the separators people type differently ("Rana - Raane", "Oslo-Oslove")."""
    return " ".join(text.casefold().replace("-", " ").split())


def find(text: str, *, limit: int = MAX_RESULTS) -> tuple[list[Found], int]:
    """Return the municipalities whose name or number, now or before, matches the text, best first, and how
    many matched in all (the list stops at limit)."""
    query = normalise(text)
    if not query:
        return [], 0
    digits = query.replace(" ", "")
    by_number = digits.isdigit() and len(digits) <= 4
    municipalities = {
        pk: Found(pk, name, "", dissolved, successor_id)
        for pk, name, dissolved, successor_id in Municipality.objects.order_by().values_list(
            "pk", "name", "dissolved", "successor_id"
        )
    }
    for municipality_id, code, name, valid_from, valid_to in MunicipalityCode.objects.order_by(
        "valid_from"
    ).values_list("municipality_id", "code", "name", "valid_from", "valid_to"):
        found = municipalities[municipality_id]
        found.former.append(FormerCode(code, name, valid_from.year, valid_to.year if valid_to else None))
        found.code = code  # the last to start is the one in force, as Municipality.kommunenummer
    matches = []
    for found in municipalities.values():
        found.successor = municipalities.get(found.successor_id)
        score = _score(found, query, digits, by_number)
        if score is None:
            continue
        found.rank = (score, found.dissolved is not None, found.name.casefold())
        matches.append(found)
    matches.sort(key=lambda f: f.rank)
    return matches[:limit], len(matches)


def _score(found: Found, query: str, digits: str, by_number: bool) -> int | None:
    """How well the municipality matches: 0 best; None when it does not match at all.

    Today's name or number counts before a former one; a whole match before a beginning, a beginning before a
    part. A number of fewer than four digits also matches with the zeros in front ("301" finds 0301 Oslo).
    """
    if by_number:
        padded = digits.zfill(4)
        current = [found.code] if found.code else []
        former = [f for f in found.former if f.code != found.code]
        for score, candidates in ((0, current), (2, [f.code for f in former])):
            if padded in candidates:
                if score:
                    found.matched_former = next(f for f in former if f.code == padded)
                return score
        for score, candidates in ((4, current), (5, [f.code for f in former])):
            if any(c.startswith(digits) for c in candidates):
                if score == 5:
                    found.matched_former = next(f for f in former if f.code.startswith(digits))
                return score
        return None
    name = normalise(found.name)
    if name == query:
        return 0
    if name.startswith(query) or any(word.startswith(query) for word in name.split()):
        return 1
    former = [f for f in found.former if normalise(f.name) != name]
    for former_name in former:
        if normalise(former_name.name) == query:
            found.matched_former = former_name
            return 2
    if query in name:
        return 3
    for former_name in former:
        if query in normalise(former_name.name):
            found.matched_former = former_name
            return 5
    return None
