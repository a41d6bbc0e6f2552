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
from core.files import atomic_write_bytes, atomic_write_text

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
        try:
            ok = json.loads(manifest.read_text(encoding="utf-8")) == want
        except (OSError, ValueError):
            ok = False
        if not ok:
            shutil.rmtree(self.folder, ignore_errors=True)
            try:
                atomic_write_text(manifest, json.dumps(want))
            except OSError:
                pass  # an unwritable cache only costs time

    def get(self, key: str) -> np.ndarray | None:
        with self._lock:
            hit = self._memory.get(key)
        if hit is not None:
            return hit
        path = self.folder / f"{key}.f32"
        try:
            data = path.read_bytes()
        except OSError:
            return None
        vec = np.frombuffer(data, dtype=np.float32) if len(data) == self.dim * 4 else None
        if vec is None or not np.isfinite(vec).all() or not vec.any():
            path.unlink(missing_ok=True)
            return None
        self._remember(key, vec)
        return vec

    def put(self, key: str, vec: np.ndarray) -> None:
        vec = np.ascontiguousarray(vec, dtype=np.float32)
        try:
            atomic_write_bytes(self.folder / f"{key}.f32", vec.tobytes())
        except OSError:
            pass  # a cache that cannot be written only costs time
        self._remember(key, vec)

    def _remember(self, key: str, vec: np.ndarray) -> None:
        with self._lock:
            self._memory[key] = vec
            while len(self._memory) > MEMORY_KEPT:
                self._memory.pop(next(iter(self._memory)))


_CACHES: dict[tuple[str, str], ImageEmbeddingCache] = {}
_CACHE_LOCK = threading.Lock()


def _cache_for(model) -> ImageEmbeddingCache:
    key = (model.identity, str(config.cache_dir()))
    with _CACHE_LOCK:
        if key not in _CACHES:
            _CACHES[key] = ImageEmbeddingCache(model.identity, model.dim)
        return _CACHES[key]


def embed_images(model, images: list) -> np.ndarray:
    """(N, dim) raw CLIP image embeddings, served from the disk cache when the same bytes were seen before."""
    cache = _cache_for(model)
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

