"""Downloads of tables (CSV safe for spreadsheets, Parquet) and charts (offline HTML), made only when clicked."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from core.io import exports


def download_table(frame: pd.DataFrame, file_stem: str, key: str) -> None:
    """CSV (safe for spreadsheets) and Parquet downloads of a table, made only when clicked."""
    frame = frame.copy()
    c1, c2, _ = st.columns([1, 1, 3])
    c1.download_button(
        "Download CSV", lambda: exports.csv_bytes(frame), file_name=f"{file_stem}.csv", mime="text/csv",
        key=key, icon=":material/download:", on_click="ignore",
    )
    c2.download_button(
        "Download Parquet", lambda: exports.parquet_bytes(frame), file_name=f"{file_stem}.parquet",
        mime="application/vnd.apache.parquet", key=f"{key}_parquet", icon=":material/download:",
        on_click="ignore",
    )


def chart(figure, key: str, file_stem: str | None = None, **kwargs):
    """A plotly chart with a download of it as a standalone HTML file that works offline."""
    event = st.plotly_chart(figure, width="stretch", key=key, **kwargs)
    download_chart(figure, file_stem or key, key=f"{key}_html")
    return event


def download_chart(figure, file_stem: str, key: str) -> None:
    st.download_button(
        "Chart as HTML", lambda: exports.chart_html(figure), file_name=f"{file_stem}.html", mime="text/html",
        key=key, icon=":material/download:", on_click="ignore", type="tertiary",
    )
