"""Compare: a few texts side by side, where they differ, their neighbours and percentiles."""
import pandas as pd
import streamlit as st

from core import ui
from core.explore import compare
from core.explore.scores import score_frame, wide_scores
from core.io import inputs
from core.ui import charts, validity
from core.ui.project_texts import text_detail

ui.setup("Compare", ":material/compare_arrows:")
st.title("Compare texts")
st.caption("Two or more texts side by side: how similar they are, and on which directions they differ most.")

model = ui.model_picker(bind=True)
found, errors = ui.load_datasets()
ui.show_dataset_errors(errors)

DEFAULT = ("The lighthouse, built in 1874, stands on a granite outcrop at the mouth of the harbour.\n"
           "The lighthouse, a crumbling relic from 1874, clings to a bleak granite rock at the mouth of a dying "
           "harbour.")
linked = ui.link_texts("compare")
if linked is not None or "compare_texts" not in st.session_state:
    st.session_state["compare_texts"] = "\n".join(linked.texts) if linked is not None else DEFAULT
batch = inputs.from_paste(st.text_area("Texts to compare, one per line", key="compare_texts", height=120))
last = st.session_state.get("last_texts") or []
if last:
    extra = st.multiselect("Add texts from the last set scored on the Project page", last[:500],
                           key="compare_extra", format_func=lambda t: t[:90])
    batch.texts += [t for t in extra if t not in batch.texts]
chosen = ui.direction_picker(found, key="dirs", bind=True, validity_model=model)
ui.show_notes(batch.notes)
ui.publish_texts("compare", batch.texts)
if len(batch.texts) < 2:
    st.info("Enter at least two texts, one per line.")
    st.stop()
if len(batch.texts) > 50:
    st.warning(f"Comparing the first 50 of {len(batch.texts)} texts; the Project page scores more at once.")
    batch.texts = batch.texts[:50]
if not chosen:
    st.info("Pick at least one direction.")
    st.stop()

texts = batch.texts
names = compare.text_names(len(texts))
embedder = ui.embedder_or_stop(model)
directions = ui.directions_for(embedder, chosen, library=found)
E = ui.embed(embedder, texts)
frame = score_frame(texts, E, directions)
labels = [f"{n}: {charts.short(t, 70)}" for n, t in zip(names, texts)]
KEEP = dict(bind="query-params", persist_state="session")  # kept, and shown as kept, while a stop hides them

st.subheader("Similarity")
similarity = charts.similarity_heatmap(compare.similarity_matrix(E), labels, names)
st.plotly_chart(similarity, width="content", key="similarity")  # sized to the texts, not stretched
ui.download_chart(similarity, "similarity", key="similarity_html")

st.subheader("Where two texts differ")
state = st.session_state
if state.get("_compare_labels", labels) != labels:  # new texts: the pickers must show their labels, not the old
    state["a"], state["b"] = compare.keep_pair(state.get("a", 0), state.get("b", 1), len(texts))
state["_compare_labels"] = labels
c1, c2 = st.columns(2)
options = list(range(len(texts)))
a = c1.selectbox("A", options, index=0, key="a", format_func=labels.__getitem__, **KEEP)
b = c2.selectbox("B", options, index=1, key="b", format_func=labels.__getitem__, **KEEP)
diffs = compare.differences(frame, a, b, directions)
st.info(ui.escape_md(compare.reading(diffs, names[a], names[b])), icon=":material/lightbulb:")
ui.chart(charts.difference_bars(diffs, names[a], names[b]), key="difference", file_stem="differences")

st.subheader("Scores")
reference = ui.reference_choice()
as_percentiles = st.toggle("Show scores as percentiles within the reference corpus", key="pct", **KEEP)
table = wide_scores(frame)
table.insert(0, "", names)
if as_percentiles:
    table = compare.as_percentiles(table, directions, ui.embed_corpus(embedder, reference))
    st.caption(ui.escape_md(f"Percentile of each score among the {len(reference.frame):,} texts of {reference.name}."))
badges = validity.badges(model, chosen, found)
picked = st.dataframe(
    table, hide_index=True, width="stretch", key="compare_table", on_select="rerun", selection_mode="single-row",
    column_config={"": st.column_config.TextColumn("", width=40, pinned=True),
                   "text": st.column_config.TextColumn("text", width=120),
                   **{d.name: st.column_config.NumberColumn(
                       d.title, format="%.2f" if not as_percentiles else "%.0f",
                       help=ui.escape_md(f"{d.axis_title}. Validity: {badges.get(d.name, '-')}")) for d in directions}})
text_detail(picked, texts, frame, names=[f"Text {n}" for n in names])
ui.download_table(table, "comparison", key="download_comparison")

st.subheader("Nearest neighbours in the reference corpus")
k = st.slider("Neighbours per text", 1, 20, 5, key="k", **KEEP)
R = ui.embed_corpus(embedder, reference)
idx, sims = compare.neighbours(E, R, k)
for i, name in enumerate(names):
    st.markdown(f"**{name}**")
    st.dataframe(pd.DataFrame({"neighbour": [reference.texts[j] for j in idx[i]], "similarity": sims[i]}),
                 hide_index=True, width="stretch",
                 column_config={"similarity": st.column_config.NumberColumn(format="%.3f")})
ui.download_table(pd.DataFrame([{"text": name, "rank": r + 1, "neighbour": reference.texts[j], "similarity": float(s)}
                                 for i, name in enumerate(names) for r, (j, s) in enumerate(zip(idx[i], sims[i]))]),
                   "neighbours", key="download_neighbours")
