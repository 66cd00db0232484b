"""Template side of awn.core.formatting: `{% load awn_format %}` then `{{ x|number:1 }}`, `{{ share|percent }}`,
`{{ seconds|duration }}`, `{{ day|hijri }}` and `{% when moment %}` (Gregorian with the Hijri date beside it)."""

from __future__ import annotations

from datetime import date, datetime

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString

from awn.core import formatting

register = template.Library()

register.filter("number", formatting.number)
register.filter("percent", formatting.percent)
register.filter("duration", formatting.duration)
register.filter("hijri", formatting.hijri)


@register.simple_tag
def when(value: datetime | date | None, fmt: str = "Y-m-d H:i") -> SafeString | str:
    """`<time>` with the Gregorian date left-to-right and the Hijri date beside it (not only as a tooltip)."""
    if not value:
        return ""
    local = timezone.localtime(value) if isinstance(value, datetime) and timezone.is_aware(value) else value
    return format_html(
        '<time datetime="{}"><bdi dir="ltr">{}</bdi> <span class="awn-hijri">· <bdi>{}</bdi></span></time>',
        value.isoformat(),
        date_format(local, fmt),
        formatting.hijri(value),
    )
