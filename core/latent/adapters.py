"""Linear adapters between embedding spaces.

An adapter maps one encoder's space into another's: y ≈ x W + b, fitted on a corpus embedded by both, by
ridge regression or (where the dimensions match) orthogonal Procrustes. Its report gives the held-out cosine
between mapped and true vectors and the top-1 retrieval accuracy (does the mapped vector find its own text
among the held-out ones). Adapters are saved as .npz files of plain arrays (loaded with allow_pickle=False),
decode another model's embeddings (`core.latent.decoders.AdaptedDecoder`) and carry directions between models.

Command line: `python -m core adapter fit --source all-MiniLM-L6-v2 --target tfidf-svd-256 --output a.npz`
and `python -m core adapter info a.npz` (core.cli.adapter).
"""
from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core import config
from core.errors import LatentError
from core.files import DAMAGED, atomic_write_bytes, cached
from core.vectors import unit_rows

FORMAT = "latent-adapter/1"
METHODS = ("ridge", "procrustes")
ALPHAS = (0.01, 0.1, 1.0, 10.0)  # ridge penalties tried when none is given


class AdapterError(LatentError, ValueError):
    """An adapter that cannot be fitted, read or applied; the message says why."""


# ---------------------------------------------------------------- fitting

def _matrices(X, Y) -> tuple[np.ndarray, np.ndarray]:
    X, Y = np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=np.float64)
    if X.ndim != 2 or Y.ndim != 2 or len(X) != len(Y):
        raise AdapterError(f"Need paired rows: got source {X.shape} and target {Y.shape}.")
    if len(X) < 2:
        raise AdapterError("Need at least two texts embedded by both models to fit an adapter.")
    if not (np.isfinite(X).all() and np.isfinite(Y).all()):
        raise AdapterError("The embeddings contain NaN or infinite values.")
    return X, Y


def fit_ridge(X, Y, alpha: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """W, b minimising |X W + b - Y|² + alpha |W|² (the bias is not penalised)."""
    X, Y = _matrices(X, Y)
    mx, my = X.mean(axis=0), Y.mean(axis=0)
    Xc, Yc = X - mx, Y - my
    W = np.linalg.solve(Xc.T @ Xc + float(alpha) * np.eye(X.shape[1]), Xc.T @ Yc)
    return W, my - mx @ W


def fit_procrustes(X, Y) -> tuple[np.ndarray, np.ndarray]:
    """The orthogonal W minimising |X W - Y|² (a rotation or reflection, so lengths and angles are kept)."""
    X, Y = _matrices(X, Y)
    if X.shape[1] != Y.shape[1]:
        raise AdapterError(f"Procrustes needs spaces of equal dimension; these have {X.shape[1]} and "
                           f"{Y.shape[1]}. Use ridge regression instead.")
    U, _, Vt = np.linalg.svd(X.T @ Y)
    return U @ Vt, np.zeros(Y.shape[1])


def evaluate(W, b, X, Y) -> dict:
    """Mean cosine between mapped and true rows, and top-1 retrieval accuracy among these rows."""
    P = unit_rows(np.asarray(X, dtype=np.float64) @ W + b)
    T = unit_rows(Y)
    cos = np.sum(P * T, axis=1)
    hits = np.argmax(P @ T.T, axis=1) == np.arange(len(T))
    return {"cosine": float(cos.mean()), "top1": float(hits.mean()), "n": int(len(T)), "chance": 1.0 / len(T)}


@dataclass(frozen=True, eq=False)
class Adapter:
    weight: np.ndarray  # (source_dim, target_dim)
    bias: np.ndarray  # (target_dim,)
    method: str
    source: str
    target: str
    source_identity: str = ""
    target_identity: str = ""
    alpha: float | None = None
    report: dict = field(default_factory=dict)

    @property
    def source_dim(self) -> int:
        return int(self.weight.shape[0])

    @property
    def target_dim(self) -> int:
        return int(self.weight.shape[1])

    def map(self, X, unit: bool = True) -> np.ndarray:
        """Source-space rows mapped into the target space (unit rows unless unit=False)."""
        X = np.atleast_2d(np.asarray(X, dtype=np.float64))
        if X.shape[1] != self.source_dim:
            raise AdapterError(f"Incompatible dimensions: this adapter reads {self.source_dim}-dimensional vectors "
                               f"({self.source}), not {X.shape[1]}.")
        Y = X @ self.weight + self.bias
        return unit_rows(Y).astype(np.float64) if unit else Y

    def carry(self, direction) -> np.ndarray:
        """A direction of the source space as a unit direction of the target space (the bias cancels)."""
        d = np.asarray(direction, dtype=np.float64)
        if d.shape != (self.source_dim,):
            raise AdapterError(f"A direction of {d.size} dimensions cannot go through an adapter from "
                               f"{self.source_dim}.")
        out = d @ self.weight
        n = np.linalg.norm(out)
        if not n > 0:
            raise AdapterError("The adapter maps this direction to zero.")
        return out / n


def fit_adapter(X, Y, method: str = "ridge", alpha: float | None = None, holdout: float = 0.2, seed: int = 0,
                source: str = "source", target: str = "target", source_identity: str = "",
                target_identity: str = "") -> Adapter:
    """Fit on (1 - holdout) of the rows and report on the rest, then refit on all rows for use.

    With `alpha=None`, ridge picks its penalty from ALPHAS by the cosine on a validation part of the training rows.
    """
    if method not in METHODS:
        raise AdapterError(f"Unknown adapter method {method!r}; use one of {', '.join(METHODS)}.")
    X, Y = _matrices(X, Y)
    order = np.random.default_rng(seed).permutation(len(X))
    n_test = int(round(len(X) * holdout))
    if n_test < 2 or len(X) - n_test < 2:
        raise AdapterError(f"{len(X)} texts are too few to fit and hold out; use at least 10.")
    test, train = order[:n_test], order[n_test:]
    if method == "procrustes":
        fit = lambda rows, a=None: fit_procrustes(X[rows], Y[rows])  # noqa: E731
        alpha = None
    else:
        fit = lambda rows, a: fit_ridge(X[rows], Y[rows], a)  # noqa: E731
        if alpha is None:
            cut = max(1, len(train) // 5)
            val, sub = train[:cut], train[cut:]
            alpha = max(ALPHAS, key=lambda a: evaluate(*fit(sub, a), X[val], Y[val])["cosine"])
    report = evaluate(*fit(train, alpha), X[test], Y[test])
    report["n_train"] = int(len(train))
    W, b = fit(np.arange(len(X)), alpha)
    return Adapter(W, b, method, source, target, source_identity, target_identity, alpha, report)


# ---------------------------------------------------------------- files

def to_bytes(adapter: Adapter) -> bytes:
    meta = {"format": FORMAT, "method": adapter.method, "source": adapter.source, "target": adapter.target,
            "source_identity": adapter.source_identity, "target_identity": adapter.target_identity,
            "alpha": adapter.alpha, "report": adapter.report}
    buf = io.BytesIO()
    np.savez(buf, weight=np.asarray(adapter.weight, dtype=np.float64), bias=np.asarray(adapter.bias, dtype=np.float64),
             meta=np.array(json.dumps(meta)))
    return buf.getvalue()


def save(adapter: Adapter, path) -> Path:
    """Write the adapter as an .npz of plain arrays, atomically."""
    path = Path(path)
    atomic_write_bytes(path, to_bytes(adapter))
    return path


def load(source, name: str | None = None) -> Adapter:
    """An adapter from a path or bytes; AdapterError for anything that is not a valid adapter file."""
    name = name or (Path(source).name if not isinstance(source, (bytes, bytearray)) else "the file")
    try:
        handle = io.BytesIO(bytes(source)) if isinstance(source, (bytes, bytearray)) else source
        with np.load(handle, allow_pickle=False) as data:
            weight, bias = np.array(data["weight"], dtype=np.float64), np.array(data["bias"], dtype=np.float64)
            meta = json.loads(str(data["meta"][()]))
    except FileNotFoundError:
        raise AdapterError(f"No adapter file at {source}.") from None
    except DAMAGED as exc:
        raise AdapterError(f"{name} is not a valid adapter file (.npz with weight, bias and meta): {exc}") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT or meta.get("method") not in METHODS:
        raise AdapterError(f"{name} is not a valid adapter file: unknown format or method.")
    finite = np.isfinite(weight).all() and np.isfinite(bias).all()
    if weight.ndim != 2 or bias.shape != (weight.shape[1],) or not finite:
        raise AdapterError(f"{name} is not a valid adapter file: weight {weight.shape} and bias {bias.shape} "
                           "do not fit together or hold non-finite numbers.")
    return Adapter(weight, bias, meta["method"], str(meta.get("source", "")), str(meta.get("target", "")),
                   str(meta.get("source_identity", "")), str(meta.get("target_identity", "")),
                   meta.get("alpha"), dict(meta.get("report") or {}))


# ---------------------------------------------------------------- between two registered models

def between(source_embedder, target_embedder, corpus=None, method: str = "ridge", alpha: float | None = None,
            progress=None) -> Adapter:
    """An adapter from one embedder's model to another's, fitted on `corpus` (default: the sample corpus) and
    kept in the cache folder, keyed by both model identities, the corpus and the settings."""
    from core.io.corpus import embed_corpus, sample_corpus

    corpus = corpus if corpus is not None else sample_corpus()
    src, dst = source_embedder.encoder.identity, target_embedder.encoder.identity
    key = hashlib.sha256(f"{src}\0{dst}\0{corpus.key}\0{method}\0{alpha}\0{FORMAT}".encode()).hexdigest()[:24]
    path = config.cache_dir() / "adapters" / f"{key}.npz"

    def parse(data: bytes) -> Adapter | None:  # an AdapterError (a ValueError) marks a damaged entry
        adapter = load(data, name=path.name)
        return adapter if (adapter.source_identity, adapter.target_identity) == (src, dst) else None

    def fit() -> Adapter:
        X = embed_corpus(corpus, source_embedder, progress)
        Y = embed_corpus(corpus, target_embedder, progress)
        _, first = np.unique(np.asarray(corpus.texts, dtype=object), return_index=True)
        keep = np.sort(first)
        return fit_adapter(X[keep], Y[keep], method, alpha, source=source_embedder.name,
                           target=target_embedder.name, source_identity=src, target_identity=dst)

    return cached(path, parse, fit, to_bytes)


def carried_agreement(adapter: Adapter, source_dirs, target_dirs) -> list[dict]:
    """For directions built in both models: the cosine between the carried source direction and the target's own."""
    theirs = {d.name: d for d in target_dirs}
    return [{"direction": d.name,
             "cosine with the target's own": float(adapter.carry(d.vector) @ theirs[d.name].vector)}
            for d in source_dirs if d.name in theirs]
