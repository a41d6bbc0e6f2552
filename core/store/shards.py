"""A disk store of fixed-length float32 vectors keyed by 16-byte hashes, built for bulk reads.

Layout, one folder per model identity:

    manifest.json               what produced the vectors (identity, dimension, dtype, format)
    <shard>.vec.npy             an (n, dim) float32 array, memory-mapped when read
    <shard>.sum.json            checksums of the two .npy files (core/store/shard_files.py)
    <shard>.keys.npy            its (n, 16) uint8 keys; written last, so it marks a complete shard

Shards are immutable and written atomically (temporary file, fsync, rename), so a crash leaves
either a whole shard or none. The index (sorted 64-bit key prefixes, 16 bytes per vector) is the
only thing held in memory: a million vectors cost 16 MB of index, and a query reads just its rows.
Other processes' shards are picked up on the next lookup. Many small shards are merged into one
under a file lock. Anything unreadable (a corrupt or truncated shard, a foreign manifest) is
dropped and counted in `resets`; rows that are not finite unit vectors read as misses (and are never stored).
Each shard is checked against its checksums when first scanned, and again when one of its rows reads badly;
a damaged shard is dropped with one log line, so its texts are embedded again.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import threading
import uuid
from pathlib import Path

import numpy as np

from core.files import atomic_write_text
from core.store import shard_files

log = logging.getLogger(__name__)

FORMAT = "shards-1"
MERGE_AT = 24  # merge when a folder holds this many shards


def _keys_array(keys) -> np.ndarray:
    if isinstance(keys, np.ndarray):
        return keys.reshape(-1, 16)
    return np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(-1, 16) if keys else np.zeros((0, 16), np.uint8)


def _prefix(k: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(k[:, :8]).view("<u8").reshape(-1)


class VectorStore:
    def __init__(self, folder: Path, identity: str, dim: int):
        self.folder = Path(folder)
        self.identity = identity
        self.dim = int(dim)
        self.resets = 0
        self._lock = threading.RLock()
        self._shards: dict[str, int] = {}  # shard name -> rows
        self._dirty = True
        self._sorted = np.zeros(0, "<u8")
        self._order_keys = np.zeros((0, 16), np.uint8)
        self._order_shard = np.zeros(0, np.int32)
        self._order_row = np.zeros(0, np.int64)
        self._names: list[str] = []
        with self._lock:
            self._check_manifest()
            self._scan()

    # ------------------------------------------------------------ housekeeping
    @property
    def manifest(self) -> dict:
        return {"identity": self.identity, "dim": self.dim, "dtype": "float32", "format": FORMAT}

    def _check_manifest(self) -> None:
        path = self.folder / "manifest.json"
        try:
            if json.loads(path.read_text(encoding="utf-8")) == self.manifest:
                return
        except (OSError, ValueError):
            try:
                empty = not self.folder.exists() or not any(self.folder.iterdir())
            except OSError:  # the folder's path runs through a file, or cannot be listed
                empty = True
            if empty:
                self._write_manifest()
                return
        self._wipe()

    def _write_manifest(self) -> None:
        """Start the folder; a cache that cannot be written only costs time (every text is embedded anew)."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            atomic_write_text(self.folder / "manifest.json", json.dumps(self.manifest))
        except OSError as exc:
            if not getattr(self, "_warned", False):
                log.warning("vector cache %s cannot be written (%s); working without it", self.folder, exc)
                self._warned = True

    def _wipe(self) -> None:
        """Drop everything in the folder and start an empty store."""
        log.info("vector cache %s is unreadable or made by something else; starting it afresh", self.folder)
        with contextlib.suppress(OSError):
            for p in self.folder.iterdir():
                if p.is_file() and p.name != ".lock":
                    p.unlink(missing_ok=True)
        self._write_manifest()
        self._shards.clear()
        self._dirty = True
        self.resets += 1

    def _drop_shard(self, name: str, why: object = "unreadable") -> None:
        log.warning("vector cache %s: dropped the shard %s (%s); its texts are embedded again",
                    self.folder, name, why)
        shard_files.remove(self.folder, name)
        self._shards.pop(name, None)
        self._dirty = True
        self.resets += 1

    def _scan(self) -> None:
        """Pick up complete shards written by this or another process; drop broken ones."""
        try:
            names = {p.name[: -len(".keys.npy")] for p in self.folder.glob("*.keys.npy")}
        except OSError:
            names = set()
        if not (self.folder / "manifest.json").exists():
            self._check_manifest()
        for gone in set(self._shards) - names:
            self._shards.pop(gone)
            self._dirty = True
        for name in sorted(names - set(self._shards)):
            try:
                self._shards[name] = shard_files.check(self.folder, name, self.dim)
            except (OSError, ValueError) as exc:
                if (self.folder / f"{name}.keys.npy").exists():  # else merged away by another process meanwhile
                    self._drop_shard(name, exc)
                continue
            self._dirty = True

    def _index(self) -> None:
        if not self._dirty:
            return
        names = sorted(self._shards)
        parts, shard_ids, rows = [], [], []
        for i, name in enumerate(list(names)):
            try:
                keys = np.load(self.folder / f"{name}.keys.npy", allow_pickle=False)
            except (OSError, ValueError, EOFError):
                self._drop_shard(name)
                return self._index()
            parts.append(keys)
            shard_ids.append(np.full(len(keys), i, np.int32))
            rows.append(np.arange(len(keys)))
        keys = np.concatenate(parts) if parts else np.zeros((0, 16), np.uint8)
        prefix = _prefix(keys)
        order = np.argsort(prefix, kind="stable")
        self._names = names
        self._sorted = prefix[order]
        self._order_keys = keys[order]
        self._order_shard = np.concatenate(shard_ids)[order] if parts else np.zeros(0, np.int32)
        self._order_row = np.concatenate(rows)[order] if parts else np.zeros(0, np.int64)
        self._dirty = False

    # ------------------------------------------------------------ reads
    def lookup(self, keys) -> tuple[np.ndarray, np.ndarray]:
        """(found mask, vectors) for the keys; rows not found are zero."""
        q = _keys_array(keys)
        with self._lock:
            for attempt in range(2):
                try:
                    return self._lookup(q)
                except (OSError, ValueError):
                    self._scan()  # a shard vanished (merged by another process) or broke: rescan once
                    self._dirty = True
            self._wipe()
            return np.zeros(len(q), bool), np.zeros((len(q), self.dim), np.float32)

    def _lookup(self, q: np.ndarray):
        self._index()
        n = len(q)
        found = np.zeros(n, bool)
        out = np.zeros((n, self.dim), np.float32)
        if n == 0 or len(self._sorted) == 0:
            if n and self._new_shards():
                return self._lookup(q)
            return found, out
        qp = _prefix(q)
        pos = np.searchsorted(self._sorted, qp)
        pos = np.minimum(pos, len(self._sorted) - 1)
        hit = (self._sorted[pos] == qp) & np.all(self._order_keys[pos] == q, axis=1)
        which = np.nonzero(hit)[0]
        shards = self._order_shard[pos[which]]
        rows = self._order_row[pos[which]]
        for s in np.unique(shards):
            sel = shards == s
            path = self.folder / f"{self._names[s]}.vec.npy"
            vec = np.load(path, mmap_mode="r", allow_pickle=False)
            if vec.shape != (self._shards.get(self._names[s], -1), self.dim):
                raise ValueError("shard changed on disk")
            out[which[sel]] = vec[rows[sel]]
        good = np.zeros(n, bool)
        good[which] = shard_files.good_rows(out[which])
        out[~good] = 0.0
        if self._recheck(np.unique(self._order_shard[pos[hit & ~good]])):
            return self._lookup(q)
        if not good.all() and self._new_shards():
            return self._lookup(q)
        return good, out

    def _recheck(self, shard_ids) -> bool:
        """Check again the shards that bad rows came from; True when one was dropped (damaged since)."""
        dropped = False
        for name in [self._names[s] for s in shard_ids]:
            try:
                shard_files.check(self.folder, name, self.dim)
            except (OSError, ValueError) as exc:
                self._drop_shard(name, exc)
                dropped = True
        return dropped

    def _new_shards(self) -> bool:
        before = set(self._shards)
        self._scan()
        return set(self._shards) != before

    # ------------------------------------------------------------ writes
    def put_many(self, keys, vectors: np.ndarray) -> None:
        k = np.ascontiguousarray(_keys_array(keys))
        v = np.ascontiguousarray(vectors, dtype=np.float32)
        if len(k) == 0:
            return
        if v.shape != (len(k), self.dim):
            raise ValueError(f"expected ({len(k)}, {self.dim}) vectors, got {v.shape}")
        good = shard_files.good_rows(v)  # a row that would read as a miss is not stored: it would shadow a good one
        if not good.all():
            k, v = k[good], v[good]
            if len(k) == 0:
                return
        name = f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
        with self._lock:
            try:
                if not (self.folder / "manifest.json").exists():
                    self._check_manifest()
                shard_files.write(self.folder, name, k, v)
            except OSError as exc:  # a cache that cannot be written only costs time
                log.warning("vector cache %s: %d vectors could not be saved (%s)", self.folder, len(k), exc)
                return
            self._shards[name] = len(k)
            self._dirty = True
            if len(self._shards) >= MERGE_AT:
                self.merge()

    def merge(self) -> None:
        """Merge every shard into one (valid rows only, one row per key), under a folder lock."""
        with self._lock, open(self.folder / ".lock", "a+") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                self._scan()
                self._index()
                if len(self._names) < 2:
                    return
                keys = self._order_keys
                unique = np.ones(len(keys), bool)
                unique[1:] = np.any(keys[1:] != keys[:-1], axis=1)
                keys = keys[unique]
                found, vecs = self._lookup(keys)
                name = f"merged-{uuid.uuid4().hex[:12]}"
                shard_files.write(self.folder, name, keys[found], vecs[found])
                for old in list(self._names):
                    for suffix in shard_files.SUFFIXES:
                        (self.folder / f"{old}{suffix}").unlink(missing_ok=True)
                self._shards = {name: int(found.sum())}
                self._dirty = True
            except OSError as exc:  # the shards stay as they were: merging again later is fine
                log.warning("vector cache %s: merging its shards failed (%s)", self.folder, exc)
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)

    def __len__(self) -> int:
        with self._lock:
            self._scan()
            return int(sum(self._shards.values()))
