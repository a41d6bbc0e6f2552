"""The on-disk embedding cache and the embedding service built on it.

One SQLite file per model identity holds (text hash -> float32 vector) rows and a
manifest of what produced them (model identity, dimension, format). A text
embedded once is served from disk on every later run. A cache that is corrupt,
truncated or made by something else is detected, dropped and rebuilt; a bad row
is treated as a miss. The cache is disposable: losing it costs time, not data.
"""
from __future__ import annotations

import hashlib
import re
import sqlite3
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from core import config
from core.encoders import Encoder

FORMAT_VERSION = "1"
BATCHES_KEPT = 4  # corpora kept in memory per model
CHUNK = 256  # texts encoded (and saved) per step; also the progress granularity
_SQL_VARS = 900  # stay under SQLite's bound-parameter limit

Progress = Callable[[int, int], None]


def text_key(text: str) -> bytes:
    """16-byte content hash of a text (what the cache is keyed by)."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def _slug(identity: str) -> str:
    head = re.sub(r"[^A-Za-z0-9_-]+", "-", identity.split(":", 1)[0])[:40]
    return f"{head}-{hashlib.sha256(identity.encode()).hexdigest()[:16]}"


class EmbeddingStore:
    """Vectors of one model identity, keyed by text hash."""

    def __init__(self, root: Path, identity: str, dim: int):
        self.identity = identity
        self.dim = int(dim)
        self.path = Path(root) / "embeddings" / f"{_slug(identity)}.sqlite"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self.resets = 0  # how often a bad cache was dropped (for tests and the Home page)
        with self._lock:
            self._open()

    # -- connection management
    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("CREATE TABLE IF NOT EXISTS manifest (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        conn.execute("CREATE TABLE IF NOT EXISTS vectors (h BLOB PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID")
        want = {"identity": self.identity, "dim": str(self.dim), "dtype": "float32", "format": FORMAT_VERSION}
        have = dict(conn.execute("SELECT key, value FROM manifest").fetchall())
        if have and have != want:
            raise sqlite3.DatabaseError(f"cache manifest mismatch: {have} != {want}")
        if not have:
            with conn:
                conn.executemany("INSERT INTO manifest VALUES (?, ?)", list(want.items()))
        return conn

    def _open(self) -> None:
        try:
            self._conn = self._connect()
        except sqlite3.DatabaseError:
            self._reset()

    def _reset(self) -> None:
        """Drop a corrupt or mismatched cache file and start an empty one."""
        if self._conn is not None:
            try:
                self._conn.close()
            except sqlite3.Error:
                pass
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(self.path) + suffix).unlink(missing_ok=True)
        self.resets += 1
        self._conn = self._connect()

    def _run(self, fn):
        """Run fn(conn); on a database error, rebuild the cache once and retry."""
        with self._lock:
            try:
                return fn(self._conn)
            except sqlite3.DatabaseError:
                self._reset()
                return fn(self._conn)

    # -- public API
    def get_many(self, keys: list[bytes]) -> dict[bytes, np.ndarray]:
        """Vectors for the keys that are cached and well-formed."""
        nbytes = self.dim * 4

        def fetch(conn):
            found = {}
            bad = []
            for i in range(0, len(keys), _SQL_VARS):
                part = keys[i : i + _SQL_VARS]
                marks = ",".join("?" * len(part))
                for h, v in conn.execute(f"SELECT h, v FROM vectors WHERE h IN ({marks})", part):
                    vec = np.frombuffer(v, dtype=np.float32) if len(v) == nbytes else None
                    if vec is None or not np.isfinite(vec).all() or abs(float(vec @ vec) - 1.0) > 1e-3:
                        bad.append(h)
                    else:
                        found[bytes(h)] = vec
            if bad:
                with conn:
                    conn.executemany("DELETE FROM vectors WHERE h = ?", [(h,) for h in bad])
            return found

        return self._run(fetch) if keys else {}

    def put_many(self, keys: list[bytes], vectors: np.ndarray) -> None:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        rows = [(k, vectors[i].tobytes()) for i, k in enumerate(keys)]

        def write(conn):
            with conn:
                conn.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)", rows)

        self._run(write)

    def __len__(self) -> int:
        return int(self._run(lambda c: c.execute("SELECT COUNT(*) FROM vectors").fetchone()[0]))

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


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
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        keys = [text_key(t) for t in texts]
        unique = list(dict.fromkeys(keys))
        found = self.store.get_many(unique)
        first_text = {}
        for k, t in zip(keys, texts):
            first_text.setdefault(k, t)
        missing = [k for k in unique if k not in found]
        missing.sort(key=lambda k: len(first_text[k]))  # similar lengths batch with little padding
        total = len(missing)
        if progress and total:
            progress(0, total)
        for i in range(0, total, CHUNK):
            part = missing[i : i + CHUNK]
            vecs = self.encoder.encode([first_text[k] for k in part])
            self.store.put_many(part, vecs)
            for k, v in zip(part, vecs):
                found[k] = v
            with self._lock:
                self.encoded += len(part)
            if progress:
                progress(min(i + CHUNK, total), total)
        for i, k in enumerate(keys):
            out[i] = found[k]
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
        return len(self.store.get_many(keys))


_EMBEDDERS: dict[tuple[str, str], Embedder] = {}
_EMB_LOCK = threading.Lock()


def get_embedder(model: str | None = None) -> Embedder:
    """The process-wide embedder (encoder + cache) for a model name."""
    from core.encoders import get_encoder

    enc = get_encoder(model)
    key = (enc.identity, str(config.cache_dir()))
    with _EMB_LOCK:
        emb = _EMBEDDERS.get(key)
        if emb is None or emb.encoder is not enc:
            emb = _EMBEDDERS[key] = Embedder(enc)
        return emb
