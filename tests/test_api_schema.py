"""The API keeps the promises of its OpenAPI schema: Schemathesis, with every check, against the real app.

Schemathesis generates requests from /api/v1/schema/, valid ones and deliberately invalid ones, sends them to a live
server holding the API's test world (values never published, published ones revised and never revised) and checks
each answer: no server error, a documented status, a body that matches the documented schema, invalid input refused
and valid input accepted, 405 with Allow for a method the schema does not list, and (our own check) nothing that is
not published. The examples are few and drawn the same way every run (derandomize), so the run is quick and a
failure in CI reproduces locally.
"""

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from tests import api_world
from tests import factories as make

SCHEMA = "/api/v1/schema/"
# The CLI's configuration: its hooks state the one rule the schema cannot (fra not after til).
CONFIG = Path(__file__).resolve().parent.parent / "schemathesis.toml"
# Enough for every parameter to be tried valid, invalid and empty; the coverage phase adds its boundary cases.
EXAMPLES = 15

api = schemathesis.pytest.from_fixture("api_schema")


def nothing_unpublished(ctx, response, case):
    """Check that no figure or word of an unpublished value, revision or plan is in the answer, whatever was asked."""
    leaked = [secret for secret in api_world.SECRETS if secret in response.text]
    assert not leaked, f"{case.method} {case.formatted_path} showed what is not published: {leaked}"


@pytest.fixture
def planner(transactional_db):
    return make.user("planlegger-kongsberg")


@pytest.fixture
def api_schema(transactional_db, live_server, waste, lighthouses, planner):
    """The schema as the live server serves it, with the API's test world in the database."""
    api_world.build(waste=waste, lighthouses=lighthouses, planner=planner)
    return schemathesis.openapi.from_url(f"{live_server.url}{SCHEMA}", config=schemathesis.Config.from_path(CONFIG))


@api.parametrize()
@settings(max_examples=EXAMPLES, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_keeps_the_promises_of_the_schema(case):
    case.call_and_validate(additional_checks=[nothing_unpublished])


def test_following_the_links_between_operations_keeps_the_promises_of_the_schema(api_schema):
    """Schemathesis's stateful phase: a list's items lead to their own addresses, which answer as documented."""
    api_schema.as_state_machine().run(
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=4,
            derandomize=True,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
    )
