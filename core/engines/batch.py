"""The local engine: score a job in this process, chunk by chunk, memory bounded, resumable after a stop.

With an output file, each finished chunk goes to the job's parts folder (core.engines.parts); a rerun
of the same job skips the chunks already written, and the last step joins the parts into the output.
Without an output file, CSV streams to standard output. The Ray engine (core.engines.ray) runs the
same chunk scorer on Ray Data actors; the command line chooses between the two.
"""
from __future__ import annotations

import csv
import sys
from typing import Callable

from core.engines.job import ChunkScorer, Job, read_chunks
from core.engines.parts import PartsFolder

Progress = Callable[[int, int], None]


def run(job: Job, output: str | None, progress: Progress | None = None) -> int:
    """Score the job; returns the number of rows written. `progress(chunks, rows)` after each chunk."""
    if output is None:
        return _to_stdout(job, progress)
    parts = PartsFolder.open(job, output)
    scorer = None
    seen = 0
    for i, chunk in enumerate(read_chunks(job)):
        if not parts.done(i):
            scorer = scorer or ChunkScorer(job.model, job.directions, job.raw, job.windows)
            parts.write(i, scorer(chunk))
        seen += len(chunk)
        if progress:
            progress(i + 1, seen)
    if scorer is not None:
        job.note_skipped(scorer.skipped)
    return parts.join()


def _to_stdout(job: Job, progress: Progress | None) -> int:
    scorer = ChunkScorer(job.model, job.directions, job.raw, job.windows)
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
    job.note_skipped(scorer.skipped)
    return rows
