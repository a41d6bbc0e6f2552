"""How well each shipped direction measures what it names, against human-made data (core.directions.benchmarks).

A result holds the figure (Pearson r, Spearman or ROC AUC), its 95% bootstrap interval, the baseline's figure
on the same texts, n, and a plain-language verdict. Results are computed once per model identity, direction
build (its build hash, which covers the calibration, and those of the directions it projects out), yardstick
file contents and settings, and kept as JSON beside the direction cache; that key is known without building
the direction, so `cached_results` answers from the files alone. Texts are embedded through the given
embedder (`embedder.embed(texts)`), so its cache is used.
"""
from __future__ import annotations

import hashlib
import json
import logging
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from core.directions import benchmarks as bm
from core.directions.build import build_directions, cache_path
from core.directions.datasets import DirectionDataset
from core.directions.validation import bootstrap_interval, statistic
from core.errors import LatentError, one_line
from core.files import read_cached, write_cached

log = logging.getLogger(__name__)

METRIC_NAMES = {"pearson": "Pearson r", "spearman": "Spearman", "auc": "ROC AUC"}
CACHE_VERSION = 2


@dataclass(frozen=True)
class YardstickResult:
    direction: str
    yardstick: str  # the set's name, "" without one
    metric: str  # a METRIC_NAMES key, "" without one
    value: float | None = None
    low: float | None = None
    high: float | None = None
    baseline: str = "none"
    baseline_value: float | None = None
    n: int = 0
    note: str = ""

    @property
    def metric_name(self) -> str:
        return METRIC_NAMES.get(self.metric, self.metric)

    def to_json(self) -> bytes:
        return json.dumps({"version": CACHE_VERSION, **asdict(self)}).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> YardstickResult | None:
        record = json.loads(data.decode("utf-8"))
        if record.pop("version", None) != CACHE_VERSION:
            return None
        return cls(**record)


def _number(x) -> float | None:
    return None if x is None or not math.isfinite(float(x)) else float(x)


def strength(metric: str, value: float) -> str:
    """The agreement's size above chance: 'strong', 'moderate', 'weak', 'barely any' or 'wrong way'."""
    chance = 0.5 if metric == "auc" else 0.0
    steps = (0.4, 0.25, 0.1) if metric == "auc" else (0.7, 0.4, 0.2)
    gain = value - chance
    if gain < 0:
        return "wrong way"
    for step, word in zip(steps, ("strong", "moderate", "weak")):
        if gain >= step:
            return word
    return "barely any"


def _strength(metric: str, value: float) -> str:
    word = strength(metric, value)
    return "points the wrong way" if word == "wrong way" else f"{word} agreement"


def against_baseline(result: YardstickResult) -> str | None:
    """'>' when the figure's interval lies above the baseline's figure, '<' below it, '≈' when it covers it;
    None without a figure or a baseline figure."""
    b = result.baseline_value
    if result.value is None or b is None:
        return None
    low = result.value if result.low is None else result.low
    high = result.value if result.high is None else result.high
    return ">" if low > b else "<" if high < b else "≈"


def verdict(result: YardstickResult) -> str:
    """The result in plain words: against its baseline where it has one (using the interval), else by size."""
    if not result.yardstick:
        return "no outside yardstick for this direction"
    if result.value is None:
        return "not measured" + (f" ({result.note})" if result.note else "")
    where = f" on {result.yardstick}"
    size = _strength(result.metric, result.value)
    compared = against_baseline(result)
    if compared is None:
        return f"{size}{where}" + ("" if result.baseline.startswith("none") else f"; {result.baseline} n/a")
    words = {">": "clearly better than", "<": "weaker than", "≈": "about as well as"}[compared]
    return f"measures {result.direction} {words} {result.baseline}{where} ({size})"


def _none(ds_name: str) -> YardstickResult:
    return YardstickResult(ds_name, "", "", note="no outside yardstick")


def _compute(spec: bm.YardstickSet, direction, embedder, root: Path, limit, seed, n_boot,
             on_embed=None) -> YardstickResult:
    texts, targets = bm.read_set(spec, root, limit, seed)
    label, baseline_fn = bm.BASELINES.get(spec.baseline, ("none", None))
    if len(texts) < 3:
        return YardstickResult(spec.direction, spec.name, spec.metric, baseline=label, n=len(texts),
                               note="fewer than 3 usable rows")
    scores = direction.score(embedder.embed(texts, progress=on_embed))
    value = statistic(spec.metric, scores, targets)
    low, high = bootstrap_interval(spec.metric, scores, targets, n_boot, seed)
    base = None
    if baseline_fn is not None:
        b = baseline_fn(texts)
        if b is not None:
            keep = np.isfinite(b)
            base = statistic(spec.metric, b[keep], targets[keep]) if keep.sum() >= 3 else None
    if spec.baseline and base is None:
        log.info("%s on %s: baseline %s not available here", spec.direction, spec.name, label)
    return YardstickResult(spec.direction, spec.name, spec.metric, _number(value), _number(low), _number(high),
                           label if spec.baseline else spec.baseline_note, _number(base), len(texts))


def build_key(ds: DirectionDataset, library: dict[str, DirectionDataset] | None = None) -> str:
    """What the direction's vector and calibration depend on besides the model: its build hash and the build
    hashes of the directions it projects out (`library` resolves them, default: the shipped data sets)."""
    if not ds.project_out:
        return ds.build_hash
    if library is None:
        from core.directions.datasets import load_all

        library = load_all()[0]
    return "|".join([ds.build_hash, *(f"{n}={library[n].build_hash if n in library else '-'}"
                                      for n in ds.project_out)])


def result_path(identity: str, ds: DirectionDataset, spec: bm.YardstickSet, file_hash: str, settings: str,
                key: str | None = None) -> Path:
    """The cache file of one (model, direction build, yardstick file, settings) result, beside the direction's.

    Known without building the direction (`key`: its build_key), so the cache can be read without embedding."""
    parts = [key if key is not None else build_key(ds), file_hash, settings]
    digest = hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]
    return cache_path(identity, ds).parent / "yardsticks" / f"{ds.name}-{ds.build_hash[:12]}-{spec.name}-{digest}.json"


_SET_HASHES: dict[tuple, str] = {}


def _set_hash(spec: bm.YardstickSet, folder: Path) -> str:
    """bm.set_hash, remembered while the set's files keep their size and modification time."""
    files = [folder / f for f in ((spec.file,) if spec.file else bm.LENGTH_SOURCES)]
    try:
        signature = (spec.name, str(folder), *((p.stat().st_mtime_ns, p.stat().st_size) for p in files))
    except OSError:
        return bm.set_hash(spec, folder)  # raises the BenchmarkError that names the missing file
    if signature not in _SET_HASHES:
        _SET_HASHES[signature] = bm.set_hash(spec, folder)
    return _SET_HASHES[signature]


def _plan(datasets, identity: str, folder: Path, settings: str, library):
    """Each data set with its yardstick sets and their result files (empty for a direction without one)."""
    out = []
    for ds in datasets:
        specs = [s for s in bm.SETS if s.direction == ds.name]
        key = build_key(ds, library) if specs else ""
        out.append((ds, [(s, result_path(identity, ds, s, _set_hash(s, folder), settings, key)) for s in specs]))
    return out


def _settings(limit, seed, n_boot) -> str:
    return f"limit={limit} seed={seed} boot={n_boot}"


class Lookup(NamedTuple):
    results: list[YardstickResult]  # measured before, plus one "no outside yardstick" per direction without one
    missing: list[tuple[str, str]]  # (direction, set) pairs not measured yet in this model


def cached_results(datasets: list[DirectionDataset], embedder, root: Path | None = None, limit: int | None = None,
                   seed: int = 0, n_boot: int = 1000, library: dict[str, DirectionDataset] | None = None) -> Lookup:
    """What the cache holds for these directions in this model (`embedder`, or its encoder's identity) and what
    is still missing. Reads files only: builds and embeds nothing. BenchmarkError as in `measure`."""
    identity = embedder if isinstance(embedder, str) else embedder.encoder.identity
    folder = bm.benchmarks_root(root)
    results, missing = [], []
    for ds, planned in _plan(datasets, identity, folder, _settings(limit, seed, n_boot), library):
        if not planned:
            results.append(_none(ds.name))
        for spec, path in planned:
            hit = read_cached(path, YardstickResult.from_json)
            if hit is None:
                missing.append((ds.name, spec.name))
            else:
                results.append(hit)
    return Lookup(results, missing)


def measure(datasets: list[DirectionDataset], embedder, root: Path | None = None, limit: int | None = None,
            seed: int = 0, n_boot: int = 1000, library: dict[str, DirectionDataset] | None = None,
            progress=None) -> list[YardstickResult]:
    """One result per (direction, yardstick set), read from the cache when measured before (a direction is built
    only when one of its results is missing); a direction without a yardstick gets one saying so.

    `progress(fraction, label)`, when given, hears how far it is. BenchmarkError when the benchmarks folder (or
    a set file a direction needs) is missing.
    """
    folder = bm.benchmarks_root(root)
    plan = _plan(datasets, embedder.encoder.identity, folder, _settings(limit, seed, n_boot), library)
    total, done = max(1, sum(len(planned) for _, planned in plan)), 0
    out: list[YardstickResult] = []
    for ds, planned in plan:
        if not planned:
            out.append(_none(ds.name))
            continue
        hits = [read_cached(path, YardstickResult.from_json) for _, path in planned]
        direction = None
        if None in hits:
            try:
                (direction,) = build_directions([ds], embedder, library=library)
            except LatentError as exc:
                log.warning("yardstick: direction %s cannot be built: %s", ds.name, exc)
                out.extend(hit or YardstickResult(ds.name, s.name, s.metric, note=f"cannot be built: {one_line(exc)}")
                           for hit, (s, _) in zip(hits, planned))
                done += len(planned)
                continue
        for hit, (spec, path) in zip(hits, planned):
            if hit is None:
                label = f"{ds.name} on {spec.name}"
                at = done
                if progress:
                    progress(at / total, label)
                step = (lambda d, t: progress((at + d / max(t, 1)) / total, label)) if progress else None
                hit = _compute(spec, direction, embedder, folder, limit, seed, n_boot, step)
                write_cached(path, hit.to_json())
            out.append(hit)
            done += 1
    if progress:
        progress(1.0, "done")
    return out


def _cell(x) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def results_table(results: list[YardstickResult]) -> pd.DataFrame:
    """One row per result: direction, set, metric, value, 95% interval, baseline and its value, n, verdict."""
    rows = [{
        "direction": r.direction, "set": r.yardstick or "-", "metric": r.metric_name or "-",
        "value": _cell(r.value) if r.yardstick else "-",
        "95% interval": f"[{_cell(r.low)}, {_cell(r.high)}]" if r.value is not None else "-",
        "baseline": r.baseline, "baseline value": _cell(r.baseline_value) if r.baseline_value is not None
        else ("-" if r.baseline.startswith("none") else "n/a"),
        "n": r.n, "verdict": verdict(r),
    } for r in results]
    return pd.DataFrame(rows, columns=["direction", "set", "metric", "value", "95% interval", "baseline",
                                       "baseline value", "n", "verdict"])


def table_text(results: list[YardstickResult]) -> str:
    """The results as a Markdown table (one line per direction and set)."""
    frame = results_table(results)
    lines = ["| " + " | ".join(frame.columns) + " |", "|" + " --- |" * len(frame.columns)]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)
