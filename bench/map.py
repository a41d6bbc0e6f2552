"""Map page speed on 100,000 cached embeddings.

Fills a throwaway cache with 100,000 texts and unit vectors for the default model (the
cache does not care where a vector came from, so no model time is spent), then times:
PCA and UMAP layouts of the 100,000 points, and the Map page under AppTest: the first run,
a warm rerun, and a warm rerun with a changed colour (which must not recompute the layout).

    .venv/bin/python bench/map.py [--rows 100000] [--skip-umap]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LATENT_CACHE_DIR", tempfile.mkdtemp(prefix="bench-map-"))
os.environ["HF_HUB_OFFLINE"] = "1"

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402


def timed(fn, *args, **kw):
    t = time.perf_counter()
    out = fn(*args, **kw)
    return out, time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--skip-umap", action="store_true")
    args = ap.parse_args()

    from core.explore import layout as mapping
    from core.store.embedder import get_embedder, text_key

    emb = get_embedder()
    rng = np.random.default_rng(0)
    topics = ["rain", "trains", "paintings", "taxes", "football", "bread", "stars", "law"]
    texts = [f"note {i} about {topics[i % len(topics)]}" for i in range(args.rows)]
    E = rng.normal(size=(args.rows, emb.dim)).astype(np.float32)
    E /= np.linalg.norm(E, axis=1, keepdims=True)
    _, t_fill = timed(emb.store.put_many, [text_key(t) for t in texts], E)
    print(f"filled the cache with {args.rows:,} vectors in {t_fill:.1f} s")

    cached, t_read = timed(emb.embed, texts)
    assert emb.encoded == 0 and np.allclose(cached, E)
    print(f"read {args.rows:,} cached embeddings: {t_read:.2f} s (model calls: {emb.encoded})")

    (coords, share), t_pca = timed(mapping.pca_2d, E)
    print(f"PCA layout of {args.rows:,} points: {t_pca:.2f} s")
    if not args.skip_umap:
        _, t_umap = timed(mapping.umap_2d, E)
        print(f"UMAP layout of {args.rows:,} points (fit on {mapping.UMAP_FIT_MAX:,}, rest placed): {t_umap:.1f} s")

    from streamlit.testing.v1 import AppTest

    data = pd.DataFrame({"text": texts, "topic": [t.split()[-1] for t in texts]}).to_csv(index=False).encode()
    calls = {"pca": 0}
    real_pca = mapping.pca_2d

    def counting_pca(X):
        calls["pca"] += 1
        return real_pca(X)

    mapping.pca_2d = counting_pca
    at = AppTest.from_file(str(ROOT / "pages" / "4_Map.py"), default_timeout=900)
    at.run()
    at.radio(key="map_source").set_value("Upload a corpus").run()
    calls["pca"] = 0  # count only the layouts of the uploaded corpus
    at.file_uploader(key="map_upload").set_value(("big.csv", data, "text/csv"))
    _, t_first = timed(at.run)
    assert not at.exception, [e.message for e in at.exception]
    _, t_warm = timed(at.run)
    at.selectbox(key="color").set_value("topic")
    _, t_color = timed(at.run)
    assert not at.exception
    print(f"Map page, {args.rows:,} points: first run {t_first:.1f} s, warm rerun {t_warm:.1f} s, "
          f"warm rerun with a new colour {t_color:.1f} s; PCA computed {calls['pca']} time(s)")


if __name__ == "__main__":
    main()
