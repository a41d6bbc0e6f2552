"""The Map page's feature discovery: a sparse dictionary learned from the corpus, measured (explained
variance, dead and rare features, a frequency histogram), a feature's top texts beside the nearest texts
where it is zero, and saving a named feature as a direction (the logic is core.directions.discover)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from core.directions import discover as features
from core.directions.datasets import DatasetError
from core.directions.saving import save_dataset
from core.io import corpus
from core.ui import map_charts
from core.ui.downloads import chart, download_table
from core.ui.messages import error
from core.ui.signin import can_edit, edit_refusal


_number = st.column_config.NumberColumn(format="%.3f")


def _texts_table(texts: list[str], rows) -> pd.DataFrame:
    return pd.DataFrame({"text": [texts[i] for i in rows]})


def _share(table: pd.DataFrame, k: int) -> str:
    return f"{100 * float(table.loc[table['feature'] == k, 'frequency'].iloc[0]):.1f}%"


RARE_CHOICES = (0.001, 0.003, 0.01, 0.03)


def discover_panel(chosen: corpus.Corpus, identity: str, E: np.ndarray) -> None:
    """The "Discover directions without labels" expander for a corpus and its embeddings (`identity`:
    the encoder's, so features learned with another model are not shown)."""
    with st.expander("Discover directions without labels", icon=":material/auto_awesome:"):
        st.caption("Learns a sparse dictionary of features from the corpus embeddings (scikit-learn's dictionary "
                   "learning); each text is explained by a few features. Measured as for a sparse autoencoder: "
                   "explained variance, dead and rare features, how often each feature is active. Name a feature "
                   "to save it as a direction.")
        f1, f2, f3 = st.columns(3)
        n_features = f1.slider("Features", 8, 128, 32, step=8, key="n_features")
        active = f2.slider("Features per text", 1, 10, 4, key="active")
        rare = f3.select_slider("Rare below", RARE_CHOICES, value=features.RARE_FRACTION, key="rare_below",
                                format_func=lambda f: f"{100 * f:g}% of texts",
                                help="A feature is active on a text when its code there is not zero (|code| > "
                                     f"{features.ACTIVE_EPS:g}); dead when active on no text; rare when active on "
                                     "some text but on fewer than this share of them.")
        learn_key = (chosen.key, identity, n_features, active)
        if st.button("Learn features", key="learn"):
            with st.spinner("Learning a sparse dictionary…"):
                try:
                    st.session_state["features"] = (learn_key, features.learn_features(E, n_features, active))
                except ValueError as exc:  # FeatureError: too few texts for so many features
                    error(exc)
        held = st.session_state.get("features")
        if held and held[0] == learn_key:
            _metrics(held[1], E, rare)
            _feature(held[1], chosen.texts, E, rare)


def _metrics(learned: features.Features, E: np.ndarray, rare: float) -> None:
    """The dictionary's measurements on the corpus and its feature-frequency histogram."""
    report = features.measure(E, learned, rare)
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Explained variance", f"{100 * report.explained_variance:.1f}%",
              help="1 − ‖X − X̂‖² / ‖X − mean‖² over the whole corpus: how much of the embeddings' spread the "
                   "sparse reconstruction keeps.")
    m2.metric("Features per text", f"{report.per_text:.2f}",
              help="Mean number of active features per text (L0).")
    m3.metric("Dead features", f"{report.dead} of {report.features}", f"{100 * report.dead_share:.0f}%",
              delta_color="off", delta_arrow="off", help="Active on no text of the corpus.")
    m4.metric("Rare features", f"{report.rare} of {report.features}", f"{100 * report.rare_share:.0f}%",
              delta_color="off", delta_arrow="off",
              help=f"Active on at least one text but on fewer than {report.rare_below:g} of the {report.texts:,}.")
    chart(map_charts.feature_frequency(features.frequencies(learned, rare), rare, report.texts), key="feature_freq",
          file_stem="feature-frequency")


def _feature(learned: features.Features, texts: list[str], E: np.ndarray, rare: float) -> None:
    feature_table = features.summary(learned, texts, rare_fraction=rare)
    st.dataframe(feature_table, hide_index=True, width="stretch", height=300,
                 column_config={"frequency": st.column_config.NumberColumn(format="percent")})
    download_table(feature_table, "features", key="download_features")
    pick = st.selectbox("Feature", feature_table["feature"].tolist(), key="feature",
                        format_func=lambda k: f"{k} ({_share(feature_table, k)} of texts)")
    top = features.strongest(learned, pick, 10)
    near = features.zero_neighbours(E, learned, pick, 10, top=10)
    t1, t2 = st.columns(2)
    t1.markdown("**Strongest texts**")
    t1.dataframe(pd.DataFrame({"activation": learned.codes[top, pick], "text": [texts[i] for i in top]}),
                 hide_index=True, width="stretch", column_config={"activation": _number})
    t2.markdown("**Nearest texts where it is zero**", help="Among the texts on which this feature is not active, "
                "those most similar (cosine) to the mean of its strongest texts: what it leaves out.")
    t2.dataframe(pd.DataFrame({"similarity": near["similarity"], "text": [texts[i] for i in near["row"]]}),
                 hide_index=True, width="stretch", column_config={"similarity": _number})
    if len(top) == 0:
        st.info("This feature is active on no text; there is nothing to show or save.")
    st.markdown("**Weakest texts** (the weak pole when saved as a direction)")
    st.dataframe(_texts_table(texts, features.top_rows(learned, pick, 5, lowest=True)), hide_index=True,
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
