"""Map: a whole corpus laid out in 2-D (PCA, UMAP, or two directions as axes), searched, selected, exported."""
import pandas as pd
import streamlit as st

from core import ui
from core.explore import layout as mapping
from core.explore.compare import neighbours
from core.ui import map_charts, map_clusters
from core.ui.map_progress import Phases

ui.setup("Map", ":material/scatter_plot:")
st.title("Map a corpus")
st.caption("Lay a corpus out on axes you choose, colour it by a direction or a metadata column, search it, "
           "and turn what you find into direction examples.")

model = ui.model_picker(bind=True)
found, errors = ui.load_datasets()
ui.show_dataset_errors(errors)
chosen = ui.map_corpus()
if chosen is None:
    st.info("Upload a corpus to map it.")
    st.stop()
ui.show_notes(chosen.notes)

embedder = ui.embedder_or_stop(model)
E = ui.embed_corpus(embedder, chosen)
directions = {d.name: d for d in ui.directions_for(embedder, list(found.values()), library=found)}
names = list(directions)  # without any skipped above: they cannot be built

c1, c2, c3 = st.columns([1, 1, 1])
method = c1.radio("Layout", ["pca", "umap", "directions"], key="layout", horizontal=True, bind="query-params",
                  format_func={"pca": "PCA", "umap": "UMAP", "directions": "Two directions"}.get)
if method == "directions":
    dx = c2.selectbox("X axis", names, index=names.index("sentiment") if "sentiment" in names else 0, key="x",
                      format_func=lambda n: found[n].title, bind="query-params")
    dy = c3.selectbox("Y axis", names, index=names.index("length") if "length" in names else min(1, len(names) - 1),
                      key="y", format_func=lambda n: found[n].title, bind="query-params")
    coords = mapping.direction_axes(E, directions[dx], directions[dy])
    x_title, y_title = directions[dx].axis_title, directions[dy].axis_title
elif method == "umap":
    if len(E) < 4:
        st.warning("UMAP needs at least 4 texts.")
        st.stop()
    with Phases(f"UMAP layout of {len(E):,} texts (computed once per corpus, then kept)") as phases:
        coords = mapping.layout(chosen.key + embedder.encoder.identity, "umap", E, progress=phases, n_neighbors=15)
    x_title, y_title = "UMAP 1", "UMAP 2"
else:
    coords = mapping.layout(chosen.key + embedder.encoder.identity, "pca", E)
    x_title, y_title = "PC 1", "PC 2"

scores = {n: d.score(E) for n, d in directions.items()}
table = mapping.map_frame(chosen.frame, coords, scores)
o1, o2 = (c2, c3) if method != "directions" else st.columns([2, 1], vertical_alignment="bottom")
clusters, cluster_column = None, []
if map_clusters.clusters_toggle(o2):
    clusters = map_clusters.clusters_for(chosen.key + embedder.encoder.identity, coords, chosen.texts)
    cluster_column = [map_clusters.add_column(table, clusters)]
color_options = ["(none)"] + names + chosen.metadata_columns + cluster_column
color = o1.selectbox("Colour by", color_options, key="color", bind="query-params")
color = None if color == "(none)" else (color if color in table.columns else f"{color}_meta")

query = st.text_input("Search by meaning", key="q", placeholder="a complaint about a late train", max_chars=500,
                      bind="query-params")
k = st.slider("Hits", 1, 50, 10, key="hits", bind="query-params")
hits = []
if query.strip():
    q = ui.embed(embedder, [query.strip()])
    idx, sims = neighbours(q, E, k)
    hits = idx[0].tolist()

event = ui.chart(map_charts.corpus_map(table, color, x_title, y_title, hits,
                                            map_clusters.on_map(clusters)), key="map_chart", file_stem="map",
                  on_select="rerun", selection_mode=("box", "lasso"))
if hits:
    st.markdown("**Nearest texts to the search**")
    hit_table = pd.DataFrame({"#": range(1, len(hits) + 1), "text": table.loc[hits, "text"].values,
                              "similarity": sims[0]})
    st.dataframe(hit_table, hide_index=True, width="stretch",
                 column_config={"similarity": st.column_config.NumberColumn(format="%.3f")})
    ui.download_table(hit_table, "search-hits", key="download_hits")

selected = mapping.selected_rows(event.selection if event else None)
if clusters is not None:
    selected = map_clusters.cluster_table(clusters) or selected
use_hits = st.checkbox("Use the search hits as the selection", key="use_hits", disabled=not hits)
if use_hits and hits:
    selected = hits
ui.selection_panel(table, selected, found)

st.subheader("Export")
st.caption("The map table: every text with its coordinates, direction scores and metadata.")
ui.download_table(table, "map", key="export_csv")

ui.discover_panel(chosen, embedder.encoder.identity, E)
