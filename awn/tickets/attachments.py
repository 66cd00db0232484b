"""Attachment intake: size and type limits decided from the file's own bytes, never from its name alone."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from awn.core.errors import ValidationError

# extension → (served content type, magic prefixes or None when the content is plain text)
ALLOWED_TYPES: dict[str, tuple[str, tuple[bytes, ...] | None]] = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "gif": ("image/gif", (b"GIF87a", b"GIF89a")),
    "webp": ("image/webp", (b"RIFF",)),
    "txt": ("text/plain; charset=utf-8", None),
    "csv": ("text/csv; charset=utf-8", None),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
}
MAX_ATTACHMENTS_PER_MESSAGE = 5
_TEXT_SNIFF = (b"<html", b"<!doctype", b"<script", b"<svg", b"<?xml")


@dataclass(frozen=True)
class IncomingFile:
    name: str
    content: bytes


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    content_type: str
    content: bytes
    sha256: str

    def as_django_file(self) -> ContentFile[bytes]:
        return ContentFile(self.content, name=self.sha256)


def _safe_name(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip().replace("\x00", "")
    return base[:200] or "file"


def check_attachment(incoming: IncomingFile) -> CheckedFile:
    name = _safe_name(incoming.name)
    max_bytes = settings.AWN_ATTACHMENT_MAX_BYTES
    if len(incoming.content) > max_bytes:
        raise ValidationError(
            _("The file %(name)s is too large (the limit is %(limit)d MB).")
            % {"name": name, "limit": max_bytes // (1024 * 1024)},
            field="attachments",
        )
    if not incoming.content:
        raise ValidationError(_("The file %(name)s is empty.") % {"name": name}, field="attachments")
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    allowed = ALLOWED_TYPES.get(extension)
    if allowed is None or not _content_matches(incoming.content, allowed[1]):
        raise ValidationError(
            _("The file type of %(name)s is not allowed. Allowed: PDF, images, text, Word and Excel.")
            % {"name": name},
            field="attachments",
        )
    return CheckedFile(
        filename=name,
        content_type=allowed[0],
        content=incoming.content,
        sha256=hashlib.sha256(incoming.content).hexdigest(),
    )


def _content_matches(content: bytes, magic: tuple[bytes, ...] | None) -> bool:
    if magic is not None:
        return content.startswith(magic)
    head = content[:1024].lower().lstrip()
    if any(head.startswith(marker) or marker in head for marker in _TEXT_SNIFF):
        return False
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def check_attachments(files: list[IncomingFile]) -> list[CheckedFile]:
    if len(files) > MAX_ATTACHMENTS_PER_MESSAGE:
        raise ValidationError(
            _("At most %(count)d files per message.") % {"count": MAX_ATTACHMENTS_PER_MESSAGE},
            field="attachments",
        )
    return [check_attachment(f) for f in files]
