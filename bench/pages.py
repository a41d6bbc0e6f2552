"""Warm rerun time of the Project page (100 texts, 8 directions) under AppTest, with a profile.

    .venv/bin/python bench/pages.py [--profile]

The Map page with 100,000 cached points is measured by bench/map.py.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LATENT_CACHE_DIR", tempfile.mkdtemp(prefix="bench-pages-"))
os.environ["HF_HUB_OFFLINE"] = "1"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args()
    import pandas as pd
    from streamlit.testing.v1 import AppTest

    bench = ROOT.parent / "shared" / "benchmarks" / "sentiment-vader" / "tweets.tsv"
    texts = pd.read_csv(bench, sep="\t", dtype={"text": str}, keep_default_na=False)["text"].tolist()[:100]
    at = AppTest.from_file(str(ROOT / "pages" / "1_Project.py"), default_timeout=600)
    at.run()
    at.text_area(key="paste").input("\n".join(t.replace("\n", " ") for t in texts))
    t = time.perf_counter()
    at.run()
    first = time.perf_counter() - t
    assert not at.exception and len(at.dataframe[0].value) == 100
    warm = []
    for _ in range(args.reps):
        t = time.perf_counter()
        at.run()
        warm.append(time.perf_counter() - t)
    at.selectbox(key="bar_direction").set_value("length")
    t = time.perf_counter()
    at.run()
    changed = time.perf_counter() - t
    print(f"Project page, 100 texts x 8 directions: first run {first:.2f} s (embeds the texts), "
          f"warm rerun {min(warm):.2f} s (best of {args.reps}), rerun after a widget change {changed:.2f} s")
    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        at.run()
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
