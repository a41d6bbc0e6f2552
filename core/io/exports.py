"""Exports of tables, safe to open in a spreadsheet."""
from __future__ import annotations

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells that a spreadsheet would run as a formula get a leading quote; numbers stay numbers."""
    out = frame.copy()
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


def png_strip(images, height: int | None = None, gap: int = 4, background=(255, 255, 255)) -> bytes:
    """A row of images (PIL images or HxW[xC] arrays, uint8 or floats in 0..1) as one PNG strip.

    Images are scaled to a common height (the smallest one's unless `height` is given)."""
    import io

    import numpy as np
    from PIL import Image

    tiles = []
    for img in images:
        if not isinstance(img, Image.Image):
            arr = np.asarray(img)
            if arr.dtype != np.uint8:
                arr = (np.clip(np.nan_to_num(arr.astype(np.float64)), 0.0, 1.0) * 255).round().astype(np.uint8)
            img = Image.fromarray(arr)
        tiles.append(img.convert("RGB"))
    if not tiles:
        raise ValueError("a gallery strip needs at least one image")
    h = int(height or min(t.height for t in tiles))
    tiles = [t if t.height == h else t.resize((max(1, round(t.width * h / t.height)), h)) for t in tiles]
    strip = Image.new("RGB", (sum(t.width for t in tiles) + gap * (len(tiles) - 1), h), background)
    x = 0
    for t in tiles:
        strip.paste(t, (x, 0))
        x += t.width + gap
    buf = io.BytesIO()
    strip.save(buf, format="PNG")
    return buf.getvalue()
