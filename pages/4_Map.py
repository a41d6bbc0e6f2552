"""Map: a whole corpus laid out in 2-D (PCA, UMAP, or two directions as axes), searched, selected, exported."""
import pandas as pd
import streamlit as st

from core import ui
from core.ui import charts
from core.io import corpus, inputs, links
from core.directions import discover as features
from core.explore import layout as mapping
from core.explore.compare import neighbours
from core.directions.datasets import DatasetError
from core.directions.saving import SaveConflict, add_examples, save_dataset

ui.setup("Map", ":material/scatter_plot:")
st.title("Map a corpus")
st.caption("Lay a corpus out on axes you choose, colour it by a direction or a metadata column, search it, "
           "and turn what you find into direction examples.")

SAMPLE, UPLOAD, SHARED = "Sample corpus", "Upload a corpus", "Corpus from a link"
link = ui.restore_link("map")
if link is not None:  # opened from a shared link
    if link.get("set"):
        try:
            shared = links.load_set(link["set"])
            st.session_state["shared_corpus"] = corpus.from_frame(
                pd.DataFrame({"text": shared.texts, **shared.columns}), "text", shared.name or "a shared corpus")
        except (links.LinkError, inputs.InputError, ValueError) as exc:
            st.warning(str(exc), icon=":material/link_off:")
    ui.apply({
        "map_source": SHARED if "shared_corpus" in st.session_state and link.get("set") else None,
        "model": links.first(link.get("model")), "layout": links.as_choice(link.get("layout"), ["pca", "umap", "directions"]),
        "axis_x": links.first(link.get("x")), "axis_y": links.first(link.get("y")), "color": links.first(link.get("color")),
        "search": links.first(link.get("q")), "hits": links.as_int(link.get("hits"), 1, 50),
    })

model = ui.model_picker()
found, errors = ui.load_datasets()
ui.show_dataset_errors(errors)

sources = [SAMPLE, UPLOAD] + ([SHARED] if "shared_corpus" in st.session_state else [])
source = st.radio("Corpus", sources, horizontal=True, key="map_source")
chosen = None
if source == SAMPLE:
    chosen = ui.sample_corpus()
elif source == SHARED:
    chosen = st.session_state["shared_corpus"]
else:
    upload = st.file_uploader(f"CSV, TSV, Parquet or TXT, up to {corpus.MAX_ROWS:,} rows (larger files are sampled)",
                              type=["csv", "tsv", "parquet", "txt"], key="map_upload")
    if upload is not None:
        try:
            column = None
            if inputs.suffix_of(upload.name) != ".txt":
                table = ui.uploaded_table(upload)
                column = st.selectbox("Text column", inputs.text_columns(table), key="map_column")
            chosen = ui.uploaded_corpus(upload, column)
            st.session_state["uploaded_corpus"] = chosen
        except inputs.InputError as exc:
            ui.input_error(exc)
state = st.session_state
view = {"model": model, **({"set": ui.corpus_link(chosen)} if chosen is not None and source != SAMPLE else {}),
        "layout": state.get("layout"), "color": state.get("color"), "q": (state.get("search") or "")[:500] or None,
        "hits": state.get("hits")}
if state.get("layout") == "directions":
    view.update({"x": state.get("axis_x"), "y": state.get("axis_y")})
ui.publish_link("map", view)
if chosen is None:
    st.info("Upload a corpus to map it.")
    st.stop()
ui.show_notes(chosen.notes)

embedder = ui.embedder_or_stop(model)
E = ui.embed_corpus(embedder, chosen)
names = list(found)
directions = {d.name: d for d in ui.directions_for(embedder, list(found.values()), library=found)}

c1, c2, c3 = st.columns([1, 1, 1])
method = c1.radio("Layout", ["pca", "umap", "directions"], key="layout", horizontal=True,
                  format_func={"pca": "PCA", "umap": "UMAP", "directions": "Two directions"}.get)
if method == "directions":
    dx = c2.selectbox("X axis", names, index=names.index("sentiment") if "sentiment" in names else 0, key="axis_x",
                      format_func=lambda n: found[n].title)
    dy = c3.selectbox("Y axis", names, index=names.index("length") if "length" in names else min(1, len(names) - 1),
                      key="axis_y", format_func=lambda n: found[n].title)
    coords = mapping.direction_axes(E, directions[dx], directions[dy])
    x_title, y_title = directions[dx].axis_title, directions[dy].axis_title
elif method == "umap":
    if len(E) < 4:
        st.warning("UMAP needs at least 4 texts.")
        st.stop()
    with st.spinner(f"UMAP layout of {len(E):,} texts (computed once per corpus)…"):
        coords = mapping.layout(chosen.key + embedder.encoder.identity, "umap", E, n_neighbors=15)
    x_title, y_title = "UMAP 1", "UMAP 2"
else:
    coords = mapping.layout(chosen.key + embedder.encoder.identity, "pca", E)
    x_title, y_title = "PC 1", "PC 2"

scores = {n: d.score(E) for n, d in directions.items()}
table = mapping.map_frame(chosen.frame, coords, scores)
color_options = ["(none)"] + names + chosen.metadata_columns
color = c2.selectbox("Colour by", color_options, key="color") if method != "directions" else \
    st.selectbox("Colour by", color_options, key="color")
color = None if color == "(none)" else (color if color in table.columns else f"{color}_meta")

query = st.text_input("Search by meaning", key="search", placeholder="a complaint about a late train")
k = st.slider("Hits", 1, 50, 10, key="hits")
hits = []
if query.strip():
    q = ui.embed(embedder, [query.strip()])
    idx, sims = neighbours(q, E, k)
    hits = idx[0].tolist()

event = ui.chart(charts.corpus_map(table, color, x_title, y_title, hits), key="map_chart", file_stem="map",
                  on_select="rerun", selection_mode=("box", "lasso"))
if hits:
    st.markdown("**Nearest texts to the search**")
    hit_table = pd.DataFrame({"#": range(1, len(hits) + 1), "text": table.loc[hits, "text"].values,
                              "similarity": sims[0]})
    st.dataframe(hit_table, hide_index=True, width="stretch",
                 column_config={"similarity": st.column_config.NumberColumn(format="%.3f")})
    ui.download_table(hit_table, "search-hits", key="download_hits")

selected = mapping.selected_rows(event.selection if event else None)
use_hits = st.checkbox("Use the search hits as the selection", key="use_hits", disabled=not hits)
if use_hits and hits:
    selected = hits
st.subheader(f"Selection: {len(selected):,} texts")
if selected:
    st.dataframe(table.loc[selected, ["text"]], hide_index=True, width="stretch", height=200)
    ui.download_table(table.loc[selected], "selection", key="download_selection")
    s1, s2, s3 = st.columns([2, 1, 1])
    target = s1.selectbox("Add them to the direction", names, key="target", format_func=lambda n: found[n].title)
    pole = s2.radio("as examples of", ["negative", "positive"], key="target_pole",
                    captions=[found[target].negative_label, found[target].positive_label])
    if s3.button("Add to data set", key="add_selection", disabled=not ui.can_edit(),
                 help=None if ui.can_edit() else ui.edit_refusal()):
        ds = found[target]
        try:
            _, added = add_examples(ds, pole, table.loc[selected, "text"])
            st.cache_data.clear()
            st.success(f"Added {added} examples to {ds.title} ({pole}); saved {ds.name}.yaml.")
        except SaveConflict as exc:
            st.error(str(exc))
        except DatasetError as exc:
            st.error(str(exc))
else:
    st.caption("Draw a box or a lasso on the map (or use the search hits) to select texts.")

st.subheader("Export")
st.caption("The map table: every text with its coordinates, direction scores and metadata.")
ui.download_table(table, "map", key="export_csv")

with st.expander("Discover directions without labels", icon=":material/auto_awesome:"):
    st.caption("Learns a sparse dictionary of features from the corpus embeddings (scikit-learn's dictionary "
               "learning); each text is explained by a few features. Name a feature to save it as a direction.")
    f1, f2 = st.columns(2)
    n_features = f1.slider("Features", 8, 128, 32, step=8, key="n_features")
    active = f2.slider("Features per text", 1, 10, 4, key="active")
    learn_key = (chosen.key, embedder.encoder.identity, n_features, active)
    if st.button("Learn features", key="learn"):
        with st.spinner("Learning a sparse dictionary…"):
            try:
                st.session_state["features"] = (learn_key, features.learn_features(E, n_features, active))
            except ValueError as exc:
                st.error(str(exc))
    held = st.session_state.get("features")
    if held and held[0] == learn_key:
        learned = held[1]
        texts = chosen.texts
        feature_table = features.summary(learned, texts)
        st.dataframe(feature_table, hide_index=True, width="stretch", height=300)
        ui.download_table(feature_table, "features", key="download_features")
        pick = st.selectbox("Feature", range(learned.atoms.shape[0]), key="feature")
        t1, t2 = st.columns(2)
        t1.markdown("**Strongest texts**")
        t1.dataframe(pd.DataFrame({"text": [texts[i] for i in features.top_rows(learned, pick, 10)]}),
                     hide_index=True, width="stretch")
        t2.markdown("**Weakest texts**")
        t2.dataframe(pd.DataFrame({"text": [texts[i] for i in features.top_rows(learned, pick, 10, lowest=True)]}),
                     hide_index=True, width="stretch")
        n1, n2, n3, n4 = st.columns(4)
        new_name = n1.text_input("Name", key="feature_name", placeholder="feature-name")
        new_title = n2.text_input("Title", key="feature_title")
        neg_label = n3.text_input("Weak pole", value="other", key="feature_neg")
        pos_label = n4.text_input("Strong pole", key="feature_pos")
        if st.button("Save as a direction", key="save_feature", disabled=not ui.can_edit(),
                     help=None if ui.can_edit() else ui.edit_refusal()):
            try:
                ds = features.as_dataset(learned, pick, texts, new_name.strip(), new_title.strip() or new_name,
                                         neg_label, pos_label or new_title or new_name)
                save_dataset(ds, None)
                st.cache_data.clear()
                st.success(f"Saved {ds.name}.yaml with {len(ds.positive)} and {len(ds.negative)} examples; "
                           "review it on the Directions page.")
            except (DatasetError, ValueError) as exc:
                st.error(str(exc))
