from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Site machinery"

    def ready(self):
        from core import cache  # noqa: F401  (connects the page cache's signals)
