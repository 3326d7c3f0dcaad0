"""The benchmark's report: plain-text tables for the terminal, and the same figures as JSON."""

import dataclasses
import json
from pathlib import Path


def table(headers: list[str], rows: list[list], *, right: set[int] | None = None) -> str:
    """A plain-text table; columns in `right` (by index) are aligned right, as numbers are."""
    right = right or set()
    cells = [[str(c) for c in headers]] + [[("" if c is None else str(c)) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def render(row):
        return "  ".join(
            (cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])) for i, cell in enumerate(row)
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([render(cells[0]), rule, *(render(row) for row in cells[1:])])


def verdict(passed: bool | None) -> str:
    return "n/a" if passed is None else ("PASS" if passed else "FAIL")


def number(value: float | None, places: int = 1) -> str:
    return "" if value is None else f"{value:,.{places}f}".replace(",", " ")


def to_json(data: dict, path: Path) -> None:
    def default(value):
        if dataclasses.is_dataclass(value):
            return dataclasses.asdict(value)
        return str(value)

    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=default) + "\n", encoding="utf-8")
