"""The portal's settings with the benchmark installed: `manage.py benchmark --settings tools.benchmark.settings`.

The benchmark is a tool for developers, not part of the product, so only this overlay adds it to INSTALLED_APPS.
"""

from livskraft.settings import *  # noqa: F403
from livskraft.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tools.benchmark"]
