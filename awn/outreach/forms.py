from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from awn.crm.enums import ContactType, OrganizationKind
from awn.crm.models import Organization
from awn.knowledge.enums import ArticleStatus, Visibility
from awn.knowledge.models import Article

from .enums import Audience
from .models import Segment


class SegmentForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=200)
    audience = forms.ChoiceField(label=_("audience"), choices=Audience.choices)
    contact_type = forms.ChoiceField(
        label=_("contact type"), choices=[("", "—"), *ContactType.choices], required=False
    )
    school = forms.ModelChoiceField(
        label=_("school"),
        queryset=Organization.objects.filter(kind=OrganizationKind.SCHOOL).order_by("name"),
        required=False,
    )
    grade = forms.IntegerField(label=_("grade"), min_value=1, max_value=12, required=False)
    event_type = forms.CharField(
        label=_("external event"), max_length=64, required=False, help_text=_("e.g. login_failed")
    )
    event_hours = forms.IntegerField(label=_("within the last hours"), min_value=1, max_value=744, initial=24)


class CampaignForm(forms.Form):
    segment = forms.ModelChoiceField(label=_("segment"), queryset=Segment.objects.order_by("-created_at"))
    article = forms.ModelChoiceField(
        label=_("guide (knowledge article)"),
        queryset=Article.objects.filter(
            status=ArticleStatus.PUBLISHED, visibility=Visibility.PUBLIC
        ).order_by("external_id"),
    )
    intro_ar = forms.CharField(
        label=_("introduction (Arabic)"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    intro_en = forms.CharField(
        label=_("introduction (English)"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
