"""The Directions page's quality tab: compute a data set's quality report and show what it found.

The report is computed with the same permutation count as `python -m core build` (quality.PERMUTATIONS),
so the page and the command line give one direction the same p-value.
"""
from __future__ import annotations

import streamlit as st

from core.directions.datasets import DatasetError, DirectionDataset
from core.directions.methods import MethodError
from core.directions.quality import WRONG_SIDE_FORMATS, QualityReport, direction_report, wrong_side_table
from core.errors import one_line
from core.ui import charts
from core.ui.downloads import chart, download_table
from core.ui.loaders import embedder_or_stop
from core.ui.messages import error, escape_md


def _wrong_side(report: QualityReport, name: str) -> None:
    wrong = wrong_side_table(report)
    if not len(wrong):
        return
    st.markdown("**Examples on the wrong side when left out**")
    st.caption("Calibrated scores (the poles' means at −1 and +1, 0 between them) to 2 decimals; the raw "
               "projection on the direction built on all examples to 4.")
    st.dataframe(wrong, hide_index=True, width="stretch",
                 column_config={col: st.column_config.NumberColumn(col, format=fmt)
                                for col, fmt in WRONG_SIDE_FORMATS.items()})
    download_table(wrong, f"{name}-wrong-side", key="download_wrong")


def _tables(report: QualityReport, name: str) -> None:
    _wrong_side(report, name)
    if not report.near_duplicates.empty:
        st.markdown("**Near-duplicates**")
        st.dataframe(report.near_duplicates, hide_index=True, width="stretch")
        download_table(report.near_duplicates, f"{name}-near-duplicates", key="download_dups")
    if not report.entanglement.empty:
        st.markdown("**Cosine to the other directions** (flagged at |cos| ≥ 0.3)")
        st.dataframe(report.entanglement, hide_index=True, width="stretch")
        download_table(report.entanglement, f"{name}-entanglement", key="download_entangled")


def _show(report: QualityReport, working: DirectionDataset) -> None:
    cols = st.columns(4)
    helps = report.metric_help()
    for col, (label, value) in zip(cols * 2, report.metrics().items()):
        col.metric(label, value, help=escape_md(helps[label]))
    st.caption(escape_md(f"Examples: {report.n_negative} {report.negative_label}, {report.n_positive} "
                         f"{report.positive_label}. Margin: {helps['margin']}"))
    chart(charts.separation(report.scores, working.negative_label, working.positive_label),
          key="separation", file_stem=f"{working.name}-separation")
    for hint in report.hints:
        st.warning(escape_md(hint), icon=":material/lightbulb:")
    _tables(report, working.name)


def quality_tab(working: DirectionDataset | None, problem: Exception | None, model: str, library: dict) -> None:
    """Compute (on click) and show the working data set's quality report; kept per examples and model."""
    if working is None:
        st.info(escape_md("Fix the data set first: " + (one_line(problem) if problem else "")))
        return
    state = st.session_state
    st.caption("Held-out quality by 5-fold cross-validation; significance against directions built from the "
               "same texts with shuffled labels; stability across bootstrap resamples.")
    if st.button("Compute quality report", key="compute_quality"):
        embedder = embedder_or_stop(model)
        with st.spinner("Building directions on resampled examples…"):
            try:  # seeded: the same examples give the same report, here and in `python -m core build`
                state.dir_report = (working.content_hash, model, direction_report(working, embedder, library))
            except (MethodError, DatasetError) as exc:
                error(exc)
    held = state.get("dir_report")
    if held and held[0] == working.content_hash and held[1] == model:
        _show(held[2], working)
    elif held:
        st.info("The examples changed since the last report: compute it again.")
