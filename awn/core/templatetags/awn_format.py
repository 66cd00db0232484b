"""Template side of awn.core.formatting: `{% load awn_format %}` then `{{ x|number:1 }}`, `{{ share|percent }}`,
`{{ seconds|duration }}`, `{{ day|hijri }}`, `{{ moment|gregorian:"Y-m-d" }}`, `{{ figure|digits }}` and
`{% when moment %}` (Gregorian with the Hijri date beside it), all in the reader's digits (Latin or Arabic-Indic)."""

from __future__ import annotations

from datetime import date, datetime

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from awn.core import formatting

register = template.Library()

register.filter("number", formatting.number)
register.filter("percent", formatting.percent)
register.filter("duration", formatting.duration)
register.filter("hijri", formatting.hijri)
register.filter("gregorian", formatting.gregorian)
register.filter("digits", formatting.digits)


@register.simple_tag
def when(value: datetime | date | None, fmt: str = "Y-m-d H:i") -> SafeString | str:
    """`<time>` with the Gregorian date left-to-right and the Hijri date beside it (not only as a tooltip)."""
    if not value:
        return ""
    return format_html(
        '<time class="awn-when" datetime="{}"><bdi dir="ltr">{}</bdi> <span class="awn-hijri">· <bdi>{}</bdi></span></time>',
        value.isoformat(),
        formatting.gregorian(value, fmt),
        formatting.hijri(value),
    )


@register.simple_tag
def reader_digits() -> str:
    """ "latin" or "arabic": the digits in force, for the toggle that offers the other ones."""
    return formatting.active_digits()
