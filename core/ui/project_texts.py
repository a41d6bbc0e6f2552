"""The Project page's texts: typed or pasted, an uploaded file, the samples, or the texts a link brought.

The source radio is bound to the URL parameter `src` (its option labels); the texts themselves go
into the link as `text` or `set` (core.ui.sharing). A link's saved set opens as "Texts from a
link"; a link's texts also fill the paste box when the link was made while typing.

`mark_long_texts` adds the scores table's `windows` column, and a caption, when some texts are longer than the
model's window and were read in overlapping windows. `text_detail` shows, under a scores table whose rows can be
selected (Project's, Compare's), the whole text of the selected row and its scores.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from core.explore.scores import WINDOWS, mark_windowed, text_scores
from core.io import corpus, inputs
from core.models import windows as reading
from core.store.embedder import Embedder
from core.ui import sharing
from core.ui.messages import escape_md
from core.ui.uploads import texts_upload

PASTE, UPLOAD, SAMPLE, SHARED = "Type or paste", "Upload a file", "Sample texts", "Texts from a link"
AWAITING_UPLOAD = "Upload a file to score its texts."
PICK_A_ROW = "Select a row (the box at its left) to read its whole text and all its scores."


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
        batch = texts_upload("upload", "column", awaiting=AWAITING_UPLOAD)
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


def text_detail(event, texts: list[str], frame, names: list[str] | None = None) -> None:
    """Under a scores table shown with `on_select="rerun"` and one selectable row (`event`, what st.dataframe
    returned): the selected text in full, and its scores (`frame`, the long frame); a hint while none is
    selected. `names` are the texts' names (Compare's A, B, ...), else they are numbered as the table is."""
    rows = [r for r in (event.selection.rows if event is not None else []) if 0 <= r < len(texts)]
    if not rows:
        st.caption(PICK_A_ROW)
        return
    row = rows[0]
    with st.container(border=True):
        st.markdown(f"**{escape_md(names[row] if names else f'Text {row + 1}')}**, in full:")
        st.text(texts[row])
        st.dataframe(text_scores(frame, row), hide_index=True, width="content", column_config={
            "title": st.column_config.TextColumn("direction"),
            "score": st.column_config.NumberColumn("score", format="%.2f", help="Calibrated score."),
            "raw": st.column_config.NumberColumn("raw projection", format="%.4f",
                                                 help="Projection on the unit direction vector (cosine units).")})
