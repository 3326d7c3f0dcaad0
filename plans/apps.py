from django.apps import AppConfig


class PlansConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "plans"

    def ready(self):
        from plans.cache_scopes import render_plans_pages_again, watch_plans_app

        watch_plans_app()
        render_plans_pages_again()
