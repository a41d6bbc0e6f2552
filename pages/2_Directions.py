"""Directions: create and edit direction data sets, measure their quality, validate, restore versions."""
import pandas as pd
import streamlit as st

from core import ui
from core.ui import charts
from core.directions import examples
from core.io import inputs
from core.directions.datasets import DatasetError, DirectionDataset
from core.directions.methods import METHODS, MethodError
from core.directions.quality import wrong_side
from core.directions.saving import SaveConflict, describe_changes, list_versions, read_version, restore_version, save_dataset
from core.directions.validation import correlate, ratings_from_table

ui.setup("Directions", ":material/tune:")
st.title("Direction studio")
st.caption("Curate the example sets that define each direction, check that a direction measures what its "
           "name says, and keep every version.")

model = ui.model_picker()
found, errors = ui.load_datasets()
ui.show_dataset_errors(errors)

NEW = "➕ New direction"
if "pending_choice" in st.session_state:  # set by a save, applied before the widget exists
    st.session_state.dir_choice = st.session_state.pop("pending_choice")
choice = st.selectbox("Direction", [NEW, *found], index=1 if found else 0, key="dir_choice",
                      format_func=lambda n: n if n == NEW else f"{found[n].title} ({n})")

# ---- the working copy lives in session state until it is saved
state = st.session_state
if state.get("dir_loaded") != choice or state.get("dir_reload"):
    base = found.get(choice)
    state.dir_loaded = choice
    state.dir_reload = False
    state.dir_hash = base.file_hash if base else None
    state.dir_frame = examples.to_frame(base)
    state.dir_editor_version = state.get("dir_editor_version", 0) + 1
    for key, value in {
        "f_name": base.name if base else "", "f_title": base.title if base else "",
        "f_description": base.description if base else "",
        "f_negative_label": base.negative_label if base else "negative",
        "f_positive_label": base.positive_label if base else "positive",
        "f_method": base.method if base else "mean_difference", "f_paired": base.paired if base else False,
        "f_project_out": list(base.project_out) if base else [], "f_notes": base.notes if base else "",
    }.items():
        state[key] = value
    state.pop("dir_report", None)

c1, c2, c3 = st.columns([1, 1, 1])
name = c1.text_input("Name (the file name)", key="f_name", disabled=choice != NEW,
                     help="Letters, digits, '-' and '_'.")
title = c2.text_input("Title", key="f_title")
method = c3.selectbox("Build method", list(METHODS), key="f_method", format_func=lambda m: METHODS[m].label,
                      help="\n\n".join(f"**{m.label}**: {m.description}" for m in METHODS.values()))
c1, c2, c3 = st.columns([1, 1, 1])
negative_label = c1.text_input("Negative pole", key="f_negative_label")
positive_label = c2.text_input("Positive pole", key="f_positive_label")
paired = c3.checkbox("Examples come in pairs (row i of each pole)", key="f_paired")
description = st.text_input("Description", key="f_description")
project_out = st.multiselect("Remove these directions from it (project out)",
                             [n for n in found if n != choice], key="f_project_out")
notes = st.text_area("Notes (provenance, design, known limits)", key="f_notes", height=80)

save_area = st.container()
tab_examples, tab_quality, tab_validate, tab_history = st.tabs(
    ["Examples", "Quality report", "Validate against ratings", "History"])

with tab_examples:
    edited = st.data_editor(
        state.dir_frame, num_rows="dynamic", width="stretch", key=f"dir_editor_{state.dir_editor_version}",
        column_config={
            "text": st.column_config.TextColumn("example text", width="large", required=True),
            "pole": st.column_config.SelectboxColumn(
                "pole", options=[examples.NEGATIVE, examples.POSITIVE], required=True,
                help=f"negative = {negative_label}, positive = {positive_label}"),
        },
    )
    negative, positive, example_notes = examples.from_frame(edited)
    st.caption(f"{len(negative)} {negative_label or 'negative'} · {len(positive)} {positive_label or 'positive'}")
    ui.show_notes(example_notes)

    def replace_frame(frame: pd.DataFrame) -> None:
        state.dir_frame = frame.reset_index(drop=True)
        state.dir_editor_version += 1
        st.rerun()

    with st.expander("Import examples", icon=":material/upload:"):
        pasted = st.text_area("Paste examples, one per line", key="paste_lines")
        # plain options with the labels as captions: a format_func that changes with the labels made the
        # browser send back an old label as the value
        pole = st.radio("Add them to", [examples.NEGATIVE, examples.POSITIVE], horizontal=True, key="paste_pole",
                        captions=[negative_label, positive_label])
        if st.button("Add pasted lines", key="add_lines"):
            add = examples.from_lines(pasted, pole)
            if add.empty:
                st.warning("Nothing to add: the box is empty.")
            else:
                replace_frame(pd.concat([edited, add], ignore_index=True))
        upload = st.file_uploader("Or a labelled CSV/TSV/Parquet file", type=["csv", "tsv", "parquet"],
                                  key="examples_upload")
        if upload is not None:
            try:
                table = inputs.read_table(upload.name, upload.getvalue())
                cols = [str(c) for c in table.columns]
                u1, u2 = st.columns(2)
                text_col = u1.selectbox("Text column", inputs.text_columns(table), key="imp_text")
                label_col = u2.selectbox("Label column", cols, index=cols.index("label") if "label" in cols else
                                         min(1, len(cols) - 1), key="imp_label")
                values = examples.label_values(table, label_col)
                guess_neg, guess_pos = examples.guess_poles(values, negative_label, positive_label)
                u1, u2 = st.columns(2)
                neg_value = u1.selectbox(f"Label meaning {negative_label}", values, key="imp_neg",
                                         index=values.index(guess_neg) if guess_neg in values else 0)
                pos_value = u2.selectbox(f"Label meaning {positive_label}", values, key="imp_pos",
                                         index=values.index(guess_pos) if guess_pos in values else 0)
                if st.button("Add examples from file", key="add_file"):
                    add = examples.from_table(table, text_col, label_col, neg_value, pos_value)
                    replace_frame(pd.concat([edited, add], ignore_index=True))
            except inputs.InputError as exc:
                ui.input_error(exc)

    ui.download_table(edited, f"{name or 'direction'}-examples", key="download_examples")


def current_dataset() -> DirectionDataset:
    return DirectionDataset(
        name=name.strip(), title=title, negative_label=negative_label, positive_label=positive_label,
        negative=negative, positive=positive, description=description, method=method, paired=paired,
        notes=notes, project_out=tuple(project_out),
    ).with_changes()


try:
    working = current_dataset()
    problem = None
except (DatasetError, MethodError, ValueError) as exc:
    working, problem = None, str(exc)

editable = ui.can_edit()
with save_area:
    if not editable:
        st.info(ui.edit_refusal(), icon=":material/lock:")
    if st.button("Save", type="primary", icon=":material/save:", key="save", disabled=not editable):
        if not ui.can_edit():
            st.error(ui.edit_refusal())
        elif problem:
            st.error(f"Not saved: {problem}")
        else:
            try:
                saved = save_dataset(working, state.dir_hash)
                st.cache_data.clear()
                state.pending_choice = saved.name
                state.dir_loaded = None  # reload the saved file on the next run
                st.toast(f"Saved {saved.name}.yaml", icon=":material/check:")
                st.rerun()
            except SaveConflict as exc:
                st.error(str(exc))
                if exc.changes:
                    st.markdown("**What changed on disk:**")
                    st.text("\n".join(exc.changes[:50]))
            except (DatasetError, ValueError, OSError) as exc:
                st.error(f"Not saved: {exc}")
if problem:
    save_area.warning(problem)

with tab_quality:
    if working is None:
        st.info("Fix the data set first: " + (problem or ""))
    else:
        st.caption("Held-out quality by 5-fold cross-validation; significance against directions built from the "
                   "same texts with shuffled labels; stability across bootstrap resamples.")
        if st.button("Compute quality report", key="compute_quality"):
            embedder = ui.embedder_or_stop(model)
            with st.spinner("Building directions on resampled examples…"):
                try:
                    state.dir_report = (working.content_hash, model, ui.quality(working, embedder, found))
                except (MethodError, DatasetError) as exc:
                    st.error(str(exc))
        held = state.get("dir_report")
        if held and held[0] == working.content_hash and held[1] == model:
            report = held[2]
            summary = report.summary()
            cols = st.columns(4)
            for col, key in zip(cols * 2, [k for k in summary if k != "examples"]):
                value = summary[key]
                col.metric(key, "n/a" if value is None or pd.isna(value) else f"{value:.3f}")
            ui.chart(charts.separation(report.scores, working.negative_label, working.positive_label),
                      key="separation", file_stem=f"{working.name}-separation")
            for hint in report.hints:
                st.warning(hint, icon=":material/lightbulb:")
            wrong = wrong_side(report.scores)
            if len(wrong):
                st.markdown("**Examples on the wrong side when left out**")
                st.dataframe(wrong, hide_index=True, width="stretch")
                ui.download_table(wrong, f"{working.name}-wrong-side", key="download_wrong")
            if not report.near_duplicates.empty:
                st.markdown("**Near-duplicates**")
                st.dataframe(report.near_duplicates, hide_index=True, width="stretch")
                ui.download_table(report.near_duplicates, f"{working.name}-near-duplicates", key="download_dups")
            if not report.entanglement.empty:
                st.markdown("**Cosine to the other directions** (flagged at |cos| ≥ 0.3)")
                st.dataframe(report.entanglement, hide_index=True, width="stretch")
                ui.download_table(report.entanglement, f"{working.name}-entanglement", key="download_entangled")
        elif held:
            st.info("The examples changed since the last report: compute it again.")

with tab_validate:
    st.caption("Upload texts with a human rating (a CSV with a text column and a numeric column) to see how "
               "well this direction's scores agree with people.")
    rated = st.file_uploader("Rated texts", type=["csv", "tsv", "parquet"], key="ratings_upload")
    if working is not None and rated is not None:
        try:
            table = inputs.read_table(rated.name, rated.getvalue())
            cols = [str(c) for c in table.columns]
            v1, v2 = st.columns(2)
            text_col = v1.selectbox("Text column", inputs.text_columns(table), key="val_text")
            numeric_first = sorted(cols, key=lambda c: -pd.to_numeric(table[c], errors="coerce").notna().mean())
            rating_col = v2.selectbox("Rating column", numeric_first, key="val_rating")
            texts, ratings, rating_notes = ratings_from_table(table, text_col, rating_col)
            ui.show_notes(rating_notes)
            embedder = ui.embedder_or_stop(model)
            direction = ui.directions_for(embedder, [working], library=found)[0]
            scores = direction.score(ui.embed(embedder, texts))
            result = correlate(scores, ratings)
            m1, m2, m3 = st.columns(3)
            m1.metric("rated texts", f"{result.n:,}")
            m2.metric("Pearson r", f"{result.pearson:.3f}",
                      help=f"95% bootstrap interval {result.pearson_ci[0]:.3f} to {result.pearson_ci[1]:.3f}")
            m3.metric("Spearman ρ", f"{result.spearman:.3f}",
                      help=f"95% bootstrap interval {result.spearman_ci[0]:.3f} to {result.spearman_ci[1]:.3f}")
            st.caption(result.to_text())
            points = pd.DataFrame({"text": texts, "score": scores, "rating": ratings})
            ui.chart(charts.validation_scatter(points, working.title, rating_col), key="validation_scatter",
                      file_stem=f"{working.name}-validation")
            ui.download_table(points, f"{working.name}-validation", key="download_validation")
        except inputs.InputError as exc:
            ui.input_error(exc)

with tab_history:
    if choice == NEW:
        st.info("A new direction has no history yet.")
    else:
        versions = list_versions(choice)
        if not versions:
            st.info("No earlier versions: the file has not been changed from the dashboard.")
        else:
            picked = st.selectbox("Earlier versions (newest first)", range(len(versions)), key="version",
                                  format_func=lambda i: versions[i].label)
            old = read_version(versions[picked])
            changes = describe_changes(old, found[choice])
            st.text("\n".join(changes[:100]) if changes else "Identical to the current file.")
            if st.button("Restore this version", key="restore", disabled=not editable,
                         help=None if editable else ui.edit_refusal()):
                try:
                    restore_version(versions[picked], state.dir_hash)
                    st.cache_data.clear()
                    state.dir_loaded = None
                    st.rerun()
                except SaveConflict as exc:
                    st.error(str(exc))
