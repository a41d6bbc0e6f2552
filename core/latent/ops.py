"""Operations on embeddings: blur, steer, splice, interpolate (linear and spherical), arithmetic.

Pure functions on numpy vectors. Unless `keep_norm=False`, results are scaled back to a norm:
unit length for text embeddings, or the inputs' norm where the space is not normalised (CLIP
image embeddings are used "at the embeddings' norm").
"""
from __future__ import annotations

import numpy as np

from core.vectors import unit_rows


def _vec(v) -> np.ndarray:
    v = np.asarray(v, dtype=np.float64)
    if v.ndim != 1:
        raise ValueError(f"expected one vector, got shape {v.shape}")
    return v


def normalize(v, norm: float = 1.0) -> np.ndarray:
    """`v` (a vector or rows) rescaled to length `norm`; ValueError for a zero vector."""
    return unit_rows(v, dtype=np.float64, allow_zero=False) * norm


def blur(v, radius: float, n: int, seed: int = 0, norm: float | None = 1.0) -> np.ndarray:
    """n samples around `v`: v plus Gaussian noise whose expected length is `radius` (relative to |v|),
    each rescaled to `norm` (None keeps |v|). Radius 0 returns copies of v at that norm."""
    v = _vec(v)
    target = np.linalg.norm(v) if norm is None else norm
    noise = np.random.default_rng(seed).normal(size=(n, v.size)) / np.sqrt(v.size)
    return normalize(v[None, :] + radius * np.linalg.norm(v) * noise, target)


def steer(v, direction, amount: float, norm: float | None = 1.0) -> np.ndarray:
    """Move `v` by `amount` along the unit `direction`, then rescale ("shorter", "more negative")."""
    v, d = _vec(v), normalize(_vec(direction))
    target = np.linalg.norm(v) if norm is None else norm
    return normalize(v + amount * d, target)


def splice(a, b, k: int, norm: float | None = 1.0) -> np.ndarray:
    """The first k dimensions of `a` joined to the remaining dimensions of `b`."""
    a, b = _vec(a), _vec(b)
    if a.shape != b.shape:
        raise ValueError(f"cannot splice vectors of {a.size} and {b.size} dimensions")
    if not 0 <= k <= a.size:
        raise ValueError(f"k must be between 0 and {a.size}")
    out = np.concatenate([a[:k], b[k:]])
    return out if norm is None else normalize(out, norm)


def lerp(a, b, steps: int, norm: float | None = 1.0) -> np.ndarray:
    """`steps` points on the straight line from a to b (both ends included), optionally renormalised."""
    a, b = _vec(a), _vec(b)
    t = np.linspace(0.0, 1.0, steps)[:, None]
    out = (1 - t) * a + t * b
    return out if norm is None else normalize(out, norm)


def slerp(a, b, steps: int, norm: float | None = None) -> np.ndarray:
    """`steps` points along the great circle from a to b (ends included), with the angle taken between the
    whole vectors. Norms are interpolated linearly unless `norm` fixes one."""
    a, b = _vec(a), _vec(b)
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    ua, ub = normalize(a), normalize(b)
    omega = float(np.arccos(np.clip(ua @ ub, -1.0, 1.0)))
    t = np.linspace(0.0, 1.0, steps)[:, None]
    if omega < 1e-7:
        dirs = normalize((1 - t) * ua + t * ub)
    else:
        dirs = (np.sin((1 - t) * omega) * ua + np.sin(t * omega) * ub) / np.sin(omega)
    lengths = ((1 - t) * na + t * nb) if norm is None else np.full_like(t, norm)
    return dirs * lengths


def arithmetic(base, terms: list[tuple[float, np.ndarray]], norm: float | None = 1.0) -> np.ndarray:
    """base + sum(w_i * v_i) (negative weights subtract), rescaled to `norm` (None keeps |base|)."""
    base = _vec(base)
    out = base.copy()
    for weight, vector in terms:
        out = out + float(weight) * _vec(vector)
    return normalize(out, np.linalg.norm(base) if norm is None else norm)
