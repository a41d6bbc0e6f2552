"""Build methods: from two poles' embeddings to a unit direction.

Every method returns a unit vector oriented so that the positive pole's centroid
projects above the negative pole's; calibration is the same for all of them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from core.errors import LatentError
from core.vectors import unit_rows


class MethodError(LatentError, ValueError):
    pass


def _unit(v: np.ndarray) -> np.ndarray:
    """`v` at unit length, or MethodError for a zero or non-finite difference."""
    v = np.asarray(v, dtype=np.float64).reshape(-1)
    try:
        if not np.isfinite(v).all():
            raise ValueError("not finite")
        return unit_rows(v, dtype=np.float64, allow_zero=False, eps=1e-12)
    except ValueError:
        raise MethodError("the two poles have the same centroid, so they define no direction") from None


def _orient(v: np.ndarray, neg: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """Flip `v` if needed so the positive centroid projects higher."""
    v = _unit(v)
    gap = float(np.mean(pos, axis=0) @ v - np.mean(neg, axis=0) @ v)
    return v if gap >= 0 else -v


def _xy(neg: np.ndarray, pos: np.ndarray):
    X = np.vstack([neg, pos]).astype(np.float64)
    y = np.r_[np.zeros(len(neg)), np.ones(len(pos))]
    return X, y


def mean_difference(neg: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """The difference of the pole centroids (the Embedding Projector's custom projection)."""
    return _unit(np.mean(pos, axis=0) - np.mean(neg, axis=0))


def _row_basis(X: np.ndarray) -> np.ndarray:
    """Orthonormal basis (d, r) of the span of X's rows; fits in it equal fits in the full space."""
    _, sv, vt = np.linalg.svd(X, full_matrices=False)
    keep = sv > sv.max() * 1e-10 if sv.size else sv.astype(bool)
    return vt[keep].T


def logistic_regression(neg: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """The normal of an L2-regularised logistic-regression boundary, as TCAV builds concept activation vectors.

    The L2 solution lies in the span of the examples, so the fit runs in that span (at most n
    dimensions instead of d): the same vector, many times faster.
    """
    from sklearn.linear_model import LogisticRegression

    X, y = _xy(neg, pos)
    B = _row_basis(X)
    clf = LogisticRegression(C=1.0, max_iter=5000, tol=1e-6)
    clf.fit(X @ B, y)
    return _orient(B @ clf.coef_[0], neg, pos)


def ledoit_wolf_shrinkage(Xc: np.ndarray) -> float:
    """Ledoit-Wolf shrinkage intensity for centred data Xc (n, d), computed in n x n space."""
    n, d = Xc.shape
    sq = np.einsum("ij,ij->i", Xc, Xc)  # squared row norms
    gram = Xc @ Xc.T
    trace = sq.sum() / n  # tr(S)
    mu = trace / d
    frob = np.sum(gram**2) / n**2  # ||S||_F^2
    beta = (np.sum(sq**2) / n - frob) / (d * n)
    delta = (frob - 2 * mu * trace + d * mu**2) / d
    beta = min(beta, delta)
    return 0.0 if beta <= 0 else float(beta / delta)


def lda(neg: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """Fisher's discriminant with a Ledoit-Wolf-shrunk pooled covariance: (S shrunk)^-1 (mu_pos - mu_neg).

    Shrinking towards a scaled identity keeps the inverse stable when there are fewer examples than
    dimensions; the solve runs in the span of the examples, exactly.
    """
    neg, pos = np.asarray(neg, np.float64), np.asarray(pos, np.float64)
    Xc = np.vstack([neg - neg.mean(axis=0), pos - pos.mean(axis=0)])
    n, d = Xc.shape
    alpha = ledoit_wolf_shrinkage(Xc)
    mu = np.einsum("ij,ij->", Xc, Xc) / n / d
    B = _row_basis(np.vstack([Xc, neg.mean(axis=0), pos.mean(axis=0)]))
    Z = Xc @ B
    cov = (1 - alpha) * (Z.T @ Z) / n + alpha * mu * np.eye(B.shape[1])
    diff = (pos.mean(axis=0) - neg.mean(axis=0)) @ B
    return _orient(B @ np.linalg.solve(cov, diff), neg, pos)


def pca_pairs(neg: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """First principal component of the centred pair differences (Bolukbasi et al.; representation reading).

    Example i of the negative pole is paired with example i of the positive pole.
    Each pair is centred on its own mean, so the two halves of a pair are +-(pos-neg)/2.
    """
    if len(neg) != len(pos):
        raise MethodError(f"pca_pairs needs pairs: {len(neg)} negative and {len(pos)} positive examples")
    half = (np.asarray(pos, np.float64) - np.asarray(neg, np.float64)) / 2.0
    centred = np.vstack([half, -half])
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    return _orient(vt[0], neg, pos)


@dataclass(frozen=True)
class Method:
    name: str
    label: str
    build: Callable[[np.ndarray, np.ndarray], np.ndarray]
    min_per_pole: int
    needs_pairs: bool = False
    description: str = ""


METHODS: dict[str, Method] = {
    m.name: m
    for m in (
        Method("mean_difference", "Mean difference", mean_difference, 1,
               description="Unit vector from the negative pole's centroid to the positive pole's."),
        Method("logistic_regression", "Logistic regression", logistic_regression, 2,
               description="Normal of a logistic-regression boundary between the poles (TCAV)."),
        Method("lda", "LDA with shrinkage", lda, 2,
               description="Fisher's discriminant with a shrunk shared covariance: discounts directions of "
                           "high within-pole variance."),
        Method("pca_pairs", "PCA of pair differences", pca_pairs, 2, needs_pairs=True,
               description="First principal component of paired examples' differences (paired data sets)."),
    )
}


def check(method: str, n_negative: int, n_positive: int, paired: bool) -> Method:
    """The method, or MethodError saying why it cannot build this data set."""
    if method not in METHODS:
        raise MethodError(f"unknown method {method!r}; known methods: {', '.join(METHODS)}")
    m = METHODS[method]
    if min(n_negative, n_positive) < m.min_per_pole:
        raise MethodError(f"{m.label} needs at least {m.min_per_pole} examples per pole "
                          f"(have {n_negative} and {n_positive})")
    if m.needs_pairs and (not paired or n_negative != n_positive):
        raise MethodError(f"{m.label} needs a paired data set (the same number of examples in each pole, "
                          "example i of one pole paired with example i of the other)")
    return m


def build_vector(method: str, neg: np.ndarray, pos: np.ndarray, paired: bool = False) -> np.ndarray:
    m = check(method, len(neg), len(pos), paired)
    return m.build(np.asarray(neg), np.asarray(pos))


def remove_components(v: np.ndarray, others: list[np.ndarray]) -> np.ndarray:
    """`v` with the span of `others` projected out (Gram-Schmidt), unit length."""
    basis: list[np.ndarray] = []
    for u in others:
        u = np.asarray(u, np.float64)
        for b in basis:
            u = u - (u @ b) * b
        if np.linalg.norm(u) > 1e-9:
            basis.append(unit_rows(u, dtype=np.float64))
    v = np.asarray(v, np.float64)
    for b in basis:
        v = v - (v @ b) * b
    return _unit(v)
