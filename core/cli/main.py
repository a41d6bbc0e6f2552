"""Command line: `python -m core score ...` and `python -m core directions`."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from core.errors import LatentError
from core.directions import datasets as dsets
from core.io import inputs
from core.models.registry import DEFAULT_MODEL, ModelError


class CliError(LatentError):
    """A one-line message for the user; exit status 2 for usage, 1 otherwise."""

    def __init__(self, message: str, status: int = 1):
        super().__init__(message)
        self.status = status


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, not argparse's usage block
        raise CliError(f"{self.prog}: {message} (see --help)", 2)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m core", description="Score texts on named directions in embedding space.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    s = sub.add_parser("score", help="score texts on directions; writes text + one column per direction")
    s.add_argument("--input", required=True, help=".txt (one text per line), .csv, .tsv, .parquet, or - for stdin")
    s.add_argument("--column", help="the text column of a CSV/TSV/Parquet input (default: the most text-like)")
    s.add_argument("--format", choices=["txt", "csv", "tsv", "parquet"], help="input format, when the suffix does not say (stdin is txt)")
    s.add_argument("--directions", help="comma-separated direction names (default: all)")
    s.add_argument("--model", default=DEFAULT_MODEL, help=f"model name (default: {DEFAULT_MODEL})")
    s.add_argument("--output", help="output file: .csv, .tsv or .parquet (default: CSV to standard output)")
    s.add_argument("--raw", action="store_true", help="add <direction>_raw columns with the uncalibrated projection")
    s.add_argument("--quiet", action="store_true", help="no progress on standard error")
    s.add_argument("--chunk-size", type=int, default=10_000, help="rows per chunk (memory stays bounded by it)")
    s.add_argument("--engine", choices=["local", "ray"], default="local",
                   help="local (default) or ray: Ray Data actors that each load the model once")
    s.add_argument("--workers", type=int, default=2, help="Ray actors (with --engine ray)")
    b = sub.add_parser("build", help="rebuild a direction and print its quality report")
    b.add_argument("name", help="direction name (a file in directions/)")
    b.add_argument("--method", help="build method to evaluate: " + ", ".join(_method_names()))
    b.add_argument("--save", action="store_true", help="record --method in the data set file")
    b.add_argument("--model", default=DEFAULT_MODEL, help=f"model name (default: {DEFAULT_MODEL})")
    b.add_argument("--permutations", type=int, default=100, help="shuffled-label directions for the p-value")
    v = sub.add_parser("validate", help="correlate a direction's scores with human ratings")
    v.add_argument("name", help="direction name")
    v.add_argument("--input", required=True, help=".csv, .tsv or .parquet file with texts and ratings")
    v.add_argument("--column", required=True, help="the text column")
    v.add_argument("--rating", required=True, help="the numeric rating column")
    v.add_argument("--model", default=DEFAULT_MODEL, help=f"model name (default: {DEFAULT_MODEL})")
    v.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples for the intervals")
    d = sub.add_parser("directions", help="list the direction data sets and their poles")
    d.add_argument("--model", default=None, help=argparse.SUPPRESS)
    return p


def _method_names() -> list[str]:
    from core.directions.methods import METHODS

    return list(METHODS)


def _embedder(model: str):
    from core.store.embedder import get_embedder

    try:
        return get_embedder(model)
    except ModelError as exc:
        raise CliError(str(exc), 2 if "Unknown model" in str(exc) else 1) from None


def _dataset(name: str) -> dsets.DirectionDataset:
    try:
        return dsets.get_dataset(name)
    except dsets.DatasetError as exc:
        raise CliError(str(exc), 2) from None


def cmd_build(args) -> int:
    from core.directions.methods import MethodError
    from core.directions.quality import direction_report, wrong_side

    ds = _dataset(args.name)
    if args.method:
        if args.method not in _method_names():
            raise CliError(f"unknown method {args.method!r}; known: {', '.join(_method_names())}", 2)
        try:
            ds = ds.with_changes(method=args.method)
        except dsets.DatasetError as exc:
            raise CliError(str(exc), 2) from None
    embedder = _embedder(args.model)
    try:
        report = direction_report(ds, embedder, n_perm=max(0, args.permutations))
    except (MethodError, dsets.DatasetError) as exc:
        raise CliError(str(exc)) from None
    print(report.to_text())
    for r in wrong_side(report.scores).itertuples():
        print(f"  wrong side ({r.pole}, held-out score {r.heldout:+.2f}): {r.text}")
    if args.save and args.method:
        from core.directions.saving import save_dataset

        save_dataset(ds, dsets.get_dataset(args.name).file_hash)
        print(f"saved method {args.method} in {args.name}{dsets.SUFFIX}")
    return 0


def cmd_validate(args) -> int:
    from core.directions.build import build_direction
    from core.directions.validation import correlate, ratings_from_table

    ds = _dataset(args.name)
    path = Path(args.input)
    if not path.is_file():
        raise CliError(f"input file not found: {args.input}", 2)
    try:
        table = inputs.read_table(path.name, path.read_bytes())
        texts, ratings, notes = ratings_from_table(table, args.column, args.rating)
    except inputs.InputError as exc:
        raise CliError(str(exc), 2) from None
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    embedder = _embedder(args.model)
    direction = build_direction(ds, embedder)
    scores = direction.score(embedder.embed(texts))
    try:
        result = correlate(scores, ratings, n_boot=max(10, args.bootstrap))
    except inputs.InputError as exc:
        raise CliError(str(exc)) from None
    print(f"{ds.name} ({ds.negative_label} → {ds.positive_label}) against {args.rating} in {path.name}:")
    print(result.to_text())
    return 0


def _pick_directions(spec: str | None) -> list[dsets.DirectionDataset]:
    found, errors = dsets.load_all()
    for message in errors.values():
        print(f"warning: skipped {message}", file=sys.stderr)
    if not spec:
        if not found:
            raise CliError("no direction data sets found in directions/")
        return list(found.values())
    names = [n.strip() for n in spec.split(",") if n.strip()]
    unknown = [n for n in names if n not in found]
    if unknown or not names:
        what = ", ".join(unknown) if unknown else repr(spec)
        raise CliError(f"unknown direction(s): {what}; known: {', '.join(found)}", 2)
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


def cmd_score(args) -> int:
    from core.engines import batch

    if args.output and Path(args.output).suffix.lower() not in (".csv", ".tsv", ".parquet"):
        raise CliError(f"cannot write {args.output}: use a .csv, .tsv or .parquet file name", 2)
    if args.chunk_size < 1:
        raise CliError("--chunk-size must be at least 1", 2)
    if args.engine == "ray" and not args.output:
        raise CliError("--engine ray needs --output (a .csv, .tsv or .parquet file)", 2)
    fmt = _input_format(args)
    chosen = _pick_directions(args.directions)
    _embedder(args.model)  # fail early, with the model's own message, before reading the input
    job = batch.Job(args.input, fmt, args.column, chosen, args.model, raw=args.raw, chunk_size=args.chunk_size)
    try:
        batch.run(job, args.output, engine=args.engine, progress=_progress(args.quiet), workers=args.workers)
    except inputs.InputError as exc:
        raise CliError(str(exc), 2) from None
    for note in job.notes:
        print(f"note: {note}", file=sys.stderr)
    return 0


def _progress(quiet: bool):
    if quiet or not sys.stderr.isatty():
        return None

    def report(chunks: int, rows: int) -> None:
        print(f"\rscored {rows:,} rows ({chunks} chunk{'s' * (chunks != 1)})", end="", file=sys.stderr, flush=True)

    return report


def cmd_directions(args) -> int:
    found, errors = dsets.load_all()
    rows = [
        {"name": d.name, "title": d.title, "negative": d.negative_label, "positive": d.positive_label,
         "examples": f"{len(d.negative)}/{len(d.positive)}", "method": d.method}
        for d in found.values()
    ]
    if rows:
        print(pd.DataFrame(rows).to_string(index=False))
    for message in errors.values():
        print(f"warning: skipped {message}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
        commands = {"score": cmd_score, "directions": cmd_directions, "build": cmd_build, "validate": cmd_validate}
        return commands[args.command](args)
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.status
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
