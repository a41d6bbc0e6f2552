"""Messages on a page: expected errors as one line, notes, and text made safe for markdown."""
from __future__ import annotations

import streamlit as st

from core.errors import LatentError, one_line


def escape_md(text: str) -> str:
    """Text safe to show inside markdown (no formatting, links or HTML)."""
    return "".join("\\" + ch if ch in "\\`*_{}[]()#+-.!|<>~$" else ch for ch in str(text))


def show_notes(notes: list[str]) -> None:
    for note in notes:
        st.info(note, icon=":material/info:")


def show_dataset_errors(errors: dict[str, str]) -> None:
    for message in errors.values():
        st.warning(f"Skipped a direction file: {message}", icon=":material/warning:")


def error(exc: LatentError | OSError, prefix: str = "", escape: bool = True) -> None:
    """An expected error as one line on the page: the one place pages turn errors into messages.

    The message is markdown-escaped unless `escape` is False (for messages the dashboard wrote itself
    around a file name, such as a bad upload's)."""
    text = prefix + one_line(exc)
    st.error(escape_md(text) if escape else text, icon=":material/error:")


def input_error(exc: LatentError) -> None:
    """A bad upload or paste: the reader's message, as it is."""
    error(exc, escape=False)


def warning(exc: LatentError, icon: str = ":material/warning:") -> None:
    """An expected failure the page works around (a link whose saved inputs are gone), as one escaped line."""
    st.warning(escape_md(one_line(exc)), icon=icon)
