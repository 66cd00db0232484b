from django.urls import path

from . import views

app_name = "sla"
urlpatterns = [
    path("", views.calendar_index, name="calendars"),
    path("new/", views.calendar_edit, name="calendar-new"),
    path("<id:pk>/", views.calendar_edit, name="calendar-edit"),
    path("<id:pk>/default/", views.calendar_default, name="calendar-default"),
    path("<id:pk>/delete/", views.calendar_remove, name="calendar-delete"),
    path("<id:calendar_pk>/overrides/new/", views.override_edit, name="override-new"),
    path("<id:calendar_pk>/overrides/<id:pk>/", views.override_edit, name="override-edit"),
    path("<id:calendar_pk>/overrides/<id:pk>/delete/", views.override_remove, name="override-delete"),
    path("holidays/new/", views.holiday_edit, name="holiday-new"),
    path("holidays/seed/", views.holidays_seed, name="holidays-seed"),
    path("holidays/<id:pk>/", views.holiday_edit, name="holiday-edit"),
    path("holidays/<id:pk>/confirm/", views.holiday_confirm_view, name="holiday-confirm"),
    path("holidays/<id:pk>/delete/", views.holiday_remove, name="holiday-delete"),
]
