"""CLIP image embeddings, cached on disk by the image bytes' hash and the model identity.

Image embeddings are kept at their own norm, because the unCLIP decoders take them that way.
An image is anything with a `key` (a content hash) and an `image` (a PIL image).
"""
from __future__ import annotations

import hashlib
import json
import shutil
import threading
from pathlib import Path

import numpy as np

from core import config
from core.files import read_cached, write_cached

MEMORY_KEPT = 4096  # image embeddings kept in memory per model, besides the disk


class ImageEmbeddingCache:
    """One float32 file per image key, in a folder per model identity with a manifest; bad entries are misses."""

    def __init__(self, identity: str, dim: int, root: Path | None = None):
        self.identity, self.dim = identity, int(dim)
        slug = hashlib.sha256(identity.encode()).hexdigest()[:16]
        self.folder = Path(root or config.cache_dir()) / "clip-images" / slug
        self._memory: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()
        manifest = self.folder / "manifest.json"
        want = {"identity": identity, "dim": self.dim, "dtype": "float32", "format": "1"}
        if read_cached(manifest, lambda data: json.loads(data) == want or None) is None:
            shutil.rmtree(self.folder, ignore_errors=True)
            write_cached(manifest, json.dumps(want).encode("utf-8"))  # an unwritable cache only costs time

    def get(self, key: str) -> np.ndarray | None:
        with self._lock:
            hit = self._memory.get(key)
        if hit is not None:
            return hit
        path = self.folder / f"{key}.f32"
        vec = read_cached(path, self._vector)
        if vec is None:
            path.unlink(missing_ok=True)  # a damaged entry is dropped, to be embedded again
            return None
        self._remember(key, vec)
        return vec

    def _vector(self, data: bytes) -> np.ndarray | None:
        vec = np.frombuffer(data, dtype=np.float32) if len(data) == self.dim * 4 else None
        return vec if vec is not None and np.isfinite(vec).all() and vec.any() else None

    def put(self, key: str, vec: np.ndarray) -> None:
        vec = np.ascontiguousarray(vec, dtype=np.float32)
        write_cached(self.folder / f"{key}.f32", vec.tobytes())  # a cache that cannot be written only costs time
        self._remember(key, vec)

    def _remember(self, key: str, vec: np.ndarray) -> None:
        with self._lock:
            self._memory[key] = vec
            while len(self._memory) > MEMORY_KEPT:
                self._memory.pop(next(iter(self._memory)))


_CACHES: dict[tuple[str, str], ImageEmbeddingCache] = {}
_CACHE_LOCK = threading.Lock()


def cache_for(model) -> ImageEmbeddingCache:
    """The process-wide image embedding cache of a CLIP model (in the current cache folder)."""
    key = (model.identity, str(config.cache_dir()))
    with _CACHE_LOCK:
        if key not in _CACHES:
            _CACHES[key] = ImageEmbeddingCache(model.identity, model.dim)
        return _CACHES[key]


def clear_memory() -> None:
    """Forget the caches held in memory (as a new process would); what is on disk stays."""
    with _CACHE_LOCK:
        _CACHES.clear()


def embed_images(model, images: list) -> np.ndarray:
    """(N, dim) raw CLIP image embeddings, served from the disk cache when the same bytes were seen before."""
    cache = cache_for(model)
    out = np.zeros((len(images), model.dim), dtype=np.float32)
    todo = []
    for i, item in enumerate(images):
        hit = cache.get(item.key)
        if hit is None:
            todo.append(i)
        else:
            out[i] = hit
    if todo:
        fresh = model.image_features([images[i].image for i in todo])
        for i, vec in zip(todo, fresh):
            cache.put(images[i].key, vec)
            out[i] = vec
    return out

