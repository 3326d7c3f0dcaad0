"""The attack from outside (tools/attack.py), in its quick form: the public, a politician and another municipality's
planner ask for every address of the URL conf, filled with real numbers, years and ids, unpublished data among them.

None of their answers may be a 500, carry a sentinel (an unpublished figure or text they may not see), write to the
database or leave a file behind. The full attack (GET and POST, six roles) is the script's: python tools/attack.py.
"""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from tools.attacking import run, world

ROLES = ["anonymous", "politician", "other-planner"]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo, loaded once for this module; the database is emptied afterwards."""
    with django_db_blocker.unblock():
        call_command("load_demo", verbosity=0)
    yield
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


def test_the_quick_attack_finds_no_500_no_leak_and_no_write(demo, db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    figures = run.attack(world=world.build(), roles=ROLES, quick=True)
    # It asked for every pattern (the admin's and the API's too) as every role, and was answered on both sides of
    # the line: pages shown, pages refused, pages not found.
    assert figures.routes >= 150
    assert figures.by_role == dict.fromkeys(ROLES, figures.addresses)
    assert figures.by_status[200] > 100 and figures.by_status[302] > 50 and figures.by_status[404] > 50
    assert figures.errors == []
    assert figures.leaks == []
    assert figures.writes_refused == [] and figures.writes_unjudged == [] and figures.writes_unwatched == []
    assert figures.files_refused == []


def test_the_search_finds_a_sentinel_as_a_page_prints_it(demo, db, client):
    """Rana's submitted figure, on its approver's page, printed the Norwegian way (9 327 351,25): a leak of it would
    be found, and a role who may see it is not counted as one who leaks."""
    the_world = world.build()
    submitted = next(s for s in the_world.sentinels if s.municipality.startswith("Rana") and "submitted" in s.what)
    client.force_login(get_user_model().objects.get(username="godkjenner-rana"))
    page = client.get(f"/rapportering/1833/{the_world.year}/godkjenning/").content.decode()
    assert submitted.key not in page
    assert submitted.key in world.normalised(page)
