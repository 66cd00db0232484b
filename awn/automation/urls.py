from django.urls import URLPattern, URLResolver, path

from . import macro_views, views

app_name = "automation"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.rule_index, name="rules"),
    path("new/", views.rule_edit, name="rule-new"),
    path("export/", views.rules_export_view, name="rules-export"),
    path("import/", views.rules_import_view, name="rules-import"),
    path("<id:pk>/", views.rule_edit, name="rule-edit"),
    path("<id:pk>/toggle/", views.rule_toggle, name="rule-toggle"),
    path("<id:pk>/move/", views.rule_move, name="rule-move"),
    path("<id:pk>/delete/", views.rule_remove, name="rule-delete"),
    path("canned/", macro_views.canned_index, name="canned"),
    path("canned/new/", macro_views.canned_edit, name="canned-new"),
    path("canned/<id:pk>/", macro_views.canned_edit, name="canned-edit"),
    path("canned/<id:pk>/delete/", macro_views.canned_remove, name="canned-delete"),
    path("macros/", macro_views.macro_index, name="macros"),
    path("macros/new/", macro_views.macro_edit, name="macro-new"),
    path("macros/bulk/", macro_views.macro_apply_bulk, name="macro-bulk"),
    path("macros/bulk-bar/", macro_views.bulk_macros, name="macro-bulk-bar"),
    path("macros/<id:pk>/", macro_views.macro_edit, name="macro-edit"),
    path("macros/<id:pk>/delete/", macro_views.macro_remove, name="macro-delete"),
    path("tickets/<id:pk>/macros/", macro_views.ticket_macros, name="ticket-macros"),
    path("tickets/<id:pk>/macros/<id:macro_id>/", macro_views.macro_apply, name="macro-apply"),
    path("tickets/<id:pk>/canned/", macro_views.canned_picker, name="canned-picker"),
]
