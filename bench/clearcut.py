"""Clear-cut checks of the shipped directions (directions/checks/): signs right, neutral texts within the band.

    .venv/bin/python bench/clearcut.py [--model NAME] [--show N] [direction ...]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core.directions import clearcut  # noqa: E402
from core.directions.build import build_directions  # noqa: E402
from core.directions.datasets import load_all  # noqa: E402
from core.store.embedder import get_embedder  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="directions to check (default: every one with a suite)")
    parser.add_argument("--model", default=None)
    parser.add_argument("--show", type=int, default=10, help="misplaced texts to print per direction")
    args = parser.parse_args(argv)
    found, errors = load_all()
    for file, message in errors.items():
        print(f"skipped {file}: {message}", file=sys.stderr)
    embedder = get_embedder(args.model)
    names = args.names or [n for n in found if clearcut.load_suite(n) is not None]
    directions = build_directions([found[n] for n in names], embedder, library=found)
    failed = 0
    print(f"model: {embedder.name}")
    for name, d in zip(names, directions):
        result = clearcut.check(clearcut.load_suite(name), d, embedder)
        failed += not result.passed
        print(f"{name:14s} {'PASS' if result.passed else 'FAIL'}  {result.summary()}")
        for side, text, score in result.wrong[: args.show]:
            print(f"    expected {side:8s} {score:+.2f}  {text}")
        for text, score in result.off_neutral[: args.show]:
            print(f"    neutral           {score:+.2f}  {text}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
