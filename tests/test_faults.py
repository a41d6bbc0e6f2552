"""Faults, caused on purpose: after each, nothing saved is lost and the app keeps working.

The cases are counted and listed in the README's reliability section (one test, or one parameter, per case).
Cache faults go through the public behaviour only (Embedder.embed and the files under
<cache>/embeddings/), so they hold for whatever layout the cache uses. Scenarios that could take
the process down (a memory-mapped file cut short under a reader, a kill -9) run in a child process.
"""
from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from core import files
from core.directions.datasets import DirectionDataset, load_dataset
from core.directions.saving import (
    list_versions,
    read_version,
    save_dataset,
)
from core.models import registry as encoders
from core.store.embedder import Embedder
from core.ui.messages import unescape_md
from tests.conftest import ROOT, FakeEncoder

TIMEOUT = 240
TEXTS = [f"text number {i} about {w}" for i, w in enumerate(["happy cats", "sad dogs", "huge trees", "tiny ants"] * 5)]
BASE = DirectionDataset(name="toy", title="Toy", negative_label="cold", positive_label="warm",
                        negative=("ice", "snow"), positive=("sun", "fire"))


def _cache_files(root: Path) -> list[Path]:
    return [p for p in (root / "embeddings").rglob("*") if p.is_file()]


def _damage(root: Path, how: str) -> int:
    files = _cache_files(root)
    for p in files:
        size = p.stat().st_size
        if how == "truncate":
            with open(p, "r+b") as fh:
                fh.truncate(size // 2)
        elif how == "zero":
            os.truncate(p, 0)
        elif how == "garbage":
            with open(p, "r+b") as fh:
                fh.write(np.random.default_rng(0).bytes(max(size, 64)))
        elif how == "delete":
            p.unlink()
    return len(files)


# ---- 1-4: the embedding cache damaged while the app runs

CHILD = textwrap.dedent("""
    import sys, numpy as np
    sys.path.insert(0, {root!r})
    from tests.conftest import FakeEncoder
    from core.store.embedder import Embedder
    from tests.test_faults import TEXTS, _damage
    from pathlib import Path
    root = Path({cache!r})
    emb = Embedder(FakeEncoder(), root)
    ref = emb.embed(TEXTS)
    assert _damage(root, {how!r}) > 0
    again = emb.embed(TEXTS + ["a new text"])             # the same embedder, still running
    assert np.allclose(again[:-1], ref, atol=1e-5), "wrong vectors after damage"
    assert np.allclose(np.linalg.norm(again, axis=1), 1, atol=1e-4)
    fresh = Embedder(FakeEncoder(), root).embed(TEXTS)     # a restart on the damaged folder
    assert np.allclose(fresh, ref, atol=1e-5)
    print("ok")
""")


@pytest.mark.slow
@pytest.mark.parametrize("how", ["truncate", "garbage", "zero", "delete"])
def test_cache_damaged_while_running(cache_root, how):
    code = CHILD.format(root=str(ROOT), cache=str(cache_root), how=how)
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert run.returncode == 0 and run.stdout.strip().endswith("ok"), \
        f"exit {run.returncode} (negative: killed by signal)\n{run.stdout[-2000:]}\n{run.stderr[-3000:]}"


def test_cache_damaged_under_a_running_page(tmp_path, monkeypatch):
    """The Project page keeps scoring, with the same numbers, after its cache files are cut short."""
    monkeypatch.setenv("LATENT_CACHE_DIR", str(tmp_path / "cache"))
    at = AppTest.from_file(str(ROOT / "pages" / "1_Project.py"), default_timeout=TIMEOUT)
    at.query_params.update({"dirs": "length", "text": "Short.\nA much longer sentence that goes on and on."})
    at.run()
    assert not at.exception
    before = at.dataframe[0].value
    assert _damage(tmp_path / "cache", "truncate") > 0
    at.text_area(key="paste").input("Short.\nA much longer sentence that goes on and on.\nNew.").run()
    assert not at.exception, [e.message for e in at.exception]
    after = at.dataframe[0].value
    # bfloat16 results depend slightly on the batch a text is encoded in (a rebuilt entry is re-encoded
    # beside "New."): the same numbers means the same up to the encoder's precision, in raw projection
    # (cosine) units, scaled by the direction's calibration (1 unit = the distance from 0 to a pole)
    from core.directions.build import build_directions
    from core.directions.datasets import get_dataset
    from core.store.embedder import get_embedder

    (length,) = build_directions([get_dataset("length")], get_embedder())
    scale = 1.0 / min(length.positive_projection - length.zero, length.zero - length.negative_projection)
    atol = (1e-5 if encoders.get_encoder().precision == "float32" else 4e-4) * scale
    np.testing.assert_allclose(after["length"].iloc[:2], before["length"], atol=atol)


# ---- 5-6: the disk full while saving a direction


class _FullDisk:
    """A file whose writes fail with ENOSPC after `room` bytes, like a disk that fills mid-write."""

    def __init__(self, fh, room: int):
        self._fh, self._room = fh, room

    def write(self, data):
        if len(data) > self._room:
            self._fh.write(data[: self._room])
            raise OSError(errno.ENOSPC, "No space left on device")
        self._room -= len(data)
        return self._fh.write(data)

    def __getattr__(self, name):
        return getattr(self._fh, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return self._fh.__exit__(*exc)


def _fill_disk(monkeypatch, room: int = 10) -> None:
    real = os.fdopen
    monkeypatch.setattr(files.os, "fdopen", lambda fd, *a, **k: _FullDisk(real(fd, *a, **k), room))


def test_disk_full_while_saving_keeps_the_saved_version(tmp_path, monkeypatch):
    saved = save_dataset(BASE, None, tmp_path)
    before = (tmp_path / "toy.yaml").read_bytes()
    _fill_disk(monkeypatch)
    with pytest.raises(OSError, match="No space left"):
        save_dataset(saved.with_changes(positive=("sun", "fire", "oven")), saved.file_hash, tmp_path)
    assert (tmp_path / "toy.yaml").read_bytes() == before  # the saved file is untouched
    assert not [p for p in tmp_path.rglob("*.tmp")]  # no half-written temporary file is left
    monkeypatch.undo()  # space again: the same save now succeeds, with the old version kept
    again = save_dataset(saved.with_changes(positive=("sun", "fire", "oven")), saved.file_hash, tmp_path)
    assert again.positive == ("sun", "fire", "oven")
    assert BASE in [read_version(v) for v in list_versions("toy", tmp_path)]


def test_disk_full_on_the_directions_page_keeps_the_edits(tmp_path, monkeypatch):
    folder = tmp_path / "directions"
    save_dataset(BASE, None, folder)
    monkeypatch.setenv("LATENT_DIRECTIONS_DIR", str(folder))
    at = AppTest.from_file(str(ROOT / "pages" / "2_Directions.py"), default_timeout=TIMEOUT)
    at.run()
    at.text_input(key="f_title").input("Temperature").run()
    real = os.fdopen
    _fill_disk(monkeypatch)
    at.button(key="save").click().run()
    assert not at.exception
    assert any("No space left" in e.value for e in at.error)
    assert at.text_input(key="f_title").value == "Temperature"  # the edit is still on the page
    assert load_dataset(folder / "toy.yaml").title == "Toy"
    monkeypatch.setattr(files.os, "fdopen", real)
    at.button(key="save").click().run()
    assert not at.exception and load_dataset(folder / "toy.yaml").title == "Temperature"


# ---- 7-8: two sessions saving the same direction at once

RACER = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {root!r})
    from pathlib import Path
    from core.directions.datasets import load_dataset
    from core.directions.saving import SaveConflict, save_dataset
    folder = Path({folder!r})
    loaded = load_dataset(folder / "toy.yaml")
    while time.time() < {start}:
        time.sleep(0.001)
    try:
        save_dataset(loaded.with_changes(positive=loaded.positive + ("edit {n}",)), loaded.file_hash, folder)
        print("saved")
    except SaveConflict:
        print("conflict")
""")


@pytest.mark.slow
def test_two_processes_saving_at_once_lose_nothing(tmp_path):
    save_dataset(BASE, None, tmp_path)
    start = time.time() + 3
    procs = [subprocess.Popen([sys.executable, "-c", RACER.format(root=str(ROOT), folder=str(tmp_path),
                                                                 start=start, n=n)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
             for n in range(4)]
    results = [p.communicate(timeout=60) for p in procs]
    outcomes = [out.strip() for out, _ in results]
    assert sorted(outcomes) == ["conflict"] * 3 + ["saved"], results
    winner = outcomes.index("saved")
    assert load_dataset(tmp_path / "toy.yaml").positive[-1] == f"edit {winner}"
    assert [read_version(v) for v in list_versions("toy", tmp_path)] == [BASE]


def test_two_page_sessions_editing_one_direction(tmp_path, monkeypatch):
    folder = tmp_path / "directions"
    save_dataset(BASE, None, folder)
    monkeypatch.setenv("LATENT_DIRECTIONS_DIR", str(folder))
    a = AppTest.from_file(str(ROOT / "pages" / "2_Directions.py"), default_timeout=TIMEOUT)
    b = AppTest.from_file(str(ROOT / "pages" / "2_Directions.py"), default_timeout=TIMEOUT)
    a.run()
    b.run()
    a.text_input(key="f_title").input("Title from A").run()
    b.text_input(key="f_description").input("Description from B").run()
    a.button(key="save").click().run()
    b.button(key="save").click().run()
    assert not a.exception and not b.exception
    assert any("changed on disk" in e.value for e in b.error)
    assert b.text_input(key="f_description").value == "Description from B"  # B's edit is kept on the page
    on_disk = load_dataset(folder / "toy.yaml")
    assert on_disk.title == "Title from A" and on_disk.description == ""


# ---- 9-10: the model missing


def test_a_model_folder_removed_after_it_was_added(tmp_path, monkeypatch):
    monkeypatch.setenv("LATENT_MODELS_FILE", str(tmp_path / "models.yaml"))
    folder = tmp_path / "my-model"
    folder.mkdir()
    (folder / "config.json").write_text("{}")  # a model-shaped folder
    encoders.add_model("vanishing", str(folder), "a local folder that goes away")
    shutil.rmtree(folder)
    with pytest.raises(encoders.ModelUnavailable, match="does not exist"):
        encoders.get_encoder("vanishing")
    assert encoders.model_status(encoders.DEFAULT_MODEL) in ("ready", "loaded")


@pytest.mark.parametrize("page", ["1_Project.py", "3_Compare.py", "4_Map.py"])
def test_pages_with_a_missing_model_say_so_and_keep_working(tmp_path, monkeypatch, page):
    models = tmp_path / "models.yaml"
    models.write_text("models:\n  - name: ghost\n    source: someone/ghost-model\n")
    monkeypatch.setenv("LATENT_MODELS_FILE", str(models))
    at = AppTest.from_file(str(ROOT / "pages" / page), default_timeout=TIMEOUT)
    at.query_params.update({"model": "ghost", "dirs": "length"})
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert any("hf download someone/ghost-model" in unescape_md(e.value) for e in at.error)
    at.sidebar.selectbox(key="model").set_value(encoders.DEFAULT_MODEL).run()  # the default still works
    assert not at.exception and not at.error


# ---- 11-12: the process killed in the middle of a save

SLOW_SAVE = textwrap.dedent("""
    import os, sys, time
    sys.path.insert(0, {root!r})
    from pathlib import Path
    from core import files
    from core.directions.datasets import load_dataset
    from core.directions.saving import save_dataset
    real = os.fsync
    def stalled(fd):  # the new direction file is written but not yet in place: stop here
        target = os.readlink(f"/proc/self/fd/{{fd}}")
        if ".toy.yaml." in target and ".history" not in target:
            print("writing", flush=True)
            time.sleep(60)
        return real(fd)
    files.os.fsync = stalled
    folder = Path({folder!r})
    loaded = load_dataset(folder / "toy.yaml")
    save_dataset(loaded.with_changes(title="half-saved"), loaded.file_hash, folder)
""")


@pytest.mark.slow
def test_killed_in_the_middle_of_a_direction_save(tmp_path):
    saved = save_dataset(BASE, None, tmp_path)
    before = (tmp_path / "toy.yaml").read_bytes()
    proc = subprocess.Popen([sys.executable, "-c", SLOW_SAVE.format(root=str(ROOT), folder=str(tmp_path))],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert proc.stdout.readline().strip() == "writing", proc.stderr.read()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    assert (tmp_path / "toy.yaml").read_bytes() == before  # the saved version is intact
    assert load_dataset(tmp_path / "toy.yaml") == BASE
    # leftovers of the killed save are temporary files that nothing reads as a direction
    from core.directions.datasets import load_all
    found, errors = load_all(tmp_path)
    assert list(found) == ["toy"] and not errors
    # the lock died with the process: the next save goes through
    again = save_dataset(saved.with_changes(title="after the crash"), saved.file_hash, tmp_path)
    assert again.title == "after the crash"


KILLED_EMBED = textwrap.dedent("""
    import sys
    sys.path.insert(0, {root!r})
    from pathlib import Path
    from tests.conftest import FakeEncoder
    from core.store.embedder import Embedder
    emb = Embedder(FakeEncoder(), Path({cache!r}))
    print("started", flush=True)
    i = 0
    while True:  # keep writing new vectors until killed
        emb.embed([f"text {{i}} {{j}}" for j in range(300)])
        i += 1
""")


@pytest.mark.slow
def test_killed_while_writing_the_cache(cache_root):
    proc = subprocess.Popen([sys.executable, "-c", KILLED_EMBED.format(root=str(ROOT), cache=str(cache_root))],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert proc.stdout.readline().strip() == "started", proc.stderr.read()
        time.sleep(1.5)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    enc = FakeEncoder()
    emb = Embedder(enc, cache_root)
    texts = [f"text 0 {j}" for j in range(300)] + ["never seen before"]
    out = emb.embed(texts)
    np.testing.assert_allclose(out, FakeEncoder().encode(texts), atol=1e-5)
