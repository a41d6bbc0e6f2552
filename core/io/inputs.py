"""Reading texts from what people paste or upload: .txt, .csv, .parquet.

Every problem becomes an InputError with a message a person can act on. CSVs are read as strings with
`keep_default_na=False` ("NA" stays a text); Parquet columns become texts (integers as "1", nulls as None).
What a file decodes to is capped before it is decoded (rows and cells for the page; decoded bytes for every
format, Parquet's from its metadata and dictionaries). Lines split on LF, CRLF and CR only (`split_lines`).
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa  # pandas imports it anyway
import pyarrow.compute as pc

from core.errors import LatentError

MAX_UPLOAD_BYTES = 200 * 1024 * 1024
MAX_PAGE_TEXTS = 10_000  # the interactive page; the CLI streams any number
SUFFIXES = (".txt", ".csv", ".tsv", ".parquet")
MAX_DECODED_BYTES = 4 * MAX_UPLOAD_BYTES  # what a file (the page) or one chunk (the CLI) may decode to
MAX_TABLE_ROWS = 1_000_000  # rows (or lines) a page reads; the CLI streams any number
MAX_TABLE_CELLS = 10_000_000  # rows x columns a page reads
LINE_BREAK = re.compile(r"\r\n|\r|\n")


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
        raise InputError(f"{name} is not UTF-8 text (undecodable byte 0x{data[exc.start]:02x} at position "
                         f"{exc.start}). Save it as UTF-8 and upload it again.") from None


def too_large(name: str, what: str, size: int, limit: int = MAX_DECODED_BYTES) -> InputError:
    """The one message for input that decodes to more than the limit."""
    return InputError(f"{name}: {what} decodes to {size / 2**20:,.0f} MB or more; the limit is {limit // 2**20} MB.")


def too_many_rows(name: str, rows: int, limit: int, what: str = "rows") -> InputError:
    return InputError(f"{name} has {rows:,} {what} or more; a page reads at most {limit:,}. "
                      "For more, use the command line: `python -m core score --input FILE`.")


def split_lines(text: str) -> list[str]:
    """`text`'s lines, split on \\n, \\r\\n and \\r only (not on U+2028, \\x0b, \\x0c, \\x1c or \\x85, which stay
    in the text): the one rule for pastes, uploads and the command line."""
    lines = LINE_BREAK.split(text or "")
    if lines[-1] == "":
        lines.pop()  # a final line break ends the last line; it starts no new one
    return lines


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
    return clean(split_lines(text), "pasted text")


def suffix_of(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(f"{name}: unsupported file type {suffix or '(none)'}; use .txt, .csv, .tsv or .parquet.")
    return suffix


def ragged(name: str, line, fields, header) -> InputError:
    return InputError(f"{name}: line {line} has {fields} fields but the header has {header}. "
                      "Put quotes around texts that contain the separator.")


def csv_error(name: str, exc: Exception) -> InputError:
    """The message for a CSV the parser rejects; a row with more fields than the header is named."""
    text = str(exc).strip()
    found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", text)
    if found:
        return ragged(name, found[2], found[3], found[1])
    return InputError(f"{name} is not a well-formed CSV file: {text.splitlines()[0] if text else type(exc).__name__}")


def check_header(lines, sep: str, name: str) -> tuple[str, int]:
    """(the text read, the header's field count) from the first two rows of a CSV given as lines; InputError
    when the first row has more fields than the header (pandas would quietly shift or drop them)."""
    seen: list[str] = []

    def feed():
        for line in lines:
            seen.append(line)
            yield line

    rows, reader = [], csv.reader(feed(), delimiter=sep)
    try:
        for row in reader:
            if row:
                rows.append(row)
            if len(rows) == 2:
                break
    except csv.Error:  # a huge or odd first row: the parser decides
        pass
    if len(rows) == 2 and len(rows[1]) > len(rows[0]):
        raise ragged(name, reader.line_num, len(rows[1]), len(rows[0]))
    return "".join(seen), len(rows[0]) if rows else 1


def _csv_table(name: str, text: str, sep: str) -> pd.DataFrame:
    _, columns = check_header(io.StringIO(text), sep, name)
    most = min(MAX_TABLE_ROWS, MAX_TABLE_CELLS // max(1, columns))
    try:
        df = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, index_col=False,
                         nrows=most + 1)
    except pd.errors.EmptyDataError:
        raise InputError(f"{name} is empty.") from None
    except (pd.errors.ParserError, ValueError) as exc:
        raise csv_error(name, exc) from None
    if len(df) > most:
        raise too_many_rows(name, most + 1, most)
    return df


def _nested(kind) -> bool:
    return pa.types.is_nested(kind) or (pa.types.is_dictionary(kind) and pa.types.is_nested(kind.value_type))


def _binary(kind) -> bool:
    return any(getattr(pa.types, f"is_{k}")(kind) for k in ("string", "large_string", "binary", "large_binary"))


def decoded_size(array) -> int:
    """Bytes an Arrow (chunked) array decodes to as text, counted without decoding dictionaries; 24 a number."""
    total = 0
    for chunk in getattr(array, "chunks", [array]):
        values = chunk.dictionary if pa.types.is_dictionary(chunk.type) else chunk
        if not _binary(values.type):
            total += 24 * len(chunk)
            continue
        lengths = pc.binary_length(values)
        total += int(pc.sum(lengths if values is chunk else pc.take(lengths, chunk.indices)).as_py() or 0)
    return total


def arrow_texts(array) -> pd.Series:
    """An Arrow column as texts (integers as "1", not "1.0"), None where a value is missing."""
    if pa.types.is_dictionary(array.type):
        array = pc.cast(array, array.type.value_type)
    try:
        if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
            array = pc.cast(array, pa.large_string())
        return pd.Series(array.to_numpy(zero_copy_only=False), dtype=object)
    except pa.ArrowException:  # binary that is not UTF-8, and the like
        return pd.Series([None if v is None else str(v) for v in array.to_pylist()], dtype=object)


def parquet_metadata_check(name: str, metadata, columns: list[str], max_bytes: int = MAX_DECODED_BYTES) -> None:
    """InputError when a row group's `columns` unpack (per the file's metadata) to more than `max_bytes`."""
    for i in range(metadata.num_row_groups):
        group, size = metadata.row_group(i), 0
        for j in range(group.num_columns):
            chunk = group.column(j)
            if chunk.path_in_schema in columns:
                size += chunk.total_uncompressed_size
                if chunk.physical_type == "FIXED_LEN_BYTE_ARRAY":
                    size += chunk.num_values * max(1, metadata.schema.column(j).length or 1)
        if size > max_bytes:
            raise too_large(name, f"row group {i + 1}", size, max_bytes)


def _parquet_table(name: str, data: bytes) -> pd.DataFrame:
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(io.BytesIO(data))
    fields = [f for f in pf.schema_arrow if not _nested(f.type)]
    notes = [f"Left out column {f.name!r} (lists are not texts)." for f in pf.schema_arrow if _nested(f.type)]
    if (rows := pf.metadata.num_rows) > MAX_TABLE_ROWS:
        raise too_many_rows(name, rows, MAX_TABLE_ROWS)
    if rows * len(fields) > MAX_TABLE_CELLS:
        raise InputError(f"{name} has {rows:,} rows of {len(fields)} columns; a page reads at most "
                         f"{MAX_TABLE_CELLS:,} cells. Keep the columns you need, or use the command line.")
    names = [f.name for f in fields]
    parquet_metadata_check(name, pf.metadata, names)
    # dictionaries kept as they are, so a value repeated a million times is counted before it is copied out
    pf = pq.ParquetFile(io.BytesIO(data), read_dictionary=[f.name for f in fields if _binary(f.type)])
    table = pf.read(columns=names)
    size = sum(decoded_size(table.column(i)) for i in range(table.num_columns))
    if size > MAX_DECODED_BYTES:
        raise too_large(name, "the table", size)
    df = pd.DataFrame({i: arrow_texts(table.column(i)) for i in range(table.num_columns)})
    df.columns, df.attrs["notes"] = names, notes
    return df


def read_table(name: str, data: bytes) -> pd.DataFrame:
    """A .csv/.tsv/.parquet file as a frame of strings (Parquet's missing values as None); a file that decodes
    to more than the page's limits (rows, cells, bytes) is refused before it is decoded."""
    suffix = suffix_of(name)
    if len(data) > MAX_UPLOAD_BYTES:
        raise InputError(f"{name} is {len(data) / 2**20:.0f} MB; the limit is {MAX_UPLOAD_BYTES // 2**20} MB.")
    if not data.strip():
        raise InputError(f"{name} is empty.")
    if suffix == ".parquet":
        try:
            df = _parquet_table(name, data)
        except InputError:
            raise
        except (OSError, ValueError, pa.ArrowException) as exc:  # pyarrow's kinds for a bad file
            raise InputError(f"{name} is not a readable Parquet file ({type(exc).__name__}).") from None
    else:
        df = _csv_table(name, _decode(data, name), "\t" if suffix == ".tsv" else ",")
    if df.shape[1] == 0:
        raise InputError(f"{name} has no columns.")
    return df


def text_columns(df: pd.DataFrame) -> list[str]:
    """Columns worth offering as the text column: one named `text` (in any case) first, then the most
    text-like (longest on average)."""
    head = df.head(2000)  # columns by position: names may repeat or not be strings
    lengths = [head.iloc[:, i].astype(str).str.len().mean() for i in range(head.shape[1])]
    lengths = [0.0 if pd.isna(n) else float(n) for n in lengths]  # an empty table
    order = sorted(range(len(lengths)), key=lambda i: (str(df.columns[i]).strip().lower() != "text", -lengths[i]))
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
    """The texts of `column`, noting which column they came from, and missing values and reader notes."""
    require_columns(df, [column], name)
    series = df[[c for c in df.columns if str(c) == column][0]]
    nulls = int(series.isna().sum())
    batch = clean(series[series.notna()].astype(str).tolist(), f"column {column!r}")
    if nulls:
        batch.notes.insert(0, f"Skipped {nulls} missing value{'s' * (nulls != 1)} in column {column!r}.")
    batch.notes += df.attrs.get("notes", []) + [f"Texts from column {column!r} of {name}."] * (df.shape[1] > 1)
    return batch


def from_upload(name: str, data: bytes, column: str | None = None) -> TextBatch:
    """Texts from an uploaded file: one per line for .txt, one per row of `column` otherwise."""
    if suffix_of(name) == ".txt":
        if len(data) > MAX_UPLOAD_BYTES:
            raise InputError(f"{name} is larger than {MAX_UPLOAD_BYTES // 2**20} MB.")
        text = _decode(data, name)
        if (lines := text.count("\n") + text.count("\r") - text.count("\r\n")) > MAX_TABLE_ROWS:
            raise too_many_rows(name, lines, MAX_TABLE_ROWS, "lines")
        batch = clean(split_lines(text), name)
        if not batch.texts:
            raise InputError(f"{name} holds no text.")
        return batch
    df = read_table(name, data)
    column = column or text_columns(df)[0]
    batch = column_texts(df, column, name)
    if not batch.texts:
        raise InputError(f"Column {column!r} of {name} holds no text.")
    return batch


def limit(batch: TextBatch, maximum: int = MAX_PAGE_TEXTS) -> TextBatch:
    """Keep the first `maximum` texts, saying so."""
    if len(batch.texts) <= maximum:
        return batch
    notes = batch.notes + [f"Scored the first {maximum:,} of {len(batch.texts):,} texts. "
                           "For more, use the command line: `python -m core score --input FILE`."]
    return TextBatch(batch.texts[:maximum], notes)
