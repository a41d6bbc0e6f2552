"""The page side of the path check: the first use of a model on a CPU measures its paths with a progress bar
and says which path it chose; a failed check leaves the provisional path and says so, without a traceback."""
import re

from streamlit.testing.v1 import AppTest

from core.directions import fidelity
from core.models import paths
from tests.conftest import ROOT


def _labels(at):
    """The status boxes' labels as the user reads them (labels are markdown, so names are escaped)."""
    return [re.sub(r"\\(.)", r"\1", s.label) for s in at.status]


def _run(monkeypatch, choose):
    calls = []
    monkeypatch.setattr(fidelity, "needs_check", lambda name: not calls)
    monkeypatch.setattr(fidelity, "choose_path", lambda name, datasets, progress=None: calls.append(name) or
                        choose(progress))
    at = AppTest.from_file(str(ROOT / "pages" / "3_Compare.py"), default_timeout=240)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at, calls


def test_first_use_measures_the_paths_and_names_the_choice(monkeypatch):
    def choose(progress):
        progress(0.5, "Measuring OpenVINO bfloat16 (1 of 1)")
        return paths.Verdict("onnx-float32", paths.cpu_key(), {"onnx-float32": {
            "speedup": 2.0, "pearson": 0.99999, "overlap": 0.99}}, 2000, 384)

    at, calls = _run(monkeypatch, choose)
    assert calls == ["all-MiniLM-L6-v2"]
    assert any("runs on ONNX Runtime float32: 2.00x stock float32" in label for label in _labels(at)), _labels(at)
    assert len(at.dataframe) >= 1  # the page went on to score


def test_a_failed_check_keeps_the_page_working(monkeypatch):
    def choose(progress):
        raise RuntimeError("openvino exploded")

    at, calls = _run(monkeypatch, choose)
    assert any("Could not measure all-MiniLM-L6-v2's paths (RuntimeError)" in label for label in _labels(at))
    assert len(at.dataframe) >= 1
