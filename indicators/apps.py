from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "indicators"

    def ready(self):
        from indicators.cache_scopes import render_indicators_pages_again, watch_indicators_app

        watch_indicators_app()
        render_indicators_pages_again()
