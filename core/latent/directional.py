"""A read-back that follows a direction: texts that score like the point on it, and resemble it in the rest.

Nearest-text retrieval ranks reference texts by cosine with the whole point; a steer moves the point along one
of 384 axes, so the nearest text barely changes. `DirectionalDecoder` splits the question in two, for a unit
direction d (a built `core.directions.build.Direction`) and P = I - d dᵀ (the orthogonal complement of d):

1. **On the direction** the point has a target: its own calibrated score, `direction.score(point)`. The
   candidates are the reference texts whose score lies within `tolerance` calibrated units of that target; when
   fewer than `band` texts lie that close (a target beyond what the corpus reaches, a sparse corpus), the
   `band` texts nearest the target are the candidates instead, so the extremes are still read. By default the
   band is 20 texts but at most 5% of the corpus, so that in a small corpus it never swallows the constraint.
2. **Everything else** is compared in the complement: among the candidates, the texts whose complement part
   is closest to the point's, `cos(P e, P z)`, come first (ties: the score nearer the target, then corpus order).

Why this order: the score is the part the move set out to change, so it is a constraint (a band the text must
fall in) rather than one term traded against similarity; with bands narrower than the steps between amounts,
read-backs follow the amounts in order. Within the band, complement similarity picks the text that keeps the
rest of the point (topic, register, other features). A steer only adds a multiple of d, so for a steered point
P z is parallel to P start: the ranking is by similarity to the start in everything except the direction. For
other moves (blur, interpolate) the point's own complement is used, so the read-back still shows the move; a
point with no complement part (it lies on d) is compared with the start's.

Temperature > 0 samples n distinct candidates with probability proportional to exp(complement cosine / T).
`directional_frame` is the table of the result: per text, the target, its score on the direction, its
similarity to the start in the complement and overall, and its scores on the other chosen directions.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from core.latent.decoders import DecodeError, RetrievalDecoder, _check_request, as_latents, decoded_frame
from core.vectors import unit_rows

TOLERANCE = 0.35  # calibrated units either side of the target: about half the targets' spacing at the lab's defaults
BAND = 20  # at least this many candidates per point (by default at most BAND_SHARE of the corpus)
BAND_SHARE = 0.05
EPS = 1e-6
COMPLEMENT = "similarity to start (complement)"
TARGET = "target"


def complement_cosine(E, anchor, d) -> np.ndarray:
    """cos(P e, P anchor) for each row e of E, with P the projection off the unit vector d.

    Rows (or an anchor) lying on d have no complement part; their cosine is 0."""
    E = unit_rows(E, dtype=np.float64)
    a, d = np.asarray(anchor, dtype=np.float64), unit_rows(d, dtype=np.float64)
    Pa = a - (a @ d) * d
    Pe_norm = np.sqrt(np.clip(1.0 - (E @ d) ** 2, 0.0, None))
    a_norm = np.linalg.norm(Pa)
    if a_norm <= EPS:
        return np.zeros(len(E))
    out = (E @ Pa) / np.where(Pe_norm > EPS, Pe_norm, 1.0) / a_norm
    return np.where(Pe_norm > EPS, np.clip(out, -1.0, 1.0), 0.0)


def _check_direction(direction, dim: int, model: str | None) -> None:
    if direction is None:
        raise DecodeError("The direction-aware read-back needs a direction: pick one to read along, or read back "
                          "the plain nearest texts.")
    size = int(np.asarray(direction.vector).size)
    if model is not None and direction.model != model:
        raise DecodeError(f"The direction {direction.name!r} was built in {direction.model}, but the reference "
                          f"texts are embedded by {model}; build the direction in {model} (pick it there).")
    if size != dim:
        raise DecodeError(f"Incompatible dimensions: the direction {direction.name!r} has {size} dimensions but "
                          f"the reference texts have {dim}; they come from different models.")


class DirectionalDecoder(RetrievalDecoder):
    """Reference texts that score like each point on `direction` and resemble it everywhere else (see the
    module's notes). `start` is the embedding the move began from (in the same model as the texts)."""

    def __init__(self, texts: list[str], embeddings, direction, start, name: str | None = None,
                 model: str | None = None, tolerance: float = TOLERANCE, band: int | None = None,
                 candidates: int = 50):
        super().__init__(texts, embeddings, name=name or "", candidates=candidates)
        if len(self.texts) < 2:
            raise DecodeError("The reference corpus holds only one distinct text, so every point would read back "
                              "as it; a direction-aware read-back needs at least two texts to choose between.")
        _check_direction(direction, self.dim, model)
        self.start = as_latents(start, self.dim, "the reference texts' model")[0]
        if band is None:
            band = max(1, min(BAND, int(len(self.texts) * BAND_SHARE)))
        if not np.isfinite(tolerance) or tolerance < 0 or int(band) < 1:
            raise DecodeError("The score tolerance must be 0 or more and the band at least one text.")
        self.direction = direction
        self.axis = unit_rows(np.asarray(direction.vector, dtype=np.float64), dtype=np.float64)
        self.tolerance, self.band = float(tolerance), int(band)
        self.name = name or f"texts along {direction.title}"
        self.scores = direction.score(self.embeddings)  # each reference text's calibrated score, computed once

    @classmethod
    def from_corpus(cls, corpus, embedder, direction, start, progress=None, **options) -> "DirectionalDecoder":
        """The texts of a corpus, embedded through the embedder's cache, read along `direction`."""
        from core.io.corpus import embed_corpus

        if corpus is None or not len(corpus.texts):
            raise DecodeError("The reference corpus is empty; there is nothing to retrieve.")
        _check_direction(direction, embedder.dim, embedder.name)
        options.setdefault("name", f"texts along {direction.title} in {corpus.name}")
        return cls(corpus.texts, embed_corpus(corpus, embedder, progress), direction, start,
                   model=embedder.name, **options)

    def targets(self, latents) -> np.ndarray:
        """Each point's own calibrated score on the direction: what its read-back should score."""
        Z = as_latents(latents, self.dim, "the reference corpus's model")
        return self.direction.score(Z.astype(np.float32))

    def candidates_for(self, target: float, n: int = 1) -> np.ndarray:
        """Indices of the texts within the tolerance of `target`, or the max(band, n) nearest it if fewer."""
        gap = np.abs(self.scores - target)
        inside = np.flatnonzero(gap <= self.tolerance)
        least = min(len(gap), max(self.band, int(n)))
        if len(inside) >= least:
            return inside
        return np.sort(np.argsort(gap, kind="stable")[:least])

    def _anchor(self, z: np.ndarray) -> np.ndarray:
        """What a point's texts are compared with in the complement: the point, or the start when it lies on d."""
        return z if np.linalg.norm(z - (z @ self.axis) * self.axis) > EPS else self.start

    def picks(self, latents, n: int = 1, temperature: float = 0.0, seed: int = 0) -> list[list[int]]:
        """For each latent, the indices (into `self.texts`) of its n texts, best first."""
        _check_request(n, temperature)
        Z = as_latents(latents, self.dim, "the reference corpus's model")
        rng = np.random.default_rng(seed)
        out = []
        for z, target in zip(Z, self.targets(Z)):
            pool = self.candidates_for(float(target), n)
            sim = complement_cosine(self.embeddings[pool], self._anchor(z), self.axis)
            gap = np.abs(self.scores[pool] - target)
            k = min(int(n), len(pool))
            if temperature > 0:  # Gumbel top-k: k draws without replacement, p ∝ exp(similarity / temperature)
                keys = sim / temperature + rng.gumbel(size=len(pool))
                chosen = np.argsort(-keys, kind="stable")[:k]
                chosen = chosen[np.lexsort((pool[chosen], gap[chosen], -sim[chosen]))]  # shown best first
            else:
                chosen = np.lexsort((pool, gap, -sim))[:k]
            out.append([int(pool[j]) for j in chosen])
        return out

    def search(self, latents, n: int = 5, temperature: float = 0.0, seed: int = 0) -> list[list[tuple[str, float]]]:
        """For each latent, n (text, complement similarity to the point) pairs, best first."""
        Z = as_latents(latents, self.dim, "the reference corpus's model")
        out = []
        for z, row in zip(Z, self.picks(Z, n, temperature, seed)):
            sims = complement_cosine(self.embeddings[row], self._anchor(z), self.axis)
            out.append([(self.texts[j], float(s)) for j, s in zip(row, sims)])
        return out

    def decode(self, latents, n: int = 1, temperature: float = 0.0, seed: int = 0) -> list[list[str]]:
        return [[self.texts[j] for j in row] for row in self.picks(latents, n, temperature, seed)]


def directional_frame(labels: list[str], decoded: list[list[str]], embeddings, latents, start, direction,
                      directions) -> pd.DataFrame:
    """One row per decoded text: the point, rank and text; the point's target score on `direction` and the
    text's own; its similarity to the start in the complement of `direction` and overall, and to the point; and
    its scores on the other `directions` (`direction` is not repeated when it is among them).

    `embeddings` are the decoded texts' embeddings, in order (as for `decoders.decoded_frame`)."""
    others = [d for d in directions if d.name != direction.name]
    frame = decoded_frame(labels, decoded, embeddings, latents, start, [direction, *others])
    Z = as_latents(latents, len(np.asarray(start)), "the start's model")
    which = np.array([i for i, row in enumerate(decoded) for _ in row], dtype=int)
    targets = direction.score(Z.astype(np.float32))
    texts = [t for row in decoded for t in row]
    E = np.asarray(embeddings, dtype=np.float64).reshape(len(texts), -1) if texts else np.zeros((0, Z.shape[1]))
    frame.insert(3, TARGET, targets[which] if texts else np.zeros(0))
    frame.insert(4, direction.name, frame.pop(direction.name))
    frame.insert(5, COMPLEMENT, complement_cosine(E, start, direction.vector) if texts else np.zeros(0))
    frame.insert(6, "similarity to start", frame.pop("similarity to start"))
    return frame
