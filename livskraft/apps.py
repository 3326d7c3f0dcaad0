from django.apps import AppConfig


class LivskraftConfig(AppConfig):
    name = "livskraft"
    verbose_name = "Livskraft"

    def ready(self):
        from livskraft import checks  # noqa: F401  (registers the system checks)
