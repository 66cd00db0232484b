from django.urls import path

from . import views

app_name = "kb"
urlpatterns = [
    path("", views.kb_home, name="home"),
    path("search", views.kb_search, name="search"),
    path("<slug:external_id>/", views.kb_article, name="article"),
    path("<slug:external_id>/vote/", views.kb_vote, name="vote"),
]
