from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Arabic demo data and `manage.py seed_demo`. No domain code depends on it."""

    name = "awn.demo"
    label = "demo"
