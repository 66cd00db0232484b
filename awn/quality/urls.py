from django.urls import URLPattern, path

from . import views

app_name = "quality"
urlpatterns: list[URLPattern] = [
    path("", views.overview, name="overview"),
    path("sample/", views.sample, name="sample"),
    path("reviews/<id:pk>/", views.review, name="review"),
    path("scorecards/", views.scorecards, name="scorecards"),
    path("scorecards/<id:pk>/", views.scorecard, name="scorecard"),
]
