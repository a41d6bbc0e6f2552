"""The registry and the user's model list: models.yaml read in one place, every field kept, cached by the
file's state, written atomically; process-only models registered and forgotten through public functions."""
import logging
import subprocess
import sys

import pytest
import yaml

from core.models import models_file
from core.models import registry as encoders
from tests.conftest import ROOT, FakeEncoder


@pytest.fixture
def models(tmp_path, monkeypatch):
    path = tmp_path / "models.yaml"
    monkeypatch.setenv("LATENT_MODELS_FILE", str(path))
    return path


def test_entries_keep_every_field_and_become_spec_options(models):
    models.write_text("models:\n  - name: mine\n    source: some/model\n    revision: abc\n    trust_remote_code: true\n"
                      "  - {name: broken}\n")
    assert models_file.entries() == [{"name": "mine", "source": "some/model", "revision": "abc",
                                      "trust_remote_code": True}]
    spec = encoders.get_spec("mine")
    assert (spec.kind, spec.options) == ("sentence-transformers", {"revision": "abc", "trust_remote_code": True})
    assert encoders.user_entry("mine")["revision"] == "abc" and encoders.user_entry("other") == {}
    encoders.user_entry("mine")["revision"] = "changed"  # a copy: the cache is not touched
    assert encoders.user_entry("mine")["revision"] == "abc"


def test_an_entry_for_an_offered_model_keeps_the_backends_options(models):
    models.write_text("models:\n  - name: bottleneck-t5-small\n    kind: bottleneck-t5\n"
                      "    source: thesephist/contra-bottleneck-t5-small-wikipedia\n    trust_remote_code: true\n")
    spec = encoders.get_spec("bottleneck-t5-small")
    assert spec.options["trust_remote_code"] is True and spec.options["dim"] == 512


def test_the_file_is_parsed_again_only_when_it_changes(models, monkeypatch):
    calls = []
    real = yaml.safe_load
    monkeypatch.setattr(yaml, "safe_load", lambda text: calls.append(1) or real(text))
    models.write_text("models:\n  - name: one\n    source: a/b\n")
    for _ in range(5):
        assert "one" in encoders.model_names()
    assert len(calls) == 1
    models.write_text("models:\n  - name: two\n    source: a/bc\n")
    assert "two" in encoders.model_names() and "one" not in encoders.model_names()
    assert len(calls) == 2


def test_add_and_remove_write_the_file_atomically_and_keep_other_entries(models, tmp_path):
    models.write_text("models:\n  - name: pinned\n    source: a/b\n    revision: abc\n")
    (tmp_path / "config.json").write_text("{}")  # a model-shaped folder
    encoders.add_model("mine", str(tmp_path), "a local folder")
    entries = {e["name"]: e for e in models_file.read()}
    assert entries["pinned"]["revision"] == "abc" and entries["mine"]["description"] == "a local folder"
    assert models.read_text().startswith("#")
    encoders.remove_model("mine")
    assert [e["name"] for e in models_file.read()] == ["pinned"]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_a_broken_file_is_ignored_for_listing_and_never_overwritten(models, tmp_path, caplog):
    models.write_text("models: [unclosed\n")
    with caplog.at_level(logging.WARNING, logger="core.models.models_file"):
        assert encoders.DEFAULT_MODEL in encoders.model_names()
    assert "not valid YAML" in caplog.text
    (tmp_path / "config.json").write_text("{}")  # a model-shaped folder
    with pytest.raises(models_file.ModelsFileError, match="fix it by hand"):
        encoders.add_model("mine", str(tmp_path))
    assert models.read_text() == "models: [unclosed\n"


def test_register_spec_keeps_an_encoder_made_from_the_same_spec_and_forget_drops_it(tmp_path):
    encoders.register_backend("fake-registry", lambda spec, path: FakeEncoder(spec))
    spec = encoders.ModelSpec(name="fake-registry-model", source=str(tmp_path), kind="fake-registry")
    try:
        encoders.register_spec(spec)
        first = encoders.get_encoder(spec.name)
        encoders.register_spec(encoders.ModelSpec(name=spec.name, source=str(tmp_path), kind="fake-registry"))
        assert encoders.get_encoder(spec.name) is first
        encoders.register_spec(encoders.ModelSpec(name=spec.name, source=str(tmp_path), kind="fake-registry",
                                                  options={"x": 1}))
        second = encoders.get_encoder(spec.name)
        assert second is not first
        encoders.forget(spec.name)
        assert spec.name not in encoders.model_names() and spec.name not in encoders.loaded_encoders()
    finally:
        encoders.forget(spec.name)


def test_backend_modules_are_imported_once(monkeypatch):
    import importlib

    encoders.model_names()
    calls = []
    real = importlib.import_module
    monkeypatch.setattr(importlib, "import_module", lambda name, *a: calls.append(name) or real(name, *a))
    for _ in range(3):
        encoders.model_names()
    assert calls == []


def test_listing_models_loads_no_higher_domain_and_no_torch():
    code = ("import sys; from core.models import registry; registry.model_names(); "
            "print(sorted(m for m in sys.modules if m.startswith(('core.directions', 'core.latent', 'core.images', "
            "'core.store', 'torch', 'transformers', 'sklearn'))))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
