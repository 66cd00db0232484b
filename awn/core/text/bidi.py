"""Bidirectional control characters in user text, made visible (issue 13, defect 6).

An override (U+202E RIGHT-TO-LEFT OVERRIDE) in a subject or a name reverses the text after it, so «invoice
‮fdp.exe» reads as a PDF and a queue row can show another ticket's words. The embeddings, overrides and isolates
are replaced on display by a visible label ([RLO]); what is stored is left exactly as typed. The marks (LRM, RLM,
ALM) are kept: they change no order beyond neutral characters and Arabic text uses them legitimately.
"""

from __future__ import annotations

import re

BIDI_CONTROLS: dict[str, str] = {
    "\u202a": "LRE",
    "\u202b": "RLE",
    "\u202c": "PDF",
    "\u202d": "LRO",
    "\u202e": "RLO",
    "\u2066": "LRI",
    "\u2067": "RLI",
    "\u2068": "FSI",
    "\u2069": "PDI",
}
_VISIBLE = str.maketrans({char: f"[{name}]" for char, name in BIDI_CONTROLS.items()})
# Their UTF-8 forms: E2 80 AA–AE and E2 81 A6–A9. A search over the encoded page costs microseconds.
UTF8_PATTERN = re.compile(rb"\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]")


def reveal_bidi_controls(text: str) -> str:
    return text.translate(_VISIBLE)


def reveal_bidi_controls_utf8(body: bytes) -> bytes:
    if not UTF8_PATTERN.search(body):
        return body
    text = body.decode("utf-8")  # pragma: no mutate (codec names ignore case)
    return reveal_bidi_controls(text).encode("utf-8")  # pragma: no mutate
