"""Rule-based triage signals: priority cues, sentiment and language/dialect, from the lexicons in lexicons.py.

Everything here is a pure function of the text, compiled once at import; one message takes well under a
millisecond.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from awn.core.text.arabic import normalize_arabic

from . import lexicons as lx
from .lexicons import Combo

_ARABIC_LETTER = re.compile(r"[\u0621-\u064a]")
_LATIN_WORD = re.compile(r"[a-z][a-z0-9'’-]*|[0-9]+[a-z][a-z0-9]*")
_WORD = re.compile(r"[0-9]+|[\u0621-\u064a\u0671-\u06d3]+|[^\W\d_\u0600-\u06ff]+")
_QUESTION_WORDS = frozenset(
    normalize_arabic(w)
    for w in lx.phrases(
        "كيف | متى | وين | اين | أين | ليش | لماذا | هل | ممكن | وش | ايش | شو | ازاي | امتى | فين"
    )
    + lx.phrases("how | what | when | where | why | can")
)
_COLLOQUIAL_NEGATION = re.compile(r"(?<![^\W_])ما [يتان][\u0621-\u064a]{2,}")
_HAMZA_WORD = re.compile(r"(?<![^\W_])[\u0623\u0625]|[\u0624\u0626]")
_TANWEEN = re.compile("[\u064b-\u064d]")
_TA_MARBUTA = re.compile("\u0629")
# Attached conjunctions/prepositions a phrase may follow inside one written word.
_CLITIC = r"(?:[وف]?(?:بال|كال|ال|لل|[بلك])?)"


def _compile(phrases: Iterable[str]) -> re.Pattern[str]:
    """One regex for a group: each phrase at a word start; Latin phrases shorter than 4 letters end a word."""
    parts = []
    for phrase in sorted({normalize_arabic(p) for p in phrases if p.strip()}, key=len, reverse=True):
        escaped = re.escape(phrase)
        if _ARABIC_LETTER.match(phrase):
            parts.append(_CLITIC + escaped)
        elif len(phrase) < 4:
            parts.append(escaped + r"(?![^\W_])")
        else:
            parts.append(escaped)
    return re.compile(r"(?<![^\W_])(?:" + "|".join(parts) + ")")


@cache
def _pattern(group: tuple[str, ...]) -> re.Pattern[str]:
    return _compile(group)


def _has(group: tuple[str, ...], text: str) -> bool:
    return _pattern(group).search(text) is not None


def _count(group: tuple[str, ...], text: str) -> int:
    return len(_pattern(group).findall(text))


@dataclass(frozen=True)
class PriorityGuess:
    priority: str
    confidence: float
    cues: tuple[Combo, ...]


def priority_cues(normalized: str) -> list[Combo]:
    return [combo for combo in lx.COMBOS if all(_has(group, normalized) for group in combo.groups)]


def _is_small_talk(normalized: str, tokens: list[str]) -> bool:
    """Only thanks, praise or a greeting: short, no question."""
    if len(tokens) > 7 or "?" in normalized or "؟" in normalized:
        return False
    if any(token in _QUESTION_WORDS for token in tokens):
        return False
    return _has(lx.THANKS, normalized) or _has(lx.GREETING, normalized) or _has(lx.PRAISE, normalized)


def guess_priority(normalized: str, tokens: list[str], negative_score: float) -> PriorityGuess:
    """urgent > high > low > normal. A strong urgent cue is trusted; a weak one is only shown."""
    found = priority_cues(normalized)
    urgent = [c for c in found if c.priority == "urgent"]
    high = [c for c in found if c.priority == "high"]
    if urgent:
        confidence = min(0.95, 0.8 + 0.05 * (len(urgent) + len(high)))
        return PriorityGuess("urgent", confidence, tuple(urgent + high))
    strong_high = [c for c in high if c.weight >= 1]
    if strong_high:
        return PriorityGuess("high", min(0.9, 0.7 + 0.1 * len(strong_high)), tuple(high))
    low = [c for c in found if c.priority == "low"]
    if _is_small_talk(normalized, tokens) and negative_score == 0:
        return PriorityGuess("low", 0.8, ())
    if low and (negative_score < 1 or any(c.code == "suggestion" for c in low)):
        return PriorityGuess("low", 0.7 if len(low) == 1 else 0.8, tuple(low))
    if high:  # only weak cues ("urgent!"): normal, with the cue shown
        return PriorityGuess("normal", 0.5, tuple(high))
    return PriorityGuess("normal", 0.7 if negative_score < 2 else 0.6, ())


def sentiment_scores(normalized: str, raw: str) -> tuple[float, float]:
    negative = _count(lx.NEGATIVE, normalized) + sum(raw.count(s) for s in lx.NEGATIVE_SYMBOLS)
    positive = (
        _count(lx.THANKS, normalized)
        + _count(lx.PRAISE, normalized)
        + 0.5 * sum(1 for s in lx.POSITIVE_SYMBOLS if s in raw)
    )
    return float(negative), float(positive)


def guess_sentiment(negative: float, positive: float, priority: str) -> tuple[str, float]:
    """Thanks or praise make a message positive even with a question; distress or failure make it negative."""
    if priority in ("urgent", "high"):
        negative += 1
    if positive >= 1 and negative <= 1:
        return "positive", 0.75 if negative == 0 else 0.6
    if negative >= 1:
        return "negative", min(0.95, 0.6 + 0.1 * negative)
    if positive > 0:
        return "positive", 0.55
    return "neutral", 0.7


def _is_arabizi_token(token: str) -> bool:
    return (
        token not in lx.NOT_ARABIZI
        and any(c.isalpha() for c in token)
        and any(c in lx.ARABIZI_DIGITS for c in token)
    )


def guess_dialect(raw: str, normalized: str, tokens: list[str]) -> tuple[str, str, float]:
    """(language, dialect, confidence). Script first (Latin, Arabic, both), then marker words."""
    arabic_letters = len(_ARABIC_LETTER.findall(normalized))
    latin_words = _LATIN_WORD.findall(normalized)
    if arabic_letters == 0:
        if not latin_words:
            return "ar", "msa", 0.3
        digit_words = sum(1 for w in latin_words if _is_arabizi_token(w))
        arabizi_words = sum(1 for w in latin_words if w in lx.ARABIZI_WORDS)
        if (digit_words >= 1 and digit_words + arabizi_words >= 2) or arabizi_words >= 3:
            share = (digit_words + arabizi_words) / len(latin_words)
            return "ar", "arabizi", min(0.95, 0.6 + share)
        return "en", "english", 0.9 if digit_words == 0 else 0.7
    if latin_words:
        return "mixed", "mixed", min(0.95, 0.7 + 0.1 * len(latin_words))
    scores = {
        "gulf": sum(lx.GULF_MARKERS.get(t, 0.0) for t in tokens),
        "egyptian": sum(lx.EGYPTIAN_MARKERS.get(t, 0.0) for t in tokens),
        "levantine": sum(lx.LEVANTINE_MARKERS.get(t, 0.0) for t in tokens)
        + sum(1.0 for marker in lx.LEVANTINE_RAW if marker in raw),
    }
    colloquial = sum(lx.COLLOQUIAL_MARKERS.get(t, 0.0) for t in tokens) + 0.5 * len(
        _COLLOQUIAL_NEGATION.findall(normalized)
    )
    formal = sum(lx.FORMAL_MARKERS.get(t, 0.0) for t in tokens) + _formal_spelling(raw)
    scores["gulf"] += colloquial
    best = max(scores, key=lambda k: scores[k])
    top = scores[best]
    if top - 0.5 * formal < 0.6:
        if best == "gulf" and formal == 0 and len(tokens) >= 3 and not _TA_MARBUTA.search(raw):
            # No hamza, no ta marbuta, no formal word: casual writing, this deployment's usual colloquial.
            return "ar", "gulf", 0.45
        return "ar", "msa", 0.75 if top == 0 else 0.55
    runner_up = max(v for k, v in scores.items() if k != best)
    margin = top - runner_up
    return "ar", best, min(0.95, 0.5 + 0.1 * top + 0.1 * margin)


def _formal_spelling(raw: str) -> float:
    """Hamza seats, tanween and diacritics: careful, standard spelling (each counts, capped)."""
    return min(3.0, 0.5 * len(_HAMZA_WORD.findall(raw)) + len(_TANWEEN.findall(raw)))


def words(normalized: str) -> list[str]:
    return _WORD.findall(normalized)
