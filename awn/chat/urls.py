from django.urls import path

from . import views

app_name = "chat"
urlpatterns = [
    path("start/", views.start, name="start"),
    path("upload/", views.upload, name="upload"),
    path("strings/", views.strings, name="strings"),
    path("demo/", views.demo, name="demo"),
]
