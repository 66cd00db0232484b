from django.urls import path

from . import views

app_name = "sla"
urlpatterns = [
    path("", views.calendar_index, name="calendars"),
    path("new/", views.calendar_edit, name="calendar-new"),
    path("<int:pk>/", views.calendar_edit, name="calendar-edit"),
    path("<int:pk>/default/", views.calendar_default, name="calendar-default"),
    path("<int:pk>/delete/", views.calendar_remove, name="calendar-delete"),
    path("<int:calendar_pk>/overrides/new/", views.override_edit, name="override-new"),
    path("<int:calendar_pk>/overrides/<int:pk>/", views.override_edit, name="override-edit"),
    path("<int:calendar_pk>/overrides/<int:pk>/delete/", views.override_remove, name="override-delete"),
    path("holidays/new/", views.holiday_edit, name="holiday-new"),
    path("holidays/seed/", views.holidays_seed, name="holidays-seed"),
    path("holidays/<int:pk>/", views.holiday_edit, name="holiday-edit"),
    path("holidays/<int:pk>/confirm/", views.holiday_confirm_view, name="holiday-confirm"),
    path("holidays/<int:pk>/delete/", views.holiday_remove, name="holiday-delete"),
]
