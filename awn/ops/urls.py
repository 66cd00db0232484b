from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "ops"
urlpatterns: list[URLPattern | URLResolver] = [
    path("health", views.health, name="health"),
    path("ready", views.ready, name="ready"),
    path("metrics", views.metrics, name="metrics"),
    path("workspace/ops/", views.operations, name="operations"),
    path("workspace/ops/failed-deliveries/", views.failed_deliveries, name="failed_deliveries"),
    path(
        "workspace/ops/failed-deliveries/<int:pk>/retry/",
        views.failed_delivery_retry,
        name="failed_delivery_retry",
    ),
]
