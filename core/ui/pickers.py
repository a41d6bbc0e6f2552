"""Shared choices on the pages: the model, the directions, the reference corpus."""
from __future__ import annotations

import streamlit as st

from core.directions import datasets
from core.errors import LatentError
from core.io import corpus, reference
from core.models import registry as encoders
from core.ui.loaders import sample_corpus
from core.ui.messages import error, escape_md
from core.ui.uploads import TYPES, parsed, remember_once
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


_SOURCES = {"sample": "Built-in sample", "large": reference.NAME, "map": "The Map's corpus",
            "map_link": "Corpus from a link", "texts_link": "Texts from a link", "saved": "A saved input set",
            "upload": "Upload a file"}


def _reference(pick: str, key: str, session: dict) -> corpus.Corpus | None:
    """The chosen reference corpus, with the input it needs; None while that input is awaited."""
    if pick == "sample":
        return sample_corpus()
    if pick == "large":
        with st.spinner(f"Reading the {reference.NAME}…"):
            return reference.reference_corpus()
    if pick in ("map", "map_link"):
        return reference.check(session[pick])
    if pick == "texts_link":
        texts = session[pick]
        return remember_once(f"reference_{key}", (pick, len(texts), hash(tuple(texts))),
                           lambda: reference.from_texts(texts, "the texts from a link"))
    if pick == "saved":
        pasted = st.text_input("A link that carries texts, or the id of a saved input set", key=f"{key}_set",
                               help="Links to views with many texts or a corpus carry them as a saved input set "
                                    "(`set=` in the link).").strip()
        if not pasted:
            st.info("Paste a link or a saved input set's id.", icon=":material/link:")
            return None
        return remember_once(f"reference_{key}", (pick, pasted), lambda: reference.from_link(pasted))
    upload = st.file_uploader("A .txt file (one text per line), or a .csv, .tsv or .parquet file with a text column",
                              type=TYPES, key=f"{key}_upload")
    if upload is None:
        return None
    return parsed(upload, f"{key}_column", f"reference_{key}", reference.from_file, reference.from_table)


def reference_choice(key: str = "reference") -> corpus.Corpus:
    """The reference corpus: the built-in sample, the large reference (WordNet's example sentences), the Map's
    corpus or a link's texts (when this session has them), a saved input set (a link or its id), or a text column
    of an uploaded file. What cannot serve (fewer than 2 texts, a missing package, an upload still awaited) says
    why, and the built-in sample stands in, so the page goes on."""
    state = st.session_state
    session = {"map": state.get("uploaded_corpus"), "map_link": state.get("shared_corpus"),
               "texts_link": state.get("shared_texts")}
    options = ["sample", "large"] + [k for k, v in session.items() if v is not None] + ["saved", "upload"]

    def label(option: str) -> str:
        found = session.get(option)
        named = option in ("map", "map_link") and found is not None
        return f"{_SOURCES[option]}: {escape_md(found.name)}" if named else _SOURCES[option]

    pick = st.radio("Reference corpus", options, horizontal=True, key=key, format_func=label)
    try:
        chosen = _reference(pick, key, session)
    except LatentError as exc:
        error(exc)
        chosen = None
    if chosen is None:
        st.caption("Until then, the built-in sample is the reference corpus.")
        return sample_corpus()
    about = (" ".join(chosen.notes[:1]) + " The first read-back in a model embeds them all once (minutes on a CPU); "
             "after that they come from the cache.") if pick == "large" else ""
    st.caption(escape_md(f"{len(chosen.frame):,} texts in {chosen.name}. {about}".strip()))
    return chosen
