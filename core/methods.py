"""Build methods: from two poles' embeddings to a unit direction.

Every method returns a unit vector oriented so that the positive pole's centroid
projects above the negative pole's; calibration is the same for all of them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np


class MethodError(ValueError):
    pass


def _unit(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float64).reshape(-1)
    n = np.linalg.norm(v)
    if not np.isfinite(n) or n < 1e-12:
        raise MethodError("the two poles have the same centroid, so they define no direction")
    return v / n


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


def logistic_regression(neg: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """The normal of a logistic-regression boundary, as TCAV builds concept activation vectors."""
    from sklearn.linear_model import LogisticRegression

    X, y = _xy(neg, pos)
    clf = LogisticRegression(C=1.0, max_iter=2000)
    clf.fit(X, y)
    return _orient(clf.coef_[0], neg, pos)


def lda(neg: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """Linear discriminant analysis with Ledoit-Wolf shrinkage of the shared covariance."""
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

    X, y = _xy(neg, pos)
    clf = LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto")
    clf.fit(X, y)
    return _orient(clf.coef_[0], neg, pos)


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
        n = np.linalg.norm(u)
        if n > 1e-9:
            basis.append(u / n)
    v = np.asarray(v, np.float64)
    for b in basis:
        v = v - (v @ b) * b
    return _unit(v)
