"""Shared choices on the pages: the model, the directions, the reference corpus."""
from __future__ import annotations

import streamlit as st

from core.directions import datasets
from core.io import corpus
from core.models import registry as encoders
from core.ui.loaders import sample_corpus


def model_picker(key: str = "model") -> str:
    """Sidebar choice of model; returns its name."""
    names = encoders.model_names()
    if st.session_state.get(key) not in names:
        st.session_state[key] = encoders.DEFAULT_MODEL
    return st.sidebar.selectbox("Model", names, key=key, help="Models are added on the Home page.")


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


def reference_choice(key: str = "reference") -> corpus.Corpus:
    """The reference corpus: the built-in sample, or the corpus last uploaded on the Map page."""
    uploaded = st.session_state.get("uploaded_corpus")
    options = ["sample"] + (["uploaded"] if uploaded is not None else [])
    pick = st.radio("Reference corpus", options, horizontal=True, key=key,
                    format_func=lambda o: "the built-in sample" if o == "sample" else f"uploaded: {uploaded.name}")
    return uploaded if pick == "uploaded" else sample_corpus()
