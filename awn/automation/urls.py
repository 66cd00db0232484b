from django.urls import URLPattern, URLResolver, path

from . import views

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
]
