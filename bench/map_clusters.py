"""How well the Map's automatic clusters match the built-in sample's `topic` labels.

Lays the sample corpus (2,100 texts, 24 topics) out as the Map page does (the default model, UMAP with 15
neighbours), finds clusters with the Map's defaults (core.explore.clusters.cluster_map), and prints the
adjusted Rand index between clusters and topics (unclustered texts counted as one more group, and over the
clustered texts only), then the largest clusters' labels beside their majority topic. Uses the dashboard's
cache folder (LATENT_CACHE_DIR), so embeddings and the layout are computed once.

    .venv/bin/python bench/map_clusters.py [--layout umap|pca] [--show 8]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["HF_HUB_OFFLINE"] = "1"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--layout", choices=["umap", "pca"], default="umap")
    ap.add_argument("--show", type=int, default=8)
    args = ap.parse_args()

    from core.explore import clusters
    from core.explore import layout as mapping
    from core.io.corpus import embed_corpus, sample_corpus
    from core.store.embedder import get_embedder

    chosen, embedder = sample_corpus(), get_embedder()
    E = embed_corpus(chosen, embedder)
    params = {"n_neighbors": 15} if args.layout == "umap" else {}
    coords = mapping.layout(chosen.key + embedder.encoder.identity, args.layout, E, **params)
    t = time.perf_counter()
    found = clusters.cluster_map(coords, chosen.texts)
    seconds = time.perf_counter() - t
    topic = chosen.frame["topic"].to_numpy()
    clustered = found.labels != clusters.NOISE
    print(f"{args.layout.upper()} layout of {len(topic):,} texts, {len(set(topic))} topics: {found.count} clusters by "
          f"{found.method} in {seconds:.2f} s, {int((~clustered).sum()):,} texts unclustered")
    print(f"adjusted Rand index, clusters vs topics: {clusters.adjusted_rand(found.labels, topic):.3f} "
          f"(unclustered as one group); {clusters.adjusted_rand(found.labels[clustered], topic[clustered]):.3f} "
          f"over the {int(clustered.sum()):,} clustered texts")
    print(f"\n{'cluster label':<36} {'texts':>5}  majority topic (share)")
    for row in found.table[found.table["cluster"] != clusters.NOISE].head(args.show).itertuples():
        topics = chosen.frame["topic"][found.labels == row.cluster].value_counts()
        print(f"{row.label:<36} {row.texts:>5}  {topics.index[0]} ({topics.iloc[0] / row.texts:.0%})")


if __name__ == "__main__":
    main()
