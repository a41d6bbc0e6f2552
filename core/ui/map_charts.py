"""Plotly figures for the Map page: the corpus as points, and how often discovered features fire.
Chart functions lay out; they compute nothing."""
from __future__ import annotations

import math

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from core.ui.charts import DIVERGING, _label


def corpus_map(frame: pd.DataFrame, color: str | None, x_title: str, y_title: str,
               highlight: list[int] | None = None) -> go.Figure:
    """The corpus as WebGL points (fast at 100,000), coloured by a score or a metadata column; hover shows
    the text; highlighted points (search hits) drawn on top."""
    hover = frame["text"].map(lambda t: _label(t, 90))
    fig = go.Figure()
    if color is None:
        fig.add_trace(go.Scattergl(x=frame["x"], y=frame["y"], mode="markers", text=hover, hoverinfo="text",
                                   customdata=frame.index, marker=dict(size=4, opacity=0.6, color="#4c78a8"),
                                   name="texts"))
    elif pd.api.types.is_numeric_dtype(frame[color]):
        fig.add_trace(go.Scattergl(
            x=frame["x"], y=frame["y"], mode="markers", text=hover, hoverinfo="text", name="texts",
            customdata=frame.index, marker=dict(size=4, opacity=0.7, color=frame[color], colorscale=DIVERGING, reversescale=False,
                        cmid=0.0 if frame[color].min() < 0 < frame[color].max() else None,
                        colorbar=dict(title=color)),
        ))
    else:
        values = frame[color].astype(str)
        palette = px.colors.qualitative.Safe + px.colors.qualitative.Vivid
        for i, value in enumerate(sorted(values.unique())[:40]):
            sel = values == value
            fig.add_trace(go.Scattergl(x=frame["x"][sel], y=frame["y"][sel], mode="markers", text=hover[sel],
                                       hoverinfo="text", name=value or "(empty)",
                                       customdata=frame.index[sel], marker=dict(size=4, opacity=0.7,
                                                                                 color=palette[i % len(palette)])))
    if highlight:
        h = frame.loc[highlight]
        fig.add_trace(go.Scattergl(x=h["x"], y=h["y"], mode="markers+text", text=[str(i + 1) for i in range(len(h))],
                                   textposition="top center", hovertext=h["text"].map(lambda t: _label(t, 90)),
                                   hoverinfo="text", name="search hits", customdata=h.index,
                                   marker=dict(size=11, color="rgba(0,0,0,0)", line=dict(width=2, color="black"))))
    fig.update_layout(xaxis_title=x_title, yaxis_title=y_title, height=620, dragmode="lasso",
                      margin=dict(l=10, r=10, t=30, b=10), legend=dict(itemsizing="constant"))
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
