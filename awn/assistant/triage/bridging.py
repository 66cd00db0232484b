"""What the category model reads, shared by prediction (engine.py) and training (training.py)."""

from __future__ import annotations

from awn.core.text.arabic import normalize_arabic
from awn.core.text.arabizi import arabizi_to_arabic
from awn.core.text.glossary import expand_query

from . import cues as rules

# Latin-script messages are bridged to the Arabic the model learned from: Arabizi transliterated, English and
# dialect words followed by their Arabic equivalents (awn/core/text/glossary.py); the user's words are kept.
BRIDGED_DIALECTS = frozenset({"arabizi", "english", "mixed"})


def classifier_text(text: str, dialect: str | None = None) -> str:
    """What the category model reads: the text, bridged to Arabic when it is written in Latin letters."""
    if dialect is None:
        normalized = normalize_arabic(text)
        dialect = rules.guess_dialect(text, normalized, rules.words(normalized))[1]
    if dialect not in BRIDGED_DIALECTS:
        return text
    return expand_query(arabizi_to_arabic(text) if dialect == "arabizi" else text)
