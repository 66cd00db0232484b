from django.urls import URLPattern, path

from . import wallboard_views

app_name = "wallboard"
urlpatterns: list[URLPattern] = [
    path("", wallboard_views.page, name="page"),
    path("board/", wallboard_views.board, name="board"),
]
