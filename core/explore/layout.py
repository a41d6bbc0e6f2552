"""2-D maps of a corpus: PCA, UMAP, or two directions as axes; layouts cached by content."""
from __future__ import annotations

import logging
import threading
from collections import OrderedDict

import numpy as np
import pandas as pd

from core.directions.build import Direction
from core.errors import LatentError

log = logging.getLogger(__name__)
UMAP_FIT_MAX = 20_000  # UMAP learns its layout on at most this many points and places the rest
_LAYOUTS: OrderedDict = OrderedDict()  # (key, method, params) -> coordinates, least recently used first
_LOCK = threading.Lock()
_KEEP = 16


class LayoutError(LatentError, ValueError):
    """A layout that cannot be computed for this corpus (or an unknown layout name)."""


def pca_2d(E: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first two principal components of the rows (centred), and their share of the variance.

    Signs are fixed so that each component's largest loading is positive (stable across runs).
    """
    X = np.asarray(E, dtype=np.float64)
    mean = X.mean(axis=0)
    Xc = X - mean
    cov = Xc.T @ Xc / max(1, len(X) - 1)
    values, vectors = np.linalg.eigh(cov)
    order = np.argsort(values)[::-1][:2]
    W = vectors[:, order]
    W *= np.sign(W[np.abs(W).argmax(axis=0), range(W.shape[1])])
    total = values.sum()
    share = values[order] / total if total > 0 else np.zeros(2)
    return Xc @ W, share


def umap_2d(E: np.ndarray, n_neighbors: int = 15, seed: int = 0) -> np.ndarray:
    """UMAP with cosine distance; above UMAP_FIT_MAX points it fits on a sample and places the rest."""
    import umap

    X = np.asarray(E, dtype=np.float32)
    n = len(X)
    if n < 4:
        raise LayoutError("UMAP needs at least 4 texts")
    reducer = umap.UMAP(n_neighbors=max(2, min(n_neighbors, n - 1)), n_components=2, metric="cosine",
                        random_state=seed, n_jobs=1, low_memory=True)
    if n <= UMAP_FIT_MAX:
        return reducer.fit_transform(X).astype(np.float64)
    log.info("UMAP: fitting on %d of %d points and placing the rest", UMAP_FIT_MAX, n)
    idx = np.random.default_rng(seed).choice(n, UMAP_FIT_MAX, replace=False)
    reducer.fit(X[idx])
    return reducer.transform(X).astype(np.float64)


def direction_axes(E: np.ndarray, x: Direction, y: Direction) -> np.ndarray:
    """Calibrated scores on two directions (the Embedding Projector's custom projection)."""
    return np.c_[x.score(E), y.score(E)]


def layout(key: str, method: str, E: np.ndarray, **params) -> np.ndarray:
    """A cached 2-D layout: the same corpus, method and parameters are computed once.

    `key` names the corpus and model (the caller's content hash); the cache holds the last _KEEP layouts.
    """
    cache_key = (key, method, tuple(sorted(params.items())))
    with _LOCK:
        if cache_key in _LAYOUTS:
            _LAYOUTS.move_to_end(cache_key)
            return _LAYOUTS[cache_key]
    if method == "pca":
        coords = pca_2d(E)[0]
    elif method == "umap":
        coords = umap_2d(E, **params)
    else:
        raise LayoutError(f"unknown layout {method!r}; known layouts: pca, umap")
    log.info("computed a %s layout of %d points", method, len(coords))
    coords.setflags(write=False)
    with _LOCK:
        _LAYOUTS[cache_key] = coords
        while len(_LAYOUTS) > _KEEP:
            _LAYOUTS.popitem(last=False)
    return coords


def clear_layouts() -> None:
    """Forget every cached layout."""
    with _LOCK:
        _LAYOUTS.clear()


def map_frame(corpus_frame: pd.DataFrame, coords: np.ndarray, scores: dict[str, np.ndarray]) -> pd.DataFrame:
    """The map's table: x, y, text, each direction's score, then the metadata columns."""
    out = pd.DataFrame({"x": coords[:, 0], "y": coords[:, 1], "text": corpus_frame["text"].values})
    for name, s in scores.items():
        out[name] = s
    for c in corpus_frame.columns:
        if c != "text":
            out[c if c not in out.columns else f"{c}_meta"] = corpus_frame[c].values
    return out


def selected_rows(selection) -> list[int]:
    """Row indices of the points selected on a map (box or lasso), from Streamlit's selection state."""
    points = (selection or {}).get("points", []) if isinstance(selection, dict) else []
    rows = []
    for p in points:
        value = p.get("customdata")
        if isinstance(value, list):
            value = value[0] if value else None
        if value is None and p.get("curve_number", 0) == 0:
            value = p.get("point_index")
        if value is not None:
            rows.append(int(value))
    return sorted(set(rows))
