"""Issue 17, item 7: a cache folder that cannot be written (here: its path runs through a file, which fails
for root too) costs time only: the CLI scores and the Project page shows its table."""
from streamlit.testing.v1 import AppTest

from core.cli.main import main
from core.store.shards import VectorStore
from tests.conftest import ROOT


def _blocked(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("LATENT_CACHE_DIR", str(blocker / "cache"))
    return blocker


def test_a_store_under_a_file_works_without_saving(tmp_path, caplog):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    store = VectorStore(blocker / "store", "identity", 4)
    import numpy as np
    store.put_many([b"k" * 16], np.eye(1, 4, dtype=np.float32))
    found, _ = store.lookup([b"k" * 16])
    assert not found.any()
    assert "cannot be written" in caplog.text


def test_cli_scores_with_an_unwritable_cache(tmp_path, monkeypatch, capsys):
    _blocked(tmp_path, monkeypatch)
    source = tmp_path / "in.txt"
    source.write_text("I love this.\nThis is awful.\n")
    assert main(["score", "--input", str(source), "--directions", "sentiment"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "text,sentiment" and len(out) == 3
    assert float(out[1].split(",")[1]) > 0 > float(out[2].split(",")[1])


def test_project_page_works_with_an_unwritable_cache(tmp_path, monkeypatch):
    _blocked(tmp_path, monkeypatch)
    at = AppTest.from_file(str(ROOT / "pages" / "1_Project.py"), default_timeout=240)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert len(at.dataframe[0].value) == 6  # the six sample lines of the paste box, scored
