"""The Directions page's Examples tab: the table of examples, and importing more from a paste or a file.

The working table lives in session state (`dir_frame`); the editor's key changes with
`dir_editor_version` whenever the table is replaced, so the editor starts from the new table.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from core.directions import examples
from core.io import inputs
from core.ui.downloads import download_table
from core.ui.messages import input_error, show_notes


def _replace_frame(frame: pd.DataFrame) -> None:
    st.session_state.dir_frame = frame.reset_index(drop=True)
    st.session_state.dir_editor_version += 1
    st.rerun()


def _import_file(edited: pd.DataFrame, negative_label: str, positive_label: str) -> None:
    upload = st.file_uploader("Or a labelled CSV/TSV/Parquet file", type=["csv", "tsv", "parquet"],
                              key="examples_upload")
    if upload is None:
        return
    try:
        table = inputs.read_table(upload.name, upload.getvalue())
        cols = [str(c) for c in table.columns]
        u1, u2 = st.columns(2)
        text_col = u1.selectbox("Text column", inputs.text_columns(table), key="imp_text")
        label_col = u2.selectbox("Label column", cols, index=cols.index("label") if "label" in cols else
                                 min(1, len(cols) - 1), key="imp_label")
        values = examples.label_values(table, label_col)
        guess_neg, guess_pos = examples.guess_poles(values, negative_label, positive_label)
        u1, u2 = st.columns(2)
        neg_value = u1.selectbox(f"Label meaning {negative_label}", values, key="imp_neg",
                                 index=values.index(guess_neg) if guess_neg in values else 0)
        pos_value = u2.selectbox(f"Label meaning {positive_label}", values, key="imp_pos",
                                 index=values.index(guess_pos) if guess_pos in values else 0)
        if st.button("Add examples from file", key="add_file"):
            add = examples.from_table(table, text_col, label_col, neg_value, pos_value)
            _replace_frame(pd.concat([edited, add], ignore_index=True))
    except inputs.InputError as exc:
        input_error(exc)


def _import_panel(edited: pd.DataFrame, negative_label: str, positive_label: str) -> None:
    with st.expander("Import examples", icon=":material/upload:"):
        pasted = st.text_area("Paste examples, one per line", key="paste_lines")
        # plain options with the labels as captions: a format_func that changes with the labels made the
        # browser send back an old label as the value
        pole = st.radio("Add them to", list(examples.POLES), horizontal=True, key="paste_pole",
                        captions=[negative_label, positive_label, "neither (marks 0)"])
        if st.button("Add pasted lines", key="add_lines"):
            add = examples.from_lines(pasted, pole)
            if add.empty:
                st.warning("Nothing to add: the box is empty.")
            else:
                _replace_frame(pd.concat([edited, add], ignore_index=True))
        _import_file(edited, negative_label, positive_label)


def examples_tab(name: str, negative_label: str,
                 positive_label: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """The editable examples with their import panel and download; returns (negative, positive, neutral)."""
    state = st.session_state
    edited = st.data_editor(
        state.dir_frame, num_rows="dynamic", width="stretch", key=f"dir_editor_{state.dir_editor_version}",
        column_config={
            "text": st.column_config.TextColumn("example text", width="large", required=True),
            "pole": st.column_config.SelectboxColumn(
                "pole", options=list(examples.POLES), required=True,
                help=f"negative = {negative_label}, positive = {positive_label}, neutral = neither (these "
                     "texts mark where 0 sits; optional)"),
        },
    )
    negative, positive, neutral, notes = examples.from_frame(edited)
    zero = (f" · {len(neutral)} neutral (they mark 0)" if neutral
            else " · no neutral texts (0 is the poles' midpoint)")
    st.caption(f"{len(negative)} {negative_label or 'negative'} · {len(positive)} {positive_label or 'positive'}"
               + zero)
    show_notes(notes)
    _import_panel(edited, negative_label, positive_label)
    download_table(edited, f"{name or 'direction'}-examples", key="download_examples")
    return negative, positive, neutral
