"""Project: score texts on named directions; a table and charts."""
import streamlit as st

from core import app, charts, inputs, samples
from core.projection import score_frame, wide_scores

app.setup("Project", ":material/insights:")
st.title("Project texts onto directions")
st.caption("Each score is calibrated: 0 is the midpoint of the two poles, +1 the positive pole's centroid, "
           "-1 the negative pole's.")

model = app.model_picker()
found, errors = app.load_datasets()
app.show_dataset_errors(errors)

source = st.radio("Texts", ["Type or paste", "Upload a file", "Sample texts"], horizontal=True, key="source")
batch = None
if source == "Type or paste":
    if "paste" not in st.session_state:
        st.session_state["paste"] = "\n".join(samples.sample_texts()[:6])
    batch = inputs.from_paste(st.text_area("One text per line", key="paste", height=180))
elif source == "Upload a file":
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
            app.input_error(exc)
else:
    batch = inputs.TextBatch(samples.sample_texts())
    with st.expander(f"The {len(batch.texts)} sample texts"):
        st.text("\n".join(batch.texts))

chosen = app.direction_picker(found)

if batch is None:
    st.info("Upload a file to score its texts.")
    st.stop()
batch = inputs.limit(batch)
app.show_notes(batch.notes)
st.session_state["last_texts"] = batch.texts
if not batch.texts:
    st.info("Enter at least one text, one per line.")
    st.stop()
if not chosen:
    st.info("Pick at least one direction.")
    st.stop()

embedder = app.embedder_or_stop(model)
directions = app.directions_for(embedder, chosen)
E = app.embed(embedder, batch.texts)
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
app.download_table(table, "scores", key="download_scores")

MAX_CHART_TEXTS = 200
shown = frame[frame["row"] < MAX_CHART_TEXTS]
if len(batch.texts) > MAX_CHART_TEXTS:
    st.caption(f"Charts show the first {MAX_CHART_TEXTS} texts; the table and the download hold all of them.")

heat_tab, bar_tab, scatter_tab = st.tabs(["Heatmap", "Bars per direction", "Scatter"])
with heat_tab:
    st.plotly_chart(charts.heatmap(shown), width="stretch", key="heatmap")
with bar_tab:
    which = st.selectbox("Direction", list(by_name), key="bar_direction", format_func=lambda n: by_name[n].title)
    st.plotly_chart(charts.bars(shown, by_name[which]), width="stretch", key="bars")
with scatter_tab:
    names = list(by_name)
    c1, c2 = st.columns(2)
    x = c1.selectbox("X axis", names, index=0, key="scatter_x", format_func=lambda n: by_name[n].title)
    y = c2.selectbox("Y axis", names, index=min(1, len(names) - 1), key="scatter_y",
                     format_func=lambda n: by_name[n].title)
    st.plotly_chart(charts.scatter(shown, by_name[x], by_name[y]), width="stretch", key="scatter")
