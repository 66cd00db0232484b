"""The knowledge-base editor's form: shape and choices only; the rules live in knowledge.services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from awn.knowledge.enums import ArticleStatus, Visibility
from awn.tickets.enums import Category


class ArticleForm(forms.Form):
    external_id = forms.SlugField(
        label=_("Article id"), max_length=32, help_text=_("Short and unique, e.g. kb-041.")
    )
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    visibility = forms.ChoiceField(label=_("Visibility"), choices=Visibility.choices)
    status = forms.ChoiceField(label=_("Status"), choices=ArticleStatus.choices)
    title_ar = forms.CharField(label=_("Arabic title"), max_length=200)
    body_ar = forms.CharField(label=_("Arabic body"), widget=forms.Textarea(attrs={"rows": 14, "dir": "rtl"}))
    title_en = forms.CharField(label=_("English title"), max_length=200, required=False)
    body_en = forms.CharField(
        label=_("English body"), required=False, widget=forms.Textarea(attrs={"rows": 8, "dir": "ltr"})
    )
    tags = forms.CharField(label=_("Tags"), required=False, help_text=_("Separated by commas."))

    def __init__(self, *args: Any, can_publish: bool, editing: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["external_id"].disabled = True
        if not can_publish:
            # Agents write drafts and send them for review; publishing and visibility are a supervisor's call.
            status_field = self.fields["status"]
            assert isinstance(status_field, forms.ChoiceField)
            status_field.choices = [
                (value, label) for value, label in ArticleStatus.choices if value != ArticleStatus.PUBLISHED
            ]
            self.fields["visibility"].disabled = True
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def tag_list(self) -> list[str]:
        return [
            tag.strip()
            for tag in self.cleaned_data.get("tags", "").replace("،", ",").split(",")
            if tag.strip()
        ]
