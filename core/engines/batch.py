"""Batch scoring at scale: stream the input in chunks, keep memory bounded, resume after a stop.

With an output file, each finished chunk is written to `<output>.parts/part-NNNNN.parquet` next to
a manifest of the job (input identity, directions, model, options). A rerun of the same job skips
the chunks already written; the last step joins the parts into the output, one part at a time,
and removes the parts folder. Without an output file, CSV streams to standard output.
The Ray engine (`engine="ray"`) runs the same chunk scorer on Ray Data actors.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import pandas as pd

from core.io import inputs
from core.files import atomic_write_text

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


# ------------------------------------------------------------------ reading in chunks

def _decode_lines(stream, name: str) -> Iterator[str]:
    for number, raw in enumerate(stream, 1):
        try:
            yield raw.decode("utf-8-sig" if number == 1 else "utf-8").rstrip("\r\n")
        except UnicodeDecodeError:
            raise inputs.InputError(f"{name} is not UTF-8 text (line {number}). Save it as UTF-8.") from None


def read_chunks(job: Job) -> Iterator[pd.Series]:
    """The input's texts in chunks of `job.chunk_size` (a Series of strings each)."""
    name = "<stdin>" if job.input == "-" else Path(job.input).name
    size = job.chunk_size
    if job.fmt == "txt":
        stream = sys.stdin.buffer if job.input == "-" else open(job.input, "rb")
        try:
            chunk = []
            for line in _decode_lines(stream, name):
                chunk.append(line)
                if len(chunk) == size:
                    yield pd.Series(chunk, dtype=object)
                    chunk = []
            if chunk:
                yield pd.Series(chunk, dtype=object)
        finally:
            if stream is not sys.stdin.buffer:
                stream.close()
        return
    if job.fmt == "parquet":
        import pyarrow.parquet as pq

        try:
            pf = pq.ParquetFile(job.input)
        except Exception as exc:  # pyarrow raises several kinds for bad files
            raise inputs.InputError(f"{name} is not a readable Parquet file ({type(exc).__name__}).") from None
        names = pf.schema_arrow.names
        column = job.column or names[0]
        if column not in names:
            raise inputs.no_column(column, names, name)
        for batch in pf.iter_batches(batch_size=size, columns=[column]):
            yield batch.column(0).to_pandas().astype(object).where(lambda s: s.notna(), "").astype(str)
        return
    source = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig") if job.input == "-" else \
        open(job.input, encoding="utf-8-sig", newline="")
    try:
        reader = pd.read_csv(source, sep="\t" if job.fmt == "tsv" else ",", dtype=str, keep_default_na=False,
                             chunksize=size)
        first = True
        for frame in reader:
            if first:
                column = job.column or inputs.text_columns(frame)[0]
                inputs.require_columns(frame, [column], name)
                first = False
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


# ------------------------------------------------------------------ scoring one chunk

class ChunkScorer:
    """Scores chunks of texts; built once per process (or per Ray actor): loads the model once."""

    def __init__(self, model: str, datasets: list, raw: bool = False):
        from core.directions.build import build_directions
        from core.store.embedder import get_embedder

        self.embedder = get_embedder(model)
        self.directions = build_directions(datasets, self.embedder)
        self.raw = raw
        self.skipped = 0  # empty texts left out

    def __call__(self, texts: pd.Series) -> pd.DataFrame:
        from core.explore.scores import wide_table

        texts = texts.astype(str).str.strip()
        kept = texts[texts != ""].tolist()
        self.skipped += len(texts) - len(kept)
        texts = kept
        E = self.embedder.embed(texts)
        return wide_table(texts, E, self.directions, raw=self.raw)


# ------------------------------------------------------------------ writing

def _join_parts(parts: list[Path], output: Path) -> int:
    """Concatenate part files into the output (format by suffix), one part in memory at a time."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    suffix = output.suffix.lower()
    tmp = output.with_name(f".{output.name}.tmp")
    rows = 0
    try:
        if suffix == ".parquet":
            writer = None
            for p in parts:
                table = pq.read_table(p)
                if table.num_rows == 0:
                    continue
                if writer is None:
                    writer = pq.ParquetWriter(tmp, table.schema)
                writer.write_table(table.cast(writer.schema))
                rows += table.num_rows
            if writer is None:
                pq.write_table(pa.table({"text": pa.array([], pa.string())}), tmp)
            else:
                writer.close()
        else:
            with open(tmp, "w", encoding="utf-8", newline="") as fh:
                for p in parts:
                    frame = pd.read_parquet(p)
                    if frame.empty:
                        continue
                    frame.to_csv(fh, index=False, header=(rows == 0), sep="\t" if suffix == ".tsv" else ",")
                    rows += len(frame)
                if rows == 0:
                    fh.write("text\n")
        os.replace(tmp, output)
    finally:
        tmp.unlink(missing_ok=True)
    return rows


def run(job: Job, output: str | None, engine: str = "local", progress: Callable[[int, int], None] | None = None,
        workers: int = 2) -> int:
    """Score the job; returns the number of rows written."""
    if output is None:
        return _to_stdout(job, progress)
    out = Path(output)
    parts_dir = out.with_name(out.name + ".parts")
    manifest = {"job": job.fingerprint(), "output": out.name}
    manifest_path = parts_dir / "manifest.json"
    if parts_dir.exists():
        try:
            same = json.loads(manifest_path.read_text(encoding="utf-8")) == manifest
        except (OSError, ValueError):
            same = False
        if not same:  # a different job left these: start over
            shutil.rmtree(parts_dir)
    parts_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(manifest_path, json.dumps(manifest))
    if engine == "ray":
        from core.engines.ray import score_with_ray

        score_with_ray(job, parts_dir, workers=workers, progress=progress)
    else:
        scorer = None
        done_rows = 0
        for i, chunk in enumerate(read_chunks(job)):
            part = parts_dir / f"part-{i:05d}.parquet"
            if not part.exists():
                scorer = scorer or ChunkScorer(job.model, job.directions, job.raw)
                _write_part(scorer(chunk), part)
            done_rows += len(chunk)
            if progress:
                progress(i + 1, done_rows)
        if scorer is not None:
            _note_skipped(job, scorer.skipped)
    parts = sorted(parts_dir.glob("part-*.parquet"))
    rows = _join_parts(parts, out)
    shutil.rmtree(parts_dir, ignore_errors=True)
    return rows


def _write_part(frame: pd.DataFrame, part: Path) -> None:
    tmp = part.with_name(f".{part.name}.tmp")
    frame.to_parquet(tmp, index=False)
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, part)


def _to_stdout(job: Job, progress) -> int:
    scorer = ChunkScorer(job.model, job.directions, job.raw)
    rows, seen = 0, 0
    for i, chunk in enumerate(read_chunks(job)):
        frame = scorer(chunk)
        frame.to_csv(sys.stdout, index=False, header=(i == 0))
        rows += len(frame)
        seen += len(chunk)
        if progress:
            progress(i + 1, seen)
    if seen == 0:
        csv.writer(sys.stdout).writerow(["text", *[d.name for d in job.directions]])
    _note_skipped(job, scorer.skipped)
    return rows


def _note_skipped(job: Job, skipped: int) -> None:
    if skipped:
        job.notes.append(f"Skipped {skipped:,} empty line{'s' * (skipped != 1)} in the input.")
