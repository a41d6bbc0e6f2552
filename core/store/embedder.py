"""The on-disk embedding cache and the embedding service built on it.

Each model identity has a folder of memory-mapped vector shards (core/store/shards.py) keyed by
the texts' hashes, with a manifest of what produced them (model identity, dimension, format).
A text embedded once is served from disk on every later run, without loading the model. A cache
that is corrupt, truncated or made by something else is detected, dropped and rebuilt; a bad row
is treated as a miss. The cache is disposable: losing it costs time, not data.
"""
from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from core import config
from core.models.registry import Encoder
from core.store.shards import VectorStore

BATCHES_KEPT = 4  # corpora kept in memory per model
CHUNK = 256  # texts encoded (and saved) per step; also the progress granularity

Progress = Callable[[int, int], None]


def text_key(text: str) -> bytes:
    """16-byte content hash of a text (what the cache is keyed by)."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def _slug(identity: str) -> str:
    head = re.sub(r"[^A-Za-z0-9_-]+", "-", identity.split(":", 1)[0])[:40]
    return f"{head}-{hashlib.sha256(identity.encode()).hexdigest()[:16]}"


class EmbeddingStore(VectorStore):
    """Vectors of one model identity, keyed by text hash, in `<cache>/embeddings/<model>-<hash>/`."""

    def __init__(self, root: Path, identity: str, dim: int):
        super().__init__(Path(root) / "embeddings" / _slug(identity), identity, dim)
        self.path = self.folder


class Embedder:
    """An encoder in front of its disk cache: never embeds the same text twice."""

    def __init__(self, encoder: Encoder, root: Path | None = None):
        self.encoder = encoder
        self.name = encoder.name
        self.dim = encoder.dim
        self.store = EmbeddingStore(root or config.cache_dir(), encoder.identity, encoder.dim)
        self.encoded = 0  # texts this embedder actually ran through the model
        self._lock = threading.Lock()
        self._batches: OrderedDict[str, np.ndarray] = OrderedDict()  # whole corpora, by content key

    def embed(self, texts: Iterable[str], progress: Progress | None = None) -> np.ndarray:
        """(N, dim) unit rows for `texts`, in order; only unseen texts reach the model."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        keys = np.frombuffer(b"".join(map(text_key, texts)), dtype=np.uint8).reshape(-1, 16)
        found, out = self.store.lookup(keys)
        if found.all():
            return out
        missing = {}  # key bytes -> first position, for texts not cached (duplicates embedded once)
        for i in np.nonzero(~found)[0]:
            missing.setdefault(keys[i].tobytes(), i)
        order = sorted(missing.values(), key=lambda i: len(texts[i]))  # similar lengths pad little
        total = len(order)
        if progress:
            progress(0, total)
        fresh: dict[bytes, np.ndarray] = {}
        for start in range(0, total, CHUNK):
            part = order[start : start + CHUNK]
            vecs = self.encoder.encode([texts[i] for i in part])
            self.store.put_many(keys[part], vecs)
            for i, v in zip(part, vecs):
                fresh[keys[i].tobytes()] = v
            with self._lock:
                self.encoded += len(part)
            if progress:
                progress(min(start + CHUNK, total), total)
        for i in np.nonzero(~found)[0]:
            out[i] = fresh[keys[i].tobytes()]
        return out

    def embed_batch(self, key: str, texts: list[str], progress: Progress | None = None) -> np.ndarray:
        """`embed`, remembered in memory under a content key: a corpus is read from disk once per process."""
        with self._lock:
            hit = self._batches.get(key)
            if hit is not None:
                self._batches.move_to_end(key)
                return hit
        out = self.embed(texts, progress=progress)
        out.setflags(write=False)
        with self._lock:
            self._batches[key] = out
            while len(self._batches) > BATCHES_KEPT:
                self._batches.popitem(last=False)
        return out

    def cached_count(self, texts: Iterable[str]) -> int:
        keys = list(dict.fromkeys(text_key(t) for t in texts))
        return int(self.store.lookup(keys)[0].sum())


_EMBEDDERS: dict[tuple[str, str], Embedder] = {}
_EMB_LOCK = threading.Lock()


def get_embedder(model: str | None = None) -> Embedder:
    """The process-wide embedder (encoder + cache) for a model name."""
    from core.models.registry import get_encoder

    enc = get_encoder(model)
    key = (enc.identity, str(config.cache_dir()))
    with _EMB_LOCK:
        emb = _EMBEDDERS.get(key)
        if emb is None or emb.encoder is not enc:
            emb = _EMBEDDERS[key] = Embedder(enc)
        return emb
