"""Entry page: what this is, which models are ready, which directions exist, where to go."""
import pandas as pd
import streamlit as st

from core import ui
from core.ui import validity
from core.models import overview
from core.models import registry as encoders

ui.setup("Home", ":material/home:")

with st.sidebar:
    ui.sign_in_panel()

st.title("Latent dashboard")
st.markdown(
    "Look inside embedding models. Score texts on named **directions** in embedding space "
    "(negative → positive sentiment, short → long, casual → formal, other topics → art …), "
    "read the scores as tables and charts, and curate the example sets the directions are built from."
)

st.subheader("Where to go")
st.page_link("pages/1_Project.py", label="Project: score texts on directions, as a table and charts",
             icon=":material/insights:")
st.page_link("pages/2_Directions.py", label="Directions: build, measure, validate and curate directions",
             icon=":material/tune:")
st.page_link("pages/3_Compare.py", label="Compare: texts side by side, where they differ, their neighbours",
             icon=":material/compare_arrows:")
st.page_link("pages/4_Map.py", label="Map: a corpus on PCA, UMAP or direction axes; search, select, discover",
             icon=":material/scatter_plot:")
st.page_link("pages/5_Latent_lab.py", label="Latent lab: decode, blur, steer, splice and interpolate embeddings",
             icon=":material/science:")
st.page_link("pages/6_Images.py", label="Images: CLIP-space galleries (interpolation, text arithmetic) and images "
             "scored on directions", icon=":material/image:")

found, errors = ui.load_datasets()

st.subheader("Models")
models = overview.rows()
st.caption(overview.summary(models))
st.dataframe(pd.DataFrame([vars(r) for r in models]).drop(columns="needed"), hide_index=True, width="stretch",
             column_config={"status": st.column_config.TextColumn(
                                "status", help="ready: its files are here; loaded: in memory; optional, not here: "
                                               "not needed, the details say how to get it"),
                            "unlocks": st.column_config.TextColumn("what it adds", width="large"),
                            "runs_on": st.column_config.TextColumn(
                                "runs on", help="The fastest path that keeps its scores, neighbours and validity, "
                                                "measured once on this CPU (python -m core models)"),
                            "details": st.column_config.TextColumn("details", width="large")})

with st.expander("Add a model", icon=":material/add:"):
    st.markdown(
        "Any sentence-transformers model: a Hugging Face id already in this machine's cache "
        "(fetch it with `hf download ID`), or a local folder. It is saved in `models.yaml`."
    )
    if not ui.can_edit():
        st.info(ui.edit_refusal(), icon=":material/lock:")
    with st.form("add_model", clear_on_submit=False):
        name = st.text_input("Name", placeholder="mpnet")
        source = st.text_input("Hugging Face id or folder", placeholder="sentence-transformers/all-mpnet-base-v2")
        description = st.text_input("Description (optional)")
        allowed = ui.can_edit()
        submitted = st.form_submit_button("Add model", disabled=not allowed)
        if submitted and not allowed:  # a disabled button's click can still be sent: checked here too
            st.error(ui.edit_refusal(), icon=":material/lock:")
        elif submitted:
            try:
                encoders.add_model(name, source, description)
                status = encoders.model_status(name.strip())
                if status in ("ready", "loaded"):
                    st.success(f"Added {name.strip()!r}; its files are on this machine.")
                    st.session_state.added_model = name.strip()
                else:
                    st.warning(f"Added {name.strip()!r}, but it is not usable yet: {status}")
            except (ValueError, OSError) as exc:  # a bad name or source, or models.yaml not writable
                ui.error(exc)
    added = st.session_state.get("added_model")
    if added and found:
        st.caption(f"Every direction is rebuilt in {added!r} when first used; measure its validity now to see it "
                   "beside the other models on the Directions page.")
        validity.measure_button(added, list(found.values()), found)

st.subheader("Directions")
if found:
    st.dataframe(
        pd.DataFrame([
            {"direction": d.name, "title": d.title, "from": d.negative_label, "to": d.positive_label,
             "examples": len(d.negative) + len(d.positive), "description": d.description}
            for d in found.values()
        ]),
        hide_index=True, width="stretch",
    )
else:
    st.info("No direction data sets found in `directions/`.")
ui.show_dataset_errors(errors)
