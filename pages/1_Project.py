"""Project: score texts on named directions; a table and charts."""
import streamlit as st

from core import ui
from core.ui import charts
from core.io import inputs, links, samples
from core.explore.scores import score_frame, wide_scores

ui.setup("Project", ":material/insights:")
st.title("Project texts onto directions")
st.caption("Each score is calibrated: 0 is the midpoint of the two poles, +1 the positive pole's centroid, "
           "-1 the negative pole's.")

PASTE, UPLOAD, SAMPLE, SHARED = "Type or paste", "Upload a file", "Sample texts", "Texts from a link"
SOURCE_PARAM = {PASTE: "paste", UPLOAD: "upload", SAMPLE: "sample", SHARED: "set"}
link = ui.restore_link("project")
if link is not None:  # opened from a shared link: its choices become the widgets' starting values
    linked = ui.link_texts(link)
    src = links.as_choice(link.get("src"), SOURCE_PARAM.values()) or ("paste" if linked is not None else None)
    if src in ("set", "upload") and linked is not None:
        st.session_state["shared_texts"], src = linked, "set"
    elif src == "paste" and linked is not None:
        st.session_state["paste"] = "\n".join(linked)
    elif src in ("set", "upload"):
        src = "upload"  # the link's texts are gone (a message says so): the view asks for a file
    ui.apply({
        "source": {v: k for k, v in SOURCE_PARAM.items()}.get(src or ""),
        "model": links.first(link.get("model")), "directions": links.as_names(link.get("dirs")),
        "raw": links.as_bool(link.get("raw")), "bar_direction": links.first(link.get("bar")),
        "scatter_x": links.first(link.get("x")), "scatter_y": links.first(link.get("y")),
    })

model = ui.model_picker()
found, errors = ui.load_datasets()
ui.show_dataset_errors(errors)

options = [PASTE, UPLOAD, SAMPLE] + ([SHARED] if "shared_texts" in st.session_state else [])
source = st.radio("Texts", options, horizontal=True, key="source")
batch = None
if source == SHARED:
    batch = inputs.clean(st.session_state["shared_texts"], "link")
    with st.expander(f"The {len(batch.texts):,} texts of the link"):
        st.text("\n".join(batch.texts[:1000]))
elif source == PASTE:
    if "paste" not in st.session_state:
        st.session_state["paste"] = "\n".join(samples.sample_texts()[:6])
    batch = inputs.from_paste(st.text_area("One text per line", key="paste", height=180))
elif source == UPLOAD:
    upload = st.file_uploader("A .txt file (one text per line), or a .csv, .tsv or .parquet file",
                              type=["txt", "csv", "tsv", "parquet"], key="upload")
    if upload is not None:
        try:
            data = upload.getvalue()
            column = None
            if inputs.suffix_of(upload.name) != ".txt":
                table = inputs.read_table(upload.name, data)
                column = st.selectbox("Text column", inputs.text_columns(table), key="column")
                batch = inputs.column_texts(table, column, upload.name)
            else:
                batch = inputs.from_upload(upload.name, data)
        except inputs.InputError as exc:
            ui.input_error(exc)
else:
    batch = inputs.TextBatch(samples.sample_texts())
    with st.expander(f"The {len(batch.texts)} sample texts"):
        st.text("\n".join(batch.texts))

chosen = ui.direction_picker(found)

view = {"src": SOURCE_PARAM[source], "model": model, "dirs": links.names_param(d.name for d in chosen)}
if batch is not None and source in (PASTE, UPLOAD, SHARED):
    view.update(ui.texts_link(batch.texts))
    if source != PASTE:
        view["src"] = "set"
state = st.session_state
view.update({"raw": "1" if state.get("raw") else None, "bar": state.get("bar_direction"),
             "x": state.get("scatter_x"), "y": state.get("scatter_y")})
ui.publish_link("project", view)

if batch is None:
    st.info("Upload a file to score its texts.")
    st.stop()
batch = inputs.limit(batch)
ui.show_notes(batch.notes)
st.session_state["last_texts"] = batch.texts
if not batch.texts:
    st.info("Enter at least one text, one per line.")
    st.stop()
if not chosen:
    st.info("Pick at least one direction.")
    st.stop()

embedder = ui.embedder_or_stop(model)
directions = ui.directions_for(embedder, chosen)
E = ui.embed(embedder, batch.texts)
frame = score_frame(batch.texts, E, directions)
by_name = {d.name: d for d in directions}

st.subheader(f"Scores of {len(batch.texts):,} texts on {len(directions)} directions")
show_raw = st.toggle("Show raw projections too", key="raw")
table = wide_scores(frame, raw=show_raw)
table.index = table.index + 1  # numbered like the charts' labels
st.dataframe(
    charts.styled_scores(table, [c for c in table.columns if c != "text"]),
    width="stretch", height=min(600, 38 + 35 * len(table)),
    column_config={"text": st.column_config.TextColumn("text", width="medium"),
                   **{name: st.column_config.NumberColumn(d.title, help=d.axis_title, format="%.2f")
                      for name, d in by_name.items()}},
)
ui.download_table(table, "scores", key="download_scores")
st.caption("Copy this page's address to share the view: it keeps the texts, directions, model and chart choices.")

MAX_CHART_TEXTS = 200
shown = frame[frame["row"] < MAX_CHART_TEXTS]
if len(batch.texts) > MAX_CHART_TEXTS:
    st.caption(f"Charts show the first {MAX_CHART_TEXTS} texts; the table and the download hold all of them.")

heat_tab, bar_tab, scatter_tab = st.tabs(["Heatmap", "Bars per direction", "Scatter"])
with heat_tab:
    ui.chart(charts.heatmap(shown), key="heatmap", file_stem="scores-heatmap")
with bar_tab:
    which = st.selectbox("Direction", list(by_name), key="bar_direction", format_func=lambda n: by_name[n].title)
    ui.chart(charts.bars(shown, by_name[which]), key="bars", file_stem=f"scores-{which}")
with scatter_tab:
    names = list(by_name)
    c1, c2 = st.columns(2)
    x = c1.selectbox("X axis", names, index=0, key="scatter_x", format_func=lambda n: by_name[n].title)
    y = c2.selectbox("Y axis", names, index=min(1, len(names) - 1), key="scatter_y",
                     format_func=lambda n: by_name[n].title)
    ui.chart(charts.scatter(shown, by_name[x], by_name[y]), key="scatter", file_stem=f"scatter-{x}-{y}")
