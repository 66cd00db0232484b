"""An optional external language model that words the answer, behind the same interface as the default.

Default: none. The answer is the article's own steps (answering.grounded_answer) and nothing leaves the deployment.
Opt in with AWN_ASSISTANT_LLM_URL (an OpenAI-compatible `/chat/completions` endpoint, e.g. a self-hosted vLLM or
Ollama), AWN_ASSISTANT_LLM_MODEL and, if needed, AWN_ASSISTANT_LLM_KEY. The model only ever sees the question and
the one article retrieval chose (never a contact's data), is told to answer from that article alone in the user's
language, and may answer HANDOFF when the article does not answer the question. Any failure (timeout, HTTP error,
malformed reply, an empty or over-long answer) falls back to the grounded answer: the provider can make answers
friendlier, never make the assistant unavailable.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings

from .retrieval import ArticleDoc

logger = logging.getLogger(__name__)
HANDOFF_TOKEN = "HANDOFF"  # noqa: S105 - a reply keyword, not a secret
MAX_ANSWER_CHARS = 4000

SYSTEM_PROMPT = (
    "You are the support assistant of a national school information system. Answer the user's question using ONLY "
    "the knowledge-base article given. Keep the article's steps and their order; do not add steps, links, phone "
    "numbers, dates or rules that are not in the article. Answer in the language and dialect register of the "
    "question (Arabic unless the user wrote English), briefly. If the article does not answer the question, reply "
    f"with the single word {HANDOFF_TOKEN}."
)


@dataclass(frozen=True)
class Composed:
    text: str
    handoff: bool = False
    provider: str = "grounded"


class AnswerComposer(Protocol):
    def compose(self, question: str, article: ArticleDoc, grounded: str, language: str) -> Composed: ...


class GroundedComposer:
    """The default: the article's own words."""

    def compose(self, question: str, article: ArticleDoc, grounded: str, language: str) -> Composed:
        return Composed(grounded)


class OpenAICompatibleComposer:
    def __init__(self, url: str, model: str, api_key: str = "", timeout: float = 8.0) -> None:
        self.url = url.rstrip("/") + "/chat/completions"
        self.model = model
        self.api_key = api_key
        self.timeout = timeout

    def _request(self, question: str, article: ArticleDoc) -> urllib.request.Request:
        article_text = (
            f"{article.title_ar}\n{article.body_ar}\n\n{article.title_en}\n{article.body_en}".strip()
        )
        body = {
            "model": self.model,
            "temperature": 0,
            "messages": [
                {"role": "system", "content": SYSTEM_PROMPT},
                {"role": "user", "content": f"Article:\n{article_text}\n\nQuestion:\n{question}"},
            ],
        }
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        return urllib.request.Request(  # noqa: S310 - the URL is the operator's configuration, http(s) only
            self.url, data=json.dumps(body).encode(), headers=headers, method="POST"
        )

    def compose(self, question: str, article: ArticleDoc, grounded: str, language: str) -> Composed:
        try:
            with urllib.request.urlopen(self._request(question, article), timeout=self.timeout) as response:  # noqa: S310
                payload = json.loads(response.read(256 * 1024))
            text = str(payload["choices"][0]["message"]["content"]).strip()
        except (
            urllib.error.URLError,
            TimeoutError,
            OSError,
            ValueError,
            KeyError,
            IndexError,
            TypeError,
        ) as exc:
            logger.warning("assistant LLM provider failed, using the grounded answer: %s", exc)
            return Composed(grounded)
        if text.strip(" .") == HANDOFF_TOKEN:
            return Composed(grounded, handoff=True, provider="llm")
        if not text or len(text) > MAX_ANSWER_CHARS:
            logger.warning("assistant LLM provider gave an unusable answer (%d characters)", len(text))
            return Composed(grounded)
        return Composed(text, provider="llm")


def answer_composer() -> AnswerComposer:
    url = getattr(settings, "AWN_ASSISTANT_LLM_URL", "")
    if not url:
        return GroundedComposer()
    if not url.startswith(("http://", "https://")):
        logger.warning("AWN_ASSISTANT_LLM_URL must be an http(s) URL; the LLM provider is off")
        return GroundedComposer()
    return OpenAICompatibleComposer(
        url,
        getattr(settings, "AWN_ASSISTANT_LLM_MODEL", "") or "default",
        getattr(settings, "AWN_ASSISTANT_LLM_KEY", ""),
        float(getattr(settings, "AWN_ASSISTANT_LLM_TIMEOUT", 8.0)),
    )
