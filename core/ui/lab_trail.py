"""The Latent lab's trail: the trail kept in session state, its buttons (callbacks, so the page redraws from
the new point), its table, export and import."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from core.latent import trail as trails
from core.models import registry as encoders
from core.ui.downloads import download_table
from core.ui.messages import escape_md


def remember_preview(op: str, params: dict, labels: list[str], outputs) -> dict:
    """The move shown now, kept for Add to trail, with the key of its Continue-from choice.

    The key names the outputs' labels: a keyed selectbox whose options change keeps showing the label it showed
    before (the browser holds it, and the server sees no change), so with one key for every move the choice read
    'length +1.50' during a sentiment steer. A new set of points gets a new widget; the same points keep the pick."""
    preview = {"op": op, "params": params, "labels": list(labels), "outputs": outputs,
               "key": f"lab_continue_{trails.outputs_key(op, labels)}"}
    st.session_state["lab_preview"] = preview
    return preview


def keep_move() -> None:
    """Add the previewed move to the trail, continuing from the output picked."""
    preview, trail = st.session_state.get("lab_preview"), st.session_state.get("lab_trail")
    if preview is None or trail is None:
        return
    try:
        st.session_state["lab_trail"] = trails.apply(
            trail, preview["op"], preview["params"], chosen=st.session_state.get(preview["key"]),
            outputs=(preview["labels"], preview["outputs"]))
    except trails.TrailError as exc:
        st.session_state["lab_message"] = str(exc)


def undo_move() -> None:
    if st.session_state.get("lab_trail") is not None:
        st.session_state["lab_trail"] = trails.undo(st.session_state["lab_trail"])


def import_trail() -> None:
    upload = st.session_state.get("lab_import")
    if upload is None:
        return
    try:
        imported = trails.from_json(upload.getvalue())
    except trails.TrailError as exc:
        st.session_state["lab_message"] = f"{upload.name}: {exc}"
        return
    if imported.model not in encoders.model_names():
        st.session_state["lab_message"] = (f"{upload.name} was made with model {imported.model!r}, which is not "
                                           "registered here; add it on the Home page first.")
        return
    st.session_state.update(lab_trail=imported, lab_a=imported.start_text, model=imported.model, lab_imported=True)


def show_messages() -> None:
    """What the last callback had to say (a refused move or import, a trail imported)."""
    if message := st.session_state.pop("lab_message", None):
        st.error(escape_md(message), icon=":material/error:")
    if st.session_state.pop("lab_imported", False):
        st.success("Trail imported; it continues from its last step.", icon=":material/check:")


def current_trail(model: str, text: str, vector, dim: int) -> trails.Trail:
    """The session's trail; a new one when the model, the start text or the dimension changed."""
    trail = st.session_state.get("lab_trail")
    if trail is None or trail.model != model or trail.start_text != text or trail.dim != dim:
        trail = st.session_state["lab_trail"] = trails.start(model, text, vector)
    return trail


def trail_panel(trail: trails.Trail, preview: dict) -> None:
    """Continue-from choice (among the points of the move shown, `remember_preview`), Add and Undo, the steps
    table, export and import."""
    st.caption("Each kept move continues from the output picked here; a new start text starts a new trail.")
    t1, t2, t3 = st.columns([3, 1, 1])
    labels = preview["labels"]
    t1.selectbox("Continue from", range(len(labels)), index=len(labels) - 1, key=preview["key"],
                 format_func=lambda i: labels[i], help="One of the points of the move shown above")
    t2.button("Add to trail", key="lab_keep", on_click=keep_move, type="primary", icon=":material/add:")
    t3.button("Undo", key="lab_undo", on_click=undo_move, disabled=not trail.moves, icon=":material/undo:")
    steps = pd.DataFrame(trails.steps_table(trail))
    st.dataframe(steps, hide_index=True, width="stretch",
                 column_config={"settings": st.column_config.TextColumn("settings", width="large")})
    download_table(steps, "trail-steps", key="lab_steps_download")
    exported = trails.to_json(trail)
    st.download_button("Export the trail (JSON)", exported, file_name="latent-trail.json", mime="application/json",
                       key="lab_export", icon=":material/download:")
    with st.expander("The trail as JSON"):
        st.code(exported, language="json")
    st.file_uploader("Import a trail (JSON)", type=["json"], key="lab_import", on_change=import_trail)
