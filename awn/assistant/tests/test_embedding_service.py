"""The e5 model served by one process per host (issue 14: a web worker <= 120 MB): a process with
AWN_ASSISTANT_SERVICE set gets the same vectors from `manage.py serve_assistant` and never loads the model."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from awn.assistant import embeddings
from awn.assistant.embedding_service import RemoteEmbedder, ServiceError, parse_address

ROOT = Path(__file__).resolve().parents[3]
TEXTS = ["كيف أسجل ابني في الصف الأول؟", "nseet kalimat el sir", "I cannot log in", ""]


@pytest.fixture(autouse=True)
def _no_kept_services() -> Iterator[None]:
    embeddings._remotes.clear()
    embeddings._remote_down_until.clear()
    yield
    embeddings._remotes.clear()
    embeddings._remote_down_until.clear()


@pytest.fixture(scope="module")
def service() -> Iterator[str]:
    """`manage.py serve_assistant` on a unix socket of its own, as a deployment runs it."""
    import tempfile

    folder = tempfile.mkdtemp(prefix="awn-assist-")
    path = os.path.join(folder, "assistant.sock")
    process = subprocess.Popen(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "serve_assistant", "--listen", path],
        cwd=ROOT,
        env={**os.environ, "AWN_ASSISTANT_SERVICE": ""},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 120
    while not os.path.exists(path):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError((process.stdout.read() if process.stdout else b"").decode())
        time.sleep(0.2)
    yield path
    process.terminate()
    process.wait(timeout=20)


class NoLocalModel:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise AssertionError("this process loaded the model")


def test_a_process_with_the_service_gets_the_same_vectors_without_loading_the_model(
    service: str, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = embeddings.E5Embedder()  # the local model: the reference
    expected_queries, expected_passages = reference.queries(TEXTS), reference.passages(TEXTS)
    settings.AWN_ASSISTANT_SERVICE = service
    monkeypatch.setattr(embeddings, "E5Embedder", NoLocalModel)
    served = embeddings.default_embedder()
    assert isinstance(served, RemoteEmbedder)
    assert served.name == reference.name  # cached passage vectors and memo keys stay valid
    queries, passages = served.queries(TEXTS), served.passages(TEXTS)
    assert queries.shape == passages.shape == (len(TEXTS), embeddings.DIMENSIONS)
    assert np.allclose(queries, expected_queries, atol=1e-5)
    assert np.allclose(passages, expected_passages, atol=1e-5)
    assert served.queries([]).shape == (0, embeddings.DIMENSIONS)
    assert embeddings.default_embedder() is served  # one client per process


@pytest.mark.django_db
def test_the_assistant_answers_through_the_service(
    service: str, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from awn.assistant import answering

    from .kb_fixture import load_kb

    settings.AWN_ASSISTANT_SERVICE = service
    monkeypatch.setattr(embeddings, "E5Embedder", NoLocalModel)
    answering.reset_index()
    load_kb()
    try:
        index = answering.current_index()
        assert index.dense_enabled and isinstance(index.embedder, RemoteEmbedder)
        answer = answering.assistant_ask("نسيت كلمة المرور ولا أستطيع الدخول")
        assert answer.article is not None and answer.article.external_id == "t-1"
    finally:
        answering.reset_index()


def test_without_the_service_retrieval_is_lexical_until_it_is_back(
    settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.AWN_ASSISTANT_SERVICE = str(tmp_path / "nobody.sock")
    monkeypatch.setattr(embeddings, "E5Embedder", NoLocalModel)
    assert embeddings.default_embedder() is None  # no dense vectors; never the model in this process
    assert embeddings.default_embedder() is None  # not tried again at once (no delay on every request)
    with pytest.raises(ServiceError):
        RemoteEmbedder(str(tmp_path / "nobody.sock"))


def test_the_service_listens_on_this_host_only() -> None:
    with pytest.raises(ValueError):
        parse_address("10.0.0.5:7311")
    assert parse_address("127.0.0.1:7311")[1] == ("127.0.0.1", 7311)
    assert parse_address("/run/awn/assistant.sock")[1] == "/run/awn/assistant.sock"


def test_unset_each_process_embeds_itself(settings: Any) -> None:
    settings.AWN_ASSISTANT_SERVICE = ""  # the embedded default (bin/awn up)
    assert isinstance(embeddings.default_embedder(), embeddings.E5Embedder)
