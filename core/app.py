"""The one module that imports Streamlit: cached wrappers and shared widgets for the pages.

Pages read widgets, call these and render. Logic stays in the rest of `core`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from core import config, corpus, datasets, encoders, exports, inputs
from core.directions import Direction, build_directions
from core.methods import MethodError
from core.quality import QualityReport, direction_report
from core.store import Embedder, get_embedder

PROGRESS_FROM = 64  # show a progress bar when at least this many texts need the model


def setup(title: str, icon: str = ":material/explore:") -> None:
    st.set_page_config(page_title=f"{title} · Latent dashboard", page_icon=icon, layout="wide")


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


def show_dataset_errors(errors: dict[str, str]) -> None:
    for message in errors.values():
        st.warning(f"Skipped a direction file: {message}", icon=":material/warning:")


def model_picker(key: str = "model") -> str:
    """Sidebar choice of model; returns its name."""
    names = encoders.model_names()
    if st.session_state.get(key) not in names:
        st.session_state[key] = encoders.DEFAULT_MODEL
    return st.sidebar.selectbox("Model", names, key=key, help="Models are added on the Home page.")


def embedder_or_stop(model: str) -> Embedder:
    """The model's embedder; where it cannot be loaded, say why and how to get it, and stop the page."""
    try:
        with st.spinner(f"Loading {model}…"):
            return get_embedder(model)
    except encoders.ModelError as exc:
        st.error(str(exc), icon=":material/error:")
        st.info("Pick another model in the sidebar; the default model works offline.")
        st.stop()


def embed(embedder: Embedder, texts: list[str], label: str = "Embedding") -> np.ndarray:
    """Embed through the disk cache, with a progress bar when many texts are new."""
    bar = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if total < PROGRESS_FROM:
            return
        if bar is None:
            bar = st.progress(0.0, text=f"{label} {total:,} new texts…")
        bar.progress(done / total, text=f"{label}: {done:,} of {total:,} new texts")

    out = embedder.embed(texts, progress=progress)
    if bar is not None:
        bar.empty()
    return out


def directions_for(embedder: Embedder, chosen: list[datasets.DirectionDataset],
                   library: dict[str, datasets.DirectionDataset] | None = None) -> list[Direction]:
    try:
        return build_directions(chosen, embedder, library=library)
    except (datasets.DatasetError, MethodError) as exc:
        st.error(str(exc), icon=":material/error:")
        st.stop()


def quality(ds: datasets.DirectionDataset, embedder: Embedder, library: dict) -> QualityReport:
    """The quality report (seeded, so the same examples give the same report)."""
    return direction_report(ds, embedder, {**library, ds.name: ds}, n_perm=50)


def direction_picker(found: dict[str, datasets.DirectionDataset], key: str = "directions",
                     default: list[str] | None = None) -> list[datasets.DirectionDataset]:
    names = list(found)
    if key not in st.session_state:
        st.session_state[key] = [n for n in (default or names) if n in names]
    else:
        st.session_state[key] = [n for n in st.session_state[key] if n in names]
    picked = st.multiselect(
        "Directions", names, key=key,
        format_func=lambda n: f"{found[n].title} ({found[n].negative_label} → {found[n].positive_label})",
    )
    return [found[n] for n in picked]


def download_table(frame: pd.DataFrame, file_stem: str, key: str) -> None:
    st.download_button(
        "Download CSV", exports.csv_bytes(frame), file_name=f"{file_stem}.csv", mime="text/csv",
        key=key, icon=":material/download:",
    )


def show_notes(notes: list[str]) -> None:
    for note in notes:
        st.info(note, icon=":material/info:")


def input_error(exc: inputs.InputError) -> None:
    st.error(str(exc), icon=":material/error:")


@st.cache_data(show_spinner=False, max_entries=1)
def sample_corpus() -> corpus.Corpus:
    return corpus.sample_corpus()


def reference_choice(key: str = "reference") -> corpus.Corpus:
    """The reference corpus: the built-in sample, or the corpus last uploaded on the Map page."""
    uploaded = st.session_state.get("uploaded_corpus")
    options = ["sample"] + (["uploaded"] if uploaded is not None else [])
    pick = st.radio("Reference corpus", options, horizontal=True, key=key,
                    format_func=lambda o: "the built-in sample" if o == "sample" else f"uploaded: {uploaded.name}")
    return uploaded if pick == "uploaded" else sample_corpus()


def embed_corpus(embedder: Embedder, chosen: corpus.Corpus) -> np.ndarray:
    """A corpus's embeddings (kept in memory per process), with a progress bar for new texts."""
    bar = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if total < PROGRESS_FROM:
            return
        if bar is None:
            bar = st.progress(0.0)
        bar.progress(done / total, text=f"Embedding {chosen.name}: {done:,} of {total:,} new texts")

    out = corpus.embed_corpus(chosen, embedder, progress)
    if bar is not None:
        bar.empty()
    return out


def escape_md(text: str) -> str:
    """Text safe to show inside markdown (no formatting, links or HTML)."""
    return "".join("\\" + ch if ch in "\\`*_{}[]()#+-.!|<>~$" else ch for ch in str(text))
