from django.urls import path

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("tickets/new/", views.ticket_new, name="ticket_new"),
    path("assistant/solved/", views.assistant_solved, name="assistant_solved"),
    path("tickets/<id:pk>/", views.ticket_detail, name="ticket"),
    path("tickets/<id:pk>/reply/", views.ticket_reply, name="ticket_reply"),
    path("tickets/<id:pk>/rate/", views.ticket_rate_view, name="ticket_rate"),
]
