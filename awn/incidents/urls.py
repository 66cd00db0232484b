from django.urls import path

from . import views

app_name = "incidents"
urlpatterns = [
    path("", views.incident_list, name="list"),
    path("<id:pk>/", views.incident_detail, name="detail"),
    path("<id:pk>/link/", views.incident_link, name="link"),
    path("<id:pk>/end/", views.incident_end_view, name="end"),
    path("<id:pk>/broadcast/", views.broadcast_new, name="broadcast"),
    path("broadcasts/<id:pk>/", views.broadcast_detail, name="broadcast-detail"),
]
