"""Plotly figures from tidy score frames. Chart functions lay out; they compute nothing."""
from __future__ import annotations

from html import escape

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from core.directions.build import Direction
from core.explore.scores import score_grid, score_pairs

DIVERGING = "RdBu"


LABELLED_POINTS = 30  # a scatter writes its points' numbers up to this many points; past it, hover only


def short(text: str, width: int = 48) -> str:
    """The text on one line, cut to `width` characters with an ellipsis."""
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "\u2026"


def plot_text(text) -> str:
    """Text as a Plotly figure shows it (a title, a tick, a hover): its tags (`<a href>`, `<b>`, `<br>`) and
    entities shown as written, never rendered (Plotly turns `<a href=...>` in any figure text into a link)."""
    return escape(str(text), quote=False)


def _label(text: str, width: int = 48) -> str:
    """`short` for a figure: cut to `width` characters, its tags shown as text (core/ui/map_charts.py uses it)."""
    return plot_text(short(text, width))


def _row_height(n: int, full: int, least: int, budget: int = 840) -> int:
    """Pixels per row of a chart with `n` rows: `full` while they fit in `budget`, shrinking to `least`."""
    return max(least, min(full, budget // max(n, 1)))


def _row_labels(frame: pd.DataFrame) -> pd.Series:
    return frame["row"].astype(int).add(1).astype(str) + ". " + frame["text"].map(_label)


def heatmap(frame: pd.DataFrame) -> go.Figure:
    """Texts by directions, calibrated scores on a diverging scale centred on 0."""
    grid = score_grid(frame)
    grid.index = _row_labels(frame.drop_duplicates("row")).to_numpy()
    grid.columns = [plot_text(c) for c in grid.columns]
    row = _row_height(len(grid), 28, 16)
    fig = px.imshow(
        grid, color_continuous_scale=DIVERGING, color_continuous_midpoint=0.0, aspect="auto",
        labels={"color": "score", "x": "direction", "y": "text"}, text_auto=".2f",
    )
    fig.update_layout(height=max(300, 60 + row * len(grid)), margin=dict(l=10, r=10, t=30, b=10))
    return fig


def bars(frame: pd.DataFrame, direction: Direction) -> go.Figure:
    """One direction: a horizontal bar per text, sorted, negative pole left, positive right."""
    f = frame[frame["direction"] == direction.name].sort_values("score")
    f = f.assign(label=_row_labels(f), text=f["text"].map(plot_text))
    fig = px.bar(
        f, x="score", y="label", orientation="h", color="score", color_continuous_scale=DIVERGING,
        color_continuous_midpoint=0.0, hover_data={"text": True, "raw": ":.4f", "label": False},
        labels={"raw": "raw projection"},
    )
    fig.update_layout(
        title=plot_text(direction.title),
        xaxis_title=plot_text(f"\u2190 {direction.negative_label}    score    {direction.positive_label} \u2192"),
        yaxis_title=None, coloraxis_showscale=False, height=max(260, 60 + _row_height(len(f), 24, 14) * len(f)),
        margin=dict(l=10, r=10, t=40, b=10),
    )
    fig.add_vline(x=0, line_dash="dot", line_color="grey")
    return fig


def scatter(frame: pd.DataFrame, x: Direction, y: Direction, labels: bool | None = None) -> go.Figure:
    """Texts as points with two directions as the axes; axis titles name the poles. Points carry their
    row numbers as labels when asked, or by default up to LABELLED_POINTS points (past that, they pile
    up: the text shows on hover)."""
    pts = score_pairs(frame, x.name, y.name)
    pts["label"] = (pts["row"] + 1).astype(str)
    if labels is None:
        labels = len(pts) <= LABELLED_POINTS
    fig = px.scatter(pts, x="x", y="y", text="label" if labels else None,
                     hover_name=pts["label"] + ". " + pts["text"].map(lambda t: _label(t, 80)),
                     hover_data={"x": ":.2f", "y": ":.2f", "label": False},
                     labels={"x": plot_text(x.title), "y": plot_text(y.title)})
    fig.update_traces(textposition="top center", marker=dict(size=10 if len(pts) <= 200 else 6))
    fig.update_layout(
        xaxis_title=plot_text(f"\u2190 {x.negative_label}   {x.title}   {x.positive_label} \u2192"),
        yaxis_title=plot_text(f"\u2190 {y.negative_label}   {y.title}   {y.positive_label} \u2192"),
        height=520, margin=dict(l=10, r=10, t=30, b=10),
    )
    fig.add_hline(y=0, line_dash="dot", line_color="grey")
    fig.add_vline(x=0, line_dash="dot", line_color="grey")
    return fig


def score_style(value) -> str:
    """CSS for a table cell holding a calibrated score: red below 0, blue above, stronger further out."""
    try:
        v = max(-1.5, min(1.5, float(value))) / 1.5
    except (TypeError, ValueError):
        return ""
    if v != v:  # NaN
        return ""
    alpha = abs(v) * 0.55
    rgb = "33,102,172" if v > 0 else "178,24,43"
    return f"background-color: rgba({rgb},{alpha:.2f})"


def styled_scores(table: pd.DataFrame, score_columns: list[str], max_rows: int = 2000):
    """The wide table with diverging cell colours (plain above `max_rows`, where styling is slow)."""
    if len(table) > max_rows:
        return table
    return table.style.map(score_style, subset=score_columns).format("{:.2f}", subset=score_columns)


def separation(scores: pd.DataFrame, negative_label: str, positive_label: str) -> go.Figure:
    """Both poles' calibrated scores as overlaid histograms, with their held-out scores as a strip."""
    negative_label, positive_label = plot_text(negative_label), plot_text(positive_label)
    names = {"negative": negative_label, "positive": positive_label}
    f = scores.assign(pole_label=scores["pole"].map(names), text=scores["text"].map(plot_text))
    fig = px.histogram(f, x="score", color="pole_label", barmode="overlay", opacity=0.6, nbins=40,
                       color_discrete_map={negative_label: "#b2182b", positive_label: "#2166ac"},
                       hover_data={"text": True})
    fig.add_vline(x=0, line_dash="dot", line_color="grey")
    fig.update_layout(xaxis_title="calibrated score (built on all examples)", yaxis_title="examples",
                      legend_title=None, height=320, margin=dict(l=10, r=10, t=30, b=10))
    return fig


def validation_scatter(frame: pd.DataFrame, direction_title: str, rating_name: str) -> go.Figure:
    """Direction score against a human rating, one point per text."""
    fig = px.scatter(frame, x="score", y="rating", hover_name=frame["text"].map(_label), opacity=0.6,
                     render_mode="webgl" if len(frame) > 2000 else "auto")
    fig.update_layout(xaxis_title=plot_text(f"{direction_title} score"), yaxis_title=plot_text(rating_name), height=420,
                      margin=dict(l=10, r=10, t=30, b=10))
    return fig


def similarity_heatmap(sim, labels: list[str], names: list[str] | None = None) -> go.Figure:
    """Cosine similarity of each pair of texts: square cells sized to the number of texts, each row
    labelled with its text (`labels`), the columns with its short name (`names`, the labels if none).
    The figure has its own width: show it at that width, not stretched."""
    n = len(labels)
    cell = max(10, min(80, 480 // max(n, 1)))  # at most about 900 px wide, with its labels
    rows = [_label(t, 40) for t in labels]
    cols = [plot_text(n) for n in names] if names is not None else rows
    fig = px.imshow(sim, x=cols, y=rows, zmin=-1, zmax=1, color_continuous_scale=DIVERGING, aspect="equal",
                    text_auto=".2f" if cell >= 36 else False, labels={"color": "cosine"})
    tick = 12 if cell >= 18 else 9
    fig.update_xaxes(side="top", tickfont_size=tick, title=None)
    fig.update_yaxes(tickfont_size=tick, title=None)
    fig.update_layout(width=300 + cell * n + 110, height=90 + cell * n, margin=dict(l=10, r=10, t=50, b=10))
    return fig


def difference_bars(diffs: pd.DataFrame, a_name: str, b_name: str) -> go.Figure:
    """B minus A per direction, largest differences on top, diverging around 0."""
    f = diffs.iloc[::-1]
    f = f.assign(**{c: f[c].map(plot_text) for c in ("title", "toward") if c in f})
    a_name, b_name = plot_text(a_name), plot_text(b_name)
    fig = px.bar(f, x="difference", y="title", orientation="h", color="difference",
                 color_continuous_scale=DIVERGING, color_continuous_midpoint=0.0,
                 hover_data={"a": ":.2f", "b": ":.2f", "toward": True, "title": False},
                 labels={"a": f"{a_name}'s score", "b": f"{b_name}'s score", "difference": f"{b_name} minus {a_name}",
                         "toward": f"{b_name} leans toward"})
    fig.add_vline(x=0, line_color="grey")
    fig.update_layout(xaxis_title=f"{b_name} minus {a_name} (calibrated score)", yaxis_title=None,
                      coloraxis_showscale=False, height=max(240, 50 + 32 * len(f)), margin=dict(l=10, r=10, t=30, b=10))
    return fig
