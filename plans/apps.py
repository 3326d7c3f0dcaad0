from django.apps import AppConfig


class PlansConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "plans"

    def ready(self):
        from indicators.services import values_written
        from plans.cache_scopes import render_plans_pages_again, watch_plans_app
        from plans.read_model import forget_written

        watch_plans_app()
        render_plans_pages_again()
        values_written.connect(forget_written, dispatch_uid="livskraft-read-model-values")
