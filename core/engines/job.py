"""A batch scoring job, shared by both engines: what to score, the input read in chunks, the chunk scorer.

`read_chunks` streams the input (.txt lines, CSV/TSV rows, Parquet batches, or standard input) in
Series of `chunk_size` texts, so memory stays bounded by the chunk, not the file. `ChunkScorer` is
built once per process (or per Ray actor) and loads the model once.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import pandas as pd

from core.io import inputs

DEFAULT_CHUNK = 10_000


@dataclass
class Job:
    input: str  # a path or "-"
    fmt: str  # txt, csv, tsv, parquet
    column: str | None
    directions: list  # DirectionDataset
    model: str
    raw: bool = False
    chunk_size: int = DEFAULT_CHUNK
    notes: list[str] = field(default_factory=list)
    windows: bool = False  # add a `windows` column (set when some text is longer than the model's window)

    def fingerprint(self) -> str:
        """What the output depends on: input identity, model, directions, options."""
        if self.input == "-":
            ident = "stdin"
        else:
            st = os.stat(self.input)
            ident = f"{os.path.abspath(self.input)}:{st.st_size}:{st.st_mtime_ns}"
        blob = json.dumps([ident, self.fmt, self.column, self.model, self.raw, self.chunk_size,
                           [(d.name, d.build_hash, d.project_out) for d in self.directions]])
        return hashlib.sha256(blob.encode()).hexdigest()

    def note_skipped(self, skipped: int) -> None:
        if skipped:
            self.notes.append(f"Skipped {skipped:,} empty line{'s' * (skipped != 1)} in the input.")


# ------------------------------------------------------------------ reading in chunks

def _decode_lines(stream, name: str) -> Iterator[str]:
    for number, raw in enumerate(stream, 1):
        try:
            yield raw.decode("utf-8-sig" if number == 1 else "utf-8").rstrip("\r\n")
        except UnicodeDecodeError:
            raise inputs.InputError(f"{name} is not UTF-8 text (line {number}). Save it as UTF-8.") from None


def _txt_chunks(job: Job, name: str) -> Iterator[pd.Series]:
    stream = sys.stdin.buffer if job.input == "-" else open(job.input, "rb")
    try:
        chunk = []
        for line in _decode_lines(stream, name):
            chunk.append(line)
            if len(chunk) == job.chunk_size:
                yield pd.Series(chunk, dtype=object)
                chunk = []
        if chunk:
            yield pd.Series(chunk, dtype=object)
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


def _parquet_chunks(job: Job, name: str) -> Iterator[pd.Series]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(job.input)
    except (OSError, ValueError, pa.ArrowException) as exc:  # pyarrow raises several kinds for bad files
        raise inputs.InputError(f"{name} is not a readable Parquet file ({type(exc).__name__}).") from None
    names = pf.schema_arrow.names
    column = job.column or names[0]
    if column not in names:
        raise inputs.no_column(column, names, name)
    for batch in pf.iter_batches(batch_size=job.chunk_size, columns=[column]):
        yield batch.column(0).to_pandas().astype(object).where(lambda s: s.notna(), "").astype(str)


def _table_chunks(job: Job, name: str) -> Iterator[pd.Series]:
    source = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig") if job.input == "-" else \
        open(job.input, encoding="utf-8-sig", newline="")
    try:
        reader = pd.read_csv(source, sep="\t" if job.fmt == "tsv" else ",", dtype=str, keep_default_na=False,
                             chunksize=job.chunk_size)
        column = None
        for frame in reader:
            if column is None:
                column = job.column or inputs.text_columns(frame)[0]
                inputs.require_columns(frame, [column], name)
            yield frame[column]
    except UnicodeDecodeError:
        raise inputs.InputError(f"{name} is not UTF-8 text. Save it as UTF-8.") from None
    except pd.errors.EmptyDataError:
        raise inputs.InputError(f"{name} is empty.") from None
    except pd.errors.ParserError as exc:
        raise inputs.InputError(f"{name} is not a well-formed CSV file: {str(exc).splitlines()[0]}") from None
    finally:
        if source is not sys.stdin:
            source.close()


def read_chunks(job: Job) -> Iterator[pd.Series]:
    """The input's texts in chunks of `job.chunk_size` (a Series of strings each)."""
    name = "<stdin>" if job.input == "-" else Path(job.input).name
    if job.fmt == "txt":
        return _txt_chunks(job, name)
    if job.fmt == "parquet":
        return _parquet_chunks(job, name)
    return _table_chunks(job, name)


# ------------------------------------------------------------------ scoring one chunk

class ChunkScorer:
    """Scores chunks of texts; built once per process (or per Ray actor): loads the model once."""

    def __init__(self, model: str, datasets: list, raw: bool = False, windows: bool = False):
        from core.directions.build import build_directions
        from core.store.embedder import get_embedder

        self.embedder = get_embedder(model)
        self.directions = build_directions(datasets, self.embedder)
        self.raw, self.windows = raw, windows
        self.skipped = 0  # empty texts left out

    def __call__(self, texts: pd.Series) -> pd.DataFrame:
        from core.explore.scores import wide_table

        texts = texts.astype(str).str.strip()
        kept = texts[texts != ""].tolist()
        self.skipped += len(texts) - len(kept)
        E = self.embedder.embed(kept)
        counts = self.embedder.windows(kept) if self.windows else None
        return wide_table(kept, E, self.directions, raw=self.raw, windows=counts)
