from django.apps import AppConfig


class PlansConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "plans"

    def ready(self):
        from indicators.reporting import offer_start_links
        from plans.cache_scopes import render_plans_pages_again, watch_plans_app
        from plans.climate_reporting import start_links

        watch_plans_app()
        offer_start_links(start_links)
        render_plans_pages_again()
