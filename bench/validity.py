"""Validity of every shipped direction against human data (core.directions.yardsticks).

For each direction with an outside yardstick in ../shared/benchmarks/ (sentiment: the three VADER sets,
formality: Pavlick & Tetreault, subjectivity: SUBJ, concreteness: Glasgow norms, length: word counts of
texts built from benchmark sentences), print the figure with its 95% bootstrap interval, the baseline
beside it (VADER, a readability formula) and the verdict; each direction's target and whether it is met; the
clear-cut checks (directions/checks/). Then, for sentiment, the in-domain ridge probe
(5-fold CV) and the in-sample least-squares fit: the ceiling of any linear axis on that set.

The benchmark sentences are test data only; nothing here feeds back into a shipped direction. Embeddings
and results go through the project's caches, so a second run is fast.

    .venv/bin/python bench/validity.py [--limit N] [--shared PATH] [--dataset FILE.yaml] [--no-ridge]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.machine import cpu_model  # noqa: E402
import numpy as np  # noqa: E402
from scipy.stats import pearsonr  # noqa: E402



def ridge_cv_r(E: np.ndarray, y: np.ndarray, seed: int, folds: int = 5) -> float:
    """Pearson r of out-of-fold ridge predictions (alpha chosen inside each training fold)."""
    from sklearn.linear_model import RidgeCV
    from sklearn.model_selection import KFold, cross_val_predict

    pred = cross_val_predict(RidgeCV(alphas=np.logspace(-2, 3, 11)), E, y,
                             cv=KFold(folds, shuffle=True, random_state=seed))
    return float(pearsonr(pred, y)[0])


def linear_ceiling(E: np.ndarray, y: np.ndarray) -> float | None:
    """Pearson r of a least-squares fit on the set itself: no direction's score can do better (None: too few rows)."""
    if len(E) < 10 * (E.shape[1] + 1):
        return None  # it would overfit
    X = np.c_[E.astype(np.float64), np.ones(len(E))]
    w = np.linalg.lstsq(X, y, rcond=None)[0]
    return float(pearsonr(X @ w, y)[0])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=None,
                        help="the shared folder holding benchmarks/ (default: LATENT_BENCHMARKS_DIR or ../shared)")
    parser.add_argument("--limit", type=int, default=None, help="subsample each set to N rows (default: all)")
    parser.add_argument("--seed", type=int, default=0, help="seed for the subsample, the bootstrap and the CV folds")
    parser.add_argument("--dataset", type=Path, default=None,
                        help="measure this direction data set file in place of the shipped one of its name")
    parser.add_argument("--no-ridge", action="store_true", help="skip the sentiment ridge and ceiling lines")
    parser.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples for the intervals")
    parser.add_argument("--model", default=None, help="embedding model (default: the project's default)")
    args = parser.parse_args(argv)

    from core.directions import benchmarks as bm
    from core.directions.datasets import load_all, load_dataset
    from core.directions import clearcut
    from core.directions.validity_view import check_target
    from core.directions.yardsticks import Lookup, measure, table_text
    from core.errors import LatentError, one_line
    from core.store.embedder import get_embedder

    root = args.shared / "benchmarks" if args.shared else None
    t0 = time.perf_counter()
    library, errors = load_all()
    for message in errors.values():
        print(f"warning: skipped {message}", file=sys.stderr)
    if args.dataset:
        ds = load_dataset(args.dataset)
        library[ds.name] = ds
    emb = get_embedder(args.model)
    try:
        folder = bm.benchmarks_root(root)
        results = measure(list(library.values()), emb, folder, limit=args.limit, seed=args.seed,
                          n_boot=max(10, args.bootstrap), library=library,
                          progress=lambda done, label: print(f"{done:4.0%} {label}", file=sys.stderr))
    except LatentError as exc:
        print(f"error: {one_line(exc)}", file=sys.stderr)
        return 2

    print(f"\nModel {emb.name}; CPU {cpu_model()}; {len(library)} directions"
          + (f"; each set subsampled to {args.limit}" if args.limit else "") + "\n")
    print(table_text(results))
    lookup = Lookup(results, [])
    print("\nTargets (set for the default model):")
    for name in dict.fromkeys(r.direction for r in results):
        check = check_target(name, lookup)
        if check is not None:
            print(f"- {name}: {check.line}")
    checks, problems = clearcut.check_all(library, emb)
    for name, message in problems.items():
        print(f"warning: clear-cut check of {name} skipped: {message}", file=sys.stderr)
    print("\nClear-cut checks (directions/checks/: texts any person would place):")
    print(clearcut.table_text(checks))
    if not args.no_ridge:
        lines = []
        for spec in (s for s in bm.SETS if s.direction == "sentiment"):
            texts, y = bm.read_set(spec, folder, args.limit, args.seed)
            E = emb.embed(texts)
            ceiling = linear_ceiling(E, y)
            lines.append(f"{spec.name}: ridge r {ridge_cv_r(E, y, args.seed):.3f}, ceiling "
                         + ("n/a (too few rows)" if ceiling is None else f"{ceiling:.3f}"))
        print("\nSentiment, linear read-outs of the same embeddings (ridge: 5-fold CV in-domain; ceiling: "
              "least squares fitted in-sample, which no direction can exceed): " + "; ".join(lines))
    print(f"\n({time.perf_counter() - t0:.0f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
