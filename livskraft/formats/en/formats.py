"""English dates, Norwegian numbers: the portal shows 1 234,5 in every language."""

from django.conf.locale.en.formats import *  # noqa: F403

DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "\xa0"
NUMBER_GROUPING = 3
