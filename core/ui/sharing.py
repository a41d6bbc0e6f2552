"""Shareable links: a page's choices in the URL's query parameters, long inputs as saved input sets."""
from __future__ import annotations

import hashlib
from typing import Mapping

import pandas as pd
import streamlit as st

from core.io import corpus, links


def restore_link(page: str) -> dict[str, str] | None:
    """The query parameters to apply on this run, or None.

    They are applied once, when the page opens with a link (a new session or a pasted URL); after
    that the page's own widgets rule and `publish_link` keeps the URL in step with them.
    """
    params = {k: links.first(v) for k, v in st.query_params.to_dict().items()}
    params = {k: v for k, v in params.items() if v is not None}
    if not params or st.session_state.get(f"_link_{page}") == params:
        return None
    st.session_state[f"_link_{page}"] = params
    return params


def apply(values: Mapping[str, object]) -> None:
    """Put values read from a link into session state (before their widgets are created)."""
    for key, value in values.items():
        if value is not None:
            st.session_state[key] = value


def publish_link(page: str, params: Mapping[str, str]) -> None:
    """Make the URL show this view, so a copied link opens the same view."""
    params = {k: str(v) for k, v in params.items() if v is not None and str(v) != ""}
    st.session_state[f"_link_{page}"] = params
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)


def link_texts(params: Mapping[str, str]) -> list[str] | None:
    """Texts a link carries, with a message on the page when its saved inputs are gone."""
    try:
        return links.texts_from_params(params)
    except links.LinkError as exc:
        st.warning(str(exc), icon=":material/link_off:")
        return None


def texts_link(texts: list[str]) -> dict[str, str]:
    """Link parameters for texts (inline or a saved input set); says so when they cannot be kept."""
    digest = hashlib.sha256("\0".join(texts).encode("utf-8", "surrogatepass")).hexdigest()
    memo = st.session_state.setdefault("_link_texts", {})
    if digest not in memo:
        params, note = links.texts_params(texts)
        if note:  # not remembered: a later run tries again (the disk may have room by then)
            st.caption(note)
            return params
        memo.clear()  # one entry per session is enough
        memo[digest] = params
    return dict(memo[digest])


def corpus_link(chosen: corpus.Corpus) -> str | None:
    """The id of a saved input set holding this corpus (texts and metadata), saved once per session."""
    memo = st.session_state.setdefault("_link_corpus", {})
    key = (chosen.name, chosen.key, tuple(chosen.metadata_columns))
    if key not in memo:
        try:
            columns = {c: [None if pd.isna(v) else (v.item() if hasattr(v, "item") else v) for v in chosen.frame[c]]
                       for c in chosen.metadata_columns}
            ident = links.save_set(chosen.texts, columns, chosen.name)
        except (links.LinkError, OSError, ValueError) as exc:
            st.caption(f"The link to this view does not include the corpus: it could not be saved ({exc}).")
            return None
        memo.clear()
        memo[key] = ident
    return memo[key]
