from django.urls import URLPattern, path

from . import staff_views

app_name = "surveys_staff"
urlpatterns: list[URLPattern] = [
    path("", staff_views.answers, name="answers"),
    path("settings/", staff_views.survey_settings, name="settings"),
]
