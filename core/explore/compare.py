"""Comparing texts: similarity, where they differ on directions, a one-line reading, neighbours, percentiles."""
from __future__ import annotations

import numpy as np
import pandas as pd

from core.directions.build import Direction
from core.explore.scores import score_matrix
from core.vectors import top_k

SAME = 0.25  # calibrated units below which two scores read as "about the same"
ALSO = 0.5  # a second difference is mentioned from this size on


def text_names(n: int) -> list[str]:
    """The names the Compare page gives its texts: A to Z, then T27, T28, ..."""
    return [chr(65 + i) if i < 26 else f"T{i + 1}" for i in range(n)]


def keep_pair(a, b, n: int) -> tuple[int, int]:
    """The A/B picks (indices) kept within `n` texts: an index past the end moves to the last text, and a
    pick that clamping made equal to the other moves to the nearest other text (A and B stay apart when
    they were)."""
    def clamp(i, fallback):
        try:
            return min(max(int(i), 0), n - 1)
        except (TypeError, ValueError):
            return min(fallback, n - 1)
    ka, kb = clamp(a, 0), clamp(b, 1)
    if ka == kb and n > 1 and a != b:
        if kb != b:
            kb = ka - 1 if ka > 0 else ka + 1
        else:
            ka = kb - 1 if kb > 0 else kb + 1
    return ka, kb


def similarity_matrix(embeddings: np.ndarray) -> np.ndarray:
    """Cosine similarities of unit rows."""
    E = np.asarray(embeddings, dtype=np.float32)
    return np.clip(E @ E.T, -1.0, 1.0)


def differences(frame: pd.DataFrame, a: int, b: int, directions: list[Direction]) -> pd.DataFrame:
    """Per direction: A's and B's calibrated scores and B - A, sorted by the size of the difference."""
    by = {d.name: d for d in directions}
    wide = frame.pivot(index="row", columns="direction", values="score")
    rows = []
    for name, d in by.items():
        sa, sb = float(wide.loc[a, name]), float(wide.loc[b, name])
        rows.append({"direction": name, "title": d.title, "a": sa, "b": sb, "difference": sb - sa,
                     "toward": d.positive_label if sb >= sa else d.negative_label})
    out = pd.DataFrame(rows, columns=["direction", "title", "a", "b", "difference", "toward"])
    return out.reindex(out["difference"].abs().sort_values(ascending=False).index).reset_index(drop=True)


def reading(diffs: pd.DataFrame, a_name: str = "A", b_name: str = "B") -> str:
    """One line that says where B differs most from A, in each direction's own pole labels, e.g. 'B sits 1.3
    further toward negative than A; both score about the same on Length.' (the same phrasing fits topic
    axes: '... further toward art ...; both score about the same on Science.')."""
    if diffs.empty:
        return "Pick at least one direction to compare on."
    top = diffs.iloc[0]
    if abs(top["difference"]) < SAME:
        return f"{a_name} and {b_name} score about the same on every direction shown."
    text = f"{b_name} sits {abs(top['difference']):.1f} further toward {top['toward']} than {a_name}"
    if len(diffs) > 1 and abs(diffs.iloc[1]["difference"]) >= ALSO:
        second = diffs.iloc[1]
        text += f", and {abs(second['difference']):.1f} further toward {second['toward']}"
    rest = diffs.iloc[1:]
    same = rest[rest["difference"].abs() < SAME]
    if not same.empty:
        pick = same[same["direction"] == "length"]
        pick = pick if not pick.empty else same.iloc[[-1]]
        text += f"; both score about the same on {pick.iloc[0]['title']}"
    return text + "."


def neighbours(queries: np.ndarray, corpus: np.ndarray, k: int = 5, exclude_self: bool = False):
    """Indices and cosine similarities of each query's k nearest corpus rows, nearest first (ties: lower
    index first); `exclude_self` leaves out rows identical to the query."""
    Q = np.atleast_2d(np.asarray(queries, dtype=np.float32))
    C = np.asarray(corpus, dtype=np.float32)
    k = max(0, min(k, len(C) - (1 if exclude_self else 0)))
    if k == 0 or len(Q) == 0:
        return np.zeros((len(Q), 0), dtype=int), np.zeros((len(Q), 0), dtype=np.float32)
    sims = Q @ C.T
    if exclude_self:  # a row identical to its query is the query itself
        sims = np.where(sims >= 1.0 - 1e-6, -np.inf, sims)
    return top_k(sims, k)


def percentiles(scores: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Percentile (0-100) of each score within the reference scores of the same direction (columns)."""
    ref = np.sort(np.asarray(reference, dtype=np.float64), axis=0)
    s = np.atleast_2d(np.asarray(scores, dtype=np.float64))
    out = np.empty_like(s)
    for j in range(s.shape[1]):
        lo = np.searchsorted(ref[:, j], s[:, j], side="left")
        hi = np.searchsorted(ref[:, j], s[:, j], side="right")
        out[:, j] = 100.0 * (lo + hi) / 2.0 / len(ref)
    return out


def as_percentiles(table: pd.DataFrame, directions: list[Direction], reference: np.ndarray) -> pd.DataFrame:
    """`table` with each direction's score column replaced by its percentile among the reference texts'
    scores (`reference`: their embeddings)."""
    names = [d.name for d in directions]
    out = table.copy()
    out[names] = percentiles(table[names].to_numpy(), score_matrix(reference, directions)[1])
    return out
