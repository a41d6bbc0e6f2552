"""`python -m core score`: score a file (or standard input) on directions, on the local or the Ray engine.

Before scoring a file, its texts are counted in the model's windows (tokenizer only, a fraction of the
embedding time): when some are longer than the window, standard error names the pooling method once and the
output gets a `windows` column (1 = read whole; standard input is read once, so it is not counted).
"""
from __future__ import annotations

import sys
from pathlib import Path

from core.cli.common import CliError, add_model_option
from core.directions import datasets as dsets
from core.directions.buildable import check_buildable, failure_line
from core.directions.methods import MethodError
from core.engines.job import DEFAULT_CHUNK, Job, read_chunks
from core.engines.parts import check_output
from core.io import inputs
from core.models import windows as reading


def add_commands(sub) -> None:
    s = sub.add_parser("score", help="score texts on directions; writes text + one column per direction")
    s.add_argument("--input", required=True, help=".txt (one text per line), .csv, .tsv, .parquet, or - for stdin")
    s.add_argument("--column", help="the text column of a CSV/TSV/Parquet input (default: the most text-like)")
    s.add_argument("--format", choices=["txt", "csv", "tsv", "parquet"],
                   help="input format, when the suffix does not say (stdin is txt)")
    s.add_argument("--directions", help="comma-separated direction names (default: all)")
    add_model_option(s)
    s.add_argument("--output", help="output file: .csv, .tsv or .parquet (default: CSV to standard output)")
    s.add_argument("--raw", action="store_true", help="add <direction>_raw columns with the uncalibrated projection")
    s.add_argument("--quiet", action="store_true", help="no progress on standard error")
    s.add_argument("--chunk-size", type=int, default=DEFAULT_CHUNK,
                   help="rows per chunk (memory stays bounded by it)")
    s.add_argument("--engine", choices=["local", "ray"], default="local",
                   help="local (default) or ray: Ray Data actors that each load the model once")
    s.add_argument("--workers", type=int, default=2, help="Ray actors (with --engine ray)")
    s.set_defaults(run=cmd_score)


def pick_directions(spec: str | None) -> list[dsets.DirectionDataset]:
    """The data sets named in a comma-separated list (all of them when it is empty)."""
    found, errors = dsets.load_all()
    for message in errors.values():
        print(f"warning: skipped {message}", file=sys.stderr)
    if not spec:
        if not found:
            raise CliError("no direction data sets found in directions/")
        usable, failed = [], []
        for ds in found.values():  # what no model can build is skipped here, before any work
            try:
                check_buildable(ds, found)
                usable.append(ds)
            except (dsets.DatasetError, MethodError) as exc:
                failed.append(failure_line(ds, exc))
        if not usable:
            raise CliError(f"cannot build {'; '.join(failed)}", 2)
        for line in failed:
            print(f"warning: skipped {line}", file=sys.stderr)
        return usable
    names = [n.strip() for n in spec.split(",") if n.strip()]
    unknown = [n for n in names if n not in found]
    if unknown or not names:
        what = ", ".join(unknown) if unknown else repr(spec)
        raise CliError(f"unknown direction(s): {what}; known: {', '.join(found)}", 2)
    for n in names:
        try:
            check_buildable(found[n], found)
        except (dsets.DatasetError, MethodError) as exc:
            raise CliError(f"cannot build {failure_line(found[n], exc)}", 2) from None
    return [found[n] for n in names]


def _input_format(args) -> str:
    if args.input == "-":
        fmt = args.format or ("csv" if args.column else "txt")
    else:
        path = Path(args.input)
        if not path.is_file():
            raise CliError(f"input file not found: {args.input}", 2)
        fmt = args.format or path.suffix.lower().lstrip(".")
    if f".{fmt}" not in inputs.SUFFIXES:
        raise CliError(f"cannot read {args.input}: use .txt, .csv, .tsv or .parquet (or --format)", 2)
    if fmt == "txt" and args.column:
        raise CliError("--column applies to CSV, TSV or Parquet input, not .txt", 2)
    return fmt


def _progress(quiet: bool):
    if quiet or not sys.stderr.isatty():
        return None

    def report(chunks: int, rows: int) -> None:
        print(f"\rscored {rows:,} rows ({chunks} chunk{'s' * (chunks != 1)})", end="", file=sys.stderr, flush=True)

    return report


def long_texts(job: Job, embedder) -> int:
    """How many texts of a file input the model reads in more than one window (0 for standard input)."""
    if job.input == "-" or getattr(embedder.encoder, "windows", None) is None:
        return 0
    count = 0
    for chunk in read_chunks(job):
        texts = chunk.astype(str).str.strip()  # as the chunk scorer keeps them
        count += int((embedder.windows(texts[texts != ""].tolist()) > 1).sum())
    return count


def cmd_score(args) -> int:
    from core.cli.models import ensure_path
    from core.store.embedder import get_embedder

    if args.output and Path(args.output).suffix.lower() not in (".csv", ".tsv", ".parquet"):
        raise CliError(f"cannot write {args.output}: use a .csv, .tsv or .parquet file name", 2)
    if args.output:
        check_output(args.output)  # a folder, a path under a file, a read-only folder: before any scoring
    if args.chunk_size < 1:
        raise CliError("--chunk-size must be at least 1", 2)
    if args.engine == "ray" and not args.output:
        raise CliError("--engine ray needs --output (a .csv, .tsv or .parquet file)", 2)
    fmt = _input_format(args)
    chosen = pick_directions(args.directions)
    ensure_path(args.model, args.quiet)  # first use on this CPU: measure its paths once
    embedder = get_embedder(args.model)  # fail early, with the model's own message, before reading the input
    job = Job(args.input, fmt, args.column, chosen, args.model, raw=args.raw, chunk_size=args.chunk_size,
              named=bool(args.directions))
    windowed = long_texts(job, embedder)
    early = list(job.notes)  # which text column is scored, when reading it above chose one
    for note in early:
        print(f"note: {note}", file=sys.stderr)
    job.windows = windowed > 0  # the chunk scorer adds the windows column when this is set
    if windowed:
        print(f"note: {reading.note(windowed, embedder.window, embedder.pooling)}", file=sys.stderr)
    progress = _progress(args.quiet)
    if args.engine == "ray":
        from core.engines import ray as ray_engine

        ray_engine.run(job, args.output, workers=args.workers, progress=progress)
    else:
        from core.engines import batch

        batch.run(job, args.output, progress=progress)
    for note in job.notes:
        if note not in early:
            print(f"note: {note}", file=sys.stderr)
    return 0
