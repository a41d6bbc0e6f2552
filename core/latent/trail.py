"""The trail of moves in the Latent lab: where it started, each move made, undo, and JSON export/import.

A trail starts at a text's embedding. Each move (blur, steer, splice, interpolate, arithmetic) turns the current
point into one or more outputs with `core.latent`; the output picked to continue from becomes the next current
point. Trails are immutable values (undo returns the previous trail) and export as plain JSON: numbers, strings
and lists, never a pickle.
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field, replace

import numpy as np

from core.errors import LatentError
from core.latent import ops as latent

FORMAT = "latent-lab-trail/1"
OPS = {
    "steer": "Steer along a direction",
    "blur": "Blur (random points nearby)",
    "splice": "Splice with B",
    "interpolate": "Interpolate to B",
    "arithmetic": "Arithmetic (+ B, − C)",
}
MAX_OUTPUTS = 64
MAX_MOVES = 200
MAX_JSON_BYTES = 20 * 1024 * 1024


class TrailError(LatentError, ValueError):
    """A move or a trail file that cannot be used; the message says why."""


def _frozen(v) -> np.ndarray:
    v = np.array(v, dtype=np.float64)
    v.setflags(write=False)
    return v


@dataclass(frozen=True)
class Move:
    op: str
    params: dict
    labels: tuple[str, ...]
    outputs: np.ndarray  # (k, dim)
    chosen: int = 0

    def __post_init__(self):
        object.__setattr__(self, "outputs", _frozen(self.outputs))
        object.__setattr__(self, "labels", tuple(self.labels))


@dataclass(frozen=True)
class Trail:
    model: str
    start_text: str
    start: np.ndarray
    moves: tuple[Move, ...] = field(default=())

    def __post_init__(self):
        object.__setattr__(self, "start", _frozen(self.start))

    @property
    def dim(self) -> int:
        return int(self.start.shape[0])

    @property
    def current(self) -> np.ndarray:
        """Where the next move starts: the chosen output of the last move, or the start."""
        if not self.moves:
            return self.start
        last = self.moves[-1]
        return last.outputs[last.chosen]

    @property
    def current_label(self) -> str:
        if not self.moves:
            return "start"
        last = self.moves[-1]
        return f"step {len(self.moves)}: {last.labels[last.chosen]}"


def start(model: str, text: str, vector) -> Trail:
    v = np.asarray(vector, dtype=np.float64)
    if v.ndim != 1 or not np.isfinite(v).all() or not np.linalg.norm(v) > 0:
        raise TrailError("The start must be one finite, non-zero vector.")
    return Trail(model=model, start_text=text, start=v)


def _need(operands: dict, key: str, dim: int, what: str) -> np.ndarray:
    v = operands.get(key)
    if v is None:
        raise TrailError(f"This move needs {what}.")
    v = np.asarray(v, dtype=np.float64)
    if v.shape != (dim,):
        raise TrailError(f"Incompatible dimensions: {what} has {v.size} dimensions, the trail {dim}.")
    return v


def run(op: str, current, params: dict, operands: dict | None = None) -> tuple[list[str], np.ndarray]:
    """The outputs (labels, (k, dim) unit rows) of one move from `current`. Pure; raises TrailError."""
    operands = operands or {}
    v = np.asarray(current, dtype=np.float64)
    dim = v.shape[0]
    try:
        if op == "steer":
            d = _need(operands, "direction", dim, "a direction vector")
            scale = float(params.get("scale", 1.0))
            amounts = [float(a) for a in params["amounts"]]
            out = np.stack([latent.steer(v, d, a * scale) for a in amounts])
            labels = [f"{params.get('direction', 'direction')} {a:+.2f}" for a in amounts]
        elif op == "blur":
            count = int(params["count"])
            if not 1 <= count <= MAX_OUTPUTS:
                raise TrailError(f"Blur makes 1 to {MAX_OUTPUTS} points.")
            out = latent.blur(v, float(params["radius"]), count, seed=int(params.get("seed", 0)))
            labels = [f"blur {i + 1}" for i in range(count)]
        elif op == "splice":
            k = int(params["k"])
            out = latent.splice(v, _need(operands, "other", dim, "a second text (B)"), k)[None, :]
            labels = [f"first {k} dims + B"]
        elif op == "interpolate":
            other = _need(operands, "other", dim, "a second text (B)")
            steps = int(params["steps"])
            if not 2 <= steps <= MAX_OUTPUTS:
                raise TrailError(f"Interpolate in 2 to {MAX_OUTPUTS} steps.")
            fn = latent.slerp if params.get("method", "slerp") == "slerp" else latent.lerp
            out = fn(v, other, steps, norm=1.0)
            labels = [f"t={t:.2f}" for t in np.linspace(0, 1, steps)]
        elif op == "arithmetic":
            weights = [float(t["weight"]) for t in params["terms"]]
            vectors = operands.get("terms") or []
            if not weights or len(vectors) != len(weights):
                raise TrailError("Arithmetic needs at least one term (a text and a weight).")
            terms = [(w, _need({"t": t}, "t", dim, "a term")) for w, t in zip(weights, vectors)]
            out = latent.arithmetic(v, terms)[None, :]
            labels = [" ".join(f"{w:+g}×{t['label']}" for w, t in zip(weights, params["terms"]))]
        else:
            raise TrailError(f"Unknown move {op!r}; moves: {', '.join(OPS)}.")
    except (KeyError, TypeError) as exc:
        raise TrailError(f"The {op} move is missing a setting: {exc}") from None
    except ValueError as exc:
        if isinstance(exc, TrailError):
            raise
        raise TrailError(str(exc)) from None
    if len(out) > MAX_OUTPUTS:
        raise TrailError(f"A move makes at most {MAX_OUTPUTS} points.")
    return labels, np.asarray(out, dtype=np.float64)


def outputs_key(op: str, labels) -> str:
    """A short name for a move's outputs as they are labelled: a choice among them keyed by it starts afresh
    whenever the points shown change, and keeps its pick while they stay the same."""
    return hashlib.sha256("\x1f".join([op, *labels]).encode()).hexdigest()[:12]


def apply(trail: Trail, op: str, params: dict, operands: dict | None = None, chosen: int | None = None,
          outputs: tuple[list[str], np.ndarray] | None = None) -> Trail:
    """The trail with one more move (computed, or the precomputed `outputs` of `run`), continuing from output
    `chosen` (default: the last)."""
    if len(trail.moves) >= MAX_MOVES:
        raise TrailError(f"A trail holds at most {MAX_MOVES} moves; export it and start a new one.")
    labels, out = outputs if outputs is not None else run(op, trail.current, params, operands)
    out = np.asarray(out, dtype=np.float64)
    if out.ndim != 2 or out.shape[1] != trail.dim or len(labels) != len(out) or not len(out):
        raise TrailError("The move's outputs do not fit the trail.")
    chosen = len(out) - 1 if chosen is None else int(chosen)
    if not 0 <= chosen < len(out):
        raise TrailError(f"Continue from an output between 1 and {len(out)}.")
    _check_jsonable(params)
    move = Move(op=op, params=json.loads(json.dumps(params)), labels=tuple(labels), outputs=out, chosen=chosen)
    return replace(trail, moves=trail.moves + (move,))


def undo(trail: Trail) -> Trail:
    """The trail without its last move (the start cannot be undone)."""
    return replace(trail, moves=trail.moves[:-1])


def _check_jsonable(params) -> None:
    try:
        json.dumps(params, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise TrailError(f"Move settings must be plain numbers, strings and lists: {exc}") from None


# ---------------------------------------------------------------- JSON

def to_dict(trail: Trail) -> dict:
    return {
        "format": FORMAT,
        "model": trail.model,
        "dim": trail.dim,
        "start_text": trail.start_text,
        "start": _numbers(trail.start),
        "moves": [
            {"op": m.op, "params": m.params, "labels": list(m.labels), "chosen": m.chosen,
             "outputs": [_numbers(row) for row in m.outputs]}
            for m in trail.moves
        ],
    }


def _numbers(v) -> list[float]:
    return [float(f"{x:.9g}") for x in v]  # 9 significant digits: more than float32 embeddings carry


def to_json(trail: Trail) -> str:
    return json.dumps(to_dict(trail), ensure_ascii=False)


def _vector(value, dim: int | None, what: str) -> np.ndarray:
    if not isinstance(value, list) or not value or not all(isinstance(x, (int, float)) and not isinstance(x, bool)
                                                             for x in value):
        raise TrailError(f"{what} must be a list of numbers.")
    v = np.asarray(value, dtype=np.float64)
    if dim is not None and v.shape != (dim,):
        raise TrailError(f"{what} has {v.size} numbers, expected {dim}.")
    if not np.isfinite(v).all() or not math.isfinite(float(np.linalg.norm(v))) or np.linalg.norm(v) == 0:
        raise TrailError(f"{what} must be finite and not all zero.")
    return v


def from_json(text: str | bytes) -> Trail:
    """A trail from its JSON export; TrailError with a clear message for anything malformed."""
    if isinstance(text, bytes):
        if len(text) > MAX_JSON_BYTES:
            raise TrailError(f"The trail file is larger than {MAX_JSON_BYTES // 2**20} MB.")
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise TrailError("The trail file is not UTF-8 text.") from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise TrailError(f"The trail file is not valid JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise TrailError(f"Not a Latent lab trail (expected \"format\": \"{FORMAT}\").")
    model, text_ = data.get("model"), data.get("start_text")
    if not isinstance(model, str) or not isinstance(text_, str):
        raise TrailError("The trail file needs a model name and a start text.")
    start_v = _vector(data.get("start"), None, "start")
    moves = data.get("moves", [])
    if not isinstance(moves, list) or len(moves) > MAX_MOVES:
        raise TrailError(f"'moves' must be a list of at most {MAX_MOVES} moves.")
    trail = Trail(model=model, start_text=text_, start=start_v)
    for i, m in enumerate(moves, 1):
        if not isinstance(m, dict) or m.get("op") not in OPS or not isinstance(m.get("params"), dict):
            raise TrailError(f"Move {i} needs an 'op' (one of {', '.join(OPS)}) and 'params'.")
        rows = m.get("outputs")
        labels = m.get("labels")
        if not isinstance(rows, list) or not 1 <= len(rows) <= MAX_OUTPUTS:
            raise TrailError(f"Move {i} needs 1 to {MAX_OUTPUTS} outputs.")
        if not isinstance(labels, list) or len(labels) != len(rows) or not all(isinstance(x, str) for x in labels):
            raise TrailError(f"Move {i} needs one text label per output.")
        out = np.stack([_vector(r, trail.dim, f"move {i} output {j + 1}") for j, r in enumerate(rows)])
        chosen = m.get("chosen", len(rows) - 1)
        if not isinstance(chosen, int) or isinstance(chosen, bool):
            raise TrailError(f"Move {i}: 'chosen' must be a whole number.")
        trail = apply(trail, m["op"], m["params"], chosen=chosen, outputs=(labels, out))
    return trail


def steps_table(trail: Trail) -> list[dict]:
    """One plain row per step, for a table: step, move, settings, outputs, continued from."""
    rows = [{"step": 0, "move": "start", "settings": trail.start_text, "outputs": 1, "continued from": "start"}]
    for i, m in enumerate(trail.moves, 1):
        settings = ", ".join(f"{k}={v}" for k, v in m.params.items() if k not in ("scale",))
        rows.append({"step": i, "move": m.op, "settings": settings, "outputs": len(m.labels),
                     "continued from": m.labels[m.chosen]})
    return rows
