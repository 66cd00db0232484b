"""Chat text is plain text, stored exactly as typed and escaped where it is shown (like ticket messages).

Nothing that looks like HTML is removed or decoded: «مرحبا<b>…</b>بكم» and «&lt;» reach the agent as written. The
browser inserts chat lines with textContent and the server's templates autoescape, so no markup ever runs. Only
characters that are never text are dropped: NUL and the other C0 controls but tab and newline.
"""

from __future__ import annotations

import re

# C0 controls except \t (09) and \n (0a); \r is folded into \n first. DEL (7f) too.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean_text(text: object) -> str:
    raw = text if isinstance(text, str) else ""
    return _CONTROL.sub("", raw.replace("\r\n", "\n").replace("\r", "\n")).strip()
