"""Decoders: read back what a point in embedding space means, as texts.

A decoder turns latents (rows in one model's space) into texts:
`decode(latents, n, temperature, seed) -> list[list[str]]`, n texts per latent, reproducible for a seed.

- `RetrievalDecoder`: the nearest texts of a reference corpus (works offline with any encoder). It answers
  "what existing text lies nearest to this point", not "what text would this point be".
- `AdaptedDecoder`: maps latents into another model's space with a linear adapter, then decodes there.
- Generative decoders (bottleneck-T5) live in `core.latent.generation`; `core.latent.readback` picks one of
  these for the Latent lab.

`decode_steps` / `decode_all` run any decoder a few latents at a time, so a page can show progress and stop
early, and `points_frame` / `decoded_frame` turn the results into tables (similarity to the start, direction
scores).
"""
from __future__ import annotations

from typing import Iterator, Protocol

import numpy as np
import pandas as pd

from core.errors import LatentError
from core.vectors import top_k, unit_rows


class DecodeError(LatentError, ValueError):
    """Latents a decoder cannot read; the message says why."""


class Decoder(Protocol):
    name: str
    dim: int
    generative: bool

    def decode(self, latents, n: int = 1, temperature: float = 0.0, seed: int = 0) -> list[list[str]]: ...


def as_latents(latents, dim: int, who: str = "this decoder") -> np.ndarray:
    """Latents as (k, dim) float64 unit rows; a DecodeError for the wrong dimension, NaNs or a zero vector."""
    Z = np.asarray(latents, dtype=np.float64)
    if Z.ndim == 1:
        Z = Z[None, :]
    if Z.ndim != 2:
        raise DecodeError(f"expected one latent or a matrix of latents, got shape {Z.shape}")
    if Z.shape[1] != dim:
        raise DecodeError(f"Incompatible dimensions: the latents have {Z.shape[1]} dimensions but {who} reads "
                          f"{dim}. Use the same model for both, or map one space into the other with an adapter.")
    if not np.isfinite(Z).all():
        raise DecodeError("The latents contain NaN or infinite values.")
    try:
        return unit_rows(Z, dtype=np.float64, allow_zero=False)
    except ValueError:
        raise DecodeError("A latent is the zero vector, which points nowhere; it cannot be decoded.") from None


def _check_request(n: int, temperature: float) -> None:
    if int(n) < 1:
        raise DecodeError("Ask for at least one text per latent.")
    if not np.isfinite(temperature) or temperature < 0:
        raise DecodeError("The temperature must be 0 (most likely first) or a positive number.")


class RetrievalDecoder:
    """The nearest texts of a reference corpus, with their cosine similarity to the latent.

    Temperature 0 returns the n nearest texts. A positive temperature samples n distinct texts from the
    `candidates` nearest ones with probability proportional to exp(similarity / temperature), seeded.
    """

    generative = False

    def __init__(self, texts: list[str], embeddings, name: str = "nearest texts", candidates: int = 50):
        E = np.asarray(embeddings, dtype=np.float32)
        texts = [str(t) for t in texts]
        if E.ndim != 2 or E.shape[0] != len(texts):
            raise DecodeError(f"{len(texts)} reference texts but embeddings of shape {E.shape}.")
        if not texts:
            raise DecodeError("The reference corpus is empty; there is nothing to retrieve.")
        first = {}
        for i, t in enumerate(texts):
            first.setdefault(t, i)  # a duplicated text is one answer, not several
        keep = np.fromiter(first.values(), dtype=int)
        self.texts = [texts[i] for i in keep]
        self.embeddings = E[keep]
        self.dim = int(E.shape[1])
        self.name = name
        self.candidates = int(candidates)

    @classmethod
    def from_corpus(cls, corpus, embedder, progress=None, name: str | None = None) -> "RetrievalDecoder":
        """The nearest texts of a corpus, embedded through the embedder's cache (and kept in memory)."""
        from core.io.corpus import embed_corpus

        return cls(corpus.texts, embed_corpus(corpus, embedder, progress),
                   name=name or f"nearest texts in {corpus.name}")

    def search(self, latents, n: int = 5, temperature: float = 0.0, seed: int = 0) -> list[list[tuple[str, float]]]:
        """For each latent, n (text, similarity) pairs, most similar first."""
        _check_request(n, temperature)
        Z = as_latents(latents, self.dim, "the reference corpus's model").astype(np.float32)
        sims = Z @ self.embeddings.T
        total = len(self.texts)
        n = min(int(n), total)
        pool = n if temperature == 0 else min(total, max(self.candidates, 4 * n))
        rng = np.random.default_rng(seed)
        out = []
        for top, near in zip(*top_k(sims, pool)):
            if temperature > 0:  # Gumbel top-k: n draws without replacement, p ∝ exp(similarity / temperature)
                keys = near.astype(np.float64) / temperature + rng.gumbel(size=len(top))
                picked = np.sort(np.argpartition(-keys, n - 1)[:n])  # keep them nearest first
                top, near = top[picked], near[picked]
            out.append([(self.texts[j], float(s)) for j, s in zip(top, near)])
        return out

    def decode(self, latents, n: int = 1, temperature: float = 0.0, seed: int = 0) -> list[list[str]]:
        return [[t for t, _ in row] for row in self.search(latents, n, temperature, seed)]


class AdaptedDecoder:
    """Decode one model's latents with another model's decoder, through a linear adapter between the spaces."""

    def __init__(self, adapter, inner: Decoder):
        if adapter.target_dim != inner.dim:
            raise DecodeError(f"The adapter maps into {adapter.target_dim} dimensions but the decoder reads "
                              f"{inner.dim}; fit an adapter into the decoder's model.")
        self.adapter = adapter
        self.inner = inner
        self.dim = adapter.source_dim
        self.generative = bool(getattr(inner, "generative", False))
        self.name = f"{inner.name}, through an adapter {adapter.source} → {adapter.target}"

    def decode(self, latents, n: int = 1, temperature: float = 0.0, seed: int = 0) -> list[list[str]]:
        Z = as_latents(latents, self.dim, f"the adapter from {self.adapter.source}")
        return self.inner.decode(self.adapter.map(Z), n, temperature, seed)


def decode_steps(decoder: Decoder, latents, n: int = 1, temperature: float = 0.0, seed: int = 0,
                 chunk: int = 4) -> Iterator[tuple[int, int, list[list[str]]]]:
    """Decode `chunk` latents at a time, yielding (done, total, results so far) after each step.

    The step starting at row i uses seed + i, so the results do not depend on when a caller stops.
    Stop early by no longer advancing the iterator.
    """
    _check_request(n, temperature)
    Z = as_latents(latents, decoder.dim, decoder.name)
    total = len(Z)
    results: list[list[str]] = []
    chunk = max(1, int(chunk))
    for start in range(0, total, chunk):
        results += decoder.decode(Z[start:start + chunk], n, temperature, seed + start)
        yield min(start + chunk, total), total, list(results)


def decode_all(decoder: Decoder, latents, n: int = 1, temperature: float = 0.0, seed: int = 0, chunk: int = 4,
               progress=None, stop=None, partial: list | None = None) -> tuple[list[list[str]], bool]:
    """`decode_steps` to the end, calling progress(done, total); `stop` (a threading.Event or a callable)
    ends it early. Returns (results, finished).

    `partial`, when given, is filled with the results so far before `progress` is called, so a caller
    whose run is interrupted inside `progress` (a page's Stop button) keeps what was made."""
    results: list[list[str]] = []
    total = len(np.atleast_2d(latents))
    for done, total, results in decode_steps(decoder, latents, n, temperature, seed, chunk):
        if partial is not None:
            partial[:] = results
        if progress:
            progress(done, total)
        halted = stop.is_set() if hasattr(stop, "is_set") else bool(stop and stop())
        if halted and done < total:
            return results, False
    return results, len(results) == total


# ---------------------------------------------------------------- tables

def _scores(E: np.ndarray, directions) -> dict[str, np.ndarray]:
    return {d.name: d.score(E) for d in directions}


def points_frame(labels: list[str], latents, start, directions) -> pd.DataFrame:
    """One row per point: its label, cosine with the start, and its calibrated score on each direction."""
    Z = as_latents(latents, len(np.asarray(start)), "the start's model").astype(np.float32)
    frame = pd.DataFrame({"point": list(labels), "similarity to start": Z @ unit_rows(start)})
    for name, score in _scores(Z, directions).items():
        frame[name] = score
    return frame


def decoded_frame(labels: list[str], decoded: list[list[str]], embeddings, latents, start,
                  directions) -> pd.DataFrame:
    """One row per decoded text: the point it came from, the text, its cosine with the point and with the
    start, and its scores on each direction. `embeddings` are the decoded texts' embeddings, in order."""
    Z = as_latents(latents, len(np.asarray(start)), "the start's model").astype(np.float32)
    texts = [t for row in decoded for t in row]
    E = np.asarray(embeddings, dtype=np.float32).reshape(len(texts), -1) if texts else np.zeros((0, Z.shape[1]))
    which = np.array([i for i, row in enumerate(decoded) for _ in row], dtype=int)
    s = unit_rows(start)
    frame = pd.DataFrame({
        "point": [labels[i] for i in which],
        "rank": [r + 1 for row in decoded for r in range(len(row))],
        "text": texts,
        "similarity to point": np.sum(E * Z[which], axis=1) if texts else np.zeros(0),
        "similarity to start": E @ s if texts else np.zeros(0),
    })
    for name, score in _scores(E, directions).items():
        frame[name] = score
    return frame
