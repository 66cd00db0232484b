"""Reading one raw email (RFC 5322 bytes) with the standard library's `email` package, policy=default.

Decides what a message is — a customer's mail, an automatic reply or loop, a bounce — and pulls out the
sender, subject, threading ids, a plain-text body (text/plain preferred, else sanitized HTML as text, quoted
history trimmed) and attachments.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser
from typing import Any

import nh3

from awn.tickets.attachments import IncomingFile

from ...base import RawItem

MSGID_RE = re.compile(r"<[^<>\s]{1,250}>")
EXTERNAL_ID_MAX = 200
# Tags kept when an HTML-only mail is shown: text structure only. dir/lang survive (nh3 drops them unless
# allowed), so an Arabic paragraph inside an English mail keeps its direction.
SAFE_TAGS = {
    "p", "div", "span", "br", "b", "strong", "i", "em", "u", "ul", "ol", "li", "blockquote", "pre", "code",
    "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "td", "th", "a", "hr",
}  # fmt: skip
SAFE_ATTRIBUTES = {"*": {"dir", "lang"}, "a": {"href"}}
_BLOCK_TAGS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "hr", "table"}
AUTO_PRECEDENCE = {"bulk", "junk", "auto_reply"}
# "On Sun, 22 Nov 2026 at 10:00, Awn <support@…> wrote:" and its Arabic forms ("كتب …:"); Outlook's separator.
# Gmail's Arabic form: "في الأحد، ٢٢ نوفمبر ٢٠٢٦ ... تمت كتابة ما يلي بواسطة دعم نور <support@…>:".
_REPLY_HEADER = re.compile(
    r"^\s*(On\b.{0,300}\bwrote:|في\b.{0,300}(كتب|تمت كتابة ما يلي).{0,200}:"
    r"|.{0,200}<[^>]+@[^>]+>\s*كتب\s*:|-{2,}\s*Original Message\s*-{2,}|-{2,}\s*الرسالة الأصلية\s*-{2,}|_{10,})\s*$",
    re.IGNORECASE,
)
# Outlook's quoted header block: "From: …" then "Sent:"/"Date:" (or "من: …" then "تاريخ الإرسال:").
_FROM_LINE = re.compile(r"^\s*\*?(From|من)\s*:\*?\s*\S", re.IGNORECASE)
_SENT_LINE = re.compile(r"^\s*\*?(Sent|Date|تاريخ الإرسال|التاريخ|أُرسلت|مرسل)\s*:", re.IGNORECASE)
_BIDI_CONTROLS = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


def normalize_msgid(value: str) -> str:
    """`<id@host>` as written, or a digest when too long for the dedupe column."""
    value = value.strip()
    if len(value) > EXTERNAL_ID_MAX:
        return "sha256:" + hashlib.sha256(value.encode()).hexdigest()
    return value


def msgids(value: str | None) -> list[str]:
    return [normalize_msgid(m) for m in MSGID_RE.findall(str(value or ""))]


def parse_bytes(raw: bytes) -> EmailMessage:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    return message


def external_id(message: EmailMessage, raw: bytes) -> str:
    """The Message-ID (dedupe key for SMTP, IMAP and relay deliveries alike), else a digest of the bytes."""
    found = msgids(_header(message, "Message-ID"))
    return found[0] if found else "sha256:" + hashlib.sha256(raw).hexdigest()


def raw_payload(raw: bytes, via: str, **extra: object) -> dict[str, Any]:
    """How a raw email is kept in a raw event: the exact bytes (base64) and the path it came by."""
    return {"raw": base64.b64encode(raw).decode("ascii"), "via": via, **extra}


def raw_item(raw: bytes, via: str, **extra: object) -> RawItem:
    """A raw email as one raw event, keyed by its Message-ID (every delivery path stores mail through this)."""
    return RawItem(external_id(parse_bytes(raw), raw), raw_payload(raw, via, **extra))


def _header(message: Message, name: str) -> str:
    try:
        value = message.get(name)
    except (ValueError, IndexError, TypeError):  # a header the parser cannot fold into a value
        return ""
    return str(value or "").strip()


@dataclass
class ParsedMail:
    message_id: str
    from_name: str = ""
    from_address: str = ""
    reply_to: str = ""  # where answers go: Reply-To, else From
    subject: str = ""
    text: str = ""
    html: str = ""  # sanitized (nh3), dir/lang kept
    refs: tuple[str, ...] = ()  # newest first: In-Reply-To, then References from the end
    files: list[IncomingFile] = field(default_factory=list)
    automatic: str = ""  # why it is machine-sent (never answered, never a ticket), or ""
    bounce_of: str = ""  # a delivery failure report: the Message-ID of our mail that failed
    bounce_reason: str = ""


def automatic_reason(message: Message) -> str:
    """Auto-replies, vacation notices, lists and loops: the header that says so, or ""."""
    auto_submitted = _header(message, "Auto-Submitted").lower()
    if auto_submitted and auto_submitted != "no":
        return f"Auto-Submitted: {auto_submitted}"
    if _header(message, "X-Autoreply") or _header(message, "X-Autorespond"):
        return "X-Autoreply"
    precedence = _header(message, "Precedence").lower()
    if precedence in AUTO_PRECEDENCE:
        return f"Precedence: {precedence}"
    if _header(message, "X-Auto-Response-Suppress").lower() in {"all", "oof", "autoreply"}:
        return "X-Auto-Response-Suppress"
    return ""


def _bounce(message: EmailMessage) -> tuple[bool, str, str]:
    """(is a failure report, the failed mail's Message-ID, the diagnostic)."""
    content_type = message.get_content_type()
    report_type = str(message.get_param("report-type") or "").lower()
    report = content_type == "multipart/report" and report_type in {"delivery-status", ""}
    sender = parseaddr(_header(message, "From"))[1].lower()
    daemon = sender.split("@", 1)[0] in {"mailer-daemon", "postmaster"} or bool(
        _header(message, "X-Failed-Recipients")
    )
    if not report and not daemon:
        return False, "", ""
    failed_id, reason, failed = "", "", not report
    for part in message.walk():
        part_type = part.get_content_type()
        if part_type == "message/delivery-status":
            fields = _status_fields(part)
            actions = [value.lower() for name, value in fields if name == "action"]
            failed = failed or "failed" in actions or not actions
            reasons = [value for name, value in fields if name == "diagnostic-code"] or [
                value for name, value in fields if name == "status"
            ]
            reason = " ".join(reasons[0].split()) if reasons else ""
        elif part_type in {"message/rfc822", "text/rfc822-headers"} and not failed_id:
            failed_id = _original_id(part)
    if not failed_id and daemon:
        failed_id = next(iter(msgids(_header(message, "In-Reply-To"))), "")
    return failed, failed_id, reason[:280]


def _original_id(part: Message) -> str:
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):  # message/rfc822
        return next(iter(msgids(_header(payload[0], "Message-ID"))), "")
    text = _part_text(part)
    found = re.search(r"^Message-ID:\s*(<[^<>\s]+>)", text, re.IGNORECASE | re.MULTILINE)
    return normalize_msgid(found.group(1)) if found else ""


def _status_fields(part: Message) -> list[tuple[str, str]]:
    """The fields of a message/delivery-status part (the parser reads them as blocks of headers), unfolded."""
    fields = []
    for block in part.get_payload():
        if isinstance(block, Message):
            fields += [(str(name).lower(), " ".join(str(value).split())) for name, value in block.items()]
    return fields


def _part_text(part: Message) -> str:
    raw = part.get_payload(decode=True)
    if isinstance(raw, bytes):
        charset = part.get_content_charset() or "utf-8"
        try:
            return raw.decode(charset, errors="replace")
        except LookupError:
            return raw.decode("utf-8", errors="replace")
    payload = part.get_payload()
    return payload if isinstance(payload, str) else ""


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def sanitize_html(markup: str, *, drop_quotes: bool = False) -> str:
    strip_content = {"script", "style", "head", "title"} | ({"blockquote"} if drop_quotes else set())
    return nh3.clean(
        markup,
        tags=SAFE_TAGS - ({"blockquote"} if drop_quotes else set()),
        attributes=SAFE_ATTRIBUTES,
        clean_content_tags=strip_content,
        link_rel="noopener noreferrer",
    )


def html_to_text(markup: str) -> str:
    extractor = _TextExtractor()
    extractor.feed(markup)
    extractor.close()
    text = html.unescape("".join(extractor.parts)).replace("\xa0", " ")
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def trim_quoted(text: str) -> str:
    """Drop the quoted history under a reply ("On … wrote:" and the `>` lines); keep it when nothing else is left."""
    lines = text.replace("\r\n", "\n").split("\n")
    bare = [line.translate(_BIDI_CONTROLS) for line in lines]
    for index, line in enumerate(bare):
        following = bare[index + 1] if index + 1 < len(bare) else ""
        if (
            _REPLY_HEADER.match(line)
            or _REPLY_HEADER.match(f"{line} {following}")  # the attribution wrapped onto two lines
            or (_FROM_LINE.match(line) and any(_SENT_LINE.match(n) for n in bare[index + 1 : index + 3]))
        ):
            kept = "\n".join(lines[:index]).strip()
            if kept:
                return kept
            break
    kept_lines = list(lines)
    while kept_lines and (kept_lines[-1].startswith(">") or not kept_lines[-1].strip()):
        kept_lines.pop()
    kept = "\n".join(kept_lines).strip()
    return kept or text.strip()


def _body_and_files(message: EmailMessage) -> tuple[str, str, list[IncomingFile]]:
    text, markup = "", ""
    plain = message.get_body(preferencelist=("plain",))
    if plain is not None:
        text = _part_text(plain)
    rich = message.get_body(preferencelist=("html",))
    if rich is not None:
        markup = sanitize_html(_part_text(rich))
        if not text.strip():
            text = html_to_text(sanitize_html(_part_text(rich), drop_quotes=True)) or html_to_text(markup)
    files: list[IncomingFile] = []
    for part in message.iter_attachments():
        if part.get_content_maintype() in {"multipart", "message"} and not part.get_filename():
            continue
        content = part.get_payload(decode=True)
        if not isinstance(content, bytes):
            continue
        name = part.get_filename() or f"attachment-{len(files) + 1}"
        files.append(IncomingFile(name=name, content=content))
    return trim_quoted(text.replace("\r\n", "\n")), markup, files


def parse_mail(raw: bytes) -> ParsedMail:
    message = parse_bytes(raw)
    name, address = parseaddr(_header(message, "From"))
    if not address:
        addresses = getaddresses([_header(message, "From")])
        name, address = addresses[0] if addresses else ("", "")
    reply_to = parseaddr(_header(message, "Reply-To"))[1] or address
    in_reply_to = msgids(_header(message, "In-Reply-To"))
    references = list(reversed(msgids(_header(message, "References"))))
    refs = tuple(dict.fromkeys(in_reply_to + references))
    parsed = ParsedMail(
        message_id=external_id(message, raw),
        from_name=name.strip(),
        from_address=address.strip().lower(),
        reply_to=reply_to.strip().lower(),
        subject=re.sub(r"\s+", " ", _header(message, "Subject")).strip(),
        refs=refs[:50],
    )
    is_bounce, failed_id, reason = _bounce(message)
    if is_bounce:
        parsed.automatic = "delivery failure report"
        parsed.bounce_of, parsed.bounce_reason = failed_id, reason
        return parsed
    parsed.automatic = automatic_reason(message)
    if parsed.automatic:
        return parsed
    parsed.text, parsed.html, parsed.files = _body_and_files(message)
    return parsed
