"""Test data shared by the test files."""

from django.utils import timezone

from indicators.models import IndicatorValue, ValueStatus


def published_value(**fields) -> IndicatorValue:
    """Create a value that was published before the test began: the public reads its figure as it stands.

    It is written as a backup's restore writes it, without a revision, so that pages showing published figures can be
    given many of them cheaply. Unless the fields say otherwise it was (first) published now. A test of publishing
    itself publishes through indicators.services.change_status(), as the reporting round and the admin do.
    """
    value = IndicatorValue(status=ValueStatus.PUBLISHED, **fields)
    value.published_at = value.published_at or timezone.now()
    value.first_published_at = value.first_published_at or value.published_at
    value.published_value, value.published_state = value.value, value.state
    value.published_is_sample, value.published_source = value.is_sample, value.source
    value.save()
    return value
