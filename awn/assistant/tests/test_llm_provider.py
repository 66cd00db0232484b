"""The optional language-model provider, against a local server on 127.0.0.1 that speaks the OpenAI chat API."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from awn.assistant.answering import assistant_ask
from awn.knowledge.models import Article


class FakeChatAPI(BaseHTTPRequestHandler):
    reply: ClassVar[Any] = "اضغط «نسيت كلمة المرور» في صفحة الدخول ثم أدخل رمز التحقق."
    status: ClassVar[int] = 200
    requests: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        FakeChatAPI.requests.append(
            {
                "path": self.path,
                "auth": self.headers.get("Authorization"),
                "body": json.loads(self.rfile.read(length)),
            }
        )
        body = json.dumps({"choices": [{"message": {"role": "assistant", "content": FakeChatAPI.reply}}]})
        self.send_response(FakeChatAPI.status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def chat_api(settings: Any) -> Iterator[str]:
    FakeChatAPI.requests = []
    FakeChatAPI.status = 200
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeChatAPI)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    settings.AWN_ASSISTANT_LLM_URL = url
    settings.AWN_ASSISTANT_LLM_MODEL = "local-model"
    settings.AWN_ASSISTANT_LLM_KEY = "test-key"
    settings.AWN_ASSISTANT_LLM_TIMEOUT = 2.0
    yield url
    server.shutdown()


def test_the_provider_words_the_answer_from_the_chosen_article_only(kb: None, chat_api: str) -> None:
    result = assistant_ask("نسيت كلمة المرور")
    assert result.answer == FakeChatAPI.reply
    assert not result.handoff and result.article_id == "kb-009"
    (request,) = FakeChatAPI.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["auth"] == "Bearer test-key"
    assert request["body"]["model"] == "local-model"
    prompt = request["body"]["messages"][1]["content"]
    assert "استعادة كلمة المرور المنسية" in prompt and "نسيت كلمة المرور" in prompt
    other = Article.objects.get(external_id="kb-011").body_ar.splitlines()[0]
    assert other not in prompt  # only the chosen article


def test_handoff_from_the_provider_goes_to_a_human(kb: None, chat_api: str) -> None:
    FakeChatAPI.reply = "HANDOFF"
    try:
        result = assistant_ask("نسيت كلمة المرور")
    finally:
        FakeChatAPI.reply = "اضغط «نسيت كلمة المرور» في صفحة الدخول ثم أدخل رمز التحقق."
    assert result.handoff and result.reason == "low_confidence"


def test_a_failing_provider_falls_back_to_the_grounded_answer(kb: None, chat_api: str) -> None:
    FakeChatAPI.status = 500
    result = assistant_ask("نسيت كلمة المرور")
    assert not result.handoff
    assert result.answer.startswith("استعادة كلمة المرور المنسية")


def test_an_unreachable_provider_falls_back_too(kb: None, settings: Any) -> None:
    settings.AWN_ASSISTANT_LLM_URL = "http://127.0.0.1:9/v1"  # discard port: nothing listens
    settings.AWN_ASSISTANT_LLM_TIMEOUT = 1.0
    result = assistant_ask("نسيت كلمة المرور")
    assert result.answer.startswith("استعادة كلمة المرور المنسية")


def test_no_provider_by_default(kb: None) -> None:
    assert assistant_ask("نسيت كلمة المرور").answer.startswith("استعادة كلمة المرور المنسية")
