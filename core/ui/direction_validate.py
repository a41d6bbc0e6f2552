"""The Directions page's validation tab: how well the working direction's scores agree with human ratings."""
from __future__ import annotations

import streamlit as st

from core.directions.datasets import DirectionDataset
from core.directions.validation import (
    correlate,
    rated_points,
    rating_columns,
    ratings_from_table,
)
from core.io import inputs
from core.ui import charts
from core.ui.downloads import chart, download_table
from core.ui.loaders import directions_for, embed, embedder_or_stop
from core.ui.messages import input_error, show_notes


def _show(result, points, working: DirectionDataset, rating_col: str) -> None:
    m1, m2, m3 = st.columns(3)
    m1.metric("rated texts", f"{result.n:,}")
    m2.metric("Pearson r", f"{result.pearson:.3f}",
              help=f"95% bootstrap interval {result.pearson_ci[0]:.3f} to {result.pearson_ci[1]:.3f}")
    m3.metric("Spearman ρ", f"{result.spearman:.3f}",
              help=f"95% bootstrap interval {result.spearman_ci[0]:.3f} to {result.spearman_ci[1]:.3f}")
    st.caption(result.to_text())
    chart(charts.validation_scatter(points, working.title, rating_col), key="validation_scatter",
          file_stem=f"{working.name}-validation")
    download_table(points, f"{working.name}-validation", key="download_validation")


def validate_tab(working: DirectionDataset | None, model: str, library: dict) -> None:
    """Upload rated texts; show the correlation of the working direction's scores with the ratings."""
    st.caption("Upload texts with a human rating (a CSV with a text column and a numeric column) to see how "
               "well this direction's scores agree with people. The Validity tab measures the shipped directions "
               "against outside yardsticks on every model.")
    rated = st.file_uploader("Rated texts", type=["csv", "tsv", "parquet"], key="ratings_upload")
    if working is None or rated is None:
        return
    try:
        table = inputs.read_table(rated.name, rated.getvalue())
        v1, v2 = st.columns(2)
        text_col = v1.selectbox("Text column", inputs.text_columns(table), key="val_text")
        rating_col = v2.selectbox("Rating column", rating_columns(table), key="val_rating")
        texts, ratings, notes = ratings_from_table(table, text_col, rating_col)
        show_notes(notes)
        embedder = embedder_or_stop(model)
        direction = directions_for(embedder, [working], library=library)[0]
        scores = direction.score(embed(embedder, texts))
        _show(correlate(scores, ratings), rated_points(texts, scores, ratings), working, rating_col)
    except inputs.InputError as exc:
        input_error(exc)
