"""The local engine: score a job in this process, chunk by chunk, memory bounded, resumable after a stop.

With an output file, each finished chunk goes to the job's parts folder (core.engines.parts); a rerun
of the same job skips the chunks already written (for the same texts), and the last step joins the
parts into the output. Without an output file, CSV streams to standard output. Either way an empty
result is the header the scores would have (text, one column per direction, ...). The Ray engine
(core.engines.ray) runs the same chunk scorer on Ray Data actors; the command line chooses between the two.
"""
from __future__ import annotations

import sys
from typing import Callable

import pandas as pd

from core.engines.job import Job, empty_header, read_chunks, scorer_for
from core.engines.parts import PartsFolder

Progress = Callable[[int, int], None]


def run(job: Job, output: str | None, progress: Progress | None = None) -> int:
    """Score the job; returns the number of rows written. `progress(chunks, rows)` after each chunk."""
    if output is None:
        return _to_stdout(job, progress)
    with PartsFolder.open(job, output) as parts:
        scorer = None
        seen = 0
        for i, chunk in enumerate(read_chunks(job)):
            if not parts.done(i):
                scorer = scorer or scorer_for(job)
                parts.write(i, scorer(chunk))
            seen += len(chunk)
            if progress:
                progress(i + 1, seen)
        if scorer is not None:
            job.note_skipped(scorer.skipped)
        return parts.join(empty_header(job, scorer))



def _to_stdout(job: Job, progress: Progress | None) -> int:
    scorer = scorer_for(job)
    rows, seen, header = 0, 0, True
    for i, chunk in enumerate(read_chunks(job)):
        frame = scorer(chunk)
        frame.to_csv(sys.stdout, index=False, header=header)
        header = False
        rows += len(frame)
        seen += len(chunk)
        if progress:
            progress(i + 1, seen)
    if header:  # no chunk at all
        pd.DataFrame(columns=empty_header(job, scorer)).to_csv(sys.stdout, index=False)
    job.note_skipped(scorer.skipped)
    return rows
