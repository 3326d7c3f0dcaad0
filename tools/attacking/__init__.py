"""The attack from outside (tools/attack.py): the world it attacks, the rules it judges by, and the run itself.

world.py puts unmistakable unpublished data (sentinels) into a loaded demo and the roles here; rules.py says
what each role may see and write, from indicators.access; run.py sends the requests and counts what went wrong.
"""

# The six attackers: name → (demo user name or None, who she is); the names are the script's --roles choices.
# Here, not in world.py, because the script reads them before Django is set up.
ROLES = {
    "anonymous": (None, "the public, not logged in"),
    "politician": ("politiker", "reader in Kongsberg"),
    "planner": ("planlegger-rana", "planner in Rana"),
    "approver": ("godkjenner-rana", "approver in Rana"),
    "coordinator": ("koordinator", "coordinator of the network; staff, with the demo's admin permissions"),
    "other-planner": ("planlegger-oslo", "planner in Oslo, another member of the network"),
}
