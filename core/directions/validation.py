"""Validation against human ratings: correlation of a direction's scores with rated texts."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.io.inputs import InputError, require_columns

MIN_ROWS = 3


def ratings_from_table(table: pd.DataFrame, text_column: str, rating_column: str):
    """(texts, ratings, notes) from a table; non-numeric ratings are left out and counted."""
    require_columns(table, [text_column, rating_column])
    texts = table[text_column].astype(str).str.strip()
    raw = table[rating_column]
    ratings = pd.to_numeric(raw.astype(str).str.strip().str.replace(",", ".", regex=False), errors="coerce")
    keep = ratings.notna() & np.isfinite(ratings) & (texts != "")
    notes = []
    bad = int((~keep).sum())
    if bad:
        examples = ", ".join(repr(str(v)) for v in raw[~keep & (texts != "")].head(3))
        notes.append(f"Left out {bad} row{'s' * (bad != 1)} without a text or a numeric rating"
                     + (f" (such as {examples})." if examples else "."))
    if keep.sum() < MIN_ROWS:
        raise InputError(f"Column {rating_column!r} has {int(keep.sum())} numeric ratings; "
                         f"at least {MIN_ROWS} are needed.")
    return texts[keep].tolist(), ratings[keep].to_numpy(float), notes


def rating_columns(table: pd.DataFrame) -> list[str]:
    """The table's column names, those holding the most numbers first (the likely rating column)."""
    cols = [str(c) for c in table.columns]
    return sorted(cols, key=lambda c: -pd.to_numeric(table[c], errors="coerce").notna().mean())


def rated_points(texts: list[str], scores, ratings) -> pd.DataFrame:
    """One row per rated text: text, score (the direction's), rating (the person's)."""
    return pd.DataFrame({"text": list(texts), "score": np.asarray(scores, float), "rating": np.asarray(ratings, float)})


def _rank(x: np.ndarray) -> np.ndarray:
    """Average ranks along the last axis."""
    from scipy.stats import rankdata

    return rankdata(x, axis=-1)


def _pearson_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pearson r of each row pair of a and b (2-D, one sample per row)."""
    a = a - a.mean(axis=1, keepdims=True)
    b = b - b.mean(axis=1, keepdims=True)
    den = np.sqrt((a * a).sum(axis=1) * (b * b).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return (a * b).sum(axis=1) / den


@dataclass
class Correlation:
    n: int
    pearson: float
    pearson_ci: tuple[float, float]
    spearman: float
    spearman_ci: tuple[float, float]

    def to_text(self) -> str:
        return (f"n={self.n}  Pearson r={self.pearson:.3f} [{self.pearson_ci[0]:.3f}, {self.pearson_ci[1]:.3f}]  "
                f"Spearman rho={self.spearman:.3f} [{self.spearman_ci[0]:.3f}, {self.spearman_ci[1]:.3f}]  "
                "(95% bootstrap intervals)")


def correlate(scores, ratings, n_boot: int = 1000, seed: int = 0) -> Correlation:
    s, r = np.asarray(scores, float), np.asarray(ratings, float)
    if len(s) != len(r) or len(s) < MIN_ROWS:
        raise InputError(f"Need at least {MIN_ROWS} rated texts (have {len(s)}).")
    if np.ptp(r) == 0:
        raise InputError("All ratings are equal, so no correlation can be computed.")
    if np.ptp(s) == 0:
        raise InputError("All scores are equal, so no correlation can be computed.")
    pearson = float(_pearson_rows(s[None], r[None])[0])
    spearman = float(_pearson_rows(_rank(s)[None], _rank(r)[None])[0])
    idx = np.random.default_rng(seed).integers(0, len(s), (n_boot, len(s)))
    bs, br = s[idx], r[idx]
    bp = _pearson_rows(bs, br)
    bsp = _pearson_rows(_rank(bs), _rank(br))

    def ci(x):
        x = x[np.isfinite(x)]
        return (float(np.percentile(x, 2.5)), float(np.percentile(x, 97.5))) if len(x) else (np.nan, np.nan)

    return Correlation(len(s), pearson, ci(bp), spearman, ci(bsp))
