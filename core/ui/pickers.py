"""Shared choices on the pages: the model, the directions, the reference corpus."""
from __future__ import annotations

import streamlit as st

from core.directions import datasets
from core.io import corpus
from core.models import registry as encoders
from core.ui.loaders import sample_corpus
from core.ui.validity import badge_row


def _bind(bind: bool):
    return "query-params" if bind else None


def model_picker(key: str = "model", bind: bool = False) -> str:
    """Sidebar choice of model (the default model first); returns its name. With `bind`, the URL
    parameter `key` holds it (a model not in the list falls back to the default)."""
    names = encoders.model_names()
    index = names.index(encoders.DEFAULT_MODEL) if encoders.DEFAULT_MODEL in names else 0
    return st.sidebar.selectbox("Model", names, index=index, key=key, help="Models are added on the Home page.",
                                bind=_bind(bind))


def direction_label(ds: datasets.DirectionDataset) -> str:
    """How a direction reads in the picker (and in a link's `dirs`): its title and its two poles."""
    return f"{ds.title} ({ds.negative_label} → {ds.positive_label})"


def direction_picker(found: dict[str, datasets.DirectionDataset], key: str = "directions",
                     default: list[str] | None = None, bind: bool = False,
                     validity_model: str | None = None) -> list[datasets.DirectionDataset]:
    """A multiselect of directions (all of them, or `default`, to begin with). A direction whose file
    went away drops out of the choice. With `bind`, the URL parameter `key` holds the choice (one
    `direction_label` per direction; labels that match no direction are ignored). With `validity_model`,
    a caption under it gives each chosen direction's validity badge in that model (from the cache only;
    the options and their labels stay as they are, so links do not change)."""
    names = list(found)
    picked = st.multiselect("Directions", names, default=[n for n in (default or names) if n in found], key=key,
                            format_func=lambda n: direction_label(found[n]), bind=_bind(bind))
    chosen = [found[n] for n in picked if n in found]
    if validity_model is not None:
        badge_row(validity_model, chosen, found)
    return chosen


def reference_choice(key: str = "reference") -> corpus.Corpus:
    """The reference corpus: the built-in sample, or the corpus last uploaded on the Map page."""
    uploaded = st.session_state.get("uploaded_corpus")
    options = ["sample"] + (["uploaded"] if uploaded is not None else [])
    pick = st.radio("Reference corpus", options, horizontal=True, key=key,
                    format_func=lambda o: "the built-in sample" if o == "sample" else f"uploaded: {uploaded.name}")
    return uploaded if pick == "uploaded" else sample_corpus()
