"""The portal banner of the active incidents: `{% load incidents %}{% incident_banner %}`."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import translation

from ..selectors import active_incidents

register = template.Library()


@register.inclusion_tag("incidents/banner.html")
def incident_banner() -> dict[str, Any]:
    language = translation.get_language() or "ar"
    return {
        "banners": [
            {"title": i.title(language), "message": i.message(language), "guide_url": i.guide_url}
            for i in active_incidents()
        ]
    }
