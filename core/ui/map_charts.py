"""Plotly figures for the Map page: the corpus as points, and how often discovered features fire.
Chart functions lay out; they compute nothing."""
from __future__ import annotations

import math
from html import escape

import pandas as pd
import plotly.graph_objects as go

from core.ui.charts import DIVERGING, _label


# 24 colours at least 26 CIE-Lab units (ΔE76) apart, none light, none near the grey of OTHER: picked greedily
# (each the farthest from those before it) from plotly's qualitative palettes, so a few categories get the
# most distinct ones. A column with more categories shows its most frequent ones and groups the rest as OTHER.
PALETTE = ["#1f77b4", "#fb0d0d", "#1ca71c", "#fe00fa", "#6c4516", "#f781bf", "#e6ab02", "#52bca3", "#636efa",
           "#511cfb", "#af0038", "#fc8d62", "#7f3c8d", "#ff0092", "#999933", "#117733", "#ff7f00", "#008695",
           "#b10da1", "#dea0fd", "#882255", "#f8a19f", "#c4451c", "#782ab6"]
OTHER, OTHER_COLOUR = "other", "#9e9e9e"
HIT_LABELS = 10  # search hits numbered on the map (all are in the table below it)
HIT_SPACING = 0.05  # a hit's number is left out when within this share of the axes of a number already drawn
CLUSTER_LABELS = 40  # cluster labels drawn on the map, the largest clusters first


def categories(values: pd.Series, most: int = len(PALETTE)) -> pd.Series:
    """Values to colour by: all of them when they fit the palette, else the `most - 1` most frequent (ties
    alphabetical) and OTHER for the rest."""
    values = values.astype(str).replace("", "(empty)")
    counts = values.value_counts()
    if len(counts) <= most:
        return values
    ranked = sorted(counts.index, key=lambda v: (-counts[v], v))
    keep = set(ranked[: most - 1])
    return values.where(values.isin(keep), OTHER)


def hit_labels(h: pd.DataFrame, frame: pd.DataFrame, most: int = HIT_LABELS, spacing: float = HIT_SPACING) -> list[str]:
    """The hits' numbers as map labels, best hit first: at most `most`, and none within `spacing` (a share of
    each axis's range) of one already placed, so close hits do not pile their numbers up."""
    span = (frame[["x", "y"]].max() - frame[["x", "y"]].min()).replace(0, 1.0)
    placed, labels = [], []
    for i, (x, y) in enumerate(zip(h["x"], h["y"])):
        point = ((x - frame["x"].min()) / span["x"], (y - frame["y"].min()) / span["y"])
        free = len(placed) < most and all(max(abs(point[0] - a), abs(point[1] - b)) >= spacing for a, b in placed)
        labels.append(str(i + 1) if free else "")
        if free:
            placed.append(point)
    return labels


def corpus_map(frame: pd.DataFrame, color: str | None, x_title: str, y_title: str,
               highlight: list[int] | None = None, clusters: pd.DataFrame | None = None) -> go.Figure:
    """The corpus as WebGL points (fast at 100,000), coloured by a score (a colour bar on the right, the legend
    above the plot so they never meet) or a category (PALETTE, the tail grouped as OTHER); hover shows the
    text; highlighted points (search hits) drawn on top, the best numbered; `clusters` (label, x, y) are
    written at their positions."""
    hover = frame["text"].map(lambda t: _label(t, 90))
    fig = go.Figure()
    legend = dict(itemsizing="constant")
    if color is None:
        fig.add_trace(go.Scattergl(x=frame["x"], y=frame["y"], mode="markers", text=hover, hoverinfo="text",
                                   customdata=frame.index, marker=dict(size=4, opacity=0.6, color="#4c78a8"),
                                   name="texts", showlegend=False))
    elif pd.api.types.is_numeric_dtype(frame[color]):
        fig.add_trace(go.Scattergl(
            x=frame["x"], y=frame["y"], mode="markers", text=hover, hoverinfo="text", name="texts",
            showlegend=False, customdata=frame.index,
            marker=dict(size=4, opacity=0.7, color=frame[color], colorscale=DIVERGING, reversescale=False,
                        cmid=0.0 if frame[color].min() < 0 < frame[color].max() else None,
                        colorbar=dict(title=dict(text=escape(str(color)), side="right"), x=1.0, xanchor="left", y=0.5,
                                      yanchor="middle", len=0.9, lenmode="fraction", thickness=14))))
        legend.update(orientation="h", x=0.0, xanchor="left", y=1.0, yanchor="bottom")
    else:
        values = categories(frame[color])
        kept = sorted(set(values) - {OTHER}) + ([OTHER] if OTHER in set(values) else [])
        for i, value in enumerate(kept):
            sel = values == value
            fig.add_trace(go.Scattergl(
                x=frame["x"][sel], y=frame["y"][sel], mode="markers", text=hover[sel], hoverinfo="text",
                name=escape(str(value)), customdata=frame.index[sel],
                marker=dict(size=4, opacity=0.7, color=OTHER_COLOUR if value == OTHER else PALETTE[i])))
    if highlight:
        h = frame.loc[highlight]
        fig.add_trace(go.Scattergl(x=h["x"], y=h["y"], mode="markers+text", text=hit_labels(h, frame),
                                   textposition="top right", textfont=dict(size=12, color="black"),
                                   hovertext=[f"{i + 1}. {_label(t, 90)}" for i, t in enumerate(h["text"])],
                                   hoverinfo="text", name="search hits", customdata=h.index,
                                   marker=dict(size=11, color="rgba(0,0,0,0)", line=dict(width=2, color="black"))))
    if clusters is not None:
        for row in clusters.head(CLUSTER_LABELS).itertuples():
            fig.add_annotation(x=row.x, y=row.y, text=escape(row.label), showarrow=False, font=dict(size=11),
                               bgcolor="rgba(255,255,255,0.75)", bordercolor="#555", borderwidth=1, borderpad=2)
    fig.update_layout(xaxis_title=escape(x_title), yaxis_title=escape(y_title), height=620, dragmode="lasso",
                      margin=dict(l=10, r=10, t=40, b=10), legend=legend)
    return fig


def feature_frequency(freq: pd.DataFrame, rare_fraction: float, n_texts: int) -> go.Figure:
    """How often each feature is active: a histogram over the share of texts on a log axis (as sparse
    autoencoder papers draw feature density), rare features apart from the others, the rare threshold as a
    dotted line and the dead features (never active) as a grey bar at the far left. `freq` is
    core.directions.discover.frequencies()."""
    lowest = math.floor(math.log10(1.0 / max(1, n_texts)))
    bins = dict(start=lowest, end=0.05, size=0.1)
    colours = {"alive": "#4c78a8", "rare": "#f58518"}
    fig = go.Figure()
    for status, colour in colours.items():
        part = freq[freq["status"] == status]
        fig.add_trace(go.Histogram(
            x=part["log10 frequency"], xbins=bins, name=f"{status} ({len(part)})", marker_color=colour,
            customdata=part["feature"], hovertemplate="%{y} features<extra></extra>", autobinx=False))
    dead = int((freq["status"] == "dead").sum())
    fig.add_trace(go.Bar(x=[lowest - 0.5], y=[dead], width=0.3, name=f"dead ({dead})", marker_color="#9e9e9e",
                         hovertemplate="%{y} dead features (never active)<extra></extra>"))
    decades = list(range(lowest, 1))
    fig.update_xaxes(tickvals=[lowest - 0.5] + decades, ticktext=["dead"] + [f"{100 * 10.0 ** d:g}%" for d in decades],
                     range=[lowest - 0.9, 0.1], title="share of texts on which the feature is active (log scale)")
    fig.add_vline(x=math.log10(rare_fraction), line_dash="dot", line_color="grey",
                  annotation_text=f"rare below {100 * rare_fraction:g}%", annotation_position="top")
    fig.update_layout(barmode="stack", bargap=0.05, yaxis_title="features", height=320, legend_title=None,
                      margin=dict(l=10, r=10, t=40, b=10))
    return fig
