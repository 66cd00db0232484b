from django.urls import path

from . import views

app_name = "sla_policies"
urlpatterns = [
    path("", views.policy_index, name="policies"),
    path("new/", views.policy_edit, name="policy-new"),
    path("progress/", views.recompute_progress, name="recompute-progress"),
    path("<id:pk>/", views.policy_edit, name="policy-edit"),
    path("<id:pk>/delete/", views.policy_remove, name="policy-delete"),
]
