from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "privacy"
urlpatterns: list[URLPattern | URLResolver] = [
    path("audit/", views.audit, name="audit"),
    path("audit/export.csv", views.audit_export, name="audit-export"),
]
