"""Issue 17, item 14: a vector-cache shard damaged on disk is found by its checksums and dropped (one log line),
so its texts are embedded again once, not on every run; bit rot that keeps rows within the norm tolerance is
never served. Old shards without checksums are adopted when every row is a unit vector, dropped otherwise."""
import json
import logging

import numpy as np
import pytest

import core.store.shards as vs
from core.store import shard_files
from core.store.embedder import Embedder
from tests.conftest import FakeEncoder

TEXTS = [f"text number {i} about happy tiny things" for i in range(600)]


def _shards(emb):
    return sorted(emb.store.path.glob("*.vec.npy"))


def _rows(vec) -> int:
    return len(np.load(str(vec).replace(".vec.npy", ".keys.npy")))


def _rot(path, flip_low_bits: bool) -> None:
    """Damage the data of a .npy file and keep its header: flip the lowest mantissa bit of every float (rows
    stay within the norm tolerance) or overwrite a run of bytes in the middle (rows far from unit length)."""
    data = bytearray(path.read_bytes())
    header = 128
    if flip_low_bits:
        body = np.frombuffer(bytes(data[header:]), dtype=np.uint8).copy()
        body[::4] ^= 1  # little-endian float32: the first byte of each holds the lowest mantissa bits
        data[header:] = body.tobytes()
    else:
        mid = len(data) // 2
        data[mid:mid + 4096] = b"\x7f" * 4096
    path.write_bytes(bytes(data))


def _drops(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if "dropped the shard" in r.getMessage()]


@pytest.mark.parametrize("within_tolerance", [True, False], ids=["bit-rot-within-tolerance", "damaged-rows"])
def test_a_damaged_shard_is_dropped_once_and_its_texts_embedded_again(cache_root, caplog, within_tolerance):
    truth = Embedder(FakeEncoder(), cache_root).embed(TEXTS)  # three shards (texts are saved 256 at a time)
    vec = _shards(Embedder(FakeEncoder(), cache_root))[0]
    rows = _rows(vec)
    _rot(vec, within_tolerance)
    caplog.set_level(logging.INFO, logger="core.store.shards")
    enc = FakeEncoder()
    again = Embedder(enc, cache_root).embed(TEXTS)  # a new run
    np.testing.assert_array_equal(again, truth)  # nothing damaged is served
    assert enc.texts_seen == rows  # the damaged shard's texts, embedded again
    assert len(_drops(caplog)) == 1 and "checksums do not match" in _drops(caplog)[0]
    later = FakeEncoder()
    np.testing.assert_array_equal(Embedder(later, cache_root).embed(TEXTS), truth)
    assert later.texts_seen == 0  # the next run embeds nothing: the damaged shard is gone, not shadowing


def test_a_shard_damaged_under_a_running_store_is_dropped_when_a_row_reads_badly(cache_root, caplog):
    enc = FakeEncoder()
    emb = Embedder(enc, cache_root)
    truth = emb.embed(TEXTS)
    vec = _shards(emb)[0]
    rows = _rows(vec)
    _rot(vec, flip_low_bits=False)
    caplog.set_level(logging.INFO, logger="core.store.shards")
    for _ in range(3):
        np.testing.assert_array_equal(emb.embed(TEXTS), truth)
    assert len(_drops(caplog)) == 1
    assert enc.texts_seen == len(TEXTS) + rows  # embedded once more, not on every lookup


def test_a_damaged_checksum_file_drops_its_shard(cache_root, caplog):
    truth = Embedder(FakeEncoder(), cache_root).embed(TEXTS[:10])
    (sums,) = (cache_root / "embeddings").glob("*/*.sum.json")
    sums.write_text("{not json")
    caplog.set_level(logging.INFO, logger="core.store.shards")
    enc = FakeEncoder()
    np.testing.assert_array_equal(Embedder(enc, cache_root).embed(TEXTS[:10]), truth)
    assert enc.texts_seen == 10 and len(_drops(caplog)) == 1


def _legacy(cache_root, vectors):
    """A store folder as written before checksums: the same files, without .sum.json."""
    emb = Embedder(FakeEncoder(), cache_root)
    emb.embed(TEXTS[:50])
    (sums,) = emb.store.path.glob("*.sum.json")
    sums.unlink()
    if vectors is not None:
        (vec,) = _shards(emb)
        np.save(vec, vectors, allow_pickle=False)
    return emb.store.path


def test_an_old_shard_without_checksums_is_adopted_when_its_rows_are_unit_vectors(cache_root):
    folder = _legacy(cache_root, None)
    enc = FakeEncoder()
    np.testing.assert_array_equal(Embedder(enc, cache_root).embed(TEXTS[:50]), FakeEncoder().encode(TEXTS[:50]))
    assert enc.texts_seen == 0  # served, not embedded again
    (sums,) = folder.glob("*.sum.json")  # its checksums are written, so later runs check it like any other
    name = sums.name[: -len(".sum.json")]
    assert json.loads(sums.read_text())["vec"] == shard_files.file_crc(folder / f"{name}.vec.npy")


def test_an_old_shard_without_checksums_holding_a_bad_row_is_dropped(cache_root, caplog):
    bad = FakeEncoder().encode(TEXTS[:50])
    bad[7] *= 1.5
    folder = _legacy(cache_root, bad)
    caplog.set_level(logging.INFO, logger="core.store.shards")
    enc = FakeEncoder()
    Embedder(enc, cache_root).embed(TEXTS[:50])
    assert enc.texts_seen == 50 and len(_drops(caplog)) == 1 and "not unit vectors" in _drops(caplog)[0]
    later = FakeEncoder()
    Embedder(later, cache_root).embed(TEXTS[:50])
    assert later.texts_seen == 0 and len(list(folder.glob("*.sum.json"))) == 1


def test_merged_shards_carry_checksums_and_a_bad_row_is_never_stored(cache_root, monkeypatch):
    monkeypatch.setattr(vs, "MERGE_AT", 3)
    emb = Embedder(FakeEncoder(), cache_root)
    for i in range(5):
        emb.embed(TEXTS[i * 10:(i + 1) * 10])
    emb.store.merge()
    (keys,) = emb.store.path.glob("*.keys.npy")
    name = keys.name[: -len(".keys.npy")]
    assert (emb.store.path / f"{name}.sum.json").exists()
    assert name.startswith("merged-") and shard_files.check(emb.store.path, name, FakeEncoder.DIM) == 50
    rows = FakeEncoder().encode(["x", "y"])
    rows[1] = 0.0
    emb.store.put_many([b"x" * 16, b"y" * 16], rows)
    found, _ = emb.store.lookup([b"x" * 16, b"y" * 16])
    assert found.tolist() == [True, False] and len(emb.store) == 51
