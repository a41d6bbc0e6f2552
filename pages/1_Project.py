"""Project: score texts on named directions; a table and charts."""
import streamlit as st

from core import ui
from core.explore.scores import most_varied, score_frame, wide_scores
from core.io import inputs
from core.ui import charts, validity
from core.ui.project_texts import WINDOWS_COLUMN, mark_long_texts, text_detail

ui.setup("Project", ":material/insights:")
st.title("Project texts onto directions")
st.caption("Each score is calibrated: 0 is where the direction's neutral texts sit (the poles' midpoint for a "
           "direction without them), +1 the positive pole's centroid, -1 the negative pole's. The badge under "
           "the picker says how well each direction agrees with human judgement.")

model = ui.model_picker(bind=True)
found, errors = ui.load_datasets()
ui.show_dataset_errors(errors)
batch = ui.project_texts()
chosen = ui.direction_picker(found, key="dirs", bind=True, validity_model=model)

if batch is None:  # an upload is awaited (the uploader says so) or could not be read (its error says why)
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
badges = validity.badges(model, chosen, found)

# Widgets below the page's early stops keep their value when a stop hid them (persist_state), and the page
# shows them with that value when they come back: what they show is what the table and charts use.
KEEP = dict(bind="query-params", persist_state="session")
st.subheader(f"Scores of {len(batch.texts):,} texts on {len(directions)} directions")
show_raw = st.toggle("Show raw projections too", key="raw", **KEEP)
table = mark_long_texts(wide_scores(frame, raw=show_raw), embedder, batch.texts)
table.index = table.index + 1  # numbered like the charts' labels
picked = st.dataframe(
    charts.styled_scores(table, [c for c in table.columns if c in by_name]),
    width="stretch", height=min(600, 38 + 35 * len(table)), key="scores_table",
    on_select="rerun", selection_mode="single-row",
    column_config={"text": st.column_config.TextColumn("text", width="medium"), "windows": WINDOWS_COLUMN,
                   **{name: st.column_config.NumberColumn(
                         d.title, help=ui.escape_md(f"{d.axis_title}. Validity: {badges.get(name, '-')}"), format="%.2f")
                      for name, d in by_name.items()},
                   **{f"{name}_raw": st.column_config.NumberColumn(
                         f"{d.title} (raw)", help=ui.escape_md(f"Projection on the unit {d.title} vector (cosine units)."),
                         format="%.4f") for name, d in by_name.items()}},
)
text_detail(picked, batch.texts, frame)
ui.download_table(table, "scores", key="download_scores")
st.caption("Copy this page's address to share the view: it keeps the texts, directions, model and chart choices.")

MAX_CHART_TEXTS = 200  # the scatter's points
ROWS_CHART_TEXTS = 50  # the heatmap's and the bars' rows: more would make the page thousands of pixels tall
count = len(batch.texts)
shown = frame[frame["row"] < MAX_CHART_TEXTS]
rows_shown = frame[frame["row"] < ROWS_CHART_TEXTS]
rows_note = (f"Texts 1\u2013{ROWS_CHART_TEXTS} of {count:,}; the table and the download hold all of them."
             if count > ROWS_CHART_TEXTS else None)

heat_tab, bar_tab, scatter_tab = st.tabs(["Heatmap", "Bars per direction", "Scatter"])
with heat_tab:
    if rows_note:
        st.caption(rows_note)
    ui.chart(charts.heatmap(rows_shown), key="heatmap", file_stem="scores-heatmap")
with bar_tab:
    which = st.selectbox("Direction", list(by_name), key="bar", format_func=lambda n: by_name[n].title, **KEEP)
    if rows_note:
        st.caption(rows_note)
    ui.chart(charts.bars(rows_shown, by_name[which]), key="bars", file_stem=f"scores-{which}")
with scatter_tab:
    names = list(by_name)
    varied = most_varied(shown)  # by default, the two directions on which these texts differ most
    c1, c2 = st.columns(2)
    x = c1.selectbox("X axis", names, index=names.index(varied[0]), key="x", format_func=lambda n: by_name[n].title,
                     **KEEP)
    y = c2.selectbox("Y axis", names, index=names.index(varied[min(1, len(varied) - 1)]), key="y",
                     format_func=lambda n: by_name[n].title, **KEEP)
    if count > MAX_CHART_TEXTS:
        st.caption(f"The first {MAX_CHART_TEXTS} of {count:,} texts; the table and the download hold all of them.")
    ui.chart(charts.scatter(shown, by_name[x], by_name[y]), key="scatter", file_stem=f"scatter-{x}-{y}")
