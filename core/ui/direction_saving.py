"""The Directions page's file panels: saving the working data set, and its History tab (earlier versions)."""
from __future__ import annotations

import streamlit as st

from core.directions.datasets import DatasetError, DirectionDataset
from core.directions.saving import (
    SaveConflict,
    check_saveable,
    describe_restore,
    list_versions,
    read_version,
    restore_version,
    save_dataset,
)
from core.errors import one_line
from core.ui.messages import error, escape_md
from core.ui.signin import can_edit, edit_refusal


def _conflict(exc: SaveConflict) -> None:
    error(exc)
    if exc.changes:
        st.markdown("**What changed on disk:**")
        st.text("\n".join(exc.changes[:50]))


def _save(working: DirectionDataset) -> None:
    state = st.session_state
    try:
        saved = save_dataset(working, state.dir_hash)
    except SaveConflict as exc:
        _conflict(exc)
        return
    except (DatasetError, ValueError, OSError) as exc:
        error(exc, prefix="Not saved: ")
        return
    st.cache_data.clear()
    state.pending_choice = saved.name
    state.dir_loaded = None  # reload the saved file on the next run
    st.toast(f"Saved {escape_md(saved.name)}.yaml", icon=":material/check:")
    st.rerun()


def save_panel(working: DirectionDataset | None, problem: Exception | None, editable: bool,
               untouched: bool = False) -> None:
    """The Save button (for those who may edit) and what is wrong with the data set, if anything; for a new
    data set nothing has been typed into yet (`untouched`), what to do instead of a warning. A data set that
    cannot be built in any model (check_saveable) is not saved either, and the warning says why."""
    if working is not None and problem is None:
        try:
            check_saveable(working)
        except DatasetError as exc:
            problem = exc
    if not editable:
        st.info(edit_refusal(), icon=":material/lock:")
    if st.button("Save", type="primary", icon=":material/save:", key="save", disabled=not editable):
        if not can_edit():
            st.error(edit_refusal())
        elif problem:
            error(problem, prefix="Not saved: ")
        else:
            _save(working)
    if problem and untouched:
        st.caption("Give the new direction a name, its two poles and examples of each, then save.")
    elif problem:
        st.warning(escape_md(one_line(problem)))


def history_tab(choice: str | None, library: dict[str, DirectionDataset], editable: bool) -> None:
    """Earlier versions of the saved data set `choice` (None: a new one), what each changed, and restoring one."""
    if choice is None:
        st.info("A new direction has no history yet.")
        return
    versions = list_versions(choice)
    if not versions:
        st.info("No earlier versions: the file has not been changed from the dashboard.")
        return
    picked = st.selectbox("Earlier versions (newest first)", range(len(versions)), key="version",
                          format_func=lambda i: versions[i].label,
                          help="Each is the file as it was before a save replaced it, at the time shown.")
    version = versions[min(picked or 0, len(versions) - 1)]
    if version.problem:
        st.warning(f"This version cannot be read, so it cannot be restored: {escape_md(version.problem)}",
                   icon=":material/warning:")
        return
    changes = describe_restore(library[choice], read_version(version))
    if not changes:
        st.text("Identical to the current file.")
    else:
        st.markdown(f"**Restoring this version would** ({len(changes)} change{'s' * (len(changes) != 1)}):")
        st.text("\n".join(changes[:100]) + (f"\n… and {len(changes) - 100} more" if len(changes) > 100 else ""))
    if st.button("Restore this version", key="restore", disabled=not editable,
                 help=None if editable else edit_refusal()):
        try:
            restore_version(version, st.session_state.dir_hash)
        except (DatasetError, OSError) as exc:  # SaveConflict among them
            error(exc, prefix="" if isinstance(exc, SaveConflict) else "Not restored: ")
            return
        st.cache_data.clear()
        st.session_state.dir_loaded = None
        st.rerun()
