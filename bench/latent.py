"""Does the read-back follow a steer? The direction-aware decoder against plain nearest texts, in one run.

20 start texts (written for this script: varied topics, registers, lengths and feelings) are steered along
sentiment, formality and length by --amounts calibrated units each (as the Latent lab steers:
`core.latent.lab.steer_params` and `with_steer_direction`, then `core.latent.trail.run`), and every point is
read back with the Latent lab's default for steer moves (`core.latent.directional.DirectionalDecoder`) and
with plain nearest-text retrieval (`RetrievalDecoder`) as the baseline. For each decoder and direction:

- moved: the share of non-zero amounts whose top text differs from the start's own nearest text (target >= 0.75);
- spearman: the mean over start texts of Spearman's rho between the amount and the top text's calibrated score
  on the steered direction (target >= 0.9; a top text that never changes has no order, and counts as 0);
- complement: the median cosine of the top text with the start once the steered direction is taken out of
  both, over the non-zero amounts (aim >= 0.4); `overall` is the plain cosine, for comparison.

    .venv/bin/python bench/latent.py [--corpus sample|reference|FILE.csv|FILE.txt] [--amounts -2 -1 0 1 2]

The default corpus is the built-in sample (core.io.corpus.sample_corpus); "reference" is the larger reference
corpus of core.io.reference, when it is installed.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LATENT_CACHE_DIR", str(Path(tempfile.gettempdir()) / "bench-latent-cache"))
os.environ["HF_HUB_OFFLINE"] = "1"

from bench.machine import cpu_model  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

STARTS = [
    "The restaurant was fine, the food arrived on time and the bill was as expected.",
    "Our team shipped the new billing feature two days ahead of schedule.",
    "hey r u coming to the gig tonight or nah",
    "The committee will review all applications before the end of the quarter.",
    "I lost my keys again and had to wait an hour for the locksmith.",
    "The new bridge across the river is due to open next spring.",
    "My grandmother taught me to bake bread when I was seven.",
    "The striker scored twice in the second half to level the match.",
    "Please find attached the revised contract for your signature.",
    "The train was delayed by forty minutes because of a signal fault.",
    "This phone's battery lasts about a day with normal use.",
    "We spent the weekend hiking along the coast and camping near the cliffs.",
    "The museum's collection of ancient coins is now online.",
    "lol my cat just knocked the plant off the shelf again",
    "Researchers measured how quickly the glacier has retreated over the last decade.",
    "The landlord has not answered our emails about the broken heating.",
    "The concert hall was half empty, but the orchestra played with real energy.",
    "Rates on savings accounts went up slightly this month.",
    "I finally finished the novel, and the ending surprised me.",
    "The city council approved a plan to add more bike lanes downtown.",
]
DIRECTIONS = ("sentiment", "formality", "length")



def load_corpus(choice: str):
    """The corpus to read back from; SystemExit with a one-line message when it cannot be had."""
    from core.errors import LatentError, one_line
    from core.io import corpus as corpora

    if choice == "sample":
        return corpora.sample_corpus()
    if choice == "reference":
        try:
            from core.io.reference import reference_corpus  # added by another change; optional here
        except ImportError:
            print("skipped: core.io.reference (reference_corpus) is not installed here; measure the sample corpus, "
                  "or pass a CSV/TXT file with --corpus.")
            raise SystemExit(0) from None
        try:
            return reference_corpus()
        except (LatentError, OSError) as exc:
            raise SystemExit(f"error: {one_line(exc)}") from None
    path = Path(choice)
    try:
        return corpora.from_upload(path.name, path.read_bytes())
    except (OSError, LatentError) as exc:
        raise SystemExit(f"error: {choice}: {one_line(exc)}") from None


def spearman(x, y) -> float:
    """Spearman's rho (average ranks for ties); 0 when either side is constant (no order to agree with)."""
    rx, ry = pd.Series(x).rank().to_numpy(), pd.Series(y).rank().to_numpy()
    if np.ptp(rx) == 0 or np.ptp(ry) == 0:
        return 0.0
    return float(np.corrcoef(rx, ry)[0, 1])


def measure(amounts: list[float], corpus, embedder, built: dict) -> pd.DataFrame:
    """One row per decoder and direction with the three figures (and the overall similarity)."""
    from core.io.corpus import embed_corpus
    from core.latent import lab
    from core.latent import trail as trails
    from core.latent.decoders import RetrievalDecoder
    from core.latent.directional import DirectionalDecoder, complement_cosine

    E = embed_corpus(corpus, embedder)
    starts = embedder.embed(STARTS)
    nearest = RetrievalDecoder(corpus.texts, E, name="nearest texts")
    own = [row[0] for row in nearest.decode(starts)]
    index = {t: i for i, t in enumerate(nearest.texts)}
    rows = []
    for name, d in built.items():
        params, operands = lab.with_steer_direction(lab.steer_params(name, min(amounts), max(amounts), 2), {}, d)
        params["amounts"] = [float(a) for a in amounts]
        figures = {"nearest texts": ([], [], [], []), "direction-aware": ([], [], [], [])}
        for start_text, v, own_text in zip(STARTS, starts, own):
            _, Z = trails.run("steer", v, params, operands)
            decoders = {"nearest texts": nearest,
                        "direction-aware": DirectionalDecoder(corpus.texts, E, d, v, model=embedder.name)}
            for label, decoder in decoders.items():
                tops = [row[0] for row in decoder.decode(Z)]
                T = nearest.embeddings[[index[t] for t in tops]]
                moved, rhos, comp, overall = figures[label]
                rhos.append(spearman(amounts, d.score(T)))
                off = [i for i, a in enumerate(amounts) if a != 0]
                moved += [tops[i] != own_text for i in off]
                comp += list(complement_cosine(T[off], v, d.vector))
                overall += list(T[off] @ v)
        for label, (moved, rhos, comp, overall) in figures.items():
            rows.append({"decoder": label, "direction": name, "moved": np.mean(moved), "spearman": np.mean(rhos),
                         "complement": np.median(comp), "overall": np.median(overall), "_m": moved, "_r": rhos,
                         "_c": comp, "_o": overall})
    frame = pd.DataFrame(rows)
    for label in figures:
        part = frame[frame["decoder"] == label]
        cat = {k: [x for xs in part[k] for x in xs] for k in ("_m", "_r", "_c", "_o")}
        frame.loc[len(frame)] = {"decoder": label, "direction": "all", "moved": np.mean(cat["_m"]),
                                 "spearman": np.mean(cat["_r"]), "complement": np.median(cat["_c"]),
                                 "overall": np.median(cat["_o"])}
    return frame.drop(columns=["_m", "_r", "_c", "_o"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default="sample", help="sample (default), reference, or a .csv/.txt file")
    ap.add_argument("--amounts", type=float, nargs="+", default=[-2.0, -1.0, 0.0, 1.0, 2.0])
    args = ap.parse_args()
    if len(set(args.amounts)) < 2 or not any(a != 0 for a in args.amounts):
        raise SystemExit("error: give at least two different amounts, one of them not 0.")

    import torch

    from core.directions.build import build_directions
    from core.directions.datasets import load_all
    from core.errors import LatentError, one_line
    from core.store.embedder import get_embedder

    corpus = load_corpus(args.corpus)
    embedder = get_embedder()
    found = load_all()[0]
    missing = [n for n in DIRECTIONS if n not in found]
    if missing:
        raise SystemExit(f"error: no direction data set named {', '.join(missing)} in directions/.")
    try:
        built = {d.name: d for d in build_directions([found[n] for n in DIRECTIONS], embedder, library=found)}
        frame = measure(args.amounts, corpus, embedder, built)
    except LatentError as exc:
        raise SystemExit(f"error: {one_line(exc)}") from None
    print(f"CPU: {cpu_model()}; {os.cpu_count()} CPUs, torch {torch.__version__}; model {embedder.name}")
    print(f"corpus: {corpus.name}, {len(corpus.texts):,} texts; {len(STARTS)} start texts x {len(DIRECTIONS)} "
          f"directions x amounts {', '.join(f'{a:+g}' for a in args.amounts)}\n")
    print("| decoder | direction | moved (>= 0.75) | spearman (>= 0.9) | complement sim, median (>= 0.4) | "
          "overall sim, median |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for r in frame.sort_values(["decoder", "direction"], kind="stable").itertuples():
        print(f"| {r.decoder} | {r.direction} | {r.moved:.2f} | {r.spearman:.2f} | {r.complement:.3f} | "
              f"{r.overall:.3f} |")


if __name__ == "__main__":
    main()
