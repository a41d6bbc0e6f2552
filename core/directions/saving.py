"""Saving direction data sets safely: atomic, versioned, and never over someone else's save.

A save writes `directions/NAME.yaml` atomically. The version it replaces is kept
in `directions/.history/NAME/`, so every earlier version can be listed and
restored. The caller passes the hash of the file as it loaded it; if the file
changed since (another session saved), the save is refused with SaveConflict,
which carries what changed, and nothing is written.
"""
from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from core import config
from core.directions.buildable import check_buildable, reason
from core.directions.datasets import (
    MAX_FILE_BYTES,
    SUFFIX,
    DatasetError,
    DirectionDataset,
    load_all,
    load_dataset,
    parse_dataset,
    validate,
)
from core.directions.methods import MethodError
from core.directions.yamlfile import dump_dataset
from core.errors import one_line
from core.files import atomic_write_bytes, atomic_write_text

log = logging.getLogger(__name__)
HISTORY = ".history"
NEW = None  # expected hash for a data set that must not exist yet
_THREAD_LOCK = threading.Lock()


class SaveConflict(DatasetError):
    """The file changed on disk since it was loaded."""

    def __init__(self, message: str, current: DirectionDataset | None, changes: list[str]):
        super().__init__(message)
        self.current = current
        self.changes = changes


@dataclass(frozen=True)
class Version:
    path: Path
    saved_at: str  # UTC, ISO 8601: when a save replaced this version (the time it was archived)
    file_hash: str
    problem: str = ""  # why the file cannot be read as this data set ("" when it can): such a version is not restorable
    dataset: DirectionDataset | None = field(default=None, compare=False, repr=False)

    @property
    def label(self) -> str:
        when = f"in use until {self.saved_at.replace('T', ' ')[:19]} UTC · {self.file_hash[:8]}"
        return f"unreadable: {self.problem} ({when})" if self.problem else when


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _folder(folder: Path | None) -> Path:
    return Path(folder or config.directions_dir())


@contextmanager
def _locked(folder: Path, name: str):
    """Serialise saves of one data set across threads and processes."""
    folder.mkdir(parents=True, exist_ok=True)
    lock_path = folder / HISTORY / f".{name}.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with _THREAD_LOCK, open(lock_path, "a+") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def describe_changes(old: DirectionDataset | None, new: DirectionDataset | None) -> list[str]:
    """Human-readable differences between two versions of a data set: what `new` changed from `old`."""
    if old is None or new is None:
        return ["the file was created" if old is None else "the file was deleted"]
    changes = []
    for key in ("title", "description", "negative_label", "positive_label", "method", "paired", "notes",
                "project_out"):
        a, b = getattr(old, key), getattr(new, key)
        if a != b:
            changes.append(f"{key}: {a!r} → {b!r}" if key != "notes" else "notes changed")
    for pole in ("negative", "positive", "neutral"):
        a, b = getattr(old, pole), getattr(new, pole)
        in_a, in_b = set(a), set(b)
        added, removed = [t for t in b if t not in in_a], [t for t in a if t not in in_b]
        name = pole if pole == "neutral" else _pole_name(new, pole)
        changes += [f"{name}: added {t!r}" for t in added] + [f"{name}: removed {t!r}" for t in removed]
    return changes


def _pole_name(ds: DirectionDataset, pole: str) -> str:
    return "the neutral texts" if pole == "neutral" else f"{getattr(ds, pole + '_label')} ({pole})"


def describe_restore(current: DirectionDataset, version: DirectionDataset) -> list[str]:
    """What restoring `version` would do to the `current` file, one line each: fields it would change back,
    examples it would remove (those the current file has and the version lacks) and add (the reverse)."""
    changes = []
    for key in ("title", "description", "negative_label", "positive_label", "method", "paired", "notes",
                "project_out"):
        now, then = getattr(current, key), getattr(version, key)
        if now != then:
            changes.append(f"change {key} back to {then!r} (now {now!r})" if key != "notes" else
                           "change the notes back to this version's")
    for pole in ("negative", "positive", "neutral"):
        now, then = getattr(current, pole), getattr(version, pole)
        kept_now, kept_then = set(now), set(then)
        changes += [f"remove from {_pole_name(current, pole)}: {t!r}" for t in now if t not in kept_then]
        changes += [f"add to {_pole_name(version, pole)}: {t!r}" for t in then if t not in kept_now]
    return changes


def _read_current(path: Path) -> tuple[bytes | None, DirectionDataset | None]:
    if not path.exists():
        return None, None
    data = path.read_bytes()
    try:
        return data, parse_dataset(data.decode("utf-8"), path.name, path)
    except (DatasetError, UnicodeDecodeError) as exc:
        log.warning("%s on disk is not a readable data set (%s)", path, exc)
        return data, None


def _archive(folder: Path, name: str, data: bytes) -> None:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    atomic_write_bytes(folder / HISTORY / name / f"{stamp}-{file_hash(data)[:16]}{SUFFIX}", data)


def check_saveable(ds: DirectionDataset, folder: Path | None = None) -> None:
    """DatasetError when `ds` cannot be built in any model (core.directions.buildable; `project_out` is resolved in
    the folder): saved, it would be a file every page and run has to skip."""
    try:
        check_buildable(ds, load_all(_folder(folder))[0] if ds.project_out else {})
    except (DatasetError, MethodError) as exc:
        raise DatasetError(f"{ds.name}{SUFFIX} cannot be built: {reason(ds, exc)}") from None


def save_dataset(ds: DirectionDataset, expected_hash: str | None, folder: Path | None = None) -> DirectionDataset:
    """Write `ds` if the file on disk still has `expected_hash` (None: the file must not exist).

    Returns the data set as saved (with its new file hash). Raises SaveConflict, or DatasetError (also when
    `ds` cannot be built: check_saveable).
    """
    folder = _folder(folder)
    ds = validate(ds)
    check_saveable(ds, folder)
    path = folder / f"{config.check_name(ds.name, 'direction name')}{SUFFIX}"
    with _locked(folder, ds.name):
        data, current = _read_current(path)
        text = dump_dataset(ds, data.decode("utf-8", "replace") if data is not None else None)
        if data is not None and file_hash(data) != expected_hash:
            if expected_hash is None:
                raise SaveConflict(f"A direction named {ds.name!r} already exists; choose another name.",
                                   current, [])
            loaded = _version_dataset(folder, ds.name, expected_hash)
            changes = describe_changes(loaded, current) if current else ["the file on disk is not readable"]
            raise SaveConflict(
                f"{path.name} changed on disk since you loaded it (another session saved it). "
                "Your edits are kept here; reload to see the other version, then apply your changes again.",
                current, changes,
            )
        if data is None and expected_hash is not None:
            raise SaveConflict(f"{path.name} was deleted since you loaded it.", None, ["the file was deleted"])
        if data is not None:
            if data == text.encode("utf-8"):
                return load_dataset(path)
            _archive(folder, ds.name, data)
        atomic_write_text(path, text)
        log.info("saved %s", path)
        return load_dataset(path)


def _read_version_file(path: Path, name: str) -> DirectionDataset:
    """The data set in an archived file (bounded read), or DatasetError saying why it cannot be read."""
    try:
        if not path.is_file():
            raise DatasetError("not a regular file")
        with path.open("rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            raise DatasetError(f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
        ds = parse_dataset(raw.decode("utf-8"), path.name)
    except UnicodeDecodeError as exc:
        raise DatasetError(f"not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise DatasetError(f"cannot be read ({exc.strerror})") from None
    if ds.name != name:
        raise DatasetError(f"it is the direction {ds.name!r}, not {name!r}")
    return ds


def _unreadable(path: Path, exc: Exception) -> str:
    text = one_line(exc)
    return text[len(path.name) + 2:] if text.startswith(f"{path.name}: ") else text


def list_versions(name: str, folder: Path | None = None) -> list[Version]:
    """Earlier versions of a data set, newest first; one that cannot be read is listed with its `problem`."""
    config.check_name(name, "direction name")
    versions = []
    for p in sorted((_folder(folder) / HISTORY / name).glob(f"*{SUFFIX}"), reverse=True):
        stamp, _, digest = p.stem.partition("-")
        try:
            when = datetime.strptime(stamp, "%Y%m%dT%H%M%S%fZ").replace(tzinfo=timezone.utc).isoformat()
        except ValueError:
            log.info("skipping %s in the history: not a version file's name", p)
            continue
        try:
            versions.append(Version(p, when, digest, dataset=_read_version_file(p, name)))
        except DatasetError as exc:
            log.warning("version %s of %s cannot be read: %s", p, name, exc)
            versions.append(Version(p, when, digest, problem=_unreadable(p, exc)))
    return versions


def _version_dataset(folder: Path, name: str, digest: str | None) -> DirectionDataset | None:
    """The archived version with this file hash, to show what changed since it was loaded."""
    if not digest:
        return None
    for v in list_versions(name, folder):
        if digest.startswith(v.file_hash) and not v.problem:
            return read_version(v)
    return None


def read_version(version: Version) -> DirectionDataset:
    """The data set of an earlier version; DatasetError for one that cannot be read (its `problem`)."""
    if version.problem:
        raise DatasetError(f"{version.path.name}: unreadable: {version.problem}")
    if version.dataset is not None:
        return version.dataset
    return _read_version_file(version.path, version.path.parent.name)


def restore_version(version: Version, expected_hash: str | None, folder: Path | None = None) -> DirectionDataset:
    """Make an earlier version current again (the version it replaces is archived in turn)."""
    return save_dataset(read_version(version), expected_hash, folder)


def delete_dataset(name: str, expected_hash: str, folder: Path | None = None) -> None:
    """Remove a data set's file; it stays restorable from the history."""
    folder = _folder(folder)
    path = folder / f"{config.check_name(name, 'direction name')}{SUFFIX}"
    with _locked(folder, name):
        data, _ = _read_current(path)
        if data is None:
            return
        if file_hash(data) != expected_hash:
            raise SaveConflict(f"{path.name} changed on disk since you loaded it; not deleted.", None, [])
        _archive(folder, name, data)
        os.unlink(path)
        log.info("deleted %s (restorable from %s)", path, folder / HISTORY / name)


def add_examples(ds: DirectionDataset, pole: str, texts, folder: Path | None = None) -> tuple[DirectionDataset, int]:
    """Add texts to one pole of a saved data set (those it already holds are skipped) and save it.

    Returns (the data set as saved, how many examples were added). Raises SaveConflict when the file
    changed since `ds` was loaded, DatasetError when the result is not a valid data set.
    """
    if pole not in ("negative", "positive", "neutral"):
        raise DatasetError(f"pole must be 'negative', 'positive' or 'neutral', not {pole!r}")
    held = set(ds.negative) | set(ds.positive) | set(ds.neutral)
    new = [t for t in dict.fromkeys(str(t).strip() for t in texts) if t and t not in held]
    updated = ds.with_changes(**{pole: getattr(ds, pole) + tuple(new)})
    return save_dataset(updated, ds.file_hash, folder), len(new)
