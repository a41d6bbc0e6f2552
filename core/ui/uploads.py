"""Uploaded files: the uploader, the text-column picker for tables, parsed once per file (not on every rerun)."""
from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from core.io import corpus, inputs
from core.ui.messages import input_error

TYPES = ["txt", "csv", "tsv", "parquet"]


def remember_once(kind: str, key: tuple, make):
    """A value derived from what this session brought (an uploaded file, a link's texts), computed once per
    `key` (not on every rerun); one value is kept per `kind`."""
    memo = st.session_state.setdefault(f"_upload_{kind}", {})
    if key not in memo:
        value = make()
        memo.clear()
        memo[key] = value
    return memo[key]


def _table(upload) -> pd.DataFrame:
    """The uploaded CSV/TSV/Parquet as a table, parsed once per file."""
    return remember_once("table", (upload.file_id, upload.name),
                       lambda: inputs.read_table(upload.name, upload.getvalue()))


def parsed(upload, column_key: str, kind: str, from_file: Callable, from_table: Callable):
    """What an upload holds: `from_file(name, data)` for .txt, `from_table(table, column, name)` for a
    table (after a text-column picker); None, with the reader's message, when the file cannot be read."""
    try:
        if inputs.suffix_of(upload.name) == ".txt":
            return remember_once(kind, (upload.file_id, upload.name, None),
                               lambda: from_file(upload.name, upload.getvalue()))
        table = _table(upload)
        column = st.selectbox("Text column", inputs.text_columns(table), key=column_key)
        return remember_once(kind, (upload.file_id, upload.name, column),
                           lambda: from_table(table, column, upload.name))
    except inputs.InputError as exc:
        input_error(exc)
        return None


def texts_upload(key: str = "upload", column_key: str = "column",
                 awaiting: str | None = None) -> inputs.TextBatch | None:
    """An uploader for texts (.txt one per line, or a column of a table); None until a readable file is given.
    While no file is given, `awaiting` (if any) is shown as a hint; a file that cannot be read gets only its
    error."""
    upload = st.file_uploader("A .txt file (one text per line), or a .csv, .tsv or .parquet file",
                              type=TYPES, key=key)
    if upload is None:
        if awaiting:
            st.info(awaiting, icon=":material/upload_file:")
        return None
    return parsed(upload, column_key, "texts", inputs.from_upload, inputs.column_texts)


def corpus_upload(key: str = "map_upload", column_key: str = "map_column") -> corpus.Corpus | None:
    """An uploader for a corpus (texts and metadata columns); the last one read is also the reference
    corpus other pages offer (session state `uploaded_corpus`)."""
    upload = st.file_uploader(f"CSV, TSV, Parquet or TXT, up to {corpus.MAX_ROWS:,} rows (larger files are sampled)",
                              type=TYPES, key=key)
    if upload is None:
        return None
    chosen = parsed(upload, column_key, "corpus", corpus.from_upload, corpus.from_frame)
    if chosen is not None:
        st.session_state["uploaded_corpus"] = chosen
    return chosen
