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
    texts = table[text_column].where(table[text_column].notna(), "").astype(str).str.strip()  # nulls (Parquet)
    raw = table[rating_column]
    ratings = pd.to_numeric(raw.where(raw.notna(), "").astype(str).str.strip().str.replace(",", ".", regex=False),
                            errors="coerce")
    keep = ratings.notna() & np.isfinite(ratings) & (texts != "")
    notes = []
    nulls = int(table[text_column].isna().sum())
    if nulls:
        notes.append(f"Skipped {nulls} missing text{'s' * (nulls != 1)} in column {text_column!r}.")
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


def _spearman_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return _pearson_rows(_rank(a), _rank(b))


def _auc_rows(scores: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """ROC AUC of each row of scores for the 0/1 labels in the same row of labels (NaN without both classes)."""
    from core.directions.quality import auc

    out = np.full(len(scores), np.nan)
    for i, (s, y) in enumerate(zip(scores, labels)):
        if 0 < y.sum() < len(y):
            out[i] = auc(s[y == 0], s[y == 1])
    return out


STATISTICS = {"pearson": _pearson_rows, "spearman": _spearman_rows, "auc": _auc_rows}


def bootstrap_interval(metric: str, scores, targets, n_boot: int = 1000, seed: int = 0,
                       chunk: int = 100) -> tuple[float, float]:
    """95% percentile interval of `metric` (a STATISTICS name) over `n_boot` resamples of the (score, target) pairs.

    Resamples are drawn in chunks of rows (same seed, same resamples), so memory stays small on long sets.
    """
    s, r = np.asarray(scores, float), np.asarray(targets, float)
    rng = np.random.default_rng(seed)
    values = []
    for start in range(0, n_boot, chunk):
        idx = rng.integers(0, len(s), (min(chunk, n_boot - start), len(s)))
        values.append(STATISTICS[metric](s[idx], r[idx]))
    x = np.concatenate(values) if values else np.zeros(0)
    x = x[np.isfinite(x)]
    return (float(np.percentile(x, 2.5)), float(np.percentile(x, 97.5))) if len(x) else (np.nan, np.nan)


def statistic(metric: str, scores, targets) -> float:
    """`metric` (pearson, spearman or auc with 0/1 targets) of scores against targets."""
    return float(STATISTICS[metric](np.asarray(scores, float)[None], np.asarray(targets, float)[None])[0])


def correlate(scores, ratings, n_boot: int = 1000, seed: int = 0) -> Correlation:
    s, r = np.asarray(scores, float), np.asarray(ratings, float)
    if len(s) != len(r) or len(s) < MIN_ROWS:
        raise InputError(f"Need at least {MIN_ROWS} rated texts (have {len(s)}).")
    if np.ptp(r) == 0:
        raise InputError("All ratings are equal, so no correlation can be computed.")
    if np.ptp(s) == 0:
        raise InputError("All scores are equal, so no correlation can be computed.")
    return Correlation(len(s), statistic("pearson", s, r), bootstrap_interval("pearson", s, r, n_boot, seed),
                       statistic("spearman", s, r), bootstrap_interval("spearman", s, r, n_boot, seed))
