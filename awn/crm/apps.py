from django.apps import AppConfig


class CrmConfig(AppConfig):
    name = "awn.crm"
    label = "crm"
