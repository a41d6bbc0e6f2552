"""The on-disk embedding cache and the embedding service built on it.

Each model identity has a folder of memory-mapped vector shards (core/store/shards.py) keyed by
the texts' hashes, with a manifest of what produced them (model identity, dimension, format).
A text embedded once is served from disk on every later run, without loading the model. A cache
that is corrupt, truncated or made by something else is detected, dropped and rebuilt; a bad row
is treated as a miss. The cache is disposable: losing it costs time, not data.

`windows(texts)` says how many windows of word pieces the model reads each text in (1: whole, in one pass;
more: a long text, pooled as `pooling` says); it asks the tokenizer only, never the model.
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
from core.models import windows as reading
from core.models.registry import Encoder
from core.store.shards import VectorStore

BATCHES_KEPT = 4  # corpora kept in memory per model
COUNTS_KEPT = 100_000  # window counts kept in memory per model (a page's texts are not re-tokenised each run)
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
        self._counts: OrderedDict[bytes, int] = OrderedDict()  # windows per text, by text key

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

    @property
    def pooling(self) -> str:
        """One line naming how the model reads a text longer than its window."""
        return reading.describe(self.encoder)

    @property
    def window(self) -> int | None:
        """Word pieces of text the model reads in one pass (None when the encoder does not say)."""
        return getattr(self.encoder, "window", None)

    def windows(self, texts: Iterable[str]) -> np.ndarray:
        """Windows each text is read in (1 = whole in one pass); ones for encoders that do not window.
        Counts are remembered by text, so only texts not counted before reach the tokenizer."""
        texts = list(texts)
        count = getattr(self.encoder, "windows", None)
        if count is None:
            return np.ones(len(texts), dtype=np.int64)
        keys = [text_key(t) for t in texts]
        with self._lock:
            known = {k: self._counts[k] for k in keys if k in self._counts}
        new = {k: t for k, t in zip(keys, texts) if k not in known}
        if new:
            known.update(zip(new, np.asarray(count(list(new.values())), dtype=np.int64).reshape(len(new)).tolist()))
            with self._lock:
                self._counts.update((k, known[k]) for k in new)
                while len(self._counts) > COUNTS_KEPT:
                    self._counts.popitem(last=False)
        return np.array([known[k] for k in keys], dtype=np.int64)

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
