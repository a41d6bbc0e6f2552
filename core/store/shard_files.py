"""One shard's files (core/store/shards.py): written with their checksums, and checked against them.

    <shard>.vec.npy     an (n, dim) float32 array
    <shard>.sum.json    {"keys": crc32, "vec": crc32} of the two .npy files' bytes, written before the keys
    <shard>.keys.npy    its (n, 16) uint8 keys; written last, so it marks a complete shard

Checking a shard reads it whole once (crc32 runs at about 1.6 GB/s: a 100k x 384 shard, 154 MB, takes about
0.1 s). A shard written before checksums (no .sum.json) is adopted: every row must be a finite unit vector,
then its checksums are written where the folder allows it. Checksums catch what the norm check cannot: bit rot
that leaves a row within the norm tolerance, and damage to a file whose header is intact.
"""
from __future__ import annotations

import contextlib
import io
import json
import zlib
from pathlib import Path

import numpy as np

from core.files import atomic_path, atomic_write_bytes, atomic_write_text

TOLERANCE = 1e-3  # a row whose squared norm is further than this from 1 reads as a miss
SUFFIXES = (".keys.npy", ".sum.json", ".vec.npy")  # keys first: without them the other files are ignored
BLOCK = 1 << 22  # bytes read at a time while checksumming
ROWS = 1 << 16  # rows checked at a time when adopting an old shard


class ShardDamaged(ValueError):
    """A shard's files do not match their checksums, or cannot be read as a shard."""


def good_rows(vec: np.ndarray) -> np.ndarray:
    """Which rows are finite unit vectors (within TOLERANCE on the squared norm)."""
    norms = np.einsum("ij,ij->i", vec, vec)
    return np.isfinite(norms) & (np.abs(norms - 1.0) < TOLERANCE)


def save_npy(path: Path, array: np.ndarray) -> int:
    """Write an array atomically; the crc32 of the file's bytes (its header's, then the array's own buffer)."""
    array = np.ascontiguousarray(array)
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            np.save(fh, array, allow_pickle=False)
            header = fh.tell() - array.nbytes
        with open(tmp, "rb") as fh:
            crc = zlib.crc32(fh.read(header))
    return zlib.crc32(array, crc)


def file_crc(path: Path) -> int:
    crc = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(BLOCK):
            crc = zlib.crc32(chunk, crc)
    return crc


def remove(folder: Path, name: str, suffixes=SUFFIXES) -> None:
    with contextlib.suppress(OSError):
        for suffix in suffixes:
            (folder / f"{name}{suffix}").unlink(missing_ok=True)


def write(folder: Path, name: str, keys: np.ndarray, vecs: np.ndarray) -> None:
    """Vectors, checksums, then keys (the commit marker); on failure (OSError) nothing is left behind."""
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(keys), allow_pickle=False)
    raw = buf.getvalue()
    try:
        sums = {"keys": zlib.crc32(raw), "vec": save_npy(folder / f"{name}.vec.npy", vecs)}
        atomic_write_text(folder / f"{name}.sum.json", json.dumps(sums))
        atomic_write_bytes(folder / f"{name}.keys.npy", raw)
    except OSError:
        remove(folder, name, SUFFIXES[1:])
        raise


def check(folder: Path, name: str, dim: int) -> int:
    """The shard's row count once its shapes and checksums hold (an old shard without any is adopted);
    ShardDamaged (a ValueError) or OSError otherwise."""
    raw = (folder / f"{name}.keys.npy").read_bytes()
    vec_path = folder / f"{name}.vec.npy"
    try:
        keys = np.load(io.BytesIO(raw), allow_pickle=False)
        vec = np.load(vec_path, mmap_mode="r", allow_pickle=False)
    except (ValueError, EOFError) as exc:
        raise ShardDamaged(f"not a readable shard: {exc}") from None
    if keys.dtype != np.uint8 or keys.ndim != 2 or keys.shape[1] != 16 \
            or vec.dtype != np.float32 or vec.shape != (len(keys), dim):
        raise ShardDamaged("its arrays have the wrong shape")
    actual = {"keys": zlib.crc32(raw), "vec": file_crc(vec_path)}
    sums_path = folder / f"{name}.sum.json"
    try:
        sums = json.loads(sums_path.read_bytes())
    except FileNotFoundError:  # written before checksums
        for start in range(0, len(vec), ROWS):
            if not good_rows(np.asarray(vec[start:start + ROWS])).all():
                raise ShardDamaged("an old shard without checksums holds rows that are not unit vectors") from None
        with contextlib.suppress(OSError):  # adopted; a read-only cache checks it again next time
            atomic_write_text(sums_path, json.dumps(actual))
        return len(keys)
    except ValueError:
        raise ShardDamaged("its checksum file is damaged") from None
    if sums != actual:
        raise ShardDamaged("its checksums do not match: damaged on disk")
    return len(keys)
