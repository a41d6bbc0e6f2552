"""A TF-IDF + truncated SVD encoder: a second, offline embedding space (for adapters and tests).

Word and word-pair TF-IDF, reduced to 256 dimensions by truncated SVD, fitted with fixed seeds on the built-in
sample corpus; the fitted state is kept in the cache folder as plain arrays (never a pickle).
"""
from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import numpy as np

from core import config
from core.files import cached
from core.models.registry import ModelSpec, register_backend
from core.vectors import unit_rows

TFIDF_NAME = "tfidf-svd-256"
TFIDF_DIM = 256

TFIDF_PARAMS = {"lowercase": True, "ngram_range": (1, 2), "min_df": 2, "sublinear_tf": True, "svd_iter": 7, "seed": 0}


def _fit_tfidf(texts: list[str]) -> dict[str, np.ndarray]:
    """Fit TF-IDF and truncated SVD; the state as plain arrays (terms in column order, idf, components)."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    p = TFIDF_PARAMS
    vectorizer = TfidfVectorizer(lowercase=p["lowercase"], ngram_range=p["ngram_range"], min_df=p["min_df"],
                                 sublinear_tf=p["sublinear_tf"], dtype=np.float64)
    X = vectorizer.fit_transform(texts)
    k = min(TFIDF_DIM, X.shape[1] - 1, X.shape[0] - 1)
    svd = TruncatedSVD(n_components=k, algorithm="randomized", n_iter=p["svd_iter"], random_state=p["seed"]).fit(X)
    terms = np.array(vectorizer.get_feature_names_out(), dtype=str)
    return {"terms": terms, "idf": vectorizer.idf_.astype(np.float64), "components": svd.components_.astype(np.float64)}


def _read_state(data: bytes) -> dict[str, np.ndarray] | None:
    with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
        state = {k: np.array(arrays[k]) for k in ("terms", "idf", "components")}
    C = state["components"]
    return state if C.ndim == 2 and C.shape[1] == len(state["terms"]) == len(state["idf"]) else None


def _state_bytes(state: dict[str, np.ndarray]) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **state)
    return buf.getvalue()


def _tfidf_state(texts: list[str]) -> dict[str, np.ndarray]:
    """The fitted state for `texts`, from the cache folder when fitted before (a bad entry is refitted)."""
    key = hashlib.sha256(json.dumps([TFIDF_PARAMS, TFIDF_DIM, texts], default=str).encode()).hexdigest()[:24]
    return cached(config.cache_dir() / "tfidf" / f"{key}.npz", _read_state, lambda: _fit_tfidf(texts), _state_bytes)


class TfidfEncoder:
    """Word and word-pair TF-IDF, reduced to 256 dimensions by truncated SVD, both fitted with fixed seeds on the
    built-in sample corpus (the fit is kept in the cache folder). Texts with no known word map to the corpus's
    mean direction. The identity includes a hash of the fitted state."""

    def __init__(self, spec: ModelSpec | None = None, path: Path | None = None, texts: list[str] | None = None):
        from sklearn.feature_extraction.text import CountVectorizer

        if texts is None:
            from core.io.corpus import sample_corpus

            texts = sample_corpus().texts
        self.name = spec.name if spec is not None else TFIDF_NAME
        state = _tfidf_state(list(texts))
        self._counter = CountVectorizer(lowercase=TFIDF_PARAMS["lowercase"], ngram_range=TFIDF_PARAMS["ngram_range"],
                                        vocabulary={t: i for i, t in enumerate(state["terms"].tolist())})
        self._idf, self._components = state["idf"], state["components"]
        self.dim = int(self._components.shape[0])
        self._fallback = np.zeros(self.dim, dtype=np.float32)
        self._fallback = unit_rows(self._project(list(texts)).mean(axis=0, keepdims=True))[0]
        h = hashlib.sha256("\0".join(state["terms"].tolist()).encode())
        h.update(self._idf.astype(np.float32).tobytes())
        h.update(self._components.astype(np.float32).round(5).tobytes())
        self.identity = f"{self.name}:{h.hexdigest()[:16]}"

    def _project(self, texts: list[str]) -> np.ndarray:
        from sklearn.preprocessing import normalize

        C = self._counter.transform(texts).astype(np.float64)
        C.data = np.log(C.data) + 1.0  # sublinear term frequency, as TfidfVectorizer(sublinear_tf=True)
        return np.asarray(normalize(C.multiply(self._idf).tocsr()) @ self._components.T)

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        Z = self._project(list(texts))
        empty = np.linalg.norm(Z, axis=1) < 1e-12
        out = unit_rows(Z)
        out[empty] = self._fallback
        return out


SPECS = [ModelSpec(
    name=TFIDF_NAME, source=str(Path(__file__).resolve().parent.parent / "data"), kind="tfidf",
    description="TF-IDF of words and word pairs, truncated SVD to 256 dimensions, fitted on the built-in sample "
                "corpus (offline; a second space for adapters).",
)]
register_backend("tfidf", TfidfEncoder)
