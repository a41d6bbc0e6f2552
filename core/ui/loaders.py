"""Cached loaders for the pages: direction files, models, embeddings with progress, built directions."""
from __future__ import annotations

import logging

import numpy as np
import streamlit as st

from core import config
from core.directions import datasets, fidelity
from core.directions.build import Direction, build_each
from core.io import corpus
from core.models import registry as encoders
from core.store.embedder import Embedder, get_embedder
from core.ui.messages import error, escape_md

log = logging.getLogger(__name__)

PROGRESS_FROM = 64  # show a progress bar when at least this many texts need the model


def _folder_signature(folder) -> tuple:
    folder = config.directions_dir() if folder is None else folder
    return tuple(
        (p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(folder.glob(f"*{datasets.SUFFIX}"))
    )


@st.cache_data(show_spinner=False, max_entries=8)
def _load_all_cached(folder: str, signature: tuple):
    return datasets.load_all(folder)


def load_datasets() -> tuple[dict[str, datasets.DirectionDataset], dict[str, str]]:
    """All direction data sets (re-read only when a file changes) and the files that failed."""
    folder = config.directions_dir()
    return _load_all_cached(str(folder), _folder_signature(folder))


def choose_path_once(model: str) -> None:
    """On the first use of a sentence-transformers model on this CPU, measure its paths (core.directions.
    fidelity) with a progress bar; a failed check leaves the provisional path and says so."""
    if not fidelity.needs_check(model):
        return
    with st.status(f"Finding the fastest faithful way to run {escape_md(model)} on this CPU (once per model and "
                   "machine)…", expanded=True) as box:
        bar = st.progress(0.0)
        try:
            verdict = fidelity.choose_path(model, list(load_datasets()[0].values()), progress=lambda fraction,
                                           label: bar.progress(fraction, text=escape_md(label)))
        except Exception as exc:  # any runtime's failure: the provisional path keeps working
            log.warning("the path check of %s failed", model, exc_info=True)
            box.update(label=f"Could not measure {escape_md(model)}'s paths ({type(exc).__name__}); it runs on its "
                             "provisional path.", state="error", expanded=False)
            return
        box.update(label=escape_md(f"{model} runs on {verdict.summary()}"), state="complete", expanded=False)


def embedder_or_stop(model: str) -> Embedder:
    """The model's embedder; where it cannot be loaded, say why and how to get it, and stop the page."""
    try:
        with st.spinner(f"Loading {escape_md(model)}…"):
            choose_path_once(model)
            return get_embedder(model)
    except encoders.ModelError as exc:
        error(exc)
        st.info("Pick another model in the sidebar; the default model works offline.")
        st.stop()


class _Progress:
    """A progress bar that appears only when at least PROGRESS_FROM texts need the model."""

    def __init__(self, label: str):
        self.label, self.bar = label, None

    def __call__(self, done: int, total: int) -> None:
        if total < PROGRESS_FROM:
            return
        if self.bar is None:
            self.bar = st.progress(0.0, text=f"{escape_md(self.label)}: {total:,} new texts…")
        self.bar.progress(done / total, text=f"{escape_md(self.label)}: {done:,} of {total:,} new texts")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.empty()


def embed(embedder: Embedder, texts: list[str], label: str = "Embedding") -> np.ndarray:
    """Embed through the disk cache, with a progress bar when many texts are new."""
    progress = _Progress(label)
    try:
        return embedder.embed(texts, progress=progress)
    finally:
        progress.close()


def directions_for(embedder: Embedder, chosen: list[datasets.DirectionDataset],
                   library: dict[str, datasets.DirectionDataset] | None = None) -> list[Direction]:
    """The chosen data sets' directions in the embedder's model, each built on its own: one that cannot be built
    is skipped with a warning naming its file and why; when none of the chosen is left, the page says so and
    stops."""
    built, failed = build_each(chosen, embedder, library=library)
    for line in failed.values():
        st.warning(f"Skipped a direction that cannot be built: {escape_md(line)}", icon=":material/warning:")
    if chosen and not built:
        st.error("None of the chosen directions can be built (see above); pick others.", icon=":material/error:")
        st.stop()
    return built


@st.cache_data(show_spinner=False, max_entries=1)
def sample_corpus() -> corpus.Corpus:
    return corpus.sample_corpus()


def embed_corpus(embedder: Embedder, chosen: corpus.Corpus) -> np.ndarray:
    """A corpus's embeddings (kept in memory per process), with a progress bar for new texts."""
    progress = _Progress(f"Embedding {chosen.name}")
    try:
        return corpus.embed_corpus(chosen, embedder, progress)
    finally:
        progress.close()
