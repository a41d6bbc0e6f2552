"""Encoding speed on this CPU: every runtime path of the default model against stock sentence-transformers
float32, in one process, plus a 100,000-sentence corpus through the CLI against a stock script.

Texts: human-rated sentences from ../shared/benchmarks/sentiment-vader/ (tweets: short texts), movie-review
sentences joined into passages of 300+ tokens (long texts, read by every path cut at the model's 256 tokens,
as stock does, so the work is the same), and one short text at a time (latency). The baseline is what a user
would write: `SentenceTransformer(path).encode(texts, normalize_embeddings=True)` in float32. Paths are
called directly (not through the disk cache, which would make repeats free). Each measurement: one warm-up,
then the best of --reps runs. The fidelity columns are core.directions.fidelity's check (2,000 tweets, every
shipped direction, top-10 neighbours, sentiment validity); `chosen` is what the dashboard would use.

    .venv/bin/python bench/encode.py [--short 2000] [--long 200] [--reps 3] [--corpus 100000]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
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


def ceiling(reps: int = 20) -> dict[str, float]:
    """Matrix-product throughput (GFLOP/s) at the model's own shape (4,096 tokens x 384 @ 384 x 1,536, the
    feed-forward layer) in float32, bfloat16 and int8 with PyTorch's CPU kernels: the most any path of that
    precision can gain, since MiniLM's time is almost all such products."""
    import torch

    m, k, n = 4096, 384, 1536
    args = {"float32": (torch.randn(m, k), torch.randn(k, n))}
    args["bfloat16"] = tuple(x.bfloat16() for x in args["float32"])
    args["int8"] = (torch.randint(-127, 127, (m, k), dtype=torch.int8),
                    torch.randint(-127, 127, (k, n), dtype=torch.int8))
    out = {}
    for name, (a, b) in args.items():
        product = torch._int_mm if name == "int8" else torch.matmul
        product(a, b)
        start = time.perf_counter()
        for _ in range(reps):
            product(a, b)
        out[name] = 2 * m * k * n * reps / (time.perf_counter() - start) / 1e9
    return out


STOCK_SCRIPT = """
import sys, numpy as np, pandas as pd
from sentence_transformers import SentenceTransformer
model = SentenceTransformer(sys.argv[1], device="cpu")
texts = [l.rstrip("\\n") for l in open(sys.argv[2], encoding="utf-8") if l.strip()]
V = np.load(sys.argv[3])  # the directions' unit vectors, one row each
E = model.encode(texts, batch_size=64, normalize_embeddings=True)
pd.DataFrame(E @ V.T, columns=[f"d{i}" for i in range(len(V))]).assign(text=texts).to_parquet(sys.argv[4])
"""


def corpus_run(n: int, sentences: list[str], model_dir: Path, verdict_dir: Path) -> tuple[float, float]:
    """Seconds for `python -m core score` on n distinct sentences (fresh cache holding only the path verdict)
    and for the stock script on the same file."""
    from core.directions.build import build_directions
    from core.directions.datasets import load_all
    from core.store.embedder import get_embedder

    work = Path(tempfile.mkdtemp(prefix="bench-corpus-"))
    rng = np.random.default_rng(0)
    lines = {f"{sentences[i]} {sentences[j]}" for i, j in rng.integers(0, len(sentences), size=(int(n * 1.2), 2))}
    lines = [t.replace("\n", " ") for t in sorted(lines)][:n]
    (work / "corpus.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    found = load_all()[0]
    V = np.stack([d.vector for d in build_directions(list(found.values()), get_embedder())])
    np.save(work / "vectors.npy", V)
    cache = work / "cache"
    (cache / "models").mkdir(parents=True)
    for f in (verdict_dir / "models").glob("*-paths-*.json"):
        (cache / "models" / f.name).write_bytes(f.read_bytes())
    env = {**os.environ, "LATENT_CACHE_DIR": str(cache)}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "core", "score", "--input", str(work / "corpus.txt"), "--quiet",
                    "--output", str(work / "ours.parquet")], cwd=ROOT, env=env, check=True)
    ours = time.perf_counter() - start
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", STOCK_SCRIPT, str(model_dir), str(work / "corpus.txt"),
                    str(work / "vectors.npy"), str(work / "stock.parquet")], env=env, check=True)
    return ours, time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    ap.add_argument("--short", type=int, default=2000)
    ap.add_argument("--long", type=int, default=200)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--corpus", type=int, default=100_000, help="sentences for the CLI run (0: skip)")
    args = ap.parse_args()

    bench = Path(args.shared) / "benchmarks" / "sentiment-vader"
    frames = [pd.read_csv(bench / f, sep="\t", dtype={"text": str}, keep_default_na=False)
              for f in ("tweets.tsv", "movie_reviews.tsv", "nyt_editorials.tsv")]
    short = frames[0]["text"].tolist()[: args.short]
    sentences = frames[1]["text"].tolist()
    passages = [" ".join(sentences[i * 18 : (i + 1) * 18]) for i in range(len(sentences) // 18)]

    import torch
    from sentence_transformers import SentenceTransformer

    from core.directions import fidelity
    from core.directions.datasets import load_all
    from core.models import paths, registry

    name = registry.DEFAULT_MODEL
    model_dir = registry.resolve_source(registry.get_spec(name))
    stock = SentenceTransformer(str(model_dir), device="cpu")
    long_texts = [t for t in passages if len(stock.tokenizer(t)["input_ids"]) >= 300][: args.long]
    tokens = [len(stock.tokenizer(t)["input_ids"]) for t in long_texts]
    key = paths.cpu_key()
    print(f"CPU: {key['cpu']}; flags: {', '.join(key['flags'])}; {len(os.sched_getaffinity(0))} cores; "
          f"torch {torch.__version__} ({torch.get_num_threads()} threads)")
    print(f"short: {len(short)} tweets; long: {len(long_texts)} passages, median {statistics.median(tokens):.0f} "
          f"tokens (min {min(tokens)}), read cut at {stock.max_seq_length} tokens by every path\n")

    peak = ceiling()
    print("matrix products at the model's shape (the ceiling of each precision here): " + ", ".join(
        f"{k} {v:.0f} GFLOP/s ({v / peak['float32']:.2f}x float32)" for k, v in peak.items()) + "\n")

    os.environ["LATENT_PATH_CHECK"] = "on"
    texts, ratings, source = fidelity.check_texts()
    enc = registry.get_encoder(name)
    print(f"fidelity check on {source}, every shipped direction ...", flush=True)
    verdict = fidelity.check(enc, list(load_all()[0].values()), texts, ratings)
    paths.write_verdict(enc.fingerprint, verdict)

    def stock_encode(t):
        return stock.encode(t, normalize_embeddings=True)

    base_short, base = best_rate(stock_encode, short, args.reps)
    base_long, base_l = best_rate(stock_encode, long_texts, args.reps)
    base_ms = latency_ms(stock_encode, short)
    print("| path | short texts/s | x stock | long texts/s | x stock | one text ms | x stock | min r (directions) | "
          "top-10 overlap | validity shift | used? |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    print(f"| stock sentence-transformers float32 | {base_short:.0f} | 1.00x | {base_long:.1f} | 1.00x | "
          f"{base_ms:.1f} | 1.00x | | | | baseline |")
    for pname, r in verdict.paths.items():
        if r.get("rate") is None:
            print(f"| {pname} | | | | | | | | | | rejected: {r['why']} |")
            continue
        runner = enc._check_runners.get(pname) if pname != enc.path_name else enc._runner

        def on_path(t, n=pname):
            return enc.encode_on(n, t)

        def cut(t, n=pname, run=runner):  # the same work as stock: each text cut at the model's window
            if run is not None:
                return run.encode(t)
            return enc._torch_encode(enc._model if n == enc.path_name else enc._check_model(n), t)

        s_rate, s_out = best_rate(on_path, short, args.reps)
        l_rate, l_out = best_rate(cut, long_texts, args.reps)
        ms = latency_ms(on_path, short)
        cos = float(np.min(np.sum(base * s_out, axis=1)))
        used = "chosen" if pname == verdict.chosen else ("passes" if r["passed"] else f"rejected: {r['why']}")
        shift = "-" if r.get("validity_shift") is None else f"{r['validity_shift']:.4f}"
        print(f"| {pname} | {s_rate:.0f} | {s_rate / base_short:.2f}x | {l_rate:.1f} | {l_rate / base_long:.2f}x | "
              f"{ms:.1f} | {base_ms / ms:.2f}x | {r['pearson']:.4f} | {r['overlap']:.3f} | {shift} | {used} "
              f"(min cosine {cos:.4f}) |", flush=True)
    enc.release_checks()
    if args.corpus:
        print(f"\n{args.corpus:,} sentences end to end (read, embed, score on every direction, write Parquet):",
              flush=True)
        ours, theirs = corpus_run(args.corpus, sentences + frames[2]["text"].tolist() + short, model_dir,
                                  Path(os.environ["LATENT_CACHE_DIR"]))
        print(f"| python -m core score ({paths.PATHS[verdict.chosen].words}) | {ours:.0f} s | stock script "
              f"(float32) | {theirs:.0f} s | {theirs / ours:.2f}x |")


if __name__ == "__main__":
    main()
