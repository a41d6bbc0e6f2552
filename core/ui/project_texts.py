"""The Project page's texts: typed or pasted, an uploaded file, the samples, or the texts a link brought.

The source radio is bound to the URL parameter `src` (its option labels); the texts themselves go
into the link as `text` or `set` (core.ui.sharing). A link's saved set opens as "Texts from a
link"; a link's texts also fill the paste box when the link was made while typing.

`mark_long_texts` adds the scores table's `windows` column, and a caption, when some texts are longer than the
model's window and were read in overlapping windows.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from core.explore.scores import WINDOWS, mark_windowed
from core.io import corpus, inputs
from core.models import windows as reading
from core.store.embedder import Embedder
from core.ui import sharing
from core.ui.uploads import texts_upload

PASTE, UPLOAD, SAMPLE, SHARED = "Type or paste", "Upload a file", "Sample texts", "Texts from a link"


def project_texts(page: str = "project") -> inputs.TextBatch | None:
    """The source radio and its input; the batch of texts (None while an upload is awaited or unreadable)."""
    state = st.session_state
    linked = sharing.link_texts(page)
    if linked is not None and linked.saved:
        state["shared_texts"] = linked.texts
    options = [PASTE, UPLOAD, SAMPLE] + ([SHARED] if "shared_texts" in state else [])
    source = sharing.source_radio("Texts", options, "src", upload=UPLOAD, shared=SHARED,
                                  opened=linked is not None and linked.saved)
    batch = None
    if source == SHARED:
        batch = inputs.clean(state["shared_texts"], "link")
        with st.expander(f"The {len(batch.texts):,} texts of the link"):
            st.text("\n".join(batch.texts[:1000]))
    elif source == PASTE:
        if linked is not None:
            state["paste"] = "\n".join(linked.texts)
        elif "paste" not in state:
            state["paste"] = "\n".join(corpus.sample_texts()[:6])
        batch = inputs.from_paste(st.text_area("One text per line", key="paste", height=180))
    elif source == UPLOAD:
        batch = texts_upload("upload", "column")
    else:
        batch = inputs.TextBatch(corpus.sample_texts())
        with st.expander(f"The {len(batch.texts)} sample texts"):
            st.text("\n".join(batch.texts))
    sharing.publish_texts(page, batch.texts if batch is not None and source != SAMPLE else None,
                          saved=source != PASTE)
    return batch


def mark_long_texts(table: pd.DataFrame, embedder: Embedder, texts: list[str]) -> pd.DataFrame:
    """The wide scores table with a `windows` column and a caption when some text was read in windows;
    the table unchanged otherwise. Counting asks the tokenizer only."""
    counts = embedder.windows(texts)
    caption = reading.note(int((counts > 1).sum()), embedder.window, embedder.pooling)
    if caption is None:
        return table
    st.caption(caption)
    return mark_windowed(table, counts)


WINDOWS_COLUMN = st.column_config.NumberColumn(
    WINDOWS, format="%d", help="Windows the model read the text in: 1 = whole, in one pass; more = a long text, "
                               "read in overlapping windows and pooled.")
