"""The builder recovers planted directions; the disk caches never embed twice and survive corruption."""
import numpy as np
import pytest

from core.models import registry as encoders
from core.directions.datasets import DirectionDataset
from core.directions.build import build_directions, _cache_path
from core.store.embedder import Embedder, EmbeddingStore, text_key
from tests.conftest import FakeEncoder

TOPICS = ["the weather today", "my new job", "that old film", "dinner with friends", "the long drive home",
          "our garden in spring", "the football match", "a visit to the dentist"]


def planted_dataset():
    neg = [f"{t} was sad and grim" for t in TOPICS] + [f"awful {t}" for t in TOPICS]
    pos = [f"{t} was happy and lovely" for t in TOPICS] + [f"great {t}" for t in TOPICS]
    return DirectionDataset(name="mood", title="Mood", negative_label="sad", positive_label="happy",
                            negative=tuple(neg), positive=tuple(pos))


def test_builder_recovers_planted_direction(cache_root):
    emb = Embedder(FakeEncoder(), cache_root)
    (d,) = build_directions([planted_dataset()], emb)
    planted = np.zeros(FakeEncoder.DIM)
    planted[0] = 1.0
    assert float(d.vector @ planted) > 0.95
    assert abs(float(d.vector[1])) < 0.1  # not leaning on the other planted axis
    held_out = emb.embed(["a happy afternoon at the lake", "a grim afternoon at the lake"])
    happy, grim = d.score(held_out)
    assert happy > 0 > grim


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


def test_direction_cache_is_keyed_by_content_and_rebuilt_when_corrupt(cache_root, monkeypatch):
    monkeypatch.setenv("LATENT_CACHE_DIR", str(cache_root))
    import core.directions.build as dirs
    monkeypatch.setattr(dirs, "_MEMO", {})
    enc = FakeEncoder()
    emb = Embedder(enc, cache_root)
    ds = planted_dataset()
    (d1,) = build_directions([ds], emb)
    path = _cache_path(enc.identity, ds)
    assert path.exists()
    dirs._MEMO.clear()
    path.write_text("{ not json")
    (d2,) = build_directions([ds], emb)
    np.testing.assert_allclose(d1.vector, d2.vector, atol=1e-6)
    changed = ds.with_changes(positive=ds.positive + ("happy happy extra",))
    assert changed.build_hash != ds.build_hash
    (d3,) = build_directions([changed], emb)
    assert _cache_path(enc.identity, changed).exists()
    assert not np.allclose(d1.vector, d3.vector)


def test_registry_unknown_name_lists_known():
    with pytest.raises(encoders.UnknownModel) as info:
        encoders.get_spec("no-such-model")
    assert encoders.DEFAULT_MODEL in str(info.value)


def test_fake_backend_through_registry(tmp_path):
    encoders.register_backend("fake", lambda spec, path: FakeEncoder(spec))
    encoders.register_spec(encoders.ModelSpec(name="fake-reg", source=str(tmp_path), kind="fake"))
    a = encoders.get_encoder("fake-reg")
    assert a is encoders.get_encoder("fake-reg")  # loaded once per process
    assert encoders.model_status("fake-reg") == "loaded"


def test_missing_models_say_how_to_get_them(tmp_path):
    spec = encoders.ModelSpec(name="absent", source="someone/not-cached-model")
    with pytest.raises(encoders.ModelUnavailable, match="hf download someone/not-cached-model"):
        encoders.resolve_source(spec)
    folder = encoders.ModelSpec(name="absent2", source=str(tmp_path / "nowhere"))
    with pytest.raises(encoders.ModelUnavailable, match="does not exist"):
        encoders.resolve_source(folder)


def test_add_model_writes_the_models_file(tmp_path, monkeypatch):
    monkeypatch.setenv("LATENT_MODELS_FILE", str(tmp_path / "models.yaml"))
    encoders.add_model("mine", str(tmp_path), "a local folder")
    assert "mine" in encoders.model_names()
    assert encoders.model_status("mine") == "ready"
    with pytest.raises(ValueError, match="Invalid model name"):
        encoders.add_model("../evil", "x/y")
    encoders.remove_model("mine")
    assert "mine" not in encoders.model_names()


def test_broken_models_file_keeps_the_default(tmp_path, monkeypatch):
    bad = tmp_path / "models.yaml"
    bad.write_bytes(b"\xff\xfe: [")
    monkeypatch.setenv("LATENT_MODELS_FILE", str(bad))
    assert encoders.DEFAULT_MODEL in encoders.model_names()
