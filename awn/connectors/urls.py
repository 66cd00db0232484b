from django.urls import path

from . import views

app_name = "connectors"
urlpatterns = [path("<uuid:inbox_uuid>/", views.webhook, name="webhook")]
