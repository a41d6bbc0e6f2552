"""The Map page's corpus: the built-in sample, an uploaded file, or the corpus a link brought.

The source radio is bound to the URL parameter `src` (its option labels); an uploaded or linked
corpus goes into the link as a saved set (`set`, texts and metadata; core.ui.sharing).
"""
from __future__ import annotations

import streamlit as st

from core.io import corpus
from core.ui import sharing
from core.ui.loaders import sample_corpus
from core.ui.uploads import corpus_upload

SAMPLE, UPLOAD, SHARED = "Sample corpus", "Upload a corpus", "Corpus from a link"


def map_corpus(page: str = "map") -> corpus.Corpus | None:
    """The source radio and its input; the corpus (None while an upload is awaited or unreadable)."""
    state = st.session_state
    linked = sharing.link_corpus(page)
    if linked is not None:
        state["shared_corpus"] = linked
    sources = [SAMPLE, UPLOAD] + ([SHARED] if "shared_corpus" in state else [])
    source = sharing.source_radio("Corpus", sources, "src", upload=UPLOAD, shared=SHARED, opened=linked is not None)
    if source == SAMPLE:
        chosen = sample_corpus()
    elif source == SHARED:
        chosen = state["shared_corpus"]
    else:
        chosen = corpus_upload("map_upload", "map_column")
    sharing.publish_corpus(page, chosen if source != SAMPLE else None)
    return chosen
