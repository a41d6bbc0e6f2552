"""The user's model list, `models.yaml`, read and written in this one place.

    models:
      - name: mpnet
        source: sentence-transformers/all-mpnet-base-v2
        kind: sentence-transformers        # optional, the default
        description: a larger text model   # optional
        trust_remote_code: true            # any further keys are kept: backends read them as options
        revision: <40-character commit>

Reading is cached by the file's modification time, size and inode, so asking for the registry costs a
`stat`, not a parse. A missing file is an empty list; a broken one is an empty list too (logged), so a
typo cannot take the dashboard down, but it is never overwritten: `save` refuses until it is fixed.
Writes are atomic.
"""
from __future__ import annotations

import copy
import logging
import threading
from pathlib import Path

import yaml

from core import config
from core.errors import LatentError
from core.files import atomic_write_text

log = logging.getLogger(__name__)

HEADER = "# Models the dashboard can use, besides the built-in default. Edited by hand or from the Home page.\n"
SPEC_KEYS = ("name", "source", "kind", "description")  # the rest of an entry are the backend's options

_MEMO: dict[str, tuple[tuple, list[dict]]] = {}  # path -> (stat signature, entries)
_LOCK = threading.Lock()


class ModelsFileError(LatentError, ValueError):
    """The model list cannot be read as YAML, so it is not rewritten; the message says where."""


def _parse(path: Path) -> list[dict]:
    """Every well-formed entry (a mapping with a name and a source), all its keys kept."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ModelsFileError(f"The model list {path} is not valid YAML ({str(exc).splitlines()[0]}); "
                              "fix it by hand.") from None
    models = data.get("models") if isinstance(data, dict) else None
    if not isinstance(data, dict) or not isinstance(models or [], list):
        raise ModelsFileError(f"The model list {path} must hold a `models:` list.")
    entries = []
    for entry in models or []:
        if isinstance(entry, dict) and entry.get("name") and entry.get("source"):
            entries.append({str(k): v for k, v in entry.items()})
        else:
            log.warning("models file %s: skipped an entry without a name and a source: %r", path, entry)
    return entries


def read(path: Path | None = None) -> list[dict]:
    """The entries of the model list (copies); [] for a missing file, ModelsFileError for a broken one."""
    path = Path(path or config.models_file())
    try:
        st = path.stat()
    except FileNotFoundError:
        return []
    signature = (st.st_mtime_ns, st.st_size, st.st_ino, st.st_ctime_ns)
    with _LOCK:
        hit = _MEMO.get(str(path))
    if hit is None or hit[0] != signature:
        hit = (signature, _parse(path))
        with _LOCK:
            _MEMO[str(path)] = hit
    return copy.deepcopy(hit[1])


def entries(path: Path | None = None) -> list[dict]:
    """`read`, but a file that cannot be read gives [] (logged): what listing models uses."""
    try:
        return read(path)
    except (OSError, ModelsFileError) as exc:
        log.warning("the model list is ignored: %s", exc)
        return []


def entry(name: str, path: Path | None = None) -> dict:
    """The entry for `name` with all its keys (a copy), or {} when the list has none."""
    return next((e for e in entries(path) if str(e["name"]) == name), {})


def options(entry: dict) -> dict:
    """An entry's keys beyond name, source, kind and description."""
    return {k: v for k, v in entry.items() if k not in SPEC_KEYS}


def save(new_entries: list[dict], path: Path | None = None) -> None:
    """Write the model list atomically (entries in the given order, keys as given)."""
    path = Path(path or config.models_file())
    text = HEADER + yaml.safe_dump({"models": list(new_entries)}, sort_keys=False, allow_unicode=True)
    atomic_write_text(path, text)


def put(new_entry: dict, path: Path | None = None) -> None:
    """Add an entry, replacing one of the same name (a broken list is refused, not overwritten)."""
    kept = [e for e in read(path) if str(e["name"]) != str(new_entry["name"])]
    save([*kept, new_entry], path)


def drop(name: str, path: Path | None = None) -> bool:
    """Remove the entry named `name`; False when there was none (the file is then left as it is)."""
    current = read(path)
    kept = [e for e in current if str(e["name"]) != name]
    if len(kept) == len(current):
        return False
    save(kept, path)
    return True
