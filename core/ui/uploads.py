"""Uploaded files, parsed once per file (not on every rerun)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from core.io import corpus, inputs


def _per_upload(kind: str, key: tuple, make):
    """A value derived from an uploaded file, computed once per file (not on every rerun)."""
    memo = st.session_state.setdefault(f"_upload_{kind}", {})
    if key not in memo:
        value = make()
        memo.clear()
        memo[key] = value
    return memo[key]


def uploaded_table(upload) -> pd.DataFrame:
    """The uploaded CSV/TSV/Parquet as a table, parsed once per file."""
    return _per_upload("table", (upload.file_id, upload.name),
                       lambda: inputs.read_table(upload.name, upload.getvalue()))


def uploaded_corpus(upload, column: str | None) -> corpus.Corpus:
    """The uploaded corpus for a text column, built once per file and column."""
    if column is None:
        return _per_upload("corpus", (upload.file_id, upload.name, None),
                           lambda: corpus.from_upload(upload.name, upload.getvalue()))
    return _per_upload("corpus", (upload.file_id, upload.name, column),
                       lambda: corpus.from_frame(uploaded_table(upload), column, upload.name))
