"""Files written once, safely: atomic writes, and caches that are read, checked and rebuilt in one way.

Atomic: a temporary file with a unique name in the same folder, flushed and fsynced, then `os.replace`
and an fsync of the folder, so a crash leaves the old file or the new one, never half of one.

Caches: a cache file is disposable. `read_cached` returns None for a file that is missing, unreadable or
fails the caller's check (and logs why); `write_cached` never raises for a disk that refuses the write
(a cache that cannot be written only costs time); `cached` puts the two around a function that makes
the value.
"""
from __future__ import annotations

import logging
import os
import tempfile
import zipfile
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")

# what a damaged cache file can raise while being parsed
DAMAGED = (OSError, ValueError, KeyError, TypeError, EOFError, AttributeError, zipfile.BadZipFile)


def fsync_folder(folder: Path) -> None:
    try:  # make the rename itself durable
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        pass


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary path beside `path` to write to; on success it is fsynced and replaces `path`.

    If the block raises, the temporary file is removed and `path` is untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_folder(path.parent)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    fsync_folder(path.parent)


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def read_cached(path: Path, parse: Callable[[bytes], T | None]) -> T | None:
    """`parse(bytes)` of the cache file, or None when it is missing, unreadable or rejected.

    `parse` returns None (or raises one of DAMAGED) for an entry that does not fit; such an entry is
    treated as a miss, to be rebuilt.
    """
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.info("cache file %s cannot be read (%s); rebuilding it", path, exc)
        return None
    try:
        value = parse(data)
    except DAMAGED as exc:
        log.info("cache file %s is damaged (%s); rebuilding it", path, exc)
        return None
    if value is None:
        log.info("cache file %s does not fit what is asked; rebuilding it", path)
    return value


def write_cached(path: Path, data: bytes) -> bool:
    """Write a cache file atomically; False (logged, not raised) when the disk refuses."""
    try:
        atomic_write_bytes(path, data)
        return True
    except OSError as exc:
        log.warning("cache file %s could not be written (%s); it will be computed again next time", path, exc)
        return False


def cached(path: Path, parse: Callable[[bytes], T | None], make: Callable[[], T], dump: Callable[[T], bytes]) -> T:
    """The value in the cache file at `path`, or `make()`'s, which is then written there (best effort)."""
    value = read_cached(path, parse)
    if value is None:
        value = make()
        write_cached(path, dump(value))
    return value
