"""Which path a sentence-transformers model runs on here: measured once per model and CPU, then remembered.

Every candidate path (core.models.paths.candidates) is timed on short texts against PyTorch float32, the
stock baseline, and judged by what users see, not by cosine alone. On the check texts (2,000 sentences of
the sentiment yardstick's tweets where the benchmarks folder is here, else the built-in sample corpus):

- every shipped direction, rebuilt from its examples on that path, must score the texts like float32 does:
  Pearson r >= 0.999 for each direction;
- each text's 10 nearest neighbours must be the same: mean overlap >= 0.95;
- the sentiment direction's validity (Pearson r with the tweets' human ratings) must not move by more
  than 0.005;
- a float32 path on another runtime shares PyTorch float32's cache entries, so it must compute the same
  function: minimum cosine >= 0.99999 to PyTorch on every check text.

The fastest path that passes is chosen (float32 PyTorch always passes), among those that read one text
no slower than float32 PyTorch (`choose`); a path that fails or cannot run here is kept in the verdict
with the reason, and never used. `LATENT_RUNTIME` / `LATENT_PRECISION` still
force a path (core.models.sbert), and `LATENT_PATH_CHECK=off` leaves the provisional path in place.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from typing import Callable

import numpy as np

from core.directions.benchmarks import SETS, BenchmarkError, benchmarks_root, read_set
from core.directions.build import direction_from_embeddings
from core.directions.datasets import DirectionDataset
from core.io.corpus import sample_corpus
from core.models import paths, registry
from core.models.onnx import onnxruntime_available
from core.models.openvino import openvino_available
from core.vectors import top_k

log = logging.getLogger(__name__)

N_TEXTS, SPEED_TEXTS, LATENCY_TEXTS, K = 2000, 512, 30, 10
LATENCY_SLACK = 1.10  # a path may be this much slower than the baseline on one text (timing noise)
MIN_PEARSON, MIN_OVERLAP, MAX_VALIDITY_SHIFT = 0.999, 0.95, 0.005
_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()
_DONE: dict[str, paths.Verdict] = {}  # checked in this process (even if the cache could not keep the verdict)

Progress = Callable[[float, str], None]


def check_texts(limit: int = N_TEXTS) -> tuple[list[str], np.ndarray | None, str]:
    """(texts, human sentiment ratings or None, where they come from)."""
    tweets = next(s for s in SETS if s.name == "tweets")
    try:
        texts, ratings = read_set(tweets, benchmarks_root(), limit=limit)
        return texts, ratings, f"{len(texts):,} tweets of the sentiment yardstick"
    except BenchmarkError:
        texts = sample_corpus().texts[:limit]
        return texts, None, f"{len(texts):,} texts of the built-in sample (no yardstick here: validity not checked)"


def _neighbours(V: np.ndarray, k: int) -> np.ndarray:
    sims = V @ V.T
    np.fill_diagonal(sims, -np.inf)
    return top_k(sims, k)[0]


def _rate(encode, texts: list[str], reps: int = 3) -> float:
    encode(texts[:32])  # warm-up: first-call allocations and compilation
    best = min(_timed(encode, texts) for _ in range(reps))
    return len(texts) / best


def _latency_ms(encode, texts: list[str]) -> float:
    """Median milliseconds for one text at a time (what a page waits for one typed sentence)."""
    encode(texts[:1])
    return 1000 * float(np.median([_timed(encode, [t]) for t in texts[:LATENCY_TEXTS]]))


def _timed(encode, texts) -> float:
    start = time.perf_counter()
    encode(texts)
    return time.perf_counter() - start


def _reading(encoder, name: str, texts: list[str], datasets: list[DirectionDataset]):
    """The path's view of the check texts: vectors, every direction's scores on them."""
    examples = [t for ds in datasets for t in (*ds.negative, *ds.positive, *ds.neutral)]
    V = encoder.encode_on(name, texts)
    E = encoder.encode_on(name, examples)
    scores, at = {}, 0
    for ds in datasets:
        n, p, z = len(ds.negative), len(ds.positive), len(ds.neutral)
        d = direction_from_embeddings(ds.with_changes(project_out=()) if ds.project_out else ds,
                                      E[at:at + n], E[at + n:at + n + p], encoder.name, neutral=E[at + n + p:at + n + p + z])
        scores[ds.name] = d.score(V)
        at += n + p + z
    return V, scores


def _validity(scores: dict, ratings: np.ndarray | None) -> float | None:
    if ratings is None or "sentiment" not in scores:
        return None
    return float(np.corrcoef(scores["sentiment"], ratings)[0, 1])


def check(encoder, datasets: list[DirectionDataset], texts: list[str], ratings: np.ndarray | None = None,
          progress: Progress | None = None, speed_texts: int = SPEED_TEXTS) -> paths.Verdict:
    """Measure every candidate path of `encoder` (a core.models.sbert encoder) and choose one."""
    say = progress or (lambda fraction, label: None)
    names = paths.candidates(onnxruntime_available(), openvino_available())
    timing = texts[:speed_texts]
    results: dict[str, dict] = {}
    say(0.0, f"Reading {len(texts):,} texts on {paths.PATHS[paths.BASELINE].words}")
    V0, S0 = _reading(encoder, paths.BASELINE, texts, datasets)
    nn0, valid0 = _neighbours(V0, K), _validity(S0, ratings)
    rate0 = _rate(lambda t: encoder.encode_on(paths.BASELINE, t), timing)
    ms0 = _latency_ms(lambda t: encoder.encode_on(paths.BASELINE, t), timing)
    results[paths.BASELINE] = {"passed": True, "why": "the reference", "rate": rate0, "speedup": 1.0, "ms": ms0,
                               "pearson": 1.0, "overlap": 1.0, "validity": valid0, "validity_shift": 0.0}
    for i, name in enumerate(names[1:], start=1):
        say(i / len(names), f"Measuring {paths.PATHS[name].words} ({i} of {len(names) - 1})")
        try:
            V, S = _reading(encoder, name, texts, datasets)
            rate = _rate(lambda t, n=name: encoder.encode_on(n, t), timing)
            ms = _latency_ms(lambda t, n=name: encoder.encode_on(n, t), timing)
        except Exception as exc:  # a runtime that cannot run this model here raises its own types
            log.warning("path %s cannot run %s here: %s: %s", name, encoder.name, type(exc).__name__, exc)
            results[name] = {"passed": False, "why": f"cannot run here: {type(exc).__name__}: {exc}"[:300]}
            continue
        pearson = {d: float(np.corrcoef(S0[d], S[d])[0, 1]) for d in S0}
        worst = min(pearson, key=pearson.get)
        nn = _neighbours(V, K)
        overlap = float(np.mean([len(set(a) & set(b)) / K for a, b in zip(nn0, nn)]))
        valid = _validity(S, ratings)
        cosine = float(np.min(np.sum(V0 * V, axis=1)))
        shift = abs(valid - valid0) if valid is not None and valid0 is not None else None
        fails = [f"{worst} scores r {pearson[worst]:.4f} < {MIN_PEARSON}"] if pearson[worst] < MIN_PEARSON else []
        fails += [f"neighbour overlap {overlap:.3f} < {MIN_OVERLAP}"] if overlap < MIN_OVERLAP else []
        fails += [f"sentiment validity moved {shift:.4f} > {MAX_VALIDITY_SHIFT}"] \
            if shift is not None and shift > MAX_VALIDITY_SHIFT else []
        if paths.PATHS[name].tag == paths.PATHS[paths.BASELINE].tag and cosine < paths.SAME_FUNCTION:
            fails += [f"shares float32's cache but its vectors differ (min cosine {cosine:.6f} < {paths.SAME_FUNCTION})"]
        results[name] = {"passed": not fails, "why": "; ".join(fails) or "keeps scores, neighbours and validity",
                         "rate": rate, "speedup": rate / rate0, "ms": ms, "pearson": pearson[worst], "worst": worst,
                         "overlap": overlap, "validity": valid, "validity_shift": shift, "cosine": cosine}
    chosen = choose(results)
    say(1.0, f"Chosen: {paths.PATHS[chosen].words}")
    return paths.Verdict(chosen=chosen, cpu=paths.cpu_key(), paths=results, texts=len(texts), dim=int(V0.shape[1]))


def choose(results: dict[str, dict]) -> str:
    """The fastest passing path on many texts among those no slower than the baseline on one text (so
    neither a corpus nor a typed sentence waits longer than on stock float32); the fastest passing one
    if none is."""
    passed = [n for n, r in results.items() if r["passed"]]
    ms0 = results[paths.BASELINE].get("ms")
    quick = [n for n in passed if ms0 is None or results[n].get("ms") is None
             or results[n]["ms"] <= ms0 * LATENCY_SLACK]
    return max(quick or passed, key=lambda n: results[n]["rate"])


def needs_check(name: str) -> bool:
    """True when `name` is a sentence-transformers model that has no verdict for this CPU and nothing forces
    its path."""
    if os.environ.get("LATENT_PATH_CHECK", "on").lower() in ("off", "0", "no", "false"):
        return False
    if any(os.environ.get(v, "auto").lower() != "auto" for v in ("LATENT_RUNTIME", "LATENT_PRECISION")):
        return False
    try:
        spec = registry.get_spec(name)
    except registry.ModelError:
        return False
    if spec.kind != "sentence-transformers" or name in _DONE:
        return False
    encoder = registry.get_encoder(name)
    return getattr(encoder, "verdict", True) is None


def choose_path(name: str, datasets: list[DirectionDataset], progress: Progress | None = None,
                limit: int = N_TEXTS) -> paths.Verdict:
    """Run the check for model `name`, remember the verdict for this CPU, and reload the model on its path.
    One check at a time per model in this process; a second caller waits and reuses the verdict."""
    with _LOCKS_GUARD:
        lock = _LOCKS.setdefault(name, threading.Lock())
    with lock:
        encoder = registry.get_encoder(name)
        if encoder.verdict is not None:
            return encoder.verdict
        texts, ratings, source = check_texts(limit)
        log.info("choosing the path of %s on %s", name, source)
        try:
            verdict = check(encoder, datasets, texts, ratings, progress)
        finally:
            encoder.release_checks()
        paths.write_verdict(encoder.fingerprint, verdict)
        _DONE[name] = verdict
        registry.unload(name)
        return verdict


def forget_verdict(name: str) -> None:
    """Drop `name`'s verdict for this CPU (from the cache and this process), to measure again."""
    _DONE.pop(name, None)
    encoder = registry.get_encoder(name)
    paths.verdict_path(encoder.fingerprint).unlink(missing_ok=True)
    registry.unload(name)
