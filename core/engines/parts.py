"""The resumable parts folder of a job that writes an output file, shared by both engines.

Each finished chunk is written to `<output>.parts/part-NNNNN.parquet` next to a manifest of the job
(its fingerprint). A rerun of the same job finds the chunks already written and skips them; parts
left by a different job are removed first. `join` concatenates the parts into the output (format by
its suffix), one part in memory at a time, and removes the folder. Every file is written atomically.
"""
from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pandas as pd

from core.files import atomic_path, atomic_write_text

log = logging.getLogger(__name__)


class PartsFolder:
    def __init__(self, output: Path, folder: Path):
        self.output = output
        self.folder = folder

    @classmethod
    def open(cls, job, output) -> "PartsFolder":
        """The parts folder for `job` writing `output`, kept from an earlier run of the same job."""
        out = Path(output)
        folder = out.with_name(out.name + ".parts")
        manifest = {"job": job.fingerprint(), "output": out.name}
        path = folder / "manifest.json"
        if folder.exists():
            try:
                same = json.loads(path.read_text(encoding="utf-8")) == manifest
            except (OSError, ValueError):
                same = False
            if not same:
                log.info("%s holds parts of another job; starting over", folder)
                shutil.rmtree(folder)
            else:
                log.info("%s holds parts of this job; resuming", folder)
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, json.dumps(manifest))
        return cls(out, folder)

    def path(self, chunk: int) -> Path:
        return self.folder / f"part-{int(chunk):05d}.parquet"

    def done(self, chunk: int) -> bool:
        return self.path(chunk).exists()

    def write(self, chunk: int, frame: pd.DataFrame) -> None:
        with atomic_path(self.path(chunk)) as tmp:
            frame.to_parquet(tmp, index=False)

    def join(self) -> int:
        """Write the output from the parts (in chunk order) and remove the folder; the number of rows."""
        parts = sorted(self.folder.glob("part-*.parquet"))
        with atomic_path(self.output) as tmp:
            if self.output.suffix.lower() == ".parquet":
                rows = _join_parquet(parts, tmp)
            else:
                rows = _join_text(parts, tmp, "\t" if self.output.suffix.lower() == ".tsv" else ",")
        shutil.rmtree(self.folder, ignore_errors=True)
        return rows


def _join_parquet(parts: list[Path], target: Path) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows, writer = 0, None
    try:
        for p in parts:
            table = pq.read_table(p)
            if table.num_rows == 0:
                continue
            if writer is None:
                writer = pq.ParquetWriter(target, table.schema)
            writer.write_table(table.cast(writer.schema))
            rows += table.num_rows
    finally:
        if writer is not None:
            writer.close()
    if writer is None:
        pq.write_table(pa.table({"text": pa.array([], pa.string())}), target)
    return rows


def _join_text(parts: list[Path], target: Path, sep: str) -> int:
    rows = 0
    with open(target, "w", encoding="utf-8", newline="") as fh:
        for p in parts:
            frame = pd.read_parquet(p)
            if frame.empty:
                continue
            frame.to_csv(fh, index=False, header=(rows == 0), sep=sep)
            rows += len(frame)
        if rows == 0:
            fh.write("text\n")
    return rows
