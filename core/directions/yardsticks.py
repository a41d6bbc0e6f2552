"""How well each shipped direction measures what it names, against human-made data (core.directions.benchmarks).

A result holds the figure (Pearson r, Spearman or ROC AUC), its 95% bootstrap interval, the baseline's figure
on the same texts, n, and a plain-language verdict. Results are computed once per model identity, direction
(build hash and vector) and yardstick file contents, and kept as JSON beside the direction cache. Texts are
embedded through the given embedder (`embedder.embed(texts)`), so its cache is used.
"""
from __future__ import annotations

import hashlib
import json
import logging
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from core.directions import benchmarks as bm
from core.directions.build import build_directions, cache_path
from core.directions.datasets import DirectionDataset
from core.directions.validation import bootstrap_interval, statistic
from core.errors import LatentError, one_line
from core.files import cached

log = logging.getLogger(__name__)

METRIC_NAMES = {"pearson": "Pearson r", "spearman": "Spearman", "auc": "ROC AUC"}
CACHE_VERSION = 1


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


def _strength(metric: str, value: float) -> str:
    chance = 0.5 if metric == "auc" else 0.0
    steps = (0.4, 0.25, 0.1) if metric == "auc" else (0.7, 0.4, 0.2)  # above chance: strong, moderate, weak
    gain = value - chance
    if gain < 0:
        return "points the wrong way"
    for step, word in zip(steps, ("strong", "moderate", "weak")):
        if gain >= step:
            return f"{word} agreement"
    return "barely any agreement"


def verdict(result: YardstickResult) -> str:
    """The result in plain words: against its baseline where it has one (using the interval), else by size."""
    if not result.yardstick:
        return "no outside yardstick for this direction"
    if result.value is None:
        return "not measured" + (f" ({result.note})" if result.note else "")
    where = f" on {result.yardstick}"
    strength = _strength(result.metric, result.value)
    b = result.baseline_value
    if b is None:
        return f"{strength}{where}" + ("" if result.baseline.startswith("none") else f"; {result.baseline} n/a")
    low = result.value if result.low is None else result.low
    high = result.value if result.high is None else result.high
    if low > b:
        compared = f"clearly better than {result.baseline}"
    elif high < b:
        compared = f"weaker than {result.baseline}"
    else:
        compared = f"about as well as {result.baseline}"
    return f"measures {result.direction} {compared}{where} ({strength})"


def _none(ds_name: str) -> YardstickResult:
    return YardstickResult(ds_name, "", "", note="no outside yardstick")


def _compute(spec: bm.YardstickSet, direction, embedder, root: Path, limit, seed, n_boot) -> YardstickResult:
    texts, targets = bm.read_set(spec, root, limit, seed)
    label, baseline_fn = bm.BASELINES.get(spec.baseline, ("none", None))
    if len(texts) < 3:
        return YardstickResult(spec.direction, spec.name, spec.metric, baseline=label, n=len(texts),
                               note="fewer than 3 usable rows")
    scores = direction.score(embedder.embed(texts))
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


def result_path(identity: str, ds: DirectionDataset, direction, spec: bm.YardstickSet, file_hash: str,
                settings: str) -> Path:
    """The cache file of one (model, direction build, yardstick file, settings) result, beside the direction's."""
    key = hashlib.sha256(b"".join([np.asarray(direction.vector, np.float32).tobytes(), file_hash.encode(),
                                   settings.encode()])).hexdigest()[:16]
    return cache_path(identity, ds).parent / "yardsticks" / f"{ds.name}-{ds.build_hash[:12]}-{spec.name}-{key}.json"


def measure(datasets: list[DirectionDataset], embedder, root: Path | None = None, limit: int | None = None,
            seed: int = 0, n_boot: int = 1000, library: dict[str, DirectionDataset] | None = None,
            progress=None) -> list[YardstickResult]:
    """One result per (direction, yardstick set); a direction without a yardstick gets one saying so.

    BenchmarkError when the benchmarks folder (or a set file a direction needs) is missing.
    """
    folder = bm.benchmarks_root(root)
    identity = embedder.encoder.identity
    settings = f"limit={limit} seed={seed} boot={n_boot}"
    out: list[YardstickResult] = []
    for ds in datasets:
        specs = [s for s in bm.SETS if s.direction == ds.name]
        if not specs:
            out.append(_none(ds.name))
            continue
        try:
            (direction,) = build_directions([ds], embedder, library=library)
        except LatentError as exc:
            log.warning("yardstick: direction %s cannot be built: %s", ds.name, exc)
            out.extend(YardstickResult(ds.name, s.name, s.metric, note=f"cannot be built: {one_line(exc)}")
                       for s in specs)
            continue
        for spec in specs:
            if progress:
                progress(ds.name, spec.name)
            path = result_path(identity, ds, direction, spec, bm.set_hash(spec, folder), settings)
            out.append(cached(path, YardstickResult.from_json,
                              lambda: _compute(spec, direction, embedder, folder, limit, seed, n_boot),
                              YardstickResult.to_json))
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
