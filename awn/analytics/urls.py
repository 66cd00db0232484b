from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "analytics"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.reports, name="reports"),
    path("tickets/", views.drill, name="drill"),
    path("export/<slug:table>.<slug:fmt>", views.export, name="export"),
    path("compare/", views.compare, name="compare"),
    path("process/", views.process, name="process"),
    path("subscriptions/", views.subscriptions, name="subscriptions"),
    path("subscriptions/<int:pk>/delete/", views.subscription_delete, name="subscription_delete"),
]
