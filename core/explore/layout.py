"""2-D maps of a corpus: PCA, UMAP, or two directions as axes; layouts cached in memory and on disk.

numba, which compiles UMAP's inner loops, keeps what it compiles in NUMBA_CACHE_DIR (set here before numba
is imported: a folder inside the virtual environment, whose packages the code was compiled from, else
inside the cache folder); UMAP's own kernels that are not marked `cache=True` are made cacheable too, so
only the first UMAP after an install compiles. Layouts go to `<cache>/layouts/`, keyed by the caller's key
(corpus and model), the method, its parameters and a hash of the embeddings; a damaged entry is rebuilt.
"""
from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import re
import sys
import threading
import warnings
from collections import OrderedDict
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from core import config
from core.directions.build import Direction
from core.errors import LatentError
from core.files import read_cached, write_cached
from core.vectors import top_k, unit_rows

log = logging.getLogger(__name__)
UMAP_FIT_MAX = 20_000  # UMAP learns its layout on at most this many points and places the rest
_LAYOUTS: OrderedDict = OrderedDict()  # (key, method, params) -> coordinates, least recently used first
_LOCK = threading.Lock()
_KEEP = 16  # layouts kept in memory
KEEP_ON_DISK = 64  # layout files kept in the cache folder (the least recently used go first)
FORMAT = 1  # of the layout files
Progress = Callable[[str, float], None]  # progress(what is happening, share done from 0 to 1)


def numba_cache_dir() -> Path:
    """Where numba keeps compiled code: `<venv>/numba-cache` in a virtual environment, else `<cache>/numba`."""
    if sys.prefix != sys.base_prefix:
        return Path(sys.prefix) / "numba-cache"
    return config.cache_dir() / "numba"


os.environ.setdefault("NUMBA_CACHE_DIR", str(numba_cache_dir()))
if "numba" in sys.modules:  # imported before this module: tell its configuration directly
    sys.modules["numba"].config.CACHE_DIR = os.environ["NUMBA_CACHE_DIR"]
# UMAP kernels compiled on every run unless made cacheable (umap-learn 0.5 marks only a few `cache=True`)
_UNCACHED = {"umap.umap_": ("smooth_knn_dist", "compute_membership_strengths"),
             "umap.layouts": ("_nb_optimize_layout_euclidean_single_epoch",)}


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


def compiled() -> bool:
    """Whether numba's cache already holds UMAP's compiled layout code."""
    return any(Path(os.environ["NUMBA_CACHE_DIR"]).glob("umap*/layouts.*single_epoch*.nbi"))


def _umap():
    """umap, with its uncached kernels made cacheable (once, before anything compiles them)."""
    import umap

    for module, names in _UNCACHED.items():
        for name in names:
            kernel = getattr(sys.modules.get(module), name, None)
            if hasattr(kernel, "enable_caching") and not getattr(kernel, "_latent_cached", False):
                kernel.enable_caching()
                kernel._latent_cached = True
    return umap


def cosine_knn(E: np.ndarray, k: int, progress: Progress | None = None, chunk: int | None = None):
    """Each row's k nearest rows by cosine distance (itself first, at distance 0), exactly, in chunks of rows
    (by default about 8 million similarities each): (indices int64, distances float32), as UMAP's
    `precomputed_knn` takes them."""
    X = unit_rows(E)
    n = len(X)
    chunk = chunk or max(64, 8_000_000 // max(1, n))
    idx, dist = np.empty((n, k), dtype=np.int64), np.empty((n, k), dtype=np.float32)
    for start in range(0, n, chunk):
        S = X[start:start + chunk] @ X.T
        rows = np.arange(len(S))
        S[rows, start + rows] = 2.0  # above any cosine: each row is its own first neighbour
        part, sims = top_k(S, k)
        idx[start:start + chunk], dist[start:start + chunk] = part, np.clip(1.0 - sims, 0.0, 2.0)
        dist[start + rows, 0] = 0.0
        if progress:
            progress(f"Finding each text's {k - 1} nearest neighbours", min(n, start + chunk) / n)
    return idx, dist


class _Epochs(io.StringIO):
    """A file for UMAP's tqdm progress (bar_format "{n} {total}"), passing each epoch count on."""

    def __init__(self, progress: Progress):
        super().__init__()
        self.progress = progress

    def write(self, s: str) -> int:
        found = re.findall(r"(\d+) (\d+)", s)
        if found:
            done, total = map(int, found[-1])
            self.progress(f"Laying out the points: epoch {done} of {total}", done / max(1, total))
        return len(s)


def umap_2d(E: np.ndarray, n_neighbors: int = 15, seed: int = 0, progress: Progress | None = None) -> np.ndarray:
    """UMAP with cosine distance on exact nearest neighbours; above UMAP_FIT_MAX points it fits on a
    sample (neighbours found by UMAP) and places the rest. `progress(message, share)` hears each phase."""
    X = np.asarray(E, dtype=np.float32)
    n = len(X)
    if n < 4:
        raise LayoutError("UMAP needs at least 4 texts")
    report = progress or (lambda message, share: None)
    report("Loading UMAP" if compiled() else "Loading UMAP and compiling its code (once per install: about a minute)",
           0.0)
    umap = _umap()
    k = max(2, min(n_neighbors, n - 1))
    epochs = dict(disable=False, file=_Epochs(report), bar_format="{n} {total}", mininterval=0.25)
    options = dict(n_neighbors=k, n_components=2, metric="cosine", random_state=seed, n_jobs=1, low_memory=True,
                   tqdm_kwds=epochs)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*(knn_search_index|n_jobs|random_state).*")
        if n <= UMAP_FIT_MAX:
            knn = cosine_knn(X, k, report)
            report("Building the neighbour graph and its starting layout", 0.0)
            return umap.UMAP(precomputed_knn=(*knn, None), **options).fit_transform(X).astype(np.float64)
        log.info("UMAP: fitting on %d of %d points and placing the rest", UMAP_FIT_MAX, n)
        report(f"Fitting on {UMAP_FIT_MAX:,} of the {n:,} points", 0.0)
        reducer = umap.UMAP(**options)
        reducer.fit(X[np.random.default_rng(seed).choice(n, UMAP_FIT_MAX, replace=False)])
        report(f"Placing all {n:,} points", 0.0)
        return reducer.transform(X).astype(np.float64)


def direction_axes(E: np.ndarray, x: Direction, y: Direction) -> np.ndarray:
    """Calibrated scores on two directions (the Embedding Projector's custom projection)."""
    return np.c_[x.score(E), y.score(E)]


def embedding_hash(E: np.ndarray) -> str:
    """A content hash of an embedding matrix (its float32 values and shape)."""
    X = np.ascontiguousarray(E, dtype=np.float32)
    h = hashlib.blake2b(str(X.shape).encode(), digest_size=16)
    h.update(memoryview(X).cast("B"))
    return h.hexdigest()


def layout_path(key: str, method: str, params: dict, fingerprint: str) -> Path:
    """The cache file of one layout."""
    name = json.dumps([FORMAT, key, method, sorted(params.items()), fingerprint], default=str)
    return config.cache_dir() / "layouts" / f"{hashlib.sha256(name.encode()).hexdigest()[:24]}.npz"


def _read_layout(fingerprint: str, rows: int):
    def parse(data: bytes) -> np.ndarray | None:
        with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
            manifest = json.loads(str(arrays["manifest"]))
            coords = np.array(arrays["coords"], dtype=np.float64)
        fits = manifest.get("embeddings") == fingerprint and coords.shape == (rows, 2)
        return coords if fits and np.isfinite(coords).all() else None
    return parse


def _layout_bytes(coords: np.ndarray, manifest: dict) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, coords=coords, manifest=np.array(json.dumps(manifest)))
    return buf.getvalue()


def _prune(folder: Path) -> None:
    try:
        files = sorted(folder.glob("*.npz"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for old in files[KEEP_ON_DISK:]:
            old.unlink(missing_ok=True)
    except OSError as exc:  # a file another process removed, or a folder we may not list: only costs disk
        log.info("could not prune %s (%s)", folder, exc)


def _compute(method: str, E: np.ndarray, progress: Progress | None, params: dict) -> np.ndarray:
    if method == "pca":
        return pca_2d(E)[0]
    if method == "umap":
        return umap_2d(E, progress=progress, **params)
    raise LayoutError(f"unknown layout {method!r}; known layouts: pca, umap")


def layout(key: str, method: str, E: np.ndarray, progress: Progress | None = None, **params) -> np.ndarray:
    """A cached 2-D layout: the same corpus, method and parameters are computed once, then read back
    from memory (the last _KEEP) or from the cache folder, also after a restart.

    `key` names the corpus and model (the caller's content hash); the disk entry also checks a hash of `E`.
    `progress(message, share)` hears the phases of a layout that is computed.
    """
    cache_key = (key, method, tuple(sorted(params.items())))
    with _LOCK:
        if cache_key in _LAYOUTS:
            _LAYOUTS.move_to_end(cache_key)
            return _LAYOUTS[cache_key]
    if method not in ("pca", "umap"):
        raise LayoutError(f"unknown layout {method!r}; known layouts: pca, umap")
    fingerprint = embedding_hash(E)
    path = layout_path(key, method, params, fingerprint)
    coords = read_cached(path, _read_layout(fingerprint, len(E)))
    if coords is None:
        coords = _compute(method, E, progress, params)
        manifest = dict(format=FORMAT, key=key, method=method, params=params, embeddings=fingerprint,
                        rows=int(len(E)), dim=int(np.shape(E)[1]))
        if write_cached(path, _layout_bytes(coords, manifest)):
            _prune(path.parent)
        log.info("computed a %s layout of %d points", method, len(coords))
    else:
        try:
            os.utime(path)  # recently used: kept longest
        except OSError:
            pass
    coords.setflags(write=False)
    with _LOCK:
        _LAYOUTS[cache_key] = coords
        while len(_LAYOUTS) > _KEEP:
            _LAYOUTS.popitem(last=False)
    return coords


def clear_layouts() -> None:
    """Forget every layout held in memory (the cache folder keeps its files)."""
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
