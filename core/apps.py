from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Site machinery"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from core import cache, prerender  # noqa: F401  (connect the page cache's signals and its re-rendering)
        from core.middleware import start_idle_clock

        user_logged_in.connect(start_idle_clock, dispatch_uid="livskraft-idle-clock")
