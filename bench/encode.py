"""Encoding speed: the project's encoder against stock sentence-transformers float32, in one process.

Texts: human-rated sentences from ../shared/benchmarks/sentiment-vader/ (short texts), the same
sentences joined into passages of 200+ tokens (long texts), and one short text at a time (latency).
The baseline is what a user would write: `SentenceTransformer(path).encode(texts, normalize_embeddings=True)`
in float32. The project's encoder is called directly (not through the disk cache, which would make
repeats free). Each measurement: one warm-up, then the best of --reps runs.

    .venv/bin/python bench/encode.py [--short 2000] [--long 200] [--reps 3]
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
os.environ.setdefault("LATENT_CACHE_DIR", tempfile.mkdtemp(prefix="bench-encode-"))
os.environ["HF_HUB_OFFLINE"] = "1"

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402


def best_rate(fn, texts, reps):
    fn(texts[: min(64, len(texts))])  # warm-up
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        out = fn(texts)
        times.append(time.perf_counter() - t)
    return len(texts) / min(times), out


def latency_ms(fn, texts, n=40):
    fn(texts[:1])
    times = []
    for t in texts[:n]:
        start = time.perf_counter()
        fn([t])
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    ap.add_argument("--short", type=int, default=2000)
    ap.add_argument("--long", type=int, default=200)
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()

    bench = Path(args.shared) / "benchmarks" / "sentiment-vader"
    frames = [pd.read_csv(bench / f, sep="\t", dtype={"text": str}, keep_default_na=False)
              for f in ("tweets.tsv", "movie_reviews.tsv")]
    short = frames[0]["text"].tolist()[: args.short]
    sentences = frames[1]["text"].tolist()
    long_texts = [" ".join(sentences[i * 12 : (i + 1) * 12]) for i in range(args.long)]

    import torch
    from sentence_transformers import SentenceTransformer

    from core.models import registry as encoders
    from core.models.registry import get_encoder

    spec = encoders.get_spec(encoders.DEFAULT_MODEL)
    path = encoders.resolve_source(spec)
    stock = SentenceTransformer(str(path), device="cpu")
    tokens = [len(stock.tokenizer(t)["input_ids"]) for t in long_texts[:50]]

    def baseline(texts):
        return stock.encode(texts, normalize_embeddings=True)

    enc = get_encoder(encoders.DEFAULT_MODEL)
    print(f"machine: {os.cpu_count()} CPUs, torch {torch.__version__}, {torch.get_num_threads()} threads; "
          f"project encoder path: {enc.runtime} {enc.precision}")
    print(f"long texts: median {statistics.median(tokens):.0f} tokens (model truncates at {stock.max_seq_length})\n")
    print("| texts | n | stock float32 (texts/s) | project (texts/s) | ratio | min cosine | mean cosine |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for label, texts in (("short", short), ("long (200+ tokens)", long_texts)):
        base_rate, base = best_rate(baseline, texts, args.reps)
        ours_rate, ours = best_rate(enc.encode, texts, args.reps)
        cos = np.sum(base * ours, axis=1)
        print(f"| {label} | {len(texts)} | {base_rate:.1f} | {ours_rate:.1f} | {ours_rate / base_rate:.2f}x | "
              f"{cos.min():.6f} | {cos.mean():.6f} |")
    base_ms = latency_ms(baseline, short)
    ours_ms = latency_ms(enc.encode, short)
    print(f"| one short text (latency, median ms) | 40 | {base_ms:.1f} ms | {ours_ms:.1f} ms | "
          f"{base_ms / ours_ms:.2f}x | | |")


if __name__ == "__main__":
    main()
