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


# Greetings, thanks, fillers and requests for help that name no problem, as search terms (normalized and stemmed
# like the query). A message made only of these, digits and symbols gets a prompt to describe the problem, not an
# article picked for words it does not contain (issue 13, defect 7).
_NO_CONTENT_TEXT = """
مرحبا مرحبتين هلا هلو اهلا اهلين أهلا السلام سلام عليكم علي ورحمة الله وبركاته والله صباح مساء الخير النور
شكرا جزيلا مشكور يعطيك العافية تمام طيب اوكي نعم لا أيوه ايوه اي إي ممكن مساعدة ساعدني سؤال استفسار عندي لو سمحت
من فضلك فضلك يا اخي أخي اختي أخت استاذ أستاذ
hi hello hey salam thanks thank you ok okay yes no please help question there
"""


def _terms(text: str) -> frozenset[str]:
    from awn.core.text.arabic import search_terms

    return frozenset(search_terms(text))


_NO_CONTENT_TERMS = _terms(_NO_CONTENT_TEXT)


def has_content(text: str) -> bool:
    """Whether a message says anything the assistant could answer: a word beyond greetings and fillers."""
    return any(not term.isdigit() and term not in _NO_CONTENT_TERMS for term in _terms(text))
