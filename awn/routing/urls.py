from django.urls import path

from . import views

app_name = "routing"
urlpatterns = [
    path("me/", views.my_status, name="me"),
    path("agents/", views.agents, name="agents"),
    path("agents/<id:pk>/", views.agent_change, name="agent-change"),
    path("decisions/", views.decisions, name="decisions"),
    path("overflow/", views.overflow, name="overflow"),
    path("offers/<id:pk>/accept/", views.offer_take, name="offer-accept"),
    path("staffing/", views.staffing, name="staffing"),
    path("staffing/peaks/new/", views.peak_new, name="peak-new"),
    path("staffing/peaks/<id:pk>/delete/", views.peak_remove, name="peak-delete"),
]
