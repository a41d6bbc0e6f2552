"""Long texts read whole: overlapping windows of word pieces, embedded and pooled (pure functions).

A text with more word pieces than the model reads in one pass (`size`: its max_seq_length less the special
tokens) is cut into windows of at most `size` pieces, each starting `stride` pieces after the last (50% overlap
by default), so every piece is read and most are read twice. Windows start and end at word boundaries where a
word allows it, and are cut from the original string at the tokenizer's character offsets, so the model gets
plain strings whose pieces are the window's. Each window is embedded like any text; the text's vector is the
mean of its unit window vectors weighted by their number of pieces, made unit again. A text that fits in one
window is passed on unchanged and keeps its vector exactly. Why half-overlapping windows (bench/windows.py,
200 texts of ~600 words on MiniLM): dropping a text's first sentence moves its vector less with them (mean
cosine 0.974) than with windows that only touch (0.956) or with the old cut (0.883), for about twice the
time of windows that only touch; a text is read in ceil((pieces - size) / stride) + 1 windows or so.

`spans` (pieces -> windows), `cut` (windows -> strings), `plan` (a batch of texts -> the strings to embed)
and `pool` (their vectors -> one per text) need no model. An encoder that reads windows says how in
`pooling` and counts them per text in `windows(texts)`; `describe` names what any encoder does, and `note`
is the sentence that tells a reader which texts were read in windows.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from core.vectors import unit_rows


def tag(size: int, stride: int) -> str:
    """The short tag that goes into an encoder's identity (the cache key), e.g. 'win254/127'."""
    return f"win{size}/{stride}"


def method(size: int, stride: int) -> str:
    """The one-line human name of the method."""
    return f"mean of overlapping {size}-piece windows (stride {stride}), weighted by length"


def note(long: int, window: int | None, pooling: str) -> str | None:
    """The sentence that says `long` texts were read in more than one window (None when there is none)."""
    if not long:
        return None
    size = f" ({window} word pieces)" if window else ""
    texts = "1 text is" if long == 1 else f"{long:,} texts are"
    return f"{texts} longer than the model's window{size}: read in overlapping windows and pooled ({pooling})."


def describe(encoder) -> str:
    """How `encoder` reads a long text: its own `pooling` line, else a truthful default."""
    pooling = getattr(encoder, "pooling", None)
    if pooling:
        return str(pooling)
    cut = getattr(encoder, "max_tokens", None)
    return f"first {cut} tokens" if isinstance(cut, int) else "as the model reads it (no windows)"


def word_starts(word_ids: Sequence[int | None]) -> np.ndarray:
    """True for each piece that begins a word (where a window may start or end without splitting one)."""
    ids = np.array([-1 if w is None else w for w in word_ids], dtype=np.int64)
    starts = np.ones(len(ids), dtype=bool)
    starts[1:] = (ids[1:] != ids[:-1]) | (ids[1:] < 0)
    return starts


def spans(starts: Sequence[bool], size: int, stride: int) -> list[tuple[int, int]]:
    """Windows [begin, end) over `len(starts)` pieces: one when they fit in `size`, else windows of at most
    `size` pieces, each beginning about `stride` after the one before and before it ends (so they overlap and
    cover every piece). Boundaries move back to the nearest word start (`starts[i]`), so a word is split only
    when it is longer than the window (and two windows only touch where no word starts within the stride)."""
    if size < 1 or not 0 < stride <= size:
        raise ValueError(f"window size {size} and stride {stride}: need 0 < stride <= size")
    n = len(starts)
    if n <= size:
        return [(0, n)]
    ok = np.asarray(starts, dtype=bool)

    def back(lo: int, hi: int) -> int | None:  # the last word start in (lo, hi]
        hits = np.nonzero(ok[lo + 1 : hi + 1])[0]
        return lo + 1 + int(hits[-1]) if len(hits) else None

    out, begin = [], 0
    while True:
        end = begin + size
        if end >= n:
            out.append((begin, n))
            return out
        end = back(begin, end) or end  # a single word longer than the window is cut inside
        out.append((begin, end))
        target = min(begin + stride, end - 1)
        nxt = back(begin, target)
        if nxt is None:  # no word starts by the target: the next word (at worst, where this window ends),
            later = np.nonzero(ok[target + 1 : end + 1])[0]  # else inside the word
            nxt = target + 1 + int(later[0]) if len(later) else max(target, begin + 1)
        begin = nxt


def cut(text: str, offsets: Sequence[tuple[int, int]], windows: list[tuple[int, int]]) -> list[str]:
    """The window strings, cut from `text` at the pieces' character offsets (one window: `text` itself)."""
    if len(windows) == 1:
        return [text]
    return [text[offsets[b][0] : offsets[e - 1][1]] for b, e in windows]


@dataclass(frozen=True)
class Plan:
    """The strings to embed for a batch of texts: `pieces[j]` belongs to text `owner[j]` with weight
    `weight[j]` (its number of word pieces); `counts[i]` is the number of windows of text i."""

    pieces: list[str]
    owner: np.ndarray
    weight: np.ndarray
    counts: np.ndarray

    @property
    def windowed(self) -> bool:
        return bool((self.counts > 1).any())


def plan(texts: Sequence[str], encodings: Sequence, size: int, stride: int) -> Plan:
    """The plan for `texts` from their encodings (tokenizers' Encoding, without special tokens: its length
    in pieces, `.offsets` and `.word_ids`)."""
    pieces, owner, weight, counts = [], [], [], []
    for i, (text, enc) in enumerate(zip(texts, encodings)):
        n = len(enc)
        windows = [(0, n)] if n <= size else spans(word_starts(enc.word_ids), size, stride)
        pieces += cut(text, enc.offsets, windows)
        owner += [i] * len(windows)
        weight += [max(e - b, 1) for b, e in windows]
        counts.append(len(windows))
    return Plan(pieces, np.array(owner, dtype=np.int64), np.array(weight, dtype=np.float64),
                np.array(counts, dtype=np.int64))


def pool(vectors: np.ndarray, owner: np.ndarray, weight: np.ndarray, n: int) -> np.ndarray:
    """(n, dim) float32: row i is the `weight`-weighted mean of the unit rows of `vectors` owned by text i,
    made unit. A text with a single row gets that row unchanged (bit for bit)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    owner = np.asarray(owner, dtype=np.int64)
    counts = np.bincount(owner, minlength=n)
    if (counts == 0).any():
        raise ValueError("every text needs at least one window")
    if len(owner) == n:  # one row per text: nothing to pool
        return vectors[np.argsort(owner, kind="stable")] if (owner != np.arange(n)).any() else vectors
    sums = np.zeros((n, vectors.shape[1]), dtype=np.float64)
    np.add.at(sums, owner, unit_rows(vectors, dtype=np.float64) * np.asarray(weight, np.float64)[:, None])
    out = unit_rows(sums, dtype=np.float64).astype(np.float32)
    alone = np.nonzero(counts[owner] == 1)[0]  # rows that are their text's only window
    out[owner[alone]] = vectors[alone]
    return out
