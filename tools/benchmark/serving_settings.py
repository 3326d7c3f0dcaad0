"""Settings for the benchmark's gunicorn and collectstatic: the portal's own, with a STATIC_ROOT of its own.

The portal's settings fix STATIC_ROOT to BASE_DIR / "staticfiles" (no environment variable), so the
benchmark collects into a temporary folder through this module instead, and adds a folder holding a
static file as large as the page it compares with. Nothing else differs from production settings.
"""

import os
from pathlib import Path

from tools.benchmark.settings import *  # noqa: F403
from tools.benchmark.settings import STATICFILES_DIRS

STATIC_ROOT = Path(os.environ["LIVSKRAFT_BENCH_STATIC_ROOT"])
STATICFILES_DIRS = [*STATICFILES_DIRS, Path(os.environ["LIVSKRAFT_BENCH_STATIC_EXTRA"])]
