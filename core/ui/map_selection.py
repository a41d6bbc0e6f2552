"""The Map page's selection panel: the selected texts, their download, and adding them to a direction."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from core.directions.datasets import DatasetError, DirectionDataset
from core.directions.saving import add_examples
from core.ui.downloads import download_table
from core.ui.messages import error, escape_md
from core.ui.signin import can_edit, edit_refusal


def selection_panel(table: pd.DataFrame, selected: list[int], found: dict[str, DirectionDataset]) -> None:
    """The selected rows of the map table; with an editor's rights, a button that adds their texts to a
    direction's data set as examples of one pole (saved at once, with the conflict check)."""
    st.subheader(f"Selection: {len(selected):,} texts")
    if not selected:
        st.caption("Draw a box or a lasso on the map (or use the search hits) to select texts.")
        return
    st.dataframe(table.loc[selected, ["text"]], hide_index=True, width="stretch", height=200)
    download_table(table.loc[selected], "selection", key="download_selection")
    s1, s2, s3 = st.columns([2, 1, 1])
    target = s1.selectbox("Add them to the direction", list(found), key="target", format_func=lambda n: found[n].title)
    pole = s2.radio("as examples of", ["negative", "positive"], key="target_pole",
                    captions=[escape_md(found[target].negative_label), escape_md(found[target].positive_label)])
    allowed = can_edit()
    if s3.button("Add to data set", key="add_selection", disabled=not allowed,
                 help=None if allowed else edit_refusal()):
        ds = found[target]
        try:
            _, added = add_examples(ds, pole, table.loc[selected, "text"])
        except DatasetError as exc:  # SaveConflict included: the file changed since it was loaded
            error(exc)
            return
        st.cache_data.clear()
        st.success(escape_md(f"Added {added} examples to {ds.title} ({pole}); saved {ds.name}.yaml."))
