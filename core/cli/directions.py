"""`python -m core build | validate | directions`: rebuild and check a direction, validate it against human
ratings, list the data sets."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from core.cli.common import CliError, add_model_option, exit_status
from core.directions import datasets as dsets
from core.io import inputs


def _method_names() -> list[str]:
    from core.directions.methods import METHODS

    return list(METHODS)


def add_commands(sub) -> None:
    from core.directions.quality import PERMUTATIONS  # the page's count too, so both give the same p-value

    b = sub.add_parser("build", help="rebuild a direction and print its quality report")
    b.add_argument("name", help="direction name (a file in directions/)")
    b.add_argument("--method", help="build method to evaluate: " + ", ".join(_method_names()))
    b.add_argument("--save", action="store_true", help="record --method in the data set file")
    add_model_option(b)
    b.add_argument("--permutations", type=int, default=PERMUTATIONS,
                   help=f"shuffled-label directions for the p-value (default {PERMUTATIONS}, as on the page)")
    b.set_defaults(run=cmd_build)
    v = sub.add_parser("validate", help="correlate a direction's scores with human ratings")
    v.add_argument("name", nargs="?", help="direction name")
    v.add_argument("--all", action="store_true",
                   help="measure every shipped direction on its outside yardstick (LATENT_BENCHMARKS_DIR)")
    v.add_argument("--input", help=".csv, .tsv or .parquet file with texts and ratings")
    v.add_argument("--column", help="the text column")
    v.add_argument("--rating", help="the numeric rating column")
    add_model_option(v)
    v.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples for the intervals")
    v.set_defaults(run=cmd_validate)
    d = sub.add_parser("directions", help="list the direction data sets and their poles")
    d.add_argument("--model", default=None, help=argparse.SUPPRESS)
    d.set_defaults(run=cmd_directions)


def cmd_build(args) -> int:
    from core.directions.quality import direction_report, wrong_side_table
    from core.store.embedder import get_embedder

    ds = dsets.get_dataset(args.name)
    if args.method:
        if args.method not in _method_names():
            raise CliError(f"unknown method {args.method!r}; known: {', '.join(_method_names())}", 2)
        ds = ds.with_changes(method=args.method)
    embedder = get_embedder(args.model)
    with exit_status(1):  # the data set is fine as a file but cannot be built this way
        report = direction_report(ds, embedder, n_perm=max(0, args.permutations))
    print(report.to_text())
    wrong = wrong_side_table(report)
    if len(wrong):
        print("  on the wrong side when left out (held-out calibrated score, raw projection):")
    for text, pole, held, _, raw in wrong.itertuples(index=False):
        print(f"    {pole}, {held:+.2f}, {raw:+.4f}: {text}")
    if args.save and args.method:
        from core.directions.saving import save_dataset

        save_dataset(ds, dsets.get_dataset(args.name).file_hash)
        print(f"saved method {args.method} in {args.name}{dsets.SUFFIX}")
    return 0


def cmd_validate_all(args) -> int:
    from core.directions import clearcut
    from core.directions.benchmarks import BenchmarkError
    from core.directions.yardsticks import measure, table_text
    from core.errors import one_line
    from core.store.embedder import get_embedder

    found, errors = dsets.load_all()
    for message in errors.values():
        print(f"warning: skipped {message}", file=sys.stderr)
    embedder = get_embedder(args.model)
    try:
        results = measure(list(found.values()), embedder, n_boot=max(10, args.bootstrap), library=found)
    except BenchmarkError as exc:  # the folder is missing: the user points LATENT_BENCHMARKS_DIR at it
        raise CliError(one_line(exc), 2) from exc
    print(f"Every direction against its outside yardstick; model {embedder.name}; 95% bootstrap intervals.")
    print(table_text(results))
    checks, problems = clearcut.check_all(found, embedder)
    for name, message in problems.items():
        print(f"warning: clear-cut check of {name} skipped: {message}", file=sys.stderr)
    if checks:
        print("\nClear-cut checks (directions/checks/): texts any person would place.")
        print(clearcut.table_text(checks))
    return 0


def cmd_validate(args) -> int:
    from core.directions.build import build_direction
    from core.directions.validation import correlate, ratings_from_table
    from core.store.embedder import get_embedder

    if args.all:
        if args.name or args.input:
            raise CliError("validate --all takes no direction name and no --input", 2)
        return cmd_validate_all(args)
    if not args.name:
        raise CliError("validate needs a direction name, or --all", 2)
    missing = [f"--{k}" for k in ("input", "column", "rating") if not getattr(args, k)]
    if missing:
        raise CliError(f"the following arguments are required: {', '.join(missing)}", 2)
    ds = dsets.get_dataset(args.name)
    path = Path(args.input)
    if not path.is_file():
        raise CliError(f"input file not found: {args.input}", 2)
    table = inputs.read_table(path.name, path.read_bytes())
    texts, ratings, notes = ratings_from_table(table, args.column, args.rating)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    embedder = get_embedder(args.model)
    direction = build_direction(ds, embedder)
    scores = direction.score(embedder.embed(texts))
    with exit_status(1):  # the ratings were read; too few of them to correlate
        result = correlate(scores, ratings, n_boot=max(10, args.bootstrap))
    print(f"{ds.name} ({ds.negative_label} → {ds.positive_label}) against {args.rating} in {path.name}:")
    print(result.to_text())
    return 0


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
