from django.urls import URLPattern, path

from . import views

app_name = "quality_mine"
urlpatterns: list[URLPattern] = [path("", views.my_reviews, name="list")]
