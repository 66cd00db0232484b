"""What every embedder shares, with no model behind it: the vectors' width, the Embedder protocol and the memo of
query vectors. A leaf module, so that the client of the assistant service (embedding_service.py) and the
in-process engines (embeddings.py) both use it without importing each other."""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np

logger = logging.getLogger(__name__)
DIMENSIONS = 384


class Embedder(Protocol):
    name: str

    def queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def passages(self, texts: Sequence[str]) -> np.ndarray: ...


MEMO_SIZE = 4096  # query vectors kept in a process (1.5 kB each)
MEMO_SECONDS = 3600  # how long a shared cache keeps one: a ticket is triaged within seconds of the question


class QueryMemo:
    """Query vectors lately computed, by text: in this process (bounded, least recently used out) and, when the
    deployment has a shared cache (Redis, AWN_REDIS_URL), in it, so a Celery worker reads the vector a web
    process computed. Keyed by the model's name and the exact text the model read."""

    def __init__(self, model: str, size: int = MEMO_SIZE) -> None:
        self.model, self.size = model, size
        self._local: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    @staticmethod
    def _shared() -> Any:
        from django.core.cache import caches
        from django.core.cache.backends.locmem import LocMemCache

        backend = caches["default"]
        return None if isinstance(backend, LocMemCache) else backend

    def _recall(self, keys: list[str]) -> dict[str, np.ndarray]:
        with self._lock:
            found = {key: self._local[key] for key in keys if key in self._local}
            for key in found:
                self._local.move_to_end(key)
        shared = self._shared() if len(found) < len(keys) else None
        if shared is not None:
            try:
                stored = shared.get_many([f"awn:qv:{key}" for key in keys if key not in found])
            except Exception:  # the shared cache is down: embed instead
                logger.warning("query vectors: shared cache unreachable", exc_info=True)
                stored = {}
            for name, raw in stored.items():
                vector = np.frombuffer(raw, dtype=np.float32) if isinstance(raw, bytes) else None
                if vector is not None and vector.shape == (DIMENSIONS,):
                    found[name.removeprefix("awn:qv:")] = vector
        return found

    def _store(self, fresh: dict[str, np.ndarray]) -> None:
        with self._lock:
            self._local.update(fresh)
            while len(self._local) > self.size:
                self._local.popitem(last=False)
        shared = self._shared()
        if shared is not None and fresh:
            try:
                shared.set_many(
                    {f"awn:qv:{key}": vector.astype(np.float32).tobytes() for key, vector in fresh.items()},
                    MEMO_SECONDS,
                )
            except Exception:
                logger.warning("query vectors: shared cache unreachable", exc_info=True)

    def queries(self, texts: Sequence[str], embed: Callable[[list[str]], np.ndarray]) -> np.ndarray:
        """Vectors of `texts`: remembered ones as they are, the others from one call of `embed`."""
        if not texts:
            return embed([])
        keys = [text_key(self.model, text) for text in texts]
        found = self._recall(keys)
        missing = list(dict.fromkeys(key for key in keys if key not in found))
        self.hits += len(keys) - sum(1 for key in keys if key not in found)
        self.misses += len(missing)
        if missing:
            first = {key: text for key, text in zip(keys, texts, strict=True) if key not in found}
            vectors = embed([first[key] for key in missing])
            fresh = {
                key: np.asarray(vector, dtype=np.float32)
                for key, vector in zip(missing, vectors, strict=True)
            }
            self._store(fresh)
            found.update(fresh)
        return np.stack([found[key] for key in keys]).astype(np.float32, copy=False)


def text_key(model: str, text: str) -> str:
    return hashlib.blake2b(f"{model}\x00{text}".encode(), digest_size=16).hexdigest()
