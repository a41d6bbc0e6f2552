"""Corpora: the built-in samples (a corpus with labels, and a few texts to try) and uploaded tables of texts
with metadata."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from core.io import inputs

DATA = Path(__file__).resolve().parent.parent / "data"
SAMPLE = DATA / "sample_corpus.csv"
MAX_ROWS = 200_000  # the Map page maps at most this many rows; larger corpora are sampled
MAX_TEXT_CHARS = 5_000  # longer cells are cut for display and embedding (the model reads ~256 tokens)


@dataclass
class Corpus:
    name: str
    frame: pd.DataFrame  # a `text` column first, then metadata columns (strings or numbers)
    notes: list[str] = field(default_factory=list)

    @property
    def texts(self) -> list[str]:
        return self.frame["text"].tolist()

    @cached_property
    def key(self) -> str:
        """Content hash of the texts, to key caches of layouts and embeddings (computed once)."""
        h = hashlib.sha256()
        for t in self.frame["text"]:
            h.update(t.encode("utf-8", "surrogatepass"))
            h.update(b"\0")
        return h.hexdigest()[:24]

    @property
    def metadata_columns(self) -> list[str]:
        return [c for c in self.frame.columns if c != "text"]


def _tidy_metadata(col: pd.Series) -> pd.Series:
    """Numbers stay numbers; anything mixed becomes text, so colouring never fails."""
    numeric = pd.to_numeric(col, errors="coerce")
    filled = col.astype(str).str.strip().ne("") & col.notna()
    if filled.any() and numeric[filled].notna().all():
        return numeric
    return col.where(col.notna(), "").astype(str)


def from_frame(df: pd.DataFrame, text_column: str, name: str, max_rows: int = MAX_ROWS, seed: int = 0) -> Corpus:
    inputs.require_columns(df, [text_column], name)
    df = df.rename(columns={c: str(c) for c in df.columns})
    texts = df[text_column].where(df[text_column].notna(), "").astype(str).str.strip()
    notes = list(df.attrs.get("notes", []))  # what the reader left out
    keep = texts != ""
    if (~keep).any():
        notes.append(f"Left out {int((~keep).sum()):,} rows with an empty text.")
    meta = df.loc[keep, [c for c in df.columns if c != text_column]]
    frame = pd.DataFrame({"text": texts[keep].str.slice(0, MAX_TEXT_CHARS)})
    for c in meta.columns:
        frame[c if c != "text" else "text_"] = _tidy_metadata(meta[c]).values
    frame = frame.reset_index(drop=True)
    if frame.empty:
        raise inputs.InputError(f"{name}: column {text_column!r} holds no text.")
    if len(frame) > max_rows:
        notes.append(f"{name} has {len(frame):,} rows; the map shows a random sample of {max_rows:,} "
                     "(use the command line to score all of them).")
        frame = frame.sample(n=max_rows, random_state=seed).reset_index(drop=True)
    dups = int(frame["text"].duplicated().sum())
    if dups:
        notes.append(f"{dups:,} duplicate texts: each is mapped, and embedded once.")
    return Corpus(name, frame, notes)


def from_upload(name: str, data: bytes, text_column: str | None = None, max_rows: int = MAX_ROWS) -> Corpus:
    if inputs.suffix_of(name) == ".txt":
        batch = inputs.from_upload(name, data)
        return from_frame(pd.DataFrame({"text": batch.texts}), "text", name, max_rows)
    table = inputs.read_table(name, data)
    column = text_column or inputs.text_columns(table)[0]
    return from_frame(table, column, name, max_rows)


def sample_corpus() -> Corpus:
    """The built-in corpus: varied English sentences written for this project, with topic, register and
    sentiment labels."""
    table = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)
    return from_frame(table, "text", "the sample corpus")


def sample_texts() -> list[str]:
    """The built-in sample texts (one per line of core/data/sample_texts.txt), so a first-time user can try
    the dashboard at once."""
    lines = (DATA / "sample_texts.txt").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip()]


def embed_corpus(corpus: Corpus, embedder, progress=None) -> np.ndarray:
    return embedder.embed_batch(corpus.key, corpus.texts, progress=progress)
