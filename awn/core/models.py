from __future__ import annotations

from functools import cache
from typing import Any

from django.db import models
from django.utils.encoding import force_str


@cache
def _choice_labels(field: models.Field[Any, Any]) -> dict[Any, Any]:
    return dict(field.flatchoices)


class FastChoiceDisplayMixin:
    """`get_<field>_display()` from a per-field cached {value: label} map.

    Django rebuilds that map (hashing every choice) on each call; a queue page calls it four times a row,
    which was a third of the page's rendering time.
    """

    def _get_FIELD_display(self, field: models.Field[Any, Any]) -> str:
        value = getattr(self, field.attname)
        label: str = force_str(_choice_labels(field).get(value, value), strings_only=True)
        return label


class TimeStampedModel(FastChoiceDisplayMixin, models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
