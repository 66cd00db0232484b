"""Hijri (Umm al-Qura) dates beside Gregorian ones, in the reader's language: awn.core.formatting.hijri."""

from __future__ import annotations

from django import template

from awn.core.formatting import hijri

register = template.Library()
register.filter("hijri_long", hijri)
