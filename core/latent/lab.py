"""The Latent lab's choices as data: the settings of a move, the directions it needs, raw projections for its
tables, and generated texts remembered per point set.

Widgets give plain values (a direction's name, a range of amounts, weights, texts); these functions turn them
into the `params` (what a trail records) and `operands` (the vectors a move reads) of `core.latent.trail.run`.
"""
from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

GENERATED_KEPT = 20  # generated point sets a session keeps


def steer_params(direction: str, low: float, high: float, points: int) -> dict:
    """A steer move's settings: `points` amounts from `low` to `high`, in calibrated units."""
    return {"direction": direction, "amounts": [round(float(x), 4) for x in np.linspace(low, high, int(points))]}


def with_steer_direction(params: dict, operands: dict, direction) -> tuple[dict, dict]:
    """The move's settings with the built direction's scale (so 1 is a pole's distance from the midpoint) and
    its vector."""
    return ({**params, "scale": round(float(direction.half_span), 6)},
            {**operands, "direction": direction.vector})


def arithmetic_move(b_text: str, b_vector, b_weight: float, c_text: str = "", c_vector=None,
                    c_weight: float = 1.0) -> tuple[dict, dict]:
    """An arithmetic move: + b_weight × B, and − c_weight × C when a text C is given."""
    terms, vectors = [{"weight": b_weight, "label": "B", "text": b_text}], [b_vector]
    if c_text and c_vector is not None:
        terms.append({"weight": -c_weight, "label": "C", "text": c_text})
        vectors.append(c_vector)
    return {"terms": terms}, {"terms": vectors}


def chosen_datasets(scored: list, steer=None) -> list:
    """The data sets to build: the ones scored, then the one steered along; each once, in that order."""
    return list({ds.name: ds for ds in [*scored, *([steer] if steer is not None else [])]}.values())


def with_raw(frame: pd.DataFrame, embeddings, directions) -> pd.DataFrame:
    """`frame` (one row per embedding, in order) with each direction's raw projection, before calibration, as
    `<name>_raw`."""
    E = np.asarray(embeddings, dtype=np.float32)
    raws = {f"{d.name}_raw": d.raw(E.reshape(len(frame), -1)).astype(float) if len(frame) else np.zeros(0)
            for d in directions}
    return frame.assign(**raws)


def generation_key(latents, decoder_name: str, n: int, temperature: float, seed: int) -> str:
    """The address of one request for generated texts: the points' bytes and every setting that decides them."""
    data = np.ascontiguousarray(np.asarray(latents, dtype=np.float32)).tobytes()
    return hashlib.sha256(data + f"{decoder_name}|{n}|{temperature}|{seed}".encode()).hexdigest()


def new_generation(store: dict, key: str, kept: int = GENERATED_KEPT) -> dict:
    """A fresh entry {"texts": [], "done": False} under `key`, dropping the oldest entries beyond `kept`."""
    store.pop(key, None)
    while len(store) >= kept:
        store.pop(next(iter(store)))
    entry = store[key] = {"texts": [], "done": False}
    return entry
