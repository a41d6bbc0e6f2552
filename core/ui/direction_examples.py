"""The Directions page's Examples tab: the table of examples, and importing more from a paste or a file.

The working table lives in session state (`dir_frame`, poles as 'negative'/'positive'/'neutral'); the
editor shows each pole by the direction's own label (`examples.pole_names`) and its key changes with
`dir_editor_version` whenever the table is replaced, so the editor starts from the new table. The table as
last edited is kept (`dir_edited`, with the version it belongs to) for the import buttons' callbacks and
for a change of pole labels, which starts a new editor from it.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from core.directions import examples
from core.io import inputs
from core.ui.downloads import download_table
from core.ui.messages import escape_md, input_error, show_notes


def _table() -> pd.DataFrame:
    """The examples as the user last saw them (poles as 'negative', 'positive', 'neutral')."""
    state = st.session_state
    edited = state.get("dir_edited")
    return edited[1] if edited and edited[0] == state.dir_editor_version else state.dir_frame


def _add(add: pd.DataFrame) -> None:
    """Append the rows the table lacks, and say what was added (shown under the import buttons)."""
    state = st.session_state
    table = _table()
    new, skipped = examples.new_rows(table, add)
    summary = " ".join([examples.added_summary(new, skipped, state.dir_pole_names), *add.attrs.get("notes", [])])
    state.dir_added = ("success" if len(new) else "warning", summary, new)
    if len(new):
        state.dir_frame = pd.concat([table, new], ignore_index=True)
        state.dir_editor_version += 1


def _add_pasted() -> None:
    """on_click of 'Add pasted lines': add them, and empty the box (possible only before it is drawn)."""
    state = st.session_state
    add = examples.from_lines(state.get("paste_lines", ""), state.get("paste_pole", examples.NEGATIVE))
    if add.empty:
        state.dir_added = ("warning", "Nothing to add: the box is empty.", None)
        return
    _add(add)
    state.paste_lines = ""


def _add_from_file(table: pd.DataFrame, text_col: str, label_col: str, neg_value: str, pos_value: str) -> None:
    try:
        _add(examples.from_table(table, text_col, label_col, neg_value, pos_value))
    except inputs.InputError as exc:
        st.session_state.dir_added = ("error", exc, None)


def _show_added() -> None:
    kind, message, rows = st.session_state.pop("dir_added", (None, None, None))
    if kind == "error":
        input_error(message)
    elif kind:
        getattr(st, kind)(escape_md(message), icon=":material/check:" if kind == "success" else ":material/info:")
    if rows is not None and len(rows):
        st.dataframe(examples.labelled(rows, st.session_state.dir_pole_names), hide_index=True, width="stretch",
                     height=min(400, 38 + 35 * len(rows)))


def _import_file(names: dict[str, str]) -> None:
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
        guess_neg, guess_pos = examples.guess_poles(values, names[examples.NEGATIVE], names[examples.POSITIVE])
        u1, u2 = st.columns(2)
        neg_value = u1.selectbox(f"Label meaning {escape_md(names[examples.NEGATIVE])}", values, key="imp_neg",
                                 index=values.index(guess_neg) if guess_neg in values else 0)
        pos_value = u2.selectbox(f"Label meaning {escape_md(names[examples.POSITIVE])}", values, key="imp_pos",
                                 index=values.index(guess_pos) if guess_pos in values else 0)
        st.button("Add examples from file", key="add_file", on_click=_add_from_file,
                  args=(table, text_col, label_col, neg_value, pos_value))
    except inputs.InputError as exc:
        input_error(exc)


def _import_panel(names: dict[str, str]) -> None:
    with st.expander("Import examples", icon=":material/upload:"):
        st.text_area("Paste examples, one per line", key="paste_lines")
        st.radio("Add them to", list(examples.POLES), horizontal=True, key="paste_pole",
                 format_func=lambda p: escape_md(names[p]), captions=["", "", "neither pole: these texts mark 0"])
        st.button("Add pasted lines", key="add_lines", on_click=_add_pasted)
        _show_added()
        _import_file(names)


def _follow_labels(names: dict[str, str]) -> None:
    """When the pole labels change, start a new editor from the table as edited (the old one's options are
    the old labels) and set the paste radio to its pole again (the browser sends back the old label)."""
    state = st.session_state
    if state.get("dir_pole_names") not in (None, names):
        state.dir_frame = _table()
        state.dir_editor_version += 1
        pole = state.get("paste_pole")
        state.paste_pole = pole if pole in examples.POLES else examples.NEGATIVE
    state.dir_pole_names = names


def examples_tab(name: str, negative_label: str,
                 positive_label: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """The editable examples with their import panel and download; returns (negative, positive, neutral)."""
    state = st.session_state
    names = examples.pole_names(negative_label, positive_label)
    _follow_labels(names)
    shown = st.data_editor(
        examples.labelled(state.dir_frame, names), num_rows="dynamic", width="stretch",
        key=f"dir_editor_{state.dir_editor_version}",
        column_config={
            "text": st.column_config.TextColumn("example text", width="large", required=True),
            "pole": st.column_config.SelectboxColumn(
                "pole", options=list(names.values()), required=True,
                help=escape_md(f"{names['negative']} or {names['positive']} (the direction's poles), or "
                               f"{names['neutral']}: a text that is neither (these mark where 0 sits; optional)")),
        },
    )
    edited = examples.unlabelled(shown, names)
    state.dir_edited = (state.dir_editor_version, edited)
    negative, positive, neutral, notes = examples.from_frame(edited, names)
    zero = (f" · {len(neutral)} neutral (they mark 0)" if neutral
            else " · no neutral texts (0 is the poles' midpoint)")
    st.caption(escape_md(f"{len(negative)} {names['negative']} · {len(positive)} {names['positive']}" + zero))
    show_notes(notes)
    _import_panel(names)
    download_table(shown, f"{name or 'direction'}-examples", key="download_examples")
    return negative, positive, neutral
