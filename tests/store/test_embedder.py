"""The embedding cache: never embeds a text twice, survives restarts, corruption and many shards."""
import numpy as np
import pytest

from core.store.embedder import Embedder, EmbeddingStore, text_key
from tests.conftest import FakeEncoder


def test_second_run_embeds_nothing_even_after_restart(cache_root):
    enc = FakeEncoder()
    emb = Embedder(enc, cache_root)
    texts = ["one text", "two texts", "one text", "three"]
    first = emb.embed(texts)
    assert emb.encoded == 3 and enc.texts_seen == 3  # the duplicate is embedded once
    again = emb.embed(texts)
    assert enc.texts_seen == 3
    np.testing.assert_array_equal(first, again)
    # a new process: new encoder object, new store object, same folder
    enc2 = FakeEncoder()
    emb2 = Embedder(enc2, cache_root)
    np.testing.assert_array_equal(emb2.embed(texts), first)
    assert enc2.texts_seen == 0
    assert emb2.cached_count(texts) == 3


def test_empty_input_embeds_nothing(cache_root):
    emb = Embedder(FakeEncoder(), cache_root)
    assert emb.embed([]).shape == (0, FakeEncoder.DIM)


def test_progress_reports_only_new_texts(cache_root):
    emb = Embedder(FakeEncoder(), cache_root)
    emb.embed(["a", "b"])
    seen = []
    emb.embed(["a", "b", "c", "d", "e"], progress=lambda done, total: seen.append((done, total)))
    assert seen[0] == (0, 3) and seen[-1] == (3, 3)


def test_corrupt_cache_files_are_dropped_and_rebuilt(cache_root):
    enc = FakeEncoder()
    emb = Embedder(enc, cache_root)
    ref = emb.embed(["alpha", "beta"])
    for f in emb.store.path.iterdir():
        if f.is_file():
            f.write_bytes(b"this is not an array" * 100)
    enc2 = FakeEncoder()
    emb2 = Embedder(enc2, cache_root)
    np.testing.assert_allclose(emb2.embed(["alpha", "beta"]), ref, atol=1e-6)
    assert enc2.texts_seen == 2 and emb2.store.resets >= 1
    assert len(emb2.store) == 2


def test_cache_truncated_or_corrupted_while_running_is_rebuilt(cache_root):
    enc = FakeEncoder()
    emb = Embedder(enc, cache_root)
    emb.embed(["alpha", "beta"])
    for f in emb.store.path.glob("*.npy"):  # truncate every shard under the live store
        with open(f, "r+b") as fh:
            fh.truncate(40)
    out = emb.embed(["alpha", "gamma"])
    assert out.shape == (2, FakeEncoder.DIM)
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(out[0], FakeEncoder().encode(["alpha"])[0], atol=1e-6)
    for f in emb.store.path.glob("*.vec.npy"):  # now overwrite vectors in place with garbage
        data = bytearray(f.read_bytes())
        data[-64:] = b"\xff" * 64
        f.write_bytes(bytes(data))
    out = emb.embed(["alpha", "gamma"])
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)


def test_mismatched_manifest_is_dropped(cache_root):
    import json

    store = EmbeddingStore(cache_root, "fake:fake-v1", FakeEncoder.DIM)
    store.put_many([text_key("x")], FakeEncoder().encode(["x"]))
    manifest = store.path / "manifest.json"
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "dim": 16}))
    store2 = EmbeddingStore(cache_root, "fake:fake-v1", FakeEncoder.DIM)
    assert store2.resets == 1 and len(store2) == 0


def test_malformed_row_is_a_miss(cache_root):
    enc = FakeEncoder()
    emb = Embedder(enc, cache_root)
    emb.store.put_many([text_key("alpha")], np.zeros((1, FakeEncoder.DIM), dtype=np.float32))  # not unit length
    emb.embed(["alpha"])
    assert enc.texts_seen == 1
    with pytest.raises(ValueError, match="expected"):
        emb.store.put_many([text_key("alpha")], np.zeros((1, 5), dtype=np.float32))


def test_many_shards_merge_and_stay_readable(cache_root, monkeypatch):
    import core.store.shards as vs

    monkeypatch.setattr(vs, "MERGE_AT", 4)
    enc = FakeEncoder()
    emb = Embedder(enc, cache_root)
    texts = [f"text {i}" for i in range(10)]
    for t in texts:
        emb.embed([t])
    assert len(list(emb.store.path.glob("*.keys.npy"))) < 4
    other = Embedder(FakeEncoder(), cache_root)  # another process's view
    np.testing.assert_allclose(other.embed(texts), emb.embed(texts), atol=1e-7)
    assert other.encoder.texts_seen == 0


def test_a_second_process_sees_new_shards(cache_root):
    a = Embedder(FakeEncoder(), cache_root)
    b = Embedder(FakeEncoder(), cache_root)
    a.embed(["only written by a"])
    b.embed(["only written by a"])
    assert b.encoder.texts_seen == 0
