"""Reading texts from what people paste or upload: .txt, .csv, .parquet.

Every problem becomes an InputError with a message a person can act on. CSVs are
read as strings with `keep_default_na=False`, so "NA" and "None" stay texts.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from core.errors import LatentError

MAX_UPLOAD_BYTES = 200 * 1024 * 1024
MAX_PAGE_TEXTS = 10_000  # the interactive page; the CLI streams any number
SUFFIXES = (".txt", ".csv", ".tsv", ".parquet")


class InputError(LatentError, ValueError):
    pass


@dataclass
class TextBatch:
    texts: list[str]
    notes: list[str] = field(default_factory=list)


def _decode(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{name} is not UTF-8 text (undecodable byte 0x{data[exc.start]:02x} at position {exc.start}). "
            "Save it as UTF-8 and upload it again."
        ) from None


def clean(texts, source: str = "input") -> TextBatch:
    """Strip texts, drop empty ones, and note what happened (duplicates are kept)."""
    texts = ["" if t is None else str(t) for t in texts]
    kept = [t.strip() for t in texts if t.strip()]
    notes = []
    dropped = len(texts) - len(kept)
    if dropped:
        notes.append(f"Skipped {dropped} empty line{'s' * (dropped != 1)} in the {source}.")
    dups = len(kept) - len(set(kept))
    if dups:
        notes.append(f"{dups} duplicate text{'s' * (dups != 1)}: kept in the table, embedded once.")
    return TextBatch(kept, notes)


def from_paste(text: str) -> TextBatch:
    return clean((text or "").splitlines(), "pasted text")


def suffix_of(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(f"{name}: unsupported file type {suffix or '(none)'}; use .txt, .csv, .tsv or .parquet.")
    return suffix


def read_table(name: str, data: bytes) -> pd.DataFrame:
    """A .csv/.tsv/.parquet file as a frame of strings."""
    suffix = suffix_of(name)
    if len(data) > MAX_UPLOAD_BYTES:
        raise InputError(f"{name} is {len(data) / 2**20:.0f} MB; the limit is {MAX_UPLOAD_BYTES // 2**20} MB.")
    if not data.strip():
        raise InputError(f"{name} is empty.")
    if suffix == ".parquet":
        import pyarrow as pa

        try:
            return pd.read_parquet(io.BytesIO(data))
        except (OSError, ValueError, pa.ArrowException) as exc:  # pyarrow's kinds for a bad file
            raise InputError(f"{name} is not a readable Parquet file ({type(exc).__name__}).") from None
    text = _decode(data, name)
    try:
        df = pd.read_csv(
            io.StringIO(text), sep="\t" if suffix == ".tsv" else ",", dtype=str, keep_default_na=False,
        )
    except pd.errors.EmptyDataError:
        raise InputError(f"{name} is empty.") from None
    except (pd.errors.ParserError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{name} is not a well-formed CSV file: {first}") from None
    if df.shape[1] == 0:
        raise InputError(f"{name} has no columns.")
    return df


def text_columns(df: pd.DataFrame) -> list[str]:
    """Columns worth offering as the text column, the most text-like (longest on average) first."""
    head = df.head(2000)  # columns by position: names may repeat or not be strings
    lengths = [head.iloc[:, i].astype(str).str.len().mean() for i in range(head.shape[1])]
    lengths = [0.0 if pd.isna(n) else float(n) for n in lengths]  # an empty table
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    return [str(df.columns[i]) for i in order]


def no_column(column: str, columns, name: str = "The table") -> InputError:
    """The one message for a column that is not there, naming the ones that are."""
    return InputError(f"{name} has no column {column!r}. Its columns: {', '.join(map(str, columns))}.")


def require_columns(df: pd.DataFrame, columns, name: str = "The table") -> None:
    """InputError (see `no_column`) for the first of `columns` that `df` lacks."""
    have = {str(c) for c in df.columns}
    for column in columns:
        if str(column) not in have:
            raise no_column(column, df.columns, name)


def column_texts(df: pd.DataFrame, column: str, name: str) -> TextBatch:
    require_columns(df, [column], name)
    series = df[[c for c in df.columns if str(c) == column][0]]
    nulls = int(series.isna().sum())
    batch = clean(series.where(series.notna(), "").astype(str).tolist(), f"column {column!r}")
    if nulls:
        batch.notes.insert(0, f"{nulls} missing value{'s' * (nulls != 1)} in column {column!r}.")
    return batch


def from_upload(name: str, data: bytes, column: str | None = None) -> TextBatch:
    """Texts from an uploaded file: one per line for .txt, one per row of `column` otherwise."""
    suffix = suffix_of(name)
    if suffix == ".txt":
        if len(data) > MAX_UPLOAD_BYTES:
            raise InputError(f"{name} is larger than {MAX_UPLOAD_BYTES // 2**20} MB.")
        batch = clean(_decode(data, name).splitlines(), name)
        if not batch.texts:
            raise InputError(f"{name} holds no text.")
        return batch
    df = read_table(name, data)
    if column is None:
        column = text_columns(df)[0]
    batch = column_texts(df, column, name)
    if not batch.texts:
        raise InputError(f"Column {column!r} of {name} holds no text.")
    return batch


def limit(batch: TextBatch, maximum: int = MAX_PAGE_TEXTS) -> TextBatch:
    """Keep the first `maximum` texts, saying so."""
    if len(batch.texts) <= maximum:
        return batch
    notes = batch.notes + [
        f"Scored the first {maximum:,} of {len(batch.texts):,} texts. "
        "For more, use the command line: `python -m core score --input FILE`."
    ]
    return TextBatch(batch.texts[:maximum], notes)
