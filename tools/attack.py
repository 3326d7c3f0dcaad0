"""Attack the portal from outside and print what got through: `python tools/attack.py [--quick] [--json]`.

Builds a scratch database (a temporary SQLite file, or the empty database DATABASE_URL names) with the migrations,
the demo (load_demo) and sentinels: unpublished figures and texts that no outsider may see, in Rana, Kongsberg,
Oslo and Halden (tools/attacking/world.py). Then six roles (anonymous, a politician reading Kongsberg, Rana's
planner and approver, the network's coordinator, Oslo's planner) send GET and POST to every address of the URL conf
with Django's test client, and the script counts requests, answers, 500s, leaks, unauthorized writes and files
written (tools/attacking/run.py). Uploaded files go to a temporary MEDIA_ROOT; the cache is the process's memory.

    python tools/attack.py                       # all six roles, GET and POST: a few minutes
    python tools/attack.py --quick --roles anonymous,planner
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/livskraft_attack python tools/attack.py --json

Exit status 1 when it found a 500, a leak, an unauthorized write or file, or unescaped XSS; 0 otherwise.
"""

import argparse
import io
import json
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def arguments(argv=None) -> argparse.Namespace:
    from tools.attacking import ROLES

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--roles",
        default=",".join(ROLES),
        help=f"Comma-separated roles to attack as (default: all of {', '.join(ROLES)}).",
    )
    parser.add_argument("--quick", action="store_true", help="GET only, fewer addresses per pattern: for a test.")
    parser.add_argument("--json", action="store_true", help="Print the figures as JSON, every finding listed.")
    options = parser.parse_args(argv)
    options.roles = [r.strip() for r in options.roles.split(",") if r.strip()]
    unknown = set(options.roles) - set(ROLES)
    if unknown:
        parser.error(f"unknown roles {', '.join(sorted(unknown))}; choose from {', '.join(ROLES)}")
    return options


def main(argv=None) -> int:
    sys.path.insert(0, str(BASE_DIR))
    options = arguments(argv)
    scratch = tempfile.TemporaryDirectory(prefix="livskraft-attack-")
    folder = Path(scratch.name)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "livskraft.settings")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{folder / 'attack.sqlite3'}")
    os.environ["MEDIA_ROOT"] = str(folder / "media")
    # The cache is this process's memory: the attack empties it between roles, which it must never do to a Redis
    # other processes share.
    os.environ.pop("REDIS_URL", None)
    # WhiteNoise looks for collected static files, which the test client never asks for.
    warnings.filterwarnings("ignore", message="No directory at")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    from tools.attacking import run, world
    from tools.benchmark import safety

    def say(message):
        if not options.json:
            print(message, flush=True)  # noqa: T201  (a script that reports)

    # Passwords hashed quickly: every hostile login the attack sends would otherwise cost a second of PBKDF2.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    started = time.monotonic()
    call_command("migrate", verbosity=0, stdout=io.StringIO())
    filled = safety.tables_with_rows()
    if filled:
        print(  # noqa: T201
            f"Refusing: the database already holds data ({', '.join(filled[:5])}…). The attack loads the demo, whose "
            "passwords are public, and sentinels into it: give it an empty database.",
            file=sys.stderr,
        )
        return 2
    call_command("load_demo", verbosity=0, stdout=io.StringIO())
    the_world = world.build()
    say(f"Scratch database ready in {time.monotonic() - started:.0f} s: {len(the_world.sentinels)} sentinels.")
    setup_test_environment(debug=False)  # testserver is an allowed host; error pages as in production
    figures = run.attack(world=the_world, roles=options.roles, quick=options.quick, progress=say)
    if options.json:
        print(json.dumps(figures.as_dict(), indent=2, ensure_ascii=False, default=str))  # noqa: T201
    else:
        say(run.report(figures))
        say(f"Total time, setup included: {time.monotonic() - started:.0f} s.")
    scratch.cleanup()
    found = figures.errors or figures.leaks or figures.writes_refused or figures.files_refused or figures.xss
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
