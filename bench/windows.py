"""Long texts read whole: the cost of overlapping windows against the old cut, in one process.

Texts: --n passages of about --words words, made at run time by joining the sentences of
../shared/benchmarks/sentiment-vader/movie_reviews.tsv in order (test data, read here, never copied).
Approaches, on the same encoder object (the default MiniLM on this machine's chosen path, no disk cache):

- cut: the model reads the first 256 tokens of each text (what `encode` did before windows);
- windows: `encode` as shipped: overlapping windows of 254 pieces at a stride of 127, pooled;
- no overlap: the same windows at a stride of 254 (for the choice of stride only).

Each approach: one warm-up, then --reps timed runs, the approaches taking turns within each round so that
other load on the machine falls on all of them alike (min and median seconds, and both ratios to the cut,
printed; on a shared machine trust the min). Also: the time
to count windows (`windows(texts)`, tokenizer only), and how stable each reading is when the first sentence
of a text is dropped (mean cosine between the two vectors; the cut reads new words at the end instead).

    .venv/bin/python bench/windows.py [--n 200] [--words 600] [--reps 5]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LATENT_CACHE_DIR", tempfile.mkdtemp(prefix="bench-windows-"))
os.environ["HF_HUB_OFFLINE"] = "1"

from bench.machine import cpu_model  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402



def passages(path: Path, n: int, words: int) -> tuple[list[str], list[str]]:
    """`n` passages of at least `words` words, and the same passages without their first sentence."""
    sentences = pd.read_csv(path, sep="\t", dtype={"text": str}, keep_default_na=False)["text"].tolist()
    whole, shifted, i = [], [], 0
    while len(whole) < n:
        part = []
        while sum(len(s.split()) for s in part) < words:
            part.append(sentences[i % len(sentences)])
            i += 1
        whole.append(" ".join(part))
        shifted.append(" ".join(part[1:]))
    return whole, shifted


def timed(fn, texts, reps: int) -> tuple[list[float], np.ndarray]:
    out = fn(texts)  # warm-up
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        out = fn(texts)
        times.append(time.perf_counter() - start)
    return times, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--words", type=int, default=600)
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args()

    import torch

    from core.models import registry as encoders
    from core.models import sbert, windows

    texts, shifted = passages(Path(args.shared) / "benchmarks" / "sentiment-vader" / "movie_reviews.tsv",
                              args.n, args.words)
    spec = encoders.get_spec(encoders.DEFAULT_MODEL)
    enc = sbert.SentenceTransformerEncoder(spec, encoders.resolve_source(spec))

    def no_overlap(batch: list[str]) -> np.ndarray:
        plan = windows.plan(batch, enc._pieces.encode_batch(batch, add_special_tokens=False), enc.window, enc.window)
        return windows.pool(enc._encode_strings(plan.pieces), plan.owner, plan.weight, len(batch))

    approaches = {"cut (old)": enc._encode_strings, "windows (shipped)": enc.encode, "no overlap": no_overlap}
    pieces = [len(e) for e in enc._pieces.encode_batch(texts, add_special_tokens=False)]
    count_times, counts = timed(enc.windows, texts, args.reps)
    print(f"CPU: {cpu_model()}; {os.cpu_count()} CPUs, torch {torch.__version__} with {torch.get_num_threads()} "
          f"threads; encoder path: {enc.runtime} {enc.precision}")
    print(f"texts: {len(texts)}, median {statistics.median(len(t.split()) for t in texts):.0f} words, "
          f"median {statistics.median(pieces):.0f} word pieces; windows per text: mean {counts.mean():.2f} "
          f"(min {counts.min()}, max {counts.max()}); counting them: median "
          f"{statistics.median(count_times) * 1000:.0f} ms")
    print(f"method: {enc.pooling}; identity tag {windows.tag(enc.window, enc.stride)}\n")
    vectors = {label: fn(texts) for label, fn in approaches.items()}  # warm-up, and the vectors compared
    times: dict[str, list[float]] = {label: [] for label in approaches}
    for _ in range(args.reps):
        for label, fn in approaches.items():
            start = time.perf_counter()
            fn(texts)
            times[label].append(time.perf_counter() - start)
    print("| approach | min s | median s | texts/s (min) | ratio to cut (min) | ratio to cut (median) | "
          "cos to cut | cos after dropping the first sentence |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    base = times["cut (old)"]
    for label, fn in approaches.items():
        t, v = times[label], vectors[label]
        stable = np.sum(v * fn(shifted), axis=1).mean()
        print(f"| {label} | {min(t):.2f} | {statistics.median(t):.2f} | {len(texts) / min(t):.1f} | "
              f"{min(t) / min(base):.2f}x | {statistics.median(t) / statistics.median(base):.2f}x | "
              f"{np.mean(np.sum(v * vectors['cut (old)'], axis=1)):.4f} | {stable:.4f} |")


if __name__ == "__main__":
    main()
