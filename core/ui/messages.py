"""Messages on a page: expected errors as one line, notes, and text made safe for markdown."""
from __future__ import annotations

import re

import streamlit as st

from core.errors import LatentError, one_line


def escape_md(text: str) -> str:
    """Text safe to show inside markdown: every character that could start formatting, a link or image
    (`[]()`, `<...>`), HTML, LaTeX (`$`) or a heading (`#`, `===`) is escaped. Streamlit also makes links of
    bare `http://`, `www.` and `a@b.c`, icons of `:material/x:` and colours of `:red[...]` in the text after
    the escapes are read: an invisible word joiner (U+2060) after `www`, before an `@` that follows a character
    and after a `:` that comes before one (`http://`, `:material/`, `:red[`; not "name: value") breaks those."""
    text = _JOIN.sub("\u2060", str(text))
    return "".join(_ESCAPES.get(ch, ch) for ch in text)


def unescape_md(text: str) -> str:
    """What a reader sees of `escape_md(text)` (for checks): `text` again."""
    return re.sub(r"\\(.)", r"\1", str(text)).replace("\u2060", "")


_JOIN = re.compile(r"(?<=www)(?=\.)|(?<=\S)(?=@)|(?<=:)(?=\S)", re.IGNORECASE)
_ESCAPES = {ch: "\\" + ch for ch in "\\`*_{}[]()#+-.!|<>~$=&"}


def show_notes(notes: list[str]) -> None:
    """Notes about an input or an edit (they quote texts, column and file names: escaped)."""
    for note in notes:
        st.info(escape_md(note), icon=":material/info:")


def show_dataset_errors(errors: dict[str, str]) -> None:
    for message in errors.values():
        st.warning(f"Skipped a direction file: {escape_md(message)}", icon=":material/warning:")


def error(exc: LatentError | OSError, prefix: str = "", escape: bool = True) -> None:
    """An expected error as one line on the page: the one place pages turn errors into messages.

    The message is markdown-escaped unless `escape` is False (for messages the dashboard wrote itself
    around a file name, such as a bad upload's)."""
    text = prefix + one_line(exc)
    st.error(escape_md(text) if escape else text, icon=":material/error:")


def input_error(exc: LatentError) -> None:
    """A bad upload or paste: the reader's message (it quotes file and column names: escaped)."""
    error(exc)


def warning(exc: LatentError, icon: str = ":material/warning:") -> None:
    """An expected failure the page works around (a link whose saved inputs are gone), as one escaped line."""
    st.warning(escape_md(one_line(exc)), icon=icon)
