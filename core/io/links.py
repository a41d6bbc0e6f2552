"""Shareable links: the texts of a view, inline in the URL or as a saved input set.

A page's widget choices travel in the URL through Streamlit's `bind="query-params"`; what a widget
cannot carry is the texts themselves. A few short texts travel inline (`text`); texts too long
for a URL are saved once as an *input set*: a JSON file named by the hash of its
content, so the same texts always get the same id, a link can never point at changed content,
and a damaged file is detected (its hash no longer matches its name). Input sets are plain JSON,
never pickle, and are written atomically. They live in `LATENT_INPUT_SETS_DIR`, by default
`input-sets/` in the cache folder; deleting them only breaks the links that refer to them.

Everything read from a URL is untrusted: values are parsed and validated here, and whatever does
not fit is dropped (the page then shows its default), never raised.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from core import config
from core.errors import LatentError
from core.files import atomic_write_bytes

log = logging.getLogger(__name__)

MAX_INLINE_CHARS = 1_000  # texts up to this many characters (joined by newlines) travel in the URL
MAX_SET_BYTES = 64 * 2**20  # an input set larger than this is not saved (the link then omits it)
MAX_PARAM_CHARS = 4_000  # longer URL values are ignored
SET_ID_RE = re.compile(r"^[0-9a-f]{32}$")
FORMAT = 1


class LinkError(LatentError, ValueError):
    """A link refers to something this server cannot give back; the message says what."""


@dataclass
class InputSet:
    id: str
    texts: list[str]
    columns: dict[str, list] = field(default_factory=dict)  # optional metadata, one list per column
    name: str = ""


def sets_dir() -> Path:
    return Path(os.environ.get("LATENT_INPUT_SETS_DIR") or config.cache_dir() / "input-sets")


def _payload(texts: list[str], columns: Mapping[str, list] | None, name: str) -> bytes:
    body = {"format": FORMAT, "name": str(name), "texts": [str(t) for t in texts],
            "columns": {str(k): list(v) for k, v in (columns or {}).items()}}
    for key, values in body["columns"].items():
        if len(values) != len(body["texts"]):
            raise ValueError(f"column {key!r} has {len(values)} values for {len(body['texts'])} texts")
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      allow_nan=False).encode("utf-8", "surrogatepass")


def set_id(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()[:32]


def save_set(texts: Iterable[str], columns: Mapping[str, list] | None = None, name: str = "",
             folder: Path | None = None) -> str:
    """Save texts (and optional metadata columns) as an input set; return its id.

    Saving the same content twice writes nothing the second time. Raises LinkError when the set is
    too large, OSError when the disk refuses the write (nothing partial is left behind).
    """
    payload = _payload(list(texts), columns, name)
    if len(payload) > MAX_SET_BYTES:
        raise LinkError(f"These inputs are {len(payload) / 2**20:.0f} MB, more than a link can keep "
                        f"({MAX_SET_BYTES // 2**20} MB).")
    ident = set_id(payload)
    path = Path(folder or sets_dir()) / f"{ident}.json"
    try:
        if path.stat().st_size == len(payload) and set_id(path.read_bytes()) == ident:
            return ident
    except OSError:
        pass
    atomic_write_bytes(path, payload)
    return ident


def load_set(ident: str, folder: Path | None = None) -> InputSet:
    """The input set with this id, or LinkError saying why it cannot be had."""
    if not isinstance(ident, str) or not SET_ID_RE.match(ident):
        raise LinkError("This link's input set id is malformed; ask for a new link.")
    path = Path(folder or sets_dir()) / f"{ident}.json"
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise LinkError(f"This link refers to saved inputs ({ident[:8]}…) that are not on this server "
                        "(they may have been cleared with the cache). Ask for the texts again.") from None
    except OSError as exc:
        raise LinkError(f"The saved inputs of this link cannot be read ({exc.strerror or exc}).") from None
    if set_id(data) != ident:
        raise LinkError(f"The saved inputs of this link ({ident[:8]}…) are damaged; ask for the texts again.")
    try:
        body = json.loads(data.decode("utf-8", "surrogatepass"))
        texts = [str(t) for t in body["texts"]]
        columns = {str(k): list(v) for k, v in body.get("columns", {}).items()}
    except (ValueError, KeyError, TypeError, AttributeError):
        raise LinkError(f"The saved inputs of this link ({ident[:8]}…) are not in a known format.") from None
    # the name is shown on pages (a corpus's name in notes): plain characters only
    name = re.sub(r"[^\w .,()-]+", "", str(body.get("name", "")))[:80].strip()
    return InputSet(ident, texts, columns, name)


# ---- texts in a link


def texts_params(texts: list[str], folder: Path | None = None,
                 inline: bool = True) -> tuple[dict[str, str], str | None]:
    """URL parameters for a list of texts: `text` inline when short (and `inline`), else `set` (a saved input set).

    Returns (params, note); note explains when the texts could not be kept in the link.
    """
    joined = "\n".join(texts)
    if inline and len(joined) <= MAX_INLINE_CHARS and all("\n" not in t for t in texts):
        return ({"text": joined} if joined else {}), None
    try:
        return {"set": save_set(texts, folder=folder)}, None
    except (LinkError, OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        log.warning("texts for a link could not be saved as an input set: %s", reason)
        return {}, f"The link to this view does not include the texts: they could not be saved ({reason})."


def texts_from_params(params: Mapping[str, str], folder: Path | None = None) -> list[str] | None:
    """Texts a link carries (None when it carries none). Raises LinkError for a set it cannot give back."""
    if params.get("set"):
        return load_set(params["set"], folder).texts
    text = params.get("text")
    if text is None or len(text) > MAX_INLINE_CHARS * 4:
        return None
    return text.split("\n")


# ---- a table (a corpus with metadata) in a link


def frame_columns(frame: pd.DataFrame, columns: Iterable[str]) -> dict[str, list]:
    """Columns of a table as plain JSON values for an input set (missing values become None)."""
    return {str(c): [None if pd.isna(v) else (v.item() if hasattr(v, "item") else v) for v in frame[c]]
            for c in columns}


def set_frame(input_set: InputSet) -> pd.DataFrame:
    """An input set as a table: its columns and a `text` column (the texts win over a column of that name)."""
    return pd.DataFrame({**input_set.columns, "text": input_set.texts})


# ---- plain values in a link


def first(value) -> str | None:
    """A query parameter's value as one string (a repeated parameter gives its last value)."""
    if isinstance(value, (list, tuple)):
        value = value[-1] if value else None
    if value is None:
        return None
    value = str(value)
    return value if len(value) <= MAX_PARAM_CHARS else None
