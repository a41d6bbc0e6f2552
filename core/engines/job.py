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
    named: bool = False  # the user named the directions: one that cannot be built is an error, not skipped

    keys: list[str] = field(default_factory=list, repr=False, compare=False)  # see read_chunks

    def fingerprint(self) -> str:
        """What the output depends on besides the texts (`keys` cover them): model, directions, options."""
        ident = "stdin" if self.input == "-" else os.path.abspath(self.input)
        blob = json.dumps([ident, self.fmt, self.column, self.model, self.raw, self.chunk_size, self.windows,
                           [(d.name, d.build_hash, d.project_out) for d in self.directions]])
        return hashlib.sha256(blob.encode()).hexdigest()

    def note_skipped(self, skipped: int) -> None:
        if skipped:
            self.notes.append(f"Skipped {skipped:,} empty line{'s' * (skipped != 1)} in the input.")


# ------------------------------------------------------------------ reading in chunks

def _decode_lines(stream, name: str) -> Iterator[str]:
    """Lines split as the pages split them (`inputs.split_lines`); a line over the decoded-bytes cap is refused."""
    limit = inputs.MAX_DECODED_BYTES
    for number, raw in enumerate(iter(lambda: stream.readline(limit + 1), b""), 1):
        if len(raw) > limit:
            raise inputs.too_large(name, f"line {number}", len(raw), limit)
        try:
            yield from inputs.split_lines(raw.decode("utf-8-sig" if number == 1 else "utf-8"))
        except UnicodeDecodeError:
            raise inputs.InputError(f"{name} is not UTF-8 text (line {number}). Save it as UTF-8.") from None


def _txt_chunks(job: Job, name: str) -> Iterator[pd.Series]:
    stream = sys.stdin.buffer if job.input == "-" else open(job.input, "rb")
    try:
        chunk, size = [], 0
        for line in _decode_lines(stream, name):
            chunk.append(line)
            size += len(line)
            if size > inputs.MAX_DECODED_BYTES:
                raise _chunk_too_large(name, size)
            if len(chunk) == job.chunk_size:
                yield pd.Series(chunk, dtype=object)
                chunk, size = [], 0
        if chunk:
            yield pd.Series(chunk, dtype=object)
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


def _chunk_too_large(name: str, size: int) -> inputs.InputError:
    exc = inputs.too_large(name, "a chunk of texts", size, inputs.MAX_DECODED_BYTES)
    return inputs.InputError(f"{exc} Use a smaller --chunk-size.")


def _column_note(job: Job, name: str, column: str) -> None:
    """Say once which column is scored when --column did not name one."""
    note = f"Scored column {column!r} of {name} (pick another with --column)."
    if not job.column and note not in job.notes:
        job.notes.append(note)


def _parquet_column(pf, job: Job, name: str) -> str:
    """--column, else a column named text, else the most text-like of the first 2,000 rows' string columns."""
    import pyarrow.parquet as pq

    names = pf.schema_arrow.names
    column = job.column or next((n for n in names if n.strip().lower() == "text"), None)
    if column is None:
        strings = [f.name for f in pf.schema_arrow if str(f.type) in ("string", "large_string")] or names[:1]
        inputs.parquet_metadata_check(name, pf.metadata, strings)
        dictionaries = pq.ParquetFile(job.input, read_dictionary=strings)  # counted before they are decoded
        first = next(dictionaries.iter_batches(batch_size=2000, columns=strings), None)
        if first is None or sum(map(inputs.decoded_size, first.columns)) > inputs.MAX_DECODED_BYTES:
            return strings[0]
        column = inputs.text_columns(pd.DataFrame({n: inputs.arrow_texts(first.column(n)) for n in strings}))[0]
    if column not in names:
        raise inputs.no_column(column, names, name)
    return column


def _parquet_chunks(job: Job, name: str) -> Iterator[pd.Series]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(job.input)
        column = _parquet_column(pf, job, name)
        inputs.parquet_metadata_check(name, pf.metadata, [column])  # each row group, before it is decoded
        pf = pq.ParquetFile(job.input, read_dictionary=[column])  # a repeated value is counted, not copied
    except inputs.InputError:
        raise
    except (OSError, ValueError, pa.ArrowException) as exc:  # pyarrow raises several kinds for bad files
        raise inputs.InputError(f"{name} is not a readable Parquet file ({type(exc).__name__}).") from None
    _column_note(job, name, column)
    for batch in pf.iter_batches(batch_size=job.chunk_size, columns=[column]):
        if (size := inputs.decoded_size(batch.column(0))) > inputs.MAX_DECODED_BYTES:
            raise _chunk_too_large(name, size)
        yield inputs.arrow_texts(batch.column(0)).where(lambda s: s.notna(), "")


class _Capped:
    """A text stream that refuses to give more than the decoded-bytes cap between two chunks."""

    def __init__(self, head: str, rest, name: str):
        self.head, self.rest, self.name, self.since = head, rest, name, 0

    def __iter__(self):
        return iter(lambda: self.read(2**16), "")

    def read(self, n: int = -1) -> str:
        text, self.head = (self.head, "") if self.head else (self.rest.read(n), "")
        self.since += len(text)
        if self.since > inputs.MAX_DECODED_BYTES:
            raise _chunk_too_large(self.name, self.since)
        return text


def _table_chunks(job: Job, name: str) -> Iterator[pd.Series]:
    source = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig") if job.input == "-" else \
        open(job.input, encoding="utf-8-sig", newline="")
    sep = "\t" if job.fmt == "tsv" else ","
    try:
        head, _ = inputs.check_header(source, sep, name)
        capped = _Capped(head, source, name)
        reader = pd.read_csv(capped, sep=sep, dtype=str, keep_default_na=False, index_col=False,
                             chunksize=job.chunk_size)
        column = None
        for frame in reader:
            if column is None:
                column = job.column or inputs.text_columns(frame)[0]
                inputs.require_columns(frame, [column], name)
                _column_note(job, name, column)
            capped.since = 0
            yield frame[column]
    except UnicodeDecodeError:
        raise inputs.InputError(f"{name} is not UTF-8 text. Save it as UTF-8.") from None
    except pd.errors.EmptyDataError:
        raise inputs.InputError(f"{name} is empty.") from None
    except pd.errors.ParserError as exc:
        raise inputs.csv_error(name, exc) from None
    finally:
        if source is not sys.stdin:
            source.close()


def read_chunks(job: Job) -> Iterator[pd.Series]:
    """The input's texts in chunks of `job.chunk_size` (a Series of strings each); the text column chosen (when
    --column names none) is noted in `job.notes`. Before chunk i is given, `job.keys[i]` holds the running
    hash of every text read up to and including it: a resumed run reuses a part only for the same texts."""
    name = "<stdin>" if job.input == "-" else Path(job.input).name
    if job.fmt == "txt":
        return _keyed(job, _txt_chunks(job, name))
    if job.fmt == "parquet":
        return _keyed(job, _parquet_chunks(job, name))
    return _keyed(job, _table_chunks(job, name))


def _keyed(job: Job, chunks: Iterator[pd.Series]) -> Iterator[pd.Series]:
    running = hashlib.sha256()
    job.keys = []
    for chunk in chunks:
        for text in chunk.astype(str):
            data = text.encode("utf-8", "surrogatepass")
            running.update(b"%d:" % len(data))
            running.update(data)
        running.update(b"|")  # where the chunk ends
        job.keys.append(running.hexdigest())
        yield chunk


# ------------------------------------------------------------------ scoring one chunk

class ChunkScorer:
    """Scores chunks of texts; built once per process (or per Ray actor): loads the model once.

    A direction that cannot be built is skipped with a warning on standard error naming its file, and the others
    are scored; DatasetError when none is left, or when the user named the data sets (`named`; None: named unless
    they are every direction in directions/, as `score` without --directions passes them)."""

    def __init__(self, model: str, datasets: list, raw: bool = False, windows: bool = False,
                 named: bool | None = None):
        from core.directions.build import build_each
        from core.directions.datasets import DatasetError, load_all
        from core.store.embedder import get_embedder

        self.embedder = get_embedder(model)
        self.directions, failed = build_each(datasets, self.embedder)
        if failed and named is None:
            named = {ds.name for ds in datasets} != set(load_all()[0])
        if failed and (named or not self.directions):
            raise DatasetError(f"cannot build {'; '.join(failed.values())}")
        for line in failed.values():
            print(f"warning: skipped {line}", file=sys.stderr)
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


def scorer_for(job: Job) -> ChunkScorer:
    return ChunkScorer(job.model, job.directions, job.raw, job.windows, named=job.named)


def empty_header(job: Job, scorer: ChunkScorer | None = None) -> list[str] | None:
    """The columns of a result with no chunk at all (from scoring nothing), so an empty output has the
    header a full one would; None when there were chunks (their parts carry the header)."""
    return None if job.keys else list((scorer or scorer_for(job))(pd.Series([], dtype=object)).columns)
