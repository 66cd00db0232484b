"""Domain errors carry a bilingual message so every transport (page, API) can show it as is."""

from __future__ import annotations

from django.utils.functional import Promise, lazy
from django.utils.translation import gettext_lazy as _


def _format(message: object, params: dict[str, object]) -> str:
    return str(message) % {k: str(v) if isinstance(v, Promise) else v for k, v in params.items()}


_lazy_format = lazy(_format, str)


def lazy_format(message: object, **params: object) -> str:
    """`message % params`, rendered only when shown: with a gettext_lazy message the same error reads right
    in Arabic and in English (the API's error envelope renders it in both)."""
    return _lazy_format(message, params)


class DomainError(Exception):
    """A request the domain refuses. `code` is stable for API clients; `message` is translatable."""

    status_code = 400
    code = "invalid"
    default_message = _("The request is not valid.")

    def __init__(self, message: object | None = None, *, field: str | None = None) -> None:
        self.message = message if message is not None else self.default_message
        self.field = field
        super().__init__(str(self.message))


class ValidationError(DomainError):
    code = "validation_error"
    default_message = _("Some fields are not valid.")


class NotFound(DomainError):
    """Also raised when an object exists but the actor may not see it: no existence leak."""

    status_code = 404
    code = "not_found"
    default_message = _("Not found.")


class PermissionDenied(DomainError):
    status_code = 403
    code = "forbidden"
    default_message = _("You are not allowed to do this.")


class Conflict(DomainError):
    status_code = 409
    code = "conflict"
    default_message = _("Someone else changed this in the meantime. Reload and try again.")


def required_text(value: str, *, field: str, label: object, max_length: int) -> str:
    """The text without NUL characters or surrounding spaces; refused (naming the field) when empty or too long."""
    text = (value or "").replace("\x00", "").strip()
    if not text:
        raise ValidationError(lazy_format(_("%(field)s is required."), field=label), field=field)
    if len(text) > max_length:
        raise ValidationError(
            lazy_format(
                _("%(field)s is too long (at most %(max)d characters)."), field=label, max=max_length
            ),
            field=field,
        )
    return text
