from django.urls import path

from . import views

app_name = "surveys"
urlpatterns = [
    path("<str:token>/", views.answer, name="answer"),
    path("<str:token>/opt-out/", views.opt_out, name="opt_out"),
]
