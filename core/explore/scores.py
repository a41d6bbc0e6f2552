"""Scores as tidy frames: one row per (text, direction), the interchange with charts.

A table may carry a `windows` column (`windows=` or `mark_windowed`): how many overlapping windows the model
read each text in (1: whole, in one pass; more: a text longer than the model's window, pooled).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from core.directions.build import Direction
from core.vectors import calibrate

LONG_COLUMNS = ["row", "text", "direction", "title", "score", "raw"]
WINDOWS = "windows"


def mark_windowed(frame: pd.DataFrame, counts) -> pd.DataFrame:
    """`frame` with a `windows` column from the per-text window counts: by `row` in a long frame (one row per
    text and direction), by position in a wide one (one row per text)."""
    counts = np.asarray(counts, dtype=np.int64).reshape(-1)
    long = "row" in frame.columns
    rows = frame["row"].to_numpy(dtype=np.int64) if long else np.arange(len(frame))
    if (long and len(rows) and rows.max() >= len(counts)) or (not long and len(frame) != len(counts)):
        raise ValueError(f"{len(counts)} window counts do not fit a table of {len(frame)} rows")
    out = frame.copy()
    out[WINDOWS] = counts[rows]
    return out


def score_matrix(embeddings: np.ndarray, directions: list[Direction]) -> tuple[np.ndarray, np.ndarray]:
    """(raw, calibrated) scores, each (n texts, k directions): one matrix product."""
    V = np.stack([d.vector for d in directions], axis=1)  # (dim, k)
    raw = np.asarray(embeddings, dtype=np.float32) @ V
    neg = np.array([d.negative_projection for d in directions])
    pos = np.array([d.positive_projection for d in directions])
    zero = np.array([d.zero for d in directions])
    return raw, calibrate(raw, neg, pos, zero)


def wide_table(texts: list[str], embeddings: np.ndarray, directions: list[Direction], raw: bool = False,
               windows=None) -> pd.DataFrame:
    """The same table as wide_scores(score_frame(...)), built directly (for large batches); with `windows`
    (counts per text), a last `windows` column."""
    r, cal = score_matrix(embeddings, directions) if directions else (np.zeros((len(texts), 0)),) * 2
    out = {"text": pd.Series(list(texts), dtype=object)}
    for j, d in enumerate(directions):
        out[d.name] = cal[:, j].astype(float)
    if raw:
        for j, d in enumerate(directions):
            out[f"{d.name}_raw"] = r[:, j].astype(float)
    table = pd.DataFrame(out)
    return table if windows is None else mark_windowed(table, windows)


def score_frame(texts: list[str], embeddings: np.ndarray, directions: list[Direction], windows=None) -> pd.DataFrame:
    """Long-form scores: row (input position), text, direction, title, score (calibrated), raw; with `windows`
    (counts per text), a `windows` column too."""
    n = len(texts)
    if embeddings.shape[0] != n:
        raise ValueError(f"{n} texts but {embeddings.shape[0]} embeddings")
    if not directions or n == 0:
        frame = pd.DataFrame({c: pd.Series(dtype=object if c in ("text", "direction", "title") else float)
                              for c in LONG_COLUMNS})
        return frame if windows is None else mark_windowed(frame, windows)
    raw, cal = score_matrix(embeddings, directions)
    k = len(directions)
    frame = pd.DataFrame(
        {
            "row": np.repeat(np.arange(n), k),
            "text": np.repeat(np.asarray(texts, dtype=object), k),
            "direction": np.tile(np.array([d.name for d in directions], dtype=object), n),
            "title": np.tile(np.array([d.title for d in directions], dtype=object), n),
            "score": cal.reshape(-1).astype(float),
            "raw": raw.reshape(-1).astype(float),
        }
    )
    return frame if windows is None else mark_windowed(frame, windows)


def wide_scores(frame: pd.DataFrame, raw: bool = False) -> pd.DataFrame:
    """One row per text: `text`, then one calibrated column per direction (and `<name>_raw` if asked), and
    `windows` when the long frame has it."""
    if frame.empty:
        return pd.DataFrame({"text": pd.Series(dtype=object)})
    order = list(dict.fromkeys(frame["direction"]))
    texts = frame.drop_duplicates("row").set_index("row")["text"]
    out = frame.pivot(index="row", columns="direction", values="score")[order]
    out.insert(0, "text", texts)
    if raw:
        raws = frame.pivot(index="row", columns="direction", values="raw")[order]
        for name in order:
            out[f"{name}_raw"] = raws[name]
    if WINDOWS in frame.columns:
        out[WINDOWS] = frame.drop_duplicates("row").set_index("row")[WINDOWS]
    out.index.name = None
    out.columns.name = None
    return out.reset_index(drop=True)


def score_grid(frame: pd.DataFrame, columns: str = "title") -> pd.DataFrame:
    """Texts by directions: calibrated scores indexed by `row`, one column per direction's `columns` value,
    rows and columns in the order they first appear in the long frame."""
    grid = frame.pivot(index="row", columns=columns, values="score")
    grid = grid.loc[list(dict.fromkeys(frame["row"])), list(dict.fromkeys(frame[columns]))]
    grid.columns.name = None
    return grid


def score_pairs(frame: pd.DataFrame, x: str, y: str) -> pd.DataFrame:
    """One row per text with its calibrated scores on directions `x` and `y`: row, x, y, text."""
    xs = frame[frame["direction"] == x].set_index("row")
    ys = frame[frame["direction"] == y].set_index("row")
    return pd.DataFrame({"x": xs["score"], "y": ys["score"], "text": xs["text"]}).reset_index()


def most_varied(frame: pd.DataFrame) -> list[str]:
    """Direction names, those whose calibrated scores spread most across these texts first (standard
    deviation; ties keep the frame's order): the axes on which the texts differ most."""
    if frame.empty:
        return []
    order = list(dict.fromkeys(frame["direction"]))
    spread = frame.groupby("direction", sort=False)["score"].std(ddof=0).reindex(order).fillna(0.0)
    return sorted(order, key=lambda name: -float(spread[name]))


def text_scores(frame: pd.DataFrame, row: int) -> pd.DataFrame:
    """One text's scores, one row per direction in the frame's order: title, score (calibrated), raw."""
    return frame.loc[frame["row"] == row, ["title", "score", "raw"]].reset_index(drop=True)
