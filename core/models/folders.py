"""Model folders: whether a folder looks like a model of a kind, and a fingerprint of its files, walked within limits.

A folder given as a model must hold, at its top level, what its kind loads from (a sentence-transformers model:
modules.json, config.json or weights; CLIP: config.json), so a server folder such as /usr is
refused with one line instead of being listed as ready. The fingerprint (what caches are keyed by) walks at most
MAX_FILES files and MAX_DEPTH levels, skipping hidden entries and never following a linked folder; a bigger
tree is refused, not walked. A fingerprint is remembered per folder against the files' sizes and modification
times, so asking again costs a walk of `stat`s, not a read of every file's head.
"""
from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

from core.errors import LatentError

MAX_FILES = 2000  # a large model has tens of files; a tree with more is not a model folder
MAX_DEPTH = 6  # folders below the model folder (1_Pooling/, onnx/, ... are one level)
HEAD = 1 << 20  # bytes of each file read into the fingerprint
WEIGHTS = (".safetensors", ".bin", ".onnx", ".h5", ".msgpack")
# kinds loaded from the folder they are given; others (tfidf; bottleneck-T5, which finds its pinned revision's
# folder itself) are not checked here
MARKERS = {"sentence-transformers": ("modules.json", "config.json"), "clip": ("config.json",)}
WEIGHTS_ENOUGH = {"sentence-transformers"}  # kinds where weights alone make a model folder
FINGERPRINTED = ("sentence-transformers", "clip")  # kinds whose loaders fingerprint the folder they are given
MEMO_KEPT = 64

_MEMO: dict[str, tuple[tuple, str]] = {}  # folder -> (its files' signature, fingerprint)
_LOCK = threading.Lock()


class FolderRefused(LatentError, ValueError):
    """A folder that is not a model folder of the kind asked for, or too big to walk; the message says which."""


def check_shape(path: Path, kind: str) -> None:
    """FolderRefused unless `path` holds, at its top level, what a model of `kind` loads from."""
    markers = MARKERS.get(kind)
    if markers is None:
        return
    path = Path(path)
    if any((path / name).is_file() for name in markers):
        return
    if kind in WEIGHTS_ENOUGH:
        try:
            with os.scandir(path) as entries:
                for i, entry in enumerate(entries):
                    if i >= MAX_FILES:
                        break
                    if entry.name.endswith(WEIGHTS) and entry.is_file():
                        return
        except OSError:
            pass
    wanted = " or ".join(markers) + (" or model weights (*.safetensors, *.bin)" if kind in WEIGHTS_ENOUGH else "")
    raise FolderRefused(f"the folder {path} does not look like a {kind} model: it has no {wanted} at its top "
                        "level. Give the folder that holds the model's files.")


def check(path: Path, kind: str) -> None:
    """FolderRefused unless the folder looks like a model of `kind` and is small enough to walk."""
    check_shape(path, kind)
    walk(path)


def walk(path: Path) -> list[tuple[str, Path, int, int]]:
    """(relative name, path, size, mtime in ns) of the folder's files, sorted as the fingerprint reads them;
    hidden entries and .md files are left out, linked folders are not followed. FolderRefused beyond the limits."""
    root = Path(path)
    found: list[tuple[tuple[str, ...], Path, int, int]] = []
    seen = 0
    stack: list[tuple[Path, tuple[str, ...]]] = [(root, ())]
    while stack:
        folder, parts = stack.pop()
        try:
            with os.scandir(folder) as entries:
                listed = list(entries)
        except OSError:
            continue
        for entry in listed:
            if entry.name.startswith("."):
                continue
            seen += 1
            if seen > MAX_FILES:
                raise FolderRefused(f"the folder {root} holds more than {MAX_FILES} files: that is not a model "
                                    "folder. Give the folder that holds the model's files.")
            rel = (*parts, entry.name)
            try:
                if entry.is_dir(follow_symlinks=False):
                    if len(rel) > MAX_DEPTH:
                        raise FolderRefused(f"the folder {root} has folders nested more than {MAX_DEPTH} deep: "
                                            "that is not a model folder.")
                    stack.append((Path(entry.path), rel))
                elif entry.is_file() and not entry.name.endswith(".md"):
                    st = entry.stat()
                    found.append((rel, Path(entry.path), st.st_size, st.st_mtime_ns))
            except OSError:  # vanished or unreadable meanwhile: left out
                continue
    found.sort(key=lambda f: f[0])
    return [("/".join(rel), file, size, mtime) for rel, file, size, mtime in found]


def _head(file: Path) -> bytes:
    with open(file, "rb") as fh:
        return fh.read(HEAD)


def folder_fingerprint(path: Path) -> str:
    """A cheap content fingerprint of a model folder: small files whole, large files by size and head."""
    files = walk(path)
    signature = tuple((rel, size, mtime) for rel, _, size, mtime in files)
    key = str(Path(path).resolve())
    with _LOCK:
        hit = _MEMO.get(key)
    if hit is not None and hit[0] == signature:
        return hit[1]
    h = hashlib.sha256()
    for rel, file, size, _ in files:
        h.update(f"{rel}\0{size}\0".encode())
        h.update(_head(file))
    fingerprint = h.hexdigest()[:16]
    with _LOCK:
        _MEMO[key] = (signature, fingerprint)
        while len(_MEMO) > MEMO_KEPT:
            _MEMO.pop(next(iter(_MEMO)))
    return fingerprint
