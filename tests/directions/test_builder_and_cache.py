"""The builder recovers planted directions; the direction cache is keyed by content and survives corruption;
the model registry lists, loads and adds models."""
import numpy as np
import pytest

from core.directions import build_directions, cache_path, clear_memory
from core.models import registry as encoders
from core.store.embedder import Embedder
from tests.conftest import FakeEncoder
from tests.fixtures.directions import planted_dataset


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


def test_direction_cache_is_keyed_by_content_and_rebuilt_when_corrupt(cache_root, monkeypatch):
    monkeypatch.setenv("LATENT_CACHE_DIR", str(cache_root))
    clear_memory()
    enc = FakeEncoder()
    emb = Embedder(enc, cache_root)
    ds = planted_dataset()
    (d1,) = build_directions([ds], emb)
    path = cache_path(enc.identity, ds)
    assert path.exists()
    clear_memory()
    path.write_text("{ not json")
    (d2,) = build_directions([ds], emb)
    np.testing.assert_allclose(d1.vector, d2.vector, atol=1e-6)
    changed = ds.with_changes(positive=ds.positive + ("happy happy extra",))
    assert changed.build_hash != ds.build_hash
    (d3,) = build_directions([changed], emb)
    assert cache_path(enc.identity, changed).exists()
    assert not np.allclose(d1.vector, d3.vector)


def test_direction_cache_of_another_model_is_rebuilt_and_an_unwritable_cache_only_costs_time(
        cache_root, monkeypatch, caplog):
    import json
    import logging

    monkeypatch.setenv("LATENT_CACHE_DIR", str(cache_root))
    clear_memory()
    enc = FakeEncoder()
    emb = Embedder(enc, cache_root)
    ds = planted_dataset()
    (d1,) = build_directions([ds], emb)
    path = cache_path(enc.identity, ds)
    path.write_text(json.dumps({**json.loads(path.read_text()), "identity": "someone-else"}))
    clear_memory()
    seen = enc.texts_seen
    with caplog.at_level(logging.INFO, logger="core.files"):
        (d2,) = build_directions([ds], emb)
    assert "rebuilding" in caplog.text
    np.testing.assert_allclose(d1.vector, d2.vector, atol=1e-6)
    assert json.loads(path.read_text())["identity"] == enc.identity  # rewritten for this model
    assert enc.texts_seen == seen  # the examples' embeddings came from the embedding cache

    blocked = cache_root / "blocked"
    blocked.write_text("a file where the cache folder should be")
    monkeypatch.setenv("LATENT_CACHE_DIR", str(blocked))
    clear_memory()
    with caplog.at_level(logging.WARNING, logger="core.files"):
        (d3,) = build_directions([ds], emb)
    np.testing.assert_allclose(d1.vector, d3.vector, atol=1e-6)
    assert "could not be written" in caplog.text


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
    (tmp_path / "config.json").write_text("{}")  # a model-shaped folder
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
