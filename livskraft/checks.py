"""System checks for risky configuration."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def check_database_is_not_sqlite(app_configs, **kwargs):
    """Warn when a production deployment runs on SQLite."""
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        return [
            Warning(
                "Production is running on SQLite.",
                hint="Set DATABASE_URL to a PostgreSQL database, e.g. postgres://user@host:5432/livskraft.",
                id="livskraft.W001",
            )
        ]
    return []
