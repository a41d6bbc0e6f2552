"""Issue 17, items 10 and 12 (models): a server folder that is not a model is refused when added and never listed
as ready; what a fingerprint walks is capped; fingerprinting never holds the shared model-load lock; only people
allowed to edit may add or re-point a model (Home); a model cache folder replaced by a file costs the export only."""
import hashlib
import logging
import threading
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.models import folders, models_file
from core.models import registry as encoders
from tests.conftest import ROOT, FakeEncoder


@pytest.fixture
def models(tmp_path, monkeypatch):
    path = tmp_path / "models.yaml"
    monkeypatch.setenv("LATENT_MODELS_FILE", str(path))
    return path


def _model_folder(folder: Path, files: int = 3) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text("{}")
    for i in range(files):
        (folder / f"part{i}.txt").write_text(str(i))
    return folder


def test_a_server_folder_that_is_not_a_model_is_refused_and_never_ready(models):
    with pytest.raises(ValueError, match="does not look like a sentence-transformers model"):
        encoders.add_model("usr", "/usr")
    assert models_file.entries() == []
    models.write_text("models:\n  - name: usr\n    source: /usr\n")  # written by hand
    status = encoders.model_status("usr")
    assert status != "ready" and "does not look like" in status
    with pytest.raises(encoders.ModelUnavailable, match="does not look like"):
        encoders.get_encoder("usr")


def test_a_model_shaped_folder_too_big_or_too_deep_to_walk_is_refused(models, tmp_path, monkeypatch):
    monkeypatch.setattr(folders, "MAX_FILES", 20)
    big = _model_folder(tmp_path / "big", files=30)
    with pytest.raises(ValueError, match="more than 20 files"):
        encoders.add_model("big", str(big))
    deep = _model_folder(tmp_path / "deep")
    (deep / "/".join("abcdefgh")).mkdir(parents=True)
    with pytest.raises(folders.FolderRefused, match="nested more than"):
        folders.folder_fingerprint(deep)
    assert models_file.entries() == []
    models.write_text(f"models:\n  - name: big\n    source: {big}\n")
    with pytest.raises(encoders.ModelUnavailable, match="more than 20 files"):
        encoders.get_encoder("big")


def _old_fingerprint(path: Path) -> str:
    """The fingerprint as computed before the walk was capped (caches stay valid only if it is unchanged)."""
    h = hashlib.sha256()
    for file in sorted(p for p in Path(path).rglob("*") if p.is_file()):
        rel = file.relative_to(path).as_posix()
        if rel.startswith(".") or "/." in rel or rel.endswith(".md"):
            continue
        h.update(f"{rel}\0{file.stat().st_size}\0".encode())
        h.update(file.read_bytes()[: 1 << 20])
    return h.hexdigest()[:16]


def test_the_fingerprint_is_unchanged_and_remembered(tmp_path, monkeypatch):
    folder = _model_folder(tmp_path / "m")
    for rel in ("1_Pooling/config.json", "onnx/model.onnx", "a/b-c/d.bin", "a/b/e", ".git/objects/x", "README.md",
                "Z.txt", "a/.hidden"):
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(rel.encode() * 50_000)
    (folder / "linked").symlink_to(folder / "a")
    assert folders.folder_fingerprint(folder) == _old_fingerprint(folder)
    reads = []
    monkeypatch.setattr(folders, "_head", lambda file: reads.append(file) or b"")
    folders.folder_fingerprint(folder)
    assert reads == []  # unchanged files: remembered, not read again
    (folder / "Z.txt").write_text("changed")
    folders.folder_fingerprint(folder)
    assert reads  # a changed file is seen


def test_fingerprinting_a_model_folder_never_holds_the_shared_load_lock(models, tmp_path, monkeypatch):
    slow = _model_folder(tmp_path / "slow")
    real_head = folders._head

    def slow_head(file):
        if slow in file.parents:
            time.sleep(0.2)
        return real_head(file)

    monkeypatch.setattr(folders, "_head", slow_head)
    monkeypatch.setitem(encoders._LOADERS, "sentence-transformers",
                        lambda spec, path: (encoders.folder_fingerprint(path), FakeEncoder(spec))[1])
    encoders.register_backend("fake-quick", lambda spec, path: FakeEncoder(spec))
    encoders.register_spec(encoders.ModelSpec(name="slow-one", source=str(slow)))
    encoders.register_spec(encoders.ModelSpec(name="quick-one", source=str(tmp_path), kind="fake-quick"))
    try:
        loading = threading.Thread(target=encoders.get_encoder, args=("slow-one",))
        loading.start()
        time.sleep(0.1)  # the slow folder is being fingerprinted (4 files, 0.2 s each)
        start = time.perf_counter()
        encoders.get_encoder("quick-one")
        waited = time.perf_counter() - start
        loading.join()
        assert waited < 0.3, f"another model's load waited {waited:.2f} s for a fingerprint"
        assert "slow-one" in encoders.loaded_encoders()
    finally:
        encoders.forget("slow-one")
        encoders.forget("quick-one")


def _home(monkeypatch, **env):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    at = AppTest.from_file(str(ROOT / "Home.py"), default_timeout=120)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_home_refuses_a_folder_that_is_not_a_model(models, monkeypatch):
    at = _home(monkeypatch)
    at.text_input[0].input("usr")
    at.text_input[1].input("/usr")
    at.button[0].click().run()
    assert not at.exception
    assert any("does not look like" in e.value for e in at.error)
    assert models_file.entries() == []


def test_home_does_not_let_a_viewer_add_or_repoint_a_model(models, tmp_path, monkeypatch):
    """The form was shown to an editor; by the time the click arrives the dashboard is read-only: nothing is
    re-pointed (the check runs when the click is handled, and a disabled button's click is discarded)."""
    models.write_text("models:\n  - name: mine\n    source: someone/model\n")
    at = _home(monkeypatch)
    at.text_input[0].input("mine")
    at.text_input[1].input(str(_model_folder(tmp_path / "elsewhere")))
    monkeypatch.setenv("LATENT_READ_ONLY", "1")
    at.button[0].click().run()
    assert not at.exception
    assert models_file.entries() == [{"name": "mine", "source": "someone/model"}]
    assert at.button[0].disabled and any("read-only" in i.value for i in at.info)


@pytest.mark.slow
@pytest.mark.parametrize("blocked", ["models", "onnx"])
def test_a_model_cache_folder_replaced_by_a_file_costs_the_export_only(tmp_path, monkeypatch, caplog, blocked):
    """Item 12: the cache's models/ (remembered facts) or onnx/ (the export) is a regular file: one warning line,
    and the model still runs on PyTorch."""
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / blocked).write_text("not a folder")
    monkeypatch.setenv("LATENT_CACHE_DIR", str(cache))
    monkeypatch.setenv("LATENT_PRECISION", "float32")  # auto would take bfloat16 where the CPU has it, and skip ONNX
    from core.models import sbert

    spec = encoders.get_spec(encoders.DEFAULT_MODEL)
    with caplog.at_level(logging.INFO):
        enc = sbert.SentenceTransformerEncoder(spec, encoders.resolve_source(spec))
        vectors = enc.encode(["a cache folder that is a file", "still scores"])
    assert vectors.shape == (2, enc.dim)
    assert enc.runtime == "torch" or blocked != "onnx"  # without its export folder the model stays on PyTorch
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings and all(r.exc_info is None and "\n" not in r.getMessage() for r in warnings)
