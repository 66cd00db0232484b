from django.urls import path

from . import admin_views

app_name = "inboxes"
urlpatterns = [
    path("", admin_views.inbox_index, name="list"),
    path("new/", admin_views.inbox_new, name="new"),
    path("<id:pk>/", admin_views.inbox_edit, name="edit"),
]
