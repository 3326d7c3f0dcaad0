"""What Schemathesis cannot read in the API's schema: `fra` must not come after `til` (the API answers 400).

OpenAPI states each parameter alone, so Schemathesis takes ?fra=2023&til=2020 for a valid request and counts the
400 as a fault. Loaded by schemathesis.toml (the CLI, run from the repository) and by tests/test_api_schema.py.
"""

import schemathesis


def year(value) -> int | None:
    """Return a generated query value as a year, if it is a whole number."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None


@schemathesis.hook
def filter_case(context, case):
    """Drop generated requests whose years are out of order; the coverage phase applies case hooks, not query ones."""
    query = case.query if isinstance(case.query, dict) else {}
    fra, til = year(query.get("fra")), year(query.get("til"))
    return fra is None or til is None or fra <= til
