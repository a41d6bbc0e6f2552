"""The Map page's clusters: found on the current layout and named by their distinctive words (the logic is
core.explore.clusters), drawn on the map, listed in a table whose selected rows become the Map's selection."""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from core.explore import clusters as grouping
from core.explore.layout import embedding_hash
from core.ui.downloads import download_table
from core.ui.map_progress import Phases

METHODS = {"hdbscan": "density clustering (HDBSCAN)", "k-means": "k-means", "one cluster": "one cluster"}


def clusters_toggle(where=st) -> bool:
    return where.toggle("Label clusters", key="clusters", bind="query-params",
                        help="Finds clusters of the points as they lie on the map and names each by the words that "
                             "set its texts apart from the rest of the corpus (TF-IDF). UMAP separates topics best.")


def clusters_for(key: str, coords: np.ndarray, texts: list[str]) -> grouping.Clusters:
    """The clusters of this layout (kept for the session until the layout changes), with progress."""
    held = st.session_state.get("map_clusters")
    key = f"{key}:{embedding_hash(coords)}"
    if held and held[0] == key:
        return held[1]
    with Phases(f"Clusters of {len(texts):,} texts") as phases:
        phases("Clustering the layout and finding each cluster's distinctive words", 0.0)
        found = grouping.cluster_map(coords, texts)
        phases("Clusters labelled", 1.0)
    st.session_state["map_clusters"] = (key, found)
    return found


def add_column(table: pd.DataFrame, found: grouping.Clusters) -> str:
    """Each text's cluster label as a column of the map table (for colouring and the export); its name."""
    name = "cluster" if "cluster" not in table.columns else "cluster (map)"
    table[name] = found.names()
    return name


def on_map(found: grouping.Clusters | None) -> pd.DataFrame | None:
    """The labels to draw: the clusters' label and position (not the unclustered points)."""
    if found is None:
        return None
    return found.table[found.table["cluster"] != grouping.NOISE][["label", "x", "y"]]


def cluster_table(found: grouping.Clusters) -> list[int]:
    """The clusters as a table (label, texts, top words); the texts of the selected rows, in order."""
    st.subheader(f"Clusters: {found.count}")
    unclustered = int((found.labels == grouping.NOISE).sum())
    st.caption(f"Found by {METHODS.get(found.method, found.method)} on the map's layout"
               + (f"; {unclustered:,} texts lie between clusters (unclustered)" if unclustered else "")
               + ". Select rows to make their texts the selection below, ready to become direction examples.")
    shown = found.table[["label", "texts", "top words"]]
    event = st.dataframe(shown, key="cluster_table", on_select="rerun", selection_mode="multi-row",
                         hide_index=True, width="stretch", height=min(400, 38 + 35 * len(shown)))
    download_table(found.table.drop(columns=["x", "y"]), "clusters", key="download_clusters")
    rows = [r for r in getattr(getattr(event, "selection", None), "rows", []) or [] if 0 <= r < len(shown)]
    return found.rows(found.table["cluster"].iloc[rows].tolist()) if rows else []
