"""Directions: create and edit direction data sets, measure their quality and validity, validate, restore versions."""
import streamlit as st

from core import ui
from core.directions import METHODS, examples, form
from core.ui import (
    direction_examples,
    direction_quality,
    direction_saving,
    direction_validate,
    validity,
)

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
    for field, value in form.form_values(base).items():
        state[f"f_{field}"] = value
    state.pop("dir_report", None)

c1, c2, c3 = st.columns([1, 1, 1])
c1.text_input("Name (the file name)", key="f_name", disabled=choice != NEW, help="Letters, digits, '-' and '_'.")
c2.text_input("Title", key="f_title")
c3.selectbox("Build method", list(METHODS), key="f_method", format_func=lambda m: METHODS[m].label,
             help="\n\n".join(f"**{m.label}**: {m.description}" for m in METHODS.values()))
c1, c2, c3 = st.columns([1, 1, 1])
c1.text_input("Negative pole", key="f_negative_label")
c2.text_input("Positive pole", key="f_positive_label")
c3.checkbox("Examples come in pairs (row i of each pole)", key="f_paired")
st.text_input("Description", key="f_description")
st.multiselect("Remove these directions from it (project out)", [n for n in found if n != choice],
               key="f_project_out")
st.text_area("Notes (provenance, design, known limits)", key="f_notes", height=80)
values = {field: state[f"f_{field}"] for field in form.FIELDS}

save_area = st.container()
tab_examples, tab_quality, tab_validity, tab_validate, tab_history = st.tabs(
    ["Examples", "Quality report", "Validity", "Validate against ratings", "History"])

with tab_examples:
    negative, positive, neutral = direction_examples.examples_tab(values["name"], values["negative_label"],
                                                                  values["positive_label"])
working, problem = form.working_dataset(values, negative, positive, neutral)
editable = ui.can_edit()
with save_area:
    direction_saving.save_panel(working, problem, editable,
                                untouched=choice == NEW and not values["name"] and not (negative or positive))
with tab_quality:
    direction_quality.quality_tab(working, problem, model, found)
with tab_validity:
    validity.validity_tab(working, found.get(choice), found)
with tab_validate:
    direction_validate.validate_tab(working, model, found)
with tab_history:
    direction_saving.history_tab(None if choice == NEW else choice, found, editable)
