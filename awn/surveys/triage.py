"""Sentiment and topic of a survey comment.

Sentiment is the Arabic engine's own (awn/assistant/triage/cues: its lexicons of thanks, praise and distress over
our normalizer), with the survey's scores as a prior: a comment beside a 1 or a 2 is rarely praise. The topic is
what the comment says about the service (waiting, staff, the solution, the system, the follow-up), found with a
small lexicon of normalized stems; the ticket's own category already says what the problem was."""

from __future__ import annotations

import re

from awn.assistant.triage.cues import guess_sentiment, sentiment_scores
from awn.core.text.arabic import normalize_arabic

from .enums import CommentTopic, Sentiment

# Service complaints the ticket lexicon does not hold (it reads problem reports, not verdicts on the service).
_SURVEY_NEGATIVE = (
    "سيء",
    "سيئ",
    "سيئه",
    "بطيء",
    "بطيئ",
    "بطء",
    "تاخير",
    "تاخر",
    "متاخر",
    "ما انحلت",
    "لم تحل",
    "لم يتم حل",
    "ما احد رد",
    "مزعج",
    "غير راض",
    "مو راضي",
    "slow",
    "bad",
    "poor",
    "rude",
    "terrible",
    "not solved",
    "unhelpful",
)
_SURVEY_POSITIVE = ("سريع", "سريعه", "ممتاز", "راض", "حلوا", "تم الحل", "انحلت", "fast", "helpful", "good")

_TOPICS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        CommentTopic.WAITING,
        (
            "انتظار",
            "انتظرت",
            "تاخير",
            "تاخر",
            "متاخر",
            "بطيء",
            "بطء",
            "سرعه",
            "سريع",
            "وقت",
            "wait",
            "slow",
            "fast",
        ),
    ),
    (
        CommentTopic.STAFF,
        ("موظف", "الموظفه", "الموظف", "اسلوب", "تعامل", "محترم", "لبق", "agent", "staff", "rude", "polite"),
    ),
    (
        CommentTopic.SOLUTION,
        ("حل", "انحلت", "المشكله", "لم تحل", "ما انحلت", "solved", "solution", "fixed", "problem"),
    ),
    (
        CommentTopic.SYSTEM,
        ("نظام", "نور", "الموقع", "المنصه", "تطبيق", "رابط", "system", "website", "app", "link"),
    ),
    (
        CommentTopic.COMMUNICATION,
        ("رد", "الرد", "تواصل", "متابعه", "ابلاغ", "reply", "respond", "follow", "contact"),
    ),
)


def _pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    # Each word at a word start, after an attached و/ف and ال/ب/ل/ك (the clitics Arabic writes in one word).
    alternatives = "|".join(re.escape(normalize_arabic(w)) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![^\W_])(?:[وف]?(?:بال|كال|ال|لل|[بلك])?)(?:{alternatives})")


_NEGATIVE = _pattern(_SURVEY_NEGATIVE)
_POSITIVE = _pattern(_SURVEY_POSITIVE)
_TOPIC_PATTERNS = tuple((topic, _pattern(words)) for topic, words in _TOPICS)


def comment_sentiment(comment: str, csat: int) -> str:
    """positive / neutral / negative; an empty comment takes the score's side (1–2 negative, 4–5 positive)."""
    text = (comment or "").strip()
    if not text:
        return Sentiment.NEGATIVE if csat <= 2 else Sentiment.POSITIVE if csat >= 4 else Sentiment.NEUTRAL
    normalized = normalize_arabic(text).lower()
    negative, positive = sentiment_scores(normalized, text)
    negative += len(_NEGATIVE.findall(normalized))
    positive += len(_POSITIVE.findall(normalized))
    # The score as half a cue: it breaks ties, it does not overrule what the words say.
    if csat <= 2:
        negative += 0.5
    elif csat >= 4:
        positive += 0.5
    label, _confidence = guess_sentiment(negative, positive, "normal")
    if label == "positive" and negative > positive:
        return Sentiment.NEGATIVE
    return str(label)


def comment_topic(comment: str) -> str:
    """The topic named most often in the comment (the first listed on a tie), else other; empty for no comment."""
    text = (comment or "").strip()
    if not text:
        return ""
    normalized = normalize_arabic(text).lower()
    counts = [
        (len(pattern.findall(normalized)), -i, topic) for i, (topic, pattern) in enumerate(_TOPIC_PATTERNS)
    ]
    best = max(counts)
    return str(best[2]) if best[0] else CommentTopic.OTHER
