"""Portal forms: shape and choices only. The rules (lengths, file types, who may rate) live in the services."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from awn.core.errors import DomainError
from awn.crm.models import Contact
from awn.tickets.attachments import MAX_ATTACHMENTS_PER_MESSAGE, IncomingFile
from awn.tickets.enums import Category
from awn.tickets.services import BODY_MAX, SUBJECT_MAX

ABOUT_MYSELF = "self"
ATTACHMENT_ACCEPT = ".pdf,.png,.jpg,.jpeg,.gif,.webp,.txt,.csv,.docx,.xlsx"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name. Type and size are checked by the tickets service from the bytes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget",
            MultipleFileInput(attrs={"accept": ATTACHMENT_ACCEPT, "class": "form-control"}),
        )
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = data if isinstance(data, list | tuple) else [data]
        return [f for f in files if f]


def incoming_files(files: Iterable[UploadedFile]) -> list[IncomingFile]:
    """Read uploads for the service. Never more than one byte past the limit: the service reports the size."""
    limit = settings.AWN_ATTACHMENT_MAX_BYTES + 1
    result = []
    for upload in files:
        upload.seek(0)
        result.append(IncomingFile(name=upload.name or "", content=upload.read(limit)))
    return result


def attachments_help() -> str:
    count = MAX_ATTACHMENTS_PER_MESSAGE
    megabytes = settings.AWN_ATTACHMENT_MAX_BYTES // (1024 * 1024)
    return ngettext(
        "Up to %(count)d file (PDF, images, text, Word or Excel), at most %(mb)d MB each.",
        "Up to %(count)d files (PDF, images, text, Word or Excel), at most %(mb)d MB each.",
        count,
    ) % {"count": count, "mb": megabytes}


class DomainErrorForm(forms.Form):
    """A form that shows a service's DomainError next to the field it names, or above the form."""

    def add_domain_error(self, error: DomainError) -> None:
        field = error.field if error.field in self.fields else None
        self.add_error(field, str(error.message))


class TicketForm(DomainErrorForm):
    subject = forms.CharField(
        label=_("Subject"),
        max_length=SUBJECT_MAX,
        widget=forms.TextInput(attrs={"class": "form-control", "dir": "auto", "autocomplete": "off"}),
    )
    category = forms.ChoiceField(
        label=_("Category"),
        choices=[("", _("Choose a category")), *Category.choices],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    about = forms.ChoiceField(
        label=_("This request is about"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    body = forms.CharField(
        label=_("Describe the problem"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"class": "form-control", "dir": "auto", "rows": 6}),
    )
    attachments = MultipleFileField(label=_("Attachments"))

    def __init__(self, *args: Any, children: Iterable[Contact] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.children = {str(child.pk): child for child in children}
        about: Any = self.fields["about"]
        about.choices = [(ABOUT_MYSELF, _("Myself")), *((pk, c.name) for pk, c in self.children.items())]
        about.initial = ABOUT_MYSELF
        self.fields["attachments"].help_text = attachments_help()

    def about_contact(self) -> Contact | None:
        return self.children.get(self.cleaned_data["about"])


class ReplyForm(DomainErrorForm):
    body = forms.CharField(
        label=_("Your reply"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"class": "form-control", "dir": "auto", "rows": 4}),
    )
    attachments = MultipleFileField(label=_("Attachments"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attachments"].help_text = attachments_help()


class RatingForm(DomainErrorForm):
    score = forms.TypedChoiceField(
        label=_("Your rating"),
        coerce=int,
        choices=[(n, str(n)) for n in range(1, 6)],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"class": "form-control", "dir": "auto", "rows": 3}),
    )
