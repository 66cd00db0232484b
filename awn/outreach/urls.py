from django.urls import path

from . import views

app_name = "outreach"
urlpatterns = [
    path("", views.outreach_home, name="home"),
    path("segments/", views.segment_new, name="segment-new"),
    path("campaigns/", views.campaign_new, name="campaign-new"),
    path("campaigns/<id:pk>/", views.campaign_detail, name="campaign"),
    path("campaigns/<id:pk>/launch/", views.campaign_launch, name="campaign-launch"),
    path("campaigns/<id:pk>/pause/", views.campaign_pause, name="campaign-pause"),
]
