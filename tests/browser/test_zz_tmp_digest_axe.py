import sys, pathlib
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
from test_digest import *  # noqa


def test_rich_digest_axe(page, axe, live_server, history, waste, okonomiplan, planner, approver, reader):
    enter(waste, history, {2024: 380}, planner=planner, approver=approver, reason="Feil i tonnasjen")
    enter(waste, history, {2023: 500}, planner=planner, approver=approver, reason="Ny metode", until=ValueStatus.APPROVED)
    slip(okonomiplan, user=planner, last_year=2028, reason="Anbud")
    record(okonomiplan, PlanChange.Action.CHANGED, "Tittel", user=planner, reason="Skrivefeil", details=[["Title", "A", "B"]])
    Plan.objects.create(municipality=history, plan_type=PlanType.FAGPLAN, title="Idrett", period_start=2026, period_end=2029,
        status=PlanStatus.ADOPTED, adopted_on=timezone.localdate(), decision_reference="K-sak 3/2026")
    page.goto("/kommune/1833/endringer/")
    assert page.locator("table").count() == 5
    axe.assert_no_violations(page)
    page.goto("/kommune/1833/endringer/?siden=feil")
    axe.assert_no_violations(page)
