from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from awn.accounts.models import User

from .models import MAX_SCORE, Criterion, Scorecard
from .services import MAX_SAMPLE, week_start

NOT_APPLICABLE = ""


class BootstrapMixin:
    """Bootstrap's small controls on every field (the pages are RTL from the base template)."""

    fields: dict[str, forms.Field]

    def style(self) -> None:
        for field in self.fields.values():
            css = (
                "form-select form-select-sm"
                if isinstance(field.widget, forms.Select)
                else "form-control form-control-sm"
            )
            field.widget.attrs.setdefault("class", css)


class ScorecardForm(BootstrapMixin, forms.Form):
    name_ar = forms.CharField(label=_("name (Arabic)"), max_length=120)
    name_en = forms.CharField(label=_("name (English)"), max_length=120, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style()


class CriterionForm(BootstrapMixin, forms.Form):
    label_ar = forms.CharField(label=_("criterion (Arabic)"), max_length=200)
    label_en = forms.CharField(label=_("criterion (English)"), max_length=200, required=False)
    weight = forms.IntegerField(label=_("weight"), min_value=1, max_value=100, initial=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style()


class AgentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_full_name() or obj.username)


class SampleForm(BootstrapMixin, forms.Form):
    agent = AgentChoiceField(label=_("agent"), queryset=User.objects.none())
    scorecard = forms.ModelChoiceField(label=_("scorecard"), queryset=Scorecard.objects.none())
    week = forms.DateField(label=_("week"), widget=forms.DateInput(attrs={"type": "date"}))
    size = forms.IntegerField(label=_("tickets"), min_value=1, max_value=MAX_SAMPLE, initial=3)

    def __init__(self, *args: Any, agents: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        agent_field = self.fields["agent"]
        assert isinstance(agent_field, forms.ModelChoiceField)
        agent_field.queryset = agents
        card_field = self.fields["scorecard"]
        assert isinstance(card_field, forms.ModelChoiceField)
        card_field.queryset = Scorecard.objects.filter(is_active=True, criteria__isnull=False).distinct()
        self.style()

    def clean_week(self) -> Any:
        # Any day picks its week: the sample covers Monday to Sunday.
        return week_start(self.cleaned_data["week"])


SCORE_CHOICES = [(NOT_APPLICABLE, _("Not applicable"))] + [(str(i), str(i)) for i in range(MAX_SCORE + 1)]


class ReviewForm(BootstrapMixin, forms.Form):
    coaching_note = forms.CharField(
        label=_("coaching note"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(
        self, *args: Any, criteria: list[Criterion], initial_scores: dict[int, int | None], **kw: Any
    ):
        super().__init__(*args, **kw)
        self.criteria = criteria
        for criterion in criteria:
            start = initial_scores.get(criterion.pk)
            self.fields[f"c{criterion.pk}"] = forms.ChoiceField(
                label=criterion.label,
                choices=SCORE_CHOICES,
                required=False,
                initial="" if start is None else str(start),
                help_text=_("weight %(weight)s") % {"weight": criterion.weight},
            )
        self.style()

    def scores(self) -> dict[int, int | None]:
        values: dict[int, int | None] = {}
        for criterion in self.criteria:
            raw = self.cleaned_data.get(f"c{criterion.pk}") or NOT_APPLICABLE
            values[criterion.pk] = None if raw == NOT_APPLICABLE else int(raw)
        return values

    def score_fields(self) -> list[forms.BoundField]:
        return [self[f"c{c.pk}"] for c in self.criteria]
