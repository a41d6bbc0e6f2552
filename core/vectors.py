"""Vector maths written once: unit rows, nearest neighbours by cosine, and the calibration of projections."""
from __future__ import annotations

import numpy as np


def unit_rows(x, dtype=np.float32, allow_zero: bool = True, eps: float = 0.0) -> np.ndarray:
    """`x` (one vector or rows) scaled to length 1 along its last axis.

    Rows whose length is at most `eps` stay as they are when `allow_zero`, else ValueError: a zero vector
    points nowhere.
    """
    x = np.asarray(x, dtype=dtype)
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    small = norms <= eps
    if small.any():
        if not allow_zero:
            raise ValueError("cannot normalise a zero vector")
        norms = np.where(small, 1.0, norms)
    return (x / norms).astype(dtype, copy=False)


def top_k(similarities, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row of a (queries, items) similarity matrix: the k largest entries' indices and values,
    largest first (ties keep the lower index first)."""
    S = np.atleast_2d(np.asarray(similarities))
    k = max(0, min(int(k), S.shape[1]))
    if k == 0:
        return np.zeros((len(S), 0), dtype=int), np.zeros((len(S), 0), dtype=S.dtype)
    part = np.argpartition(-S, k - 1, axis=1)[:, :k]
    part.sort(axis=1)  # index order first, so the stable sort below breaks ties by index
    order = np.argsort(-np.take_along_axis(S, part, axis=1), axis=1, kind="stable")
    idx = np.take_along_axis(part, order, axis=1)
    return idx, np.take_along_axis(S, idx, axis=1)


def calibrate(raw, negative_projection, positive_projection, neutral_projection=None) -> np.ndarray:
    """Calibrated scores: the negative pole's mean projection maps to -1, the positive pole's to +1.

    0 is the neutral projection (where texts that are neither pole sit) when one is given, else the poles'
    midpoint; the map is linear on each side of 0, so the order of scores never changes. A NaN neutral
    projection means "use the midpoint". Works elementwise and broadcasts, so one call calibrates a
    (texts, directions) matrix of projections against per-direction pole means.
    """
    neg = np.asarray(negative_projection, dtype=np.float64)
    pos = np.asarray(positive_projection, dtype=np.float64)
    raw = np.asarray(raw, dtype=np.float64)
    mid = (pos + neg) / 2.0
    if neutral_projection is None:
        return (raw - mid) / ((pos - neg) / 2.0)
    zero = np.asarray(neutral_projection, dtype=np.float64)
    zero = np.where(np.isnan(zero), mid, zero)
    return np.where(raw >= zero, (raw - zero) / (pos - zero), (raw - zero) / (zero - neg))
