"""Shareable links: what Streamlit's `bind="query-params"` cannot carry, the texts of a view.

Widget choices travel in the URL by themselves: each bound widget's key is its query parameter,
the widget starts from the URL and the URL follows the widget. The texts cannot: a few short
ones travel inline (`text`), longer ones, uploads and corpora as a saved input set (`set`, see
core.io.links). A page reads them when it opens from a link (`link_texts`, `link_corpus`) and
writes the current ones on every run (`publish_texts`, `publish_corpus`). These two parameters
are never bound to a widget.
"""
from __future__ import annotations

import hashlib
import logging
from typing import NamedTuple

import streamlit as st

from core.io import corpus, inputs, links
from core.ui.messages import escape_md, warning

log = logging.getLogger(__name__)

TEXT_PARAMS = ("text", "set")


class Linked(NamedTuple):
    texts: list[str]
    saved: bool  # they came as a saved input set (`set`), not inline


def _url(names: tuple[str, ...]) -> dict[str, str]:
    found = {name: links.first(st.query_params.get_all(name)) for name in names}
    return {k: v for k, v in found.items() if v is not None}


def _opened(page: str, names: tuple[str, ...]) -> dict[str, str] | None:
    """These parameters of the URL, when they are not what this page last wrote: a link being opened."""
    params = _url(names)
    if not params or st.session_state.get(f"_link_{page}") == params:
        return None
    st.session_state[f"_link_{page}"] = params
    return params


def _write(page: str, params: dict[str, str], names: tuple[str, ...]) -> None:
    for name in names:
        if name in params:
            if st.query_params.get(name) != params[name]:
                st.query_params[name] = params[name]
        elif name in st.query_params:
            del st.query_params[name]
    st.session_state[f"_link_{page}"] = dict(params)


def link_texts(page: str) -> Linked | None:
    """The texts a link brings when it opens this page (None on the page's own reruns).

    When the link's saved inputs are gone or its parameters are malformed, the page says so and
    shows its defaults."""
    params = _opened(page, TEXT_PARAMS)
    if params is None:
        return None
    try:
        texts = links.texts_from_params(params)
    except links.LinkError as exc:
        warning(exc, icon=":material/link_off:")
        return None
    return None if texts is None else Linked(texts, "set" in params)


def _texts_params(texts: list[str], saved: bool) -> dict[str, str]:
    """Link parameters for texts, worked out once per session and texts; says so when they cannot be kept."""
    digest = hashlib.sha256(("\0".join(texts) + f"\0{saved}").encode("utf-8", "surrogatepass")).hexdigest()
    memo = st.session_state.setdefault("_link_texts", {})
    if digest not in memo:
        params, note = links.texts_params(texts, inline=not saved)
        if note:  # not remembered: a later run tries again (the disk may have room by then)
            log.info("texts left out of a link: %s", note)
            st.caption(note)
            return params
        memo.clear()  # one entry per session is enough
        memo[digest] = params
    return dict(memo[digest])


def publish_texts(page: str, texts: list[str] | None, saved: bool = False) -> None:
    """Make the URL carry these texts (inline when short, else a saved set; always a set when `saved`),
    or none when `texts` is None."""
    _write(page, _texts_params(texts, saved) if texts else {}, TEXT_PARAMS)


def link_corpus(page: str) -> corpus.Corpus | None:
    """The corpus a link brings (its saved set: texts and metadata) when it opens this page."""
    params = _opened(page, ("set",))
    if params is None:
        return None
    try:
        shared = links.load_set(params["set"])
        return corpus.from_frame(links.set_frame(shared), "text", shared.name or "a shared corpus")
    except (links.LinkError, inputs.InputError) as exc:
        warning(exc, icon=":material/link_off:")
        return None


def _corpus_id(chosen: corpus.Corpus) -> str | None:
    """The id of a saved input set holding this corpus (texts and metadata), saved once per session."""
    memo = st.session_state.setdefault("_link_corpus", {})
    key = (chosen.name, chosen.key, tuple(chosen.metadata_columns))
    if key not in memo:
        try:
            ident = links.save_set(chosen.texts, links.frame_columns(chosen.frame, chosen.metadata_columns),
                                   chosen.name)
        except (links.LinkError, OSError, ValueError) as exc:
            log.info("corpus %r left out of a link: %s", chosen.name, exc)
            st.caption(escape_md(f"The link to this view does not include the corpus: it could not be saved ({exc})."))
            return None
        memo.clear()
        memo[key] = ident
    return memo[key]


def publish_corpus(page: str, chosen: corpus.Corpus | None) -> None:
    """Make the URL carry this corpus as a saved set (or no corpus when None)."""
    ident = _corpus_id(chosen) if chosen is not None else None
    _write(page, {"set": ident} if ident else {}, ("set",))


def source_radio(label: str, options: list[str], key: str, *, upload: str, shared: str, opened: bool) -> str:
    """Where a page's texts come from, as a radio bound to the URL parameter `key`.

    A link made while a file was uploaded says `upload` and carries the file's texts as a saved set;
    a URL cannot carry the file itself. Opened (`opened`: this run read the link's set), it shows
    `shared`, the link's texts, once they are an option: the radio moves there and the page reruns."""
    switch = f"_switch_{key}"
    if switch in st.session_state:
        st.session_state[key] = st.session_state.pop(switch)
    source = st.radio(label, options, horizontal=True, key=key, bind="query-params")
    if opened and source == upload and shared in options:
        st.session_state[switch] = shared
        st.rerun()
    return source
