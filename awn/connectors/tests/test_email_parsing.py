"""Reading raw mail: quoted-history trimming in the forms real clients write, legacy Arabic charsets, odd input."""

from __future__ import annotations

import pytest

from awn.connectors.providers.email.parsing import parse_mail, trim_quoted


@pytest.mark.parametrize(
    "text",
    [
        # Gmail in Arabic, with its bidi marks
        "شكراً لكم\n\n\u202bفي الأحد، ٢٢ نوفمبر ٢٠٢٦ في ١٠:٠٠ ص تمت كتابة ما يلي بواسطة \u202aدعم نور\u202c\u200f "
        "<\u202asupport@school.test\u202c\u200f>:\u202c\n\n> نص قديم",
        # Gmail in English, the attribution wrapped onto two lines
        "شكراً لكم\n\nOn Sun, 22 Nov 2026 at 10:00, دعم نور <\nsupport@school.test> wrote:\n> old",
        # Outlook
        "شكراً لكم\n\n________________________________\nFrom: دعم نور <support@school.test>\n"
        "Sent: Sunday, November 22, 2026 10:00 AM\nTo: x\nSubject: y\n\nold text",
        "شكراً لكم\n\nمن: دعم نور <support@school.test>\nتاريخ الإرسال: الأحد\nold",
        # bare quoting at the end
        "شكراً لكم\n> old\n> older",
    ],
)
def test_quoted_history_is_trimmed(text: str) -> None:
    assert trim_quoted(text) == "شكراً لكم"


def test_text_that_only_looks_like_a_quote_is_kept() -> None:
    assert trim_quoted("From: the school principal\nI write about a transfer").startswith("From:")
    assert trim_quoted("> only a quote") == "> only a quote"


def test_windows_1256_eight_bit_mail_is_read() -> None:
    raw = (
        b"From: =?windows-1256?b?x+HT4cfj?= <old.client@example.com>\r\n"
        b"Subject: =?windows-1256?b?x+HT4cfj?=\r\nMessage-ID: <legacy-1@example.com>\r\n"
        b"Content-Type: text/plain; charset=windows-1256\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        b"\xc7\xe1\xd3\xe1\xc7\xe3 \xda\xe1\xed\xdf\xe3\r\n"
    )
    parsed = parse_mail(raw)
    assert parsed.text == "السلام عليكم"
    assert parsed.subject == "السلام" and parsed.from_name == "السلام"
    assert parsed.message_id == "<legacy-1@example.com>"


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00\xff\xfe garbage",
        b"From: \r\nSubject: =?utf-8?b?broken?=\r\n\r\nbody",
        b"From: a@b.c\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n"
        b"Content-Type: text/plain; charset=no-such-charset\r\n\r\n\xd8\xa7\r\n--x--",
        b"From: a@b.c\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=y\r\n\r\n"
        b"--y\r\nContent-Type: message/delivery-status\r\n\r\nnot: headers\r\n--y--",
    ],
)
def test_odd_input_never_raises(raw: bytes) -> None:
    parsed = parse_mail(raw)
    assert parsed.message_id  # a digest of the bytes when there is no Message-ID
