"""The Ray engine: chunks go to a Ray Data actor pool whose actors each load the model once.

Locally, `ray.init()` starts a small cluster on this machine; on a real cluster, start the job with
RAY_ADDRESS set (or `ray.init(address="auto")` picks it up) and a shared cache folder
(LATENT_CACHE_DIR) so every worker reuses embeddings. Chunk numbers travel with the rows, so the
parts (and the joined output) come out in input order and a resumed run skips finished chunks. The
job, its chunks, the scorer and the parts folder are the local engine's (core.engines.job, .parts).
"""
from __future__ import annotations

import os
from typing import Callable

import pandas as pd

from core.engines.job import ChunkScorer, Job, empty_header, read_chunks
from core.engines.parts import PartsFolder


class _ScoreActor:
    def __init__(self, model: str, datasets: list, raw: bool, windows: bool = False, named: bool = False):
        self.scorer = ChunkScorer(model, datasets, raw, windows, named=named)

    def __call__(self, block: pd.DataFrame) -> pd.DataFrame:
        out = []
        for chunk, rows in block.groupby("chunk", sort=True):
            frame = self.scorer(rows["text"])
            frame.insert(0, "chunk", chunk)
            out.append(frame)
        return pd.concat(out, ignore_index=True) if out else pd.DataFrame({"chunk": []})


def run(job: Job, output: str, workers: int = 2, progress: Callable[[int, int], None] | None = None) -> int:
    """Score the job on Ray into `output` (.csv, .tsv or .parquet); returns the number of rows written."""
    with PartsFolder.open(job, output) as parts:
        _score(job, parts, workers, progress)
        return parts.join(empty_header(job))


def _score(job: Job, parts: PartsFolder, workers: int, progress) -> None:
    import ray

    if not ray.is_initialized():
        ray.init(ignore_reinit_error=True, include_dashboard=False, log_to_driver=False,
                 num_cpus=None if "RAY_ADDRESS" in os.environ else max(1, workers))
    ctx = ray.data.DataContext.get_current()
    ctx.execution_options.preserve_order = True
    ctx.enable_progress_bars = False
    refs, pending, seen = [], [], 0
    for i, chunk in enumerate(read_chunks(job)):
        seen += len(chunk)
        if not parts.done(i):
            refs.append(ray.put(pd.DataFrame({"chunk": i, "text": chunk.astype(str).values})))
            pending.append(i)
    if not refs:
        return
    ds = ray.data.from_pandas_refs(refs).map_batches(
        _ScoreActor, fn_constructor_args=(job.model, list(job.directions), job.raw, job.windows, job.named),
        batch_format="pandas", batch_size=None, concurrency=max(1, workers), num_cpus=1,
    )
    done = 0
    for batch in ds.iter_batches(batch_format="pandas", batch_size=None):
        for chunk, frame in batch.groupby("chunk", sort=True):
            frame = frame.drop(columns="chunk").reset_index(drop=True)
            frame = frame.astype({c: "str" if c == "text" else "int64" if c == "windows" else "float64"
                                  for c in frame.columns})
            parts.write(int(chunk), frame)
            done += 1
            if progress:
                progress(done, seen)
    for i in pending:  # chunks whose texts were all empty produce no rows: write empty parts
        if not parts.done(i):
            parts.write(i, pd.DataFrame({"text": pd.Series(dtype=str)}))
