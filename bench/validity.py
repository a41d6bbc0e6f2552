"""Validity of the shipped sentiment direction against human ratings.

For each set of human-rated sentences in ../shared/benchmarks/sentiment-vader/
(tweets, NYT editorial snippets, movie review snippets; ratings from -4 to +4),
print the Pearson and Spearman correlation between `mean_rating` and

- the shipped direction's calibrated score (built from its own examples only),
- VADER's compound score (the `vaderSentiment` package, a rule-based baseline),
- a ridge regression on the same embeddings, 5-fold cross-validated: an
  in-domain upper reference for what a linear read-out of the model can reach;
- and, below the table, the in-sample least-squares fit: a hard ceiling for
  any direction's Pearson r on that set.

The benchmark sentences are test data only; nothing here feeds back into a
shipped direction. Embeddings go through the project's embedder and its disk
cache, so a second run is fast.

    .venv/bin/python bench/validity.py [--limit N] [--shared PATH] [--dataset FILE.yaml]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy.stats import pearsonr, spearmanr  # noqa: E402

SETS = ("tweets", "nyt_editorials", "movie_reviews")
BENCH = Path("benchmarks") / "sentiment-vader"


def read_set(path: Path, limit: int | None, seed: int) -> pd.DataFrame:
    frame = pd.read_csv(path, sep="\t", dtype={"text": str}, keep_default_na=False)
    frame = frame[frame["text"].str.strip() != ""].reset_index(drop=True)
    frame["mean_rating"] = frame["mean_rating"].astype(float)
    if limit and limit < len(frame):
        frame = frame.sample(n=limit, random_state=seed).reset_index(drop=True)
    return frame


def vader_scores(texts: list[str]) -> np.ndarray:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    sia = SentimentIntensityAnalyzer()
    return np.array([sia.polarity_scores(t)["compound"] for t in texts])


def ridge_cv_predictions(E: np.ndarray, y: np.ndarray, seed: int, folds: int = 5) -> np.ndarray:
    """Out-of-fold predictions of a ridge regression (alpha chosen inside each training fold)."""
    from sklearn.linear_model import RidgeCV
    from sklearn.model_selection import KFold, cross_val_predict

    model = RidgeCV(alphas=np.logspace(-2, 3, 11))
    return cross_val_predict(model, E, y, cv=KFold(folds, shuffle=True, random_state=seed))


def linear_ceiling(E: np.ndarray, y: np.ndarray) -> float:
    """Pearson r of a least-squares fit on the set itself (in-sample, with intercept).

    No linear read-out of these embeddings, and so no direction's score, can correlate
    better with y on this set: it is a hard bound, not an estimate.
    """
    X = np.c_[E.astype(np.float64), np.ones(len(E))]
    w = np.linalg.lstsq(X, y, rcond=None)[0]
    return float(pearsonr(X @ w, y)[0])


def correlations(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    return float(pearsonr(x, y)[0]), float(spearmanr(x, y)[0])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared",
                        help="the shared folder holding benchmarks/sentiment-vader/ (default: ../shared)")
    parser.add_argument("--limit", type=int, default=None, help="subsample each set to N rows (default: all)")
    parser.add_argument("--seed", type=int, default=0, help="seed for the subsample and the CV folds")
    parser.add_argument("--direction", default="sentiment", help="shipped direction to test (default: sentiment)")
    parser.add_argument("--dataset", type=Path, default=None,
                        help="test this direction data set file instead of the shipped one")
    parser.add_argument("--no-ridge", action="store_true", help="skip the ridge reference")
    parser.add_argument("--model", default=None, help="embedding model (default: the project's default)")
    args = parser.parse_args(argv)

    from core.directions.datasets import get_dataset, load_dataset
    from core.directions.build import build_directions
    from core.store.embedder import get_embedder

    folder = args.shared / BENCH
    paths = [folder / f"{name}.tsv" for name in SETS]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        print(f"benchmark files not found: {', '.join(missing)} (use --shared PATH)", file=sys.stderr)
        return 2

    t0 = time.perf_counter()
    emb = get_embedder(args.model)
    ds = load_dataset(args.dataset) if args.dataset else get_dataset(args.direction)
    (direction,) = build_directions([ds], emb)

    rows = []
    for name, path in zip(SETS, paths):
        frame = read_set(path, args.limit, args.seed)
        texts = frame["text"].tolist()
        y = frame["mean_rating"].to_numpy()
        t = time.perf_counter()
        E = emb.embed(texts)
        print(f"{name}: {len(texts)} texts embedded in {time.perf_counter() - t:.1f}s", file=sys.stderr)
        row = {"set": name, "n": len(texts)}
        row["dir"] = correlations(direction.score(E), y)
        row["vader"] = correlations(vader_scores(texts), y)
        row["ridge"] = None if args.no_ridge else correlations(ridge_cv_predictions(E, y, args.seed), y)
        row["ceiling"] = linear_ceiling(E, y) if len(E) >= 10 * (E.shape[1] + 1) else None  # else it overfits
        rows.append(row)

    def cell(pair, i):
        return "-" if pair is None else f"{pair[i]:.3f}"

    print(f"\nDirection `{ds.name}` ({ds.path.name if ds.path else 'in memory'}): method {ds.method}, "
          f"{len(ds.negative)} negative + {len(ds.positive)} positive examples; model {emb.name}\n")
    print("| set | n | direction r | VADER r | ridge r (5-fold CV) | direction ρ | VADER ρ | ridge ρ |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(f"| {r['set']} | {r['n']} | {cell(r['dir'], 0)} | {cell(r['vader'], 0)} | {cell(r['ridge'], 0)} "
              f"| {cell(r['dir'], 1)} | {cell(r['vader'], 1)} | {cell(r['ridge'], 1)} |")
    print("\nLinear ceiling (least squares fitted in-sample on each set; no direction can exceed it): "
          + ", ".join(f"{r['set']} " + ("n/a (too few rows)" if r["ceiling"] is None else f"{r['ceiling']:.3f}")
                    for r in rows))
    beats = all(r["dir"][0] > r["vader"][0] for r in rows)
    print(f"\nr = Pearson, ρ = Spearman, against the human mean rating. "
          f"Direction beats VADER's Pearson r on every set: {'yes' if beats else 'no'}. "
          f"({time.perf_counter() - t0:.0f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
