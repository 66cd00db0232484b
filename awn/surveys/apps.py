from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "awn.surveys"
    label = "surveys"
