"""The Map page's feature discovery: a sparse dictionary learned from the corpus, a feature's texts,
and saving a named feature as a direction (the logic is core.directions.discover)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from core.directions import discover as features
from core.directions.datasets import DatasetError
from core.directions.saving import save_dataset
from core.io import corpus
from core.ui.downloads import download_table
from core.ui.messages import error
from core.ui.signin import can_edit, edit_refusal


def _texts_table(texts: list[str], rows) -> pd.DataFrame:
    return pd.DataFrame({"text": [texts[i] for i in rows]})


def discover_panel(chosen: corpus.Corpus, identity: str, E: np.ndarray) -> None:
    """The "Discover directions without labels" expander for a corpus and its embeddings (`identity`:
    the encoder's, so features learned with another model are not shown)."""
    with st.expander("Discover directions without labels", icon=":material/auto_awesome:"):
        st.caption("Learns a sparse dictionary of features from the corpus embeddings (scikit-learn's dictionary "
                   "learning); each text is explained by a few features. Name a feature to save it as a direction.")
        f1, f2 = st.columns(2)
        n_features = f1.slider("Features", 8, 128, 32, step=8, key="n_features")
        active = f2.slider("Features per text", 1, 10, 4, key="active")
        learn_key = (chosen.key, identity, n_features, active)
        if st.button("Learn features", key="learn"):
            with st.spinner("Learning a sparse dictionary…"):
                try:
                    st.session_state["features"] = (learn_key, features.learn_features(E, n_features, active))
                except ValueError as exc:  # FeatureError: too few texts for so many features
                    error(exc)
        held = st.session_state.get("features")
        if held and held[0] == learn_key:
            _feature(held[1], chosen.texts)


def _feature(learned: features.Features, texts: list[str]) -> None:
    feature_table = features.summary(learned, texts)
    st.dataframe(feature_table, hide_index=True, width="stretch", height=300)
    download_table(feature_table, "features", key="download_features")
    pick = st.selectbox("Feature", range(learned.atoms.shape[0]), key="feature")
    t1, t2 = st.columns(2)
    t1.markdown("**Strongest texts**")
    t1.dataframe(_texts_table(texts, features.top_rows(learned, pick, 10)), hide_index=True, width="stretch")
    t2.markdown("**Weakest texts**")
    t2.dataframe(_texts_table(texts, features.top_rows(learned, pick, 10, lowest=True)), hide_index=True,
                 width="stretch")
    n1, n2, n3, n4 = st.columns(4)
    new_name = n1.text_input("Name", key="feature_name", placeholder="feature-name")
    new_title = n2.text_input("Title", key="feature_title")
    neg_label = n3.text_input("Weak pole", value="other", key="feature_neg")
    pos_label = n4.text_input("Strong pole", key="feature_pos")
    allowed = can_edit()
    if st.button("Save as a direction", key="save_feature", disabled=not allowed,
                 help=None if allowed else edit_refusal()):
        try:
            ds = features.as_dataset(learned, pick, texts, new_name.strip(), new_title.strip() or new_name,
                                     neg_label, pos_label or new_title or new_name)
            save_dataset(ds, None)
        except (DatasetError, ValueError) as exc:
            error(exc)
            return
        st.cache_data.clear()
        st.success(f"Saved {ds.name}.yaml with {len(ds.positive)} and {len(ds.negative)} examples; "
                   "review it on the Directions page.")
