"""Directions: unit vectors built from a data set for one model, with calibration.

A text's raw score is its projection on the unit vector. The calibrated score
maps the negative pole's centroid to -1, the positive pole's centroid to +1 and
their midpoint to 0. Built vectors are cached in memory and on disk, keyed by
the model identity and the data set's build hash; a bad cache entry is rebuilt.
"""
from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from core import config
from core.atomic import atomic_write_text
from core.datasets import DirectionDataset


@dataclass(frozen=True, eq=False)
class Direction:
    name: str
    title: str
    negative_label: str
    positive_label: str
    vector: np.ndarray
    negative_projection: float
    positive_projection: float
    model: str
    method: str
    dataset_hash: str

    def __post_init__(self):
        v = np.array(self.vector, dtype=np.float32)
        v.setflags(write=False)
        object.__setattr__(self, "vector", v)
        if not self.positive_projection > self.negative_projection:
            raise ValueError(
                f"Direction {self.name!r}: the positive pole does not project above the negative pole."
            )

    @property
    def midpoint(self) -> float:
        return (self.positive_projection + self.negative_projection) / 2.0

    @property
    def half_span(self) -> float:
        return (self.positive_projection - self.negative_projection) / 2.0

    def raw(self, embeddings: np.ndarray) -> np.ndarray:
        return np.asarray(embeddings, dtype=np.float32) @ self.vector

    def calibrate(self, raw) -> np.ndarray:
        return (np.asarray(raw, dtype=np.float64) - self.midpoint) / self.half_span

    def score(self, embeddings: np.ndarray) -> np.ndarray:
        return self.calibrate(self.raw(embeddings))

    @property
    def axis_title(self) -> str:
        return f"{self.negative_label} \u2190 {self.title} \u2192 {self.positive_label}"


def unit(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float64)
    n = np.linalg.norm(v)
    if not np.isfinite(n) or n == 0:
        raise ValueError("the two poles have the same centroid, so they define no direction")
    return v / n


def mean_difference(negative: np.ndarray, positive: np.ndarray) -> np.ndarray:
    """Unit vector from the negative pole's centroid to the positive pole's."""
    return unit(np.mean(positive, axis=0) - np.mean(negative, axis=0))


METHODS: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {"mean_difference": mean_difference}


def direction_from_embeddings(ds: DirectionDataset, negative: np.ndarray, positive: np.ndarray, model: str) -> Direction:
    vector = METHODS[ds.method](negative, positive)
    return Direction(
        name=ds.name,
        title=ds.title,
        negative_label=ds.negative_label,
        positive_label=ds.positive_label,
        vector=vector,
        negative_projection=float(np.mean(negative @ vector)),
        positive_projection=float(np.mean(positive @ vector)),
        model=model,
        method=ds.method,
        dataset_hash=ds.build_hash,
    )


# ---------------------------------------------------------------- cache

_MEMO: dict[tuple[str, str], Direction] = {}
_MEMO_LOCK = threading.Lock()


def _cache_path(identity: str, ds: DirectionDataset) -> Path:
    model_key = hashlib.sha256(identity.encode()).hexdigest()[:16]
    return config.cache_dir() / "directions" / model_key / f"{ds.name}-{ds.build_hash[:20]}.json"


def _read_cached(path: Path, ds: DirectionDataset, identity: str, dim: int, model: str) -> Direction | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data["identity"] != identity or data["build_hash"] != ds.build_hash:
            return None
        vector = np.array(data["vector"], dtype=np.float32)
        if vector.shape != (dim,) or not np.isfinite(vector).all() or abs(float(vector @ vector) - 1) > 1e-4:
            return None
        return Direction(
            name=ds.name, title=ds.title, negative_label=ds.negative_label, positive_label=ds.positive_label,
            vector=vector, negative_projection=float(data["negative_projection"]),
            positive_projection=float(data["positive_projection"]), model=model, method=ds.method,
            dataset_hash=ds.build_hash,
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None  # missing or corrupt: rebuild


def _cached(ds: DirectionDataset, embedder) -> Direction | None:
    identity = embedder.encoder.identity
    with _MEMO_LOCK:
        hit = _MEMO.get((identity, ds.build_hash))
    if hit is not None and (hit.title, hit.negative_label, hit.positive_label) == (
        ds.title, ds.negative_label, ds.positive_label
    ):
        return hit
    found = _read_cached(_cache_path(identity, ds), ds, identity, embedder.dim, embedder.name)
    if found is not None:
        with _MEMO_LOCK:
            _MEMO[(identity, ds.build_hash)] = found
    return found


def _remember(ds: DirectionDataset, embedder, direction: Direction) -> None:
    identity = embedder.encoder.identity
    record = {
        "identity": identity,
        "build_hash": ds.build_hash,
        "name": ds.name,
        "method": ds.method,
        "vector": [float(x) for x in direction.vector],
        "negative_projection": direction.negative_projection,
        "positive_projection": direction.positive_projection,
    }
    try:
        atomic_write_text(_cache_path(identity, ds), json.dumps(record))
    except OSError:
        pass  # a cache that cannot be written only costs time
    with _MEMO_LOCK:
        _MEMO[(identity, ds.build_hash)] = direction


def build_directions(datasets: list[DirectionDataset], embedder, progress=None) -> list[Direction]:
    """Directions for `datasets` in `embedder`'s model, from the caches when possible.

    The examples of every direction not cached are embedded together in one pass.
    """
    result = {ds.name: _cached(ds, embedder) for ds in datasets}
    todo = [ds for ds in datasets if result[ds.name] is None]
    if todo:
        texts = [t for ds in todo for t in (*ds.negative, *ds.positive)]
        E = embedder.embed(texts, progress=progress)
        at = 0
        for ds in todo:
            neg = E[at : at + len(ds.negative)]
            at += len(ds.negative)
            pos = E[at : at + len(ds.positive)]
            at += len(ds.positive)
            direction = direction_from_embeddings(ds, neg, pos, embedder.name)
            _remember(ds, embedder, direction)
            result[ds.name] = direction
    return [result[ds.name] for ds in datasets]


def build_direction(ds: DirectionDataset, embedder) -> Direction:
    return build_directions([ds], embedder)[0]
