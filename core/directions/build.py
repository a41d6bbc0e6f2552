"""Directions: unit vectors built from a data set for one model, with calibration.

A text's raw score is its projection on the unit vector. The calibrated score
maps the negative pole's centroid to -1, the positive pole's centroid to +1 and
0 to where the data set's neutral texts sit (their mean projection), or to the
poles' midpoint when it has none; linear on each side of 0. Built vectors are cached in memory and on disk, keyed by
the model identity and the data set's build hash; a bad cache entry is rebuilt.
A data set may `project_out` other directions: its vector is then made
orthogonal to theirs (for example sentiment with length removed) and
recalibrated on its own examples.
"""
from __future__ import annotations

import hashlib
import json
import logging
import threading
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from core import config
from core.directions.buildable import check_buildable, failure_line, reason, resolve_library
from core.directions.datasets import DatasetError, DirectionDataset
from core.directions.methods import MethodError, build_vector, remove_components
from core.files import read_cached, write_cached
from core.vectors import calibrate

log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class Direction:
    name: str
    title: str
    negative_label: str
    positive_label: str
    vector: np.ndarray
    negative_projection: float
    positive_projection: float
    model: str
    method: str
    dataset_hash: str
    removed: tuple[str, ...] = ()
    neutral_projection: float | None = None  # mean projection of the neutral texts; None: the midpoint
    zero_note: str = ""  # why 0 is not where the data set's neutral texts sit, when it is not

    def __post_init__(self):
        v = np.array(self.vector, dtype=np.float32)
        v.setflags(write=False)
        object.__setattr__(self, "vector", v)
        if not self.positive_projection > self.negative_projection:
            raise MethodError(
                f"direction {self.name!r}: the positive pole does not project above the negative pole"
            )
        z = self.neutral_projection
        if z is not None and not self.negative_projection < z < self.positive_projection:
            raise MethodError(
                f"direction {self.name!r}: its neutral texts do not sit between the poles (neutral "
                f"{z:+.4f}, poles {self.negative_projection:+.4f} and {self.positive_projection:+.4f}); "
                "they lean to one pole, so they cannot mark 0"
            )

    @property
    def midpoint(self) -> float:
        return (self.positive_projection + self.negative_projection) / 2.0

    @property
    def zero(self) -> float:
        """The raw projection that scores 0: the neutral texts' mean, else the midpoint."""
        return self.midpoint if self.neutral_projection is None else self.neutral_projection

    @property
    def half_span(self) -> float:
        return (self.positive_projection - self.negative_projection) / 2.0

    def raw(self, embeddings: np.ndarray) -> np.ndarray:
        return np.asarray(embeddings, dtype=np.float32) @ self.vector

    def calibrate(self, raw) -> np.ndarray:
        return calibrate(raw, self.negative_projection, self.positive_projection, self.zero)

    def score(self, embeddings: np.ndarray) -> np.ndarray:
        return self.calibrate(self.raw(embeddings))

    @property
    def axis_title(self) -> str:
        return f"{self.negative_label} \u2190 {self.title} \u2192 {self.positive_label}"


def direction_from_embeddings(ds: DirectionDataset, negative: np.ndarray, positive: np.ndarray, model: str,
                              remove: dict[str, np.ndarray] | None = None,
                              neutral: np.ndarray | None = None) -> Direction:
    """Build `ds`'s direction from its poles' (and neutral texts') embeddings, optionally with others removed."""
    vector = build_vector(ds.method, negative, positive, ds.paired)
    if remove:
        vector = remove_components(vector, list(remove.values()))
    neg_p = float(np.mean(negative @ vector))
    pos_p = float(np.mean(positive @ vector))
    if remove and pos_p <= neg_p:
        raise MethodError(f"removing {', '.join(remove)} from {ds.name!r} leaves nothing that separates its poles")
    zero, note = None, ""
    if neutral is not None and len(neutral):
        zero = float(np.mean(neutral @ vector))
        if not neg_p < zero < pos_p:  # in this model the neutral texts lean past a pole: they cannot mark 0
            note = (f"its neutral texts do not sit between the poles in {model} (they lean "
                    f"{'positive' if zero >= pos_p else 'negative'}), so 0 is the poles' midpoint")
            log.warning("direction %s: %s", ds.name, note)
            zero = None
    return Direction(
        name=ds.name, title=ds.title, negative_label=ds.negative_label, positive_label=ds.positive_label,
        vector=vector, negative_projection=neg_p, positive_projection=pos_p, model=model, method=ds.method,
        dataset_hash=ds.build_hash, removed=tuple(remove or ()),
        neutral_projection=zero, zero_note=note,
    )


# ---------------------------------------------------------------- cache of plain (nothing removed) directions

_MEMO: dict[tuple[str, str], Direction] = {}
_DERIVED: dict[tuple, Direction] = {}  # directions with others projected out
_MEMO_LOCK = threading.Lock()


def clear_memory() -> None:
    """Forget every direction held in memory (the disk cache stays): the next build reads or rebuilds it."""
    with _MEMO_LOCK:
        _MEMO.clear()
        _DERIVED.clear()


def cache_path(identity: str, ds: DirectionDataset) -> Path:
    """The disk-cache file of `ds`'s plain direction in the model with this identity."""
    model_key = hashlib.sha256(identity.encode()).hexdigest()[:16]
    return config.cache_dir() / "directions" / model_key / f"{ds.name}-{ds.build_hash[:20]}.json"


def _with_labels(d: Direction, ds: DirectionDataset) -> Direction:
    """The cached vector under the data set's current names (names do not change the vector)."""
    labels = dict(name=ds.name, title=ds.title, negative_label=ds.negative_label, positive_label=ds.positive_label)
    if all(getattr(d, k) == v for k, v in labels.items()):
        return d
    return replace(d, **labels)


def _parse_cached(data: bytes, ds: DirectionDataset, identity: str, dim: int, model: str) -> Direction | None:
    """The direction in a cache file's bytes, or None when it was made for something else or is damaged."""
    record = json.loads(data.decode("utf-8"))
    if record["identity"] != identity or record["build_hash"] != ds.build_hash:
        return None
    vector = np.array(record["vector"], dtype=np.float32)
    neutral = record.get("neutral_projection")
    if neutral is not None and not ds.neutral:
        return None
    if vector.shape != (dim,) or not np.isfinite(vector).all() or abs(float(vector @ vector) - 1) > 1e-4:
        return None
    # poles recorded the wrong way round raise MethodError, a ValueError: read_cached treats it as damage
    return Direction(
        name=ds.name, title=ds.title, negative_label=ds.negative_label, positive_label=ds.positive_label,
        vector=vector, negative_projection=float(record["negative_projection"]),
        positive_projection=float(record["positive_projection"]), model=model, method=ds.method,
        dataset_hash=ds.build_hash, neutral_projection=None if neutral is None else float(neutral),
        zero_note=str(record.get("zero_note") or ""),
    )


def _cached(ds: DirectionDataset, embedder) -> Direction | None:
    identity = embedder.encoder.identity
    with _MEMO_LOCK:
        hit = _MEMO.get((identity, ds.build_hash))
    if hit is None:
        hit = read_cached(cache_path(identity, ds),
                          lambda data: _parse_cached(data, ds, identity, embedder.dim, embedder.name))
        if hit is not None:
            with _MEMO_LOCK:
                _MEMO[(identity, ds.build_hash)] = hit
    return _with_labels(hit, ds) if hit is not None else None


def _remember(ds: DirectionDataset, embedder, direction: Direction) -> None:
    identity = embedder.encoder.identity
    record = {
        "identity": identity, "build_hash": ds.build_hash, "name": ds.name, "method": ds.method,
        "vector": [float(x) for x in direction.vector],
        "negative_projection": direction.negative_projection,
        "positive_projection": direction.positive_projection,
        "neutral_projection": direction.neutral_projection, "zero_note": direction.zero_note,
    }
    write_cached(cache_path(identity, ds), json.dumps(record).encode("utf-8"))  # a failure is logged there
    with _MEMO_LOCK:
        _MEMO[(identity, ds.build_hash)] = direction


def _pole_embeddings(datasets: list[DirectionDataset], embedder, progress=None):
    """Each data set's (negative, positive, neutral) embeddings, all embedded in one pass."""
    texts = [t for ds in datasets for t in (*ds.negative, *ds.positive, *ds.neutral)]
    E = embedder.embed(texts, progress=progress)
    out, at = {}, 0
    for ds in datasets:
        n, p, z = len(ds.negative), len(ds.positive), len(ds.neutral)
        out[ds.name] = (E[at : at + n], E[at + n : at + n + p], E[at + n + p : at + n + p + z])
        at += n + p + z
    return out


def _plain(datasets: list[DirectionDataset], embedder, progress=None):
    """The plain directions that built (cached or new), and the exception of each that did not."""
    result = {ds.name: _cached(ds, embedder) for ds in datasets}
    broke: dict[str, Exception] = {}
    todo = [ds for ds in datasets if result[ds.name] is None]
    if todo:
        log.info("building %d direction(s) in %s: %s", len(todo), embedder.name, ", ".join(ds.name for ds in todo))
        poles = _pole_embeddings(todo, embedder, progress)
        for ds in todo:
            plain = ds.with_changes(project_out=()) if ds.project_out else ds
            neg, pos, neu = poles[ds.name]
            try:
                d = direction_from_embeddings(plain, neg, pos, embedder.name, neutral=neu)
            except ValueError as exc:  # MethodError, or a method's own failure on these examples
                broke[ds.name] = exc
                continue
            _remember(ds, embedder, d)
            result[ds.name] = d
    return {n: d for n, d in result.items() if d is not None}, broke


# ---------------------------------------------------------------- what can be built, one data set at a time

def _derived(ds: DirectionDataset, others: dict, plain: dict, broke: dict, embedder) -> Direction:
    for n in ds.project_out:
        if n in broke:
            raise MethodError(f"{ds.name}: 'project_out' names {n!r}, which cannot be built in {embedder.name} "
                              f"({reason(others[n], broke[n])})")
    key = (embedder.encoder.identity, ds.build_hash, tuple(others[n].build_hash for n in ds.project_out))
    with _MEMO_LOCK:
        hit = _DERIVED.get(key)
    if hit is None:
        neg, pos, neu = _pole_embeddings([ds], embedder)[ds.name]
        remove = {n: plain[n].vector for n in ds.project_out}
        hit = direction_from_embeddings(ds, neg, pos, embedder.name, remove, neutral=neu)
        with _MEMO_LOCK:
            _DERIVED[key] = hit
    return _with_labels(hit, ds)


def _build(datasets: list[DirectionDataset], embedder, progress, library) -> tuple[dict, dict]:
    """{name: Direction} for the data sets that built and {name: exception} for those that did not."""
    failed: dict[str, Exception] = {}
    if any(ds.project_out for ds in datasets):
        library = resolve_library(library)
    for ds in datasets:
        try:
            check_buildable(ds, library)
        except (DatasetError, MethodError) as exc:
            failed[ds.name] = exc
    ok = [ds for ds in datasets if ds.name not in failed]
    others = {n: library[n] for ds in ok for n in ds.project_out}
    everything = {ds.name: ds for ds in [*others.values(), *ok]}
    plain, broke = _plain(list(everything.values()), embedder, progress)
    built = {}
    for ds in ok:
        try:
            if ds.name in broke:
                raise broke[ds.name]
            built[ds.name] = _derived(ds, others, plain, broke, embedder) if ds.project_out else plain[ds.name]
        except ValueError as exc:
            failed[ds.name] = exc
    return built, failed


def build_each(datasets: list[DirectionDataset], embedder, progress=None,
               library: dict[str, DirectionDataset] | None = None) -> tuple[list[Direction], dict[str, str]]:
    """Each data set's direction built on its own: those that built (in order), and {name: one line naming the
    file and why} for those that could not, which never stop the others."""
    datasets = list(datasets)
    built, failed = _build(datasets, embedder, progress, library)
    by_name = {ds.name: ds for ds in datasets}
    if failed:
        log.info("skipped the directions that cannot be built: %s", "; ".join(map(str, failed.values())))
    return ([built[ds.name] for ds in datasets if ds.name in built],
            {name: failure_line(by_name[name], exc) for name, exc in failed.items()})


def build_directions(datasets: list[DirectionDataset], embedder, progress=None,
                     library: dict[str, DirectionDataset] | None = None) -> list[Direction]:
    """Directions for `datasets` in `embedder`'s model, from the caches when possible: all of them, or the first
    failure's MethodError or DatasetError (build_each skips failures). `library` resolves `project_out` names
    (default: every data set in `directions/`)."""
    datasets = list(datasets)
    built, failed = _build(datasets, embedder, progress, library)
    for ds in datasets:
        if ds.name in failed:
            raise failed[ds.name]
    return [built[ds.name] for ds in datasets]


def build_direction(ds: DirectionDataset, embedder, library: dict[str, DirectionDataset] | None = None) -> Direction:
    """One data set's direction (see build_directions)."""
    return build_directions([ds], embedder, library=library)[0]
