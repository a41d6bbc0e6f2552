"""Exports of tables, safe to open in a spreadsheet."""
from __future__ import annotations

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells that a spreadsheet would run as a formula get a leading quote; numbers stay numbers. Column
    names are cells of the header row: a metadata column named `=HYPERLINK(...)` or `@cmd` is quoted too."""
    out = frame.copy()
    out.columns = [f"'{c}" if isinstance(c, str) and c.startswith(FORMULA_START) else c for c in out.columns]
    for col in out.columns:
        s = out[col]
        if s.dtype == object or pd.api.types.is_string_dtype(s):
            risky = s.str.startswith(FORMULA_START, na=False) if s.dtype != object else \
                s.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_START)).astype(bool)
            if risky.any():
                out[col] = s.where(~risky, "'" + s[risky].astype(str)).astype(s.dtype)
    return out


def csv_bytes(frame: pd.DataFrame) -> bytes:
    return spreadsheet_safe(frame).to_csv(index=False).encode("utf-8")


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    """Parquet keeps types; mixed object columns are written as text."""
    import io

    out = frame.copy()
    names, seen = [], set()
    for col in out.columns:  # Parquet needs unique text column names
        name, n = str(col), 1
        while name in seen:
            n += 1
            name = f"{col}_{n}"
        seen.add(name)
        names.append(name)
    out.columns = names
    for col in out.columns:
        if out[col].dtype == object:
            out[col] = out[col].map(lambda v: v if v is None or isinstance(v, str) else str(v))
    buf = io.BytesIO()
    out.to_parquet(buf, index=False)
    return buf.getvalue()


def chart_html(figure) -> bytes:
    """A plotly figure as one standalone HTML file: plotly.js is inlined, so it opens offline."""
    html = figure.to_html(include_plotlyjs=True, full_html=True, include_mathjax=False,
                          config={"displaylogo": False})
    return html.encode("utf-8")
