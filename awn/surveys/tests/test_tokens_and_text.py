"""Unit tests: the signed link (tamper, expiry, wrong salt), the reply digit, and the comment's sentiment and topic.
Every expected value is written by hand from the inputs."""

from __future__ import annotations

import time
from datetime import timedelta
from unittest import mock

import pytest
from django.core import signing

from awn.surveys.enums import CommentTopic, Sentiment
from awn.surveys.selectors import digit_answer
from awn.surveys.tokens import MAX_AGE, SALT, TokenError, make_token, read_token
from awn.surveys.triage import comment_sentiment, comment_topic


def test_a_token_names_its_invitation() -> None:
    assert read_token(make_token(42)) == 42


@pytest.mark.parametrize("position", [0, 5, -1, -8])
def test_an_altered_token_is_invalid(position: int) -> None:
    token = make_token(42)
    changed = "A" if token[position] != "A" else "B"
    altered = token[:position] + changed + token[position + 1 :] if position != -1 else token[:-1] + changed
    with pytest.raises(TokenError) as error:
        read_token(altered)
    assert error.value.reason == "invalid"


def test_a_token_for_another_invitation_cannot_be_forged_from_a_real_one() -> None:
    _payload, _sep, rest = make_token(42).partition(":")
    forged = signing.b64_encode(b'{"i":43}').decode() + ":" + rest
    with pytest.raises(TokenError):
        read_token(forged)


def test_a_token_signed_for_another_purpose_is_invalid() -> None:
    with pytest.raises(TokenError) as error:
        read_token(signing.dumps({"i": 42}, salt="awn.chat"))
    assert error.value.reason == "invalid"
    with pytest.raises(TokenError):
        read_token(signing.dumps([42], salt=SALT))  # signed, but not an invitation


def test_a_token_expires_after_its_age_limit_and_not_before() -> None:
    token = make_token(7)
    now = time.time()
    with mock.patch("django.core.signing.time.time", return_value=now + MAX_AGE.total_seconds() - 60):
        assert read_token(token) == 7
    with (
        mock.patch("django.core.signing.time.time", return_value=now + MAX_AGE.total_seconds() + 60),
        pytest.raises(TokenError) as error,
    ):
        read_token(token)
    assert error.value.reason == "expired"
    with pytest.raises(TokenError):
        read_token(token, max_age=timedelta(seconds=-1))


@pytest.mark.parametrize(
    ("text", "score"),
    [("5", 5), (" 1 ", 1), ("٣", 3), ("٥.", 5), ("تقييم 4", 4), ("rating 2", 2)],
)
def test_a_reply_digit_is_a_score(text: str, score: int) -> None:
    assert digit_answer(text) == score


@pytest.mark.parametrize("text", ["0", "6", "15", "5 شكرا", "رقم الطلب 5", "", "خمسة"])
def test_other_replies_are_not_scores(text: str) -> None:
    assert digit_answer(text) is None


@pytest.mark.parametrize(
    ("comment", "csat", "expected"),
    [
        ("شكرا لكم، خدمة ممتازة وسريعة", 5, Sentiment.POSITIVE),
        ("الله يعطيكم العافية", 4, Sentiment.POSITIVE),
        ("الرد بطيء جدا والموظف ما احد رد علي", 1, Sentiment.NEGATIVE),
        ("تأخير كبير والمشكلة لم تحل", 2, Sentiment.NEGATIVE),
        ("very slow and not solved", 1, Sentiment.NEGATIVE),
        ("", 1, Sentiment.NEGATIVE),  # no words: the score's side
        ("", 3, Sentiment.NEUTRAL),
        ("", 5, Sentiment.POSITIVE),
        ("تم التواصل معي", 3, Sentiment.NEUTRAL),
    ],
)
def test_comment_sentiment(comment: str, csat: int, expected: str) -> None:
    assert comment_sentiment(comment, csat) == expected


@pytest.mark.parametrize(
    ("comment", "expected"),
    [
        ("انتظرت وقت طويل حتى جاء الرد، تأخير", CommentTopic.WAITING),
        ("الموظفة أسلوبها محترم ولبق", CommentTopic.STAFF),
        ("المشكلة ما انحلت", CommentTopic.SOLUTION),
        ("موقع نور يعلق دائما والمنصة بطيئة التحميل", CommentTopic.SYSTEM),
        ("لا أحد يتابع معي ولا تواصل", CommentTopic.COMMUNICATION),
        ("شكرا", CommentTopic.OTHER),
        ("", ""),
    ],
)
def test_comment_topic(comment: str, expected: str) -> None:
    assert comment_topic(comment) == expected
