"""Runtime paths: which are candidates on which CPU, how a verdict is kept per CPU, how the check judges
a path by what users see, and that each path's vectors keep their own cache."""
from __future__ import annotations

import numpy as np
import pytest

from core.cli.main import main as cli
from core.directions import fidelity
from core.directions.datasets import DirectionDataset
from core.models import paths, registry, sbert
from core.store.embedder import get_embedder

AVX2 = {"avx2", "fma"}
BF16 = AVX2 | {"avx512f", "avx512_bf16"}


def test_candidates_follow_the_cpu_and_the_installed_runtimes():
    assert paths.candidates(True, True, AVX2) == ["torch-float32", "onnx-float32", "onnx-int8", "openvino-float32"]
    assert paths.candidates(True, True, BF16) == ["torch-float32", "torch-bfloat16", "onnx-float32", "onnx-int8",
                                                  "openvino-float32", "openvino-bfloat16"]
    assert paths.candidates(False, True, AVX2) == ["torch-float32"]  # OpenVINO reads the ONNX export
    assert paths.candidates(True, False, {"amx_bf16"})[-1] == "onnx-int8"


def test_forcing_a_runtime_or_a_precision():
    assert paths.forced("auto", "int8") == ["onnx-int8"]
    assert paths.forced("openvino", "auto") == ["openvino-float32", "openvino-bfloat16"]
    assert paths.forced("auto", "auto") == list(paths.PATHS)


def test_paths_computing_the_same_function_share_a_cache_and_no_other_does():
    tags = {p.name: p.tag for p in paths.PATHS.values()}
    assert tags["torch-float32"] == tags["onnx-float32"] == tags["openvino-float32"]
    others = [tags[n] for n in ("torch-bfloat16", "onnx-int8", "openvino-bfloat16")]
    assert len(set(others)) == 3 and tags["torch-float32"] not in others


def test_a_verdict_is_kept_per_model_and_cpu(tmp_path, monkeypatch):
    monkeypatch.setenv("LATENT_CACHE_DIR", str(tmp_path))
    verdict = paths.Verdict("onnx-float32", paths.cpu_key(), {"onnx-float32": {"speedup": 2.5, "pearson": 0.99995,
                                                                              "overlap": 0.99}}, 2000, 384)
    paths.write_verdict("abc", verdict)
    back = paths.read_verdict("abc")
    assert back.chosen == "onnx-float32" and back.speedup == 2.5 and back.dim == 384
    assert "2.50x stock float32" in back.summary()
    assert paths.read_verdict("other-model") is None
    other_cpu = {"cpu": "Another CPU", "flags": ["avx2"]}
    monkeypatch.setattr(paths, "cpu_key", lambda: other_cpu)
    assert paths.read_verdict("abc") is None  # another CPU measures again
    monkeypatch.undo()
    monkeypatch.setenv("LATENT_CACHE_DIR", str(tmp_path))
    paths.verdict_path("abc").write_text("{not json")
    assert paths.read_verdict("abc") is None  # a damaged verdict is a miss, not an error


class Planted:
    """An encoder whose paths differ by planted amounts: 'onnx-float32' adds tiny noise (passes), 'onnx-int8'
    large noise (fails on neighbours and scores); the baseline is slow, so a passing path is faster."""

    name, dim = "planted", 32

    def __init__(self):
        self.calls = []

    def _base(self, texts):
        rows = [np.random.default_rng(abs(hash(t)) % (2 ** 32)).normal(size=self.dim) for t in texts]
        V = np.array(rows, dtype=np.float32)
        V[:, 0] += np.array([3.0 if "good" in t else (-3.0 if "bad" in t else 0.0) for t in texts])
        return V

    def encode_on(self, name, texts):
        self.calls.append(name)
        V = self._base(texts)
        noise = {"torch-float32": 0.0, "onnx-float32": 1e-4, "onnx-int8": 0.8}[name]
        if name == "torch-float32":
            import time
            time.sleep(0.002 * len(texts))
        V = V + noise * np.random.default_rng(1).normal(size=V.shape)
        return (V / np.linalg.norm(V, axis=1, keepdims=True)).astype(np.float32)


def _dataset():
    return DirectionDataset(name="sentiment", title="Sentiment", description="", negative_label="negative",
                            positive_label="positive", negative=tuple(f"bad thing {i}" for i in range(8)),
                            positive=tuple(f"good thing {i}" for i in range(8)), method="mean_difference")


def test_the_check_keeps_a_faithful_faster_path_and_rejects_a_noisy_one(monkeypatch):
    monkeypatch.setattr(fidelity, "onnxruntime_available", lambda: True)
    monkeypatch.setattr(fidelity, "openvino_available", lambda: False)
    monkeypatch.setattr(paths, "has_fast_bf16", lambda flags=None: False)
    texts = [f"{w} text number {i}" for i in range(120) for w in (("good", "bad", "plain")[i % 3],)]
    ratings = np.array([1.0 if "good" in t else (-1.0 if "bad" in t else 0.0) for t in texts])
    verdict = fidelity.check(Planted(), [_dataset()], texts, ratings, speed_texts=40)
    assert verdict.chosen == "onnx-float32"
    ok, bad = verdict.paths["onnx-float32"], verdict.paths["onnx-int8"]
    assert ok["passed"] and ok["pearson"] > 0.999 and ok["overlap"] > 0.95 and ok["speedup"] > 1.0
    assert not bad["passed"] and "neighbour overlap" in bad["why"] and bad["overlap"] < 0.95
    assert verdict.paths["torch-float32"]["speedup"] == 1.0 and verdict.dim == 32 and verdict.texts == 120
    assert ok["ms"] > 0 and verdict.paths["torch-float32"]["ms"] > ok["ms"]  # the planted baseline sleeps


def test_the_choice_keeps_one_text_as_quick_as_the_baseline():
    """The fastest path on many texts is passed over when one text waits longer than on the baseline."""
    results = {"torch-float32": {"passed": True, "rate": 100.0, "ms": 10.0},
               "onnx-float32": {"passed": True, "rate": 150.0, "ms": 4.0},
               "openvino-bfloat16": {"passed": True, "rate": 220.0, "ms": 15.0},
               "onnx-int8": {"passed": False, "rate": 300.0, "ms": 3.0}}
    assert fidelity.choose(results) == "onnx-float32"
    results["openvino-bfloat16"]["ms"] = 10.5  # within timing noise of the baseline
    assert fidelity.choose(results) == "openvino-bfloat16"
    results = {"torch-float32": {"passed": True, "rate": 100.0, "ms": 1.0},
               "onnx-float32": {"passed": True, "rate": 150.0, "ms": 4.0}}
    assert fidelity.choose(results) == "torch-float32"


def test_a_path_that_cannot_run_is_recorded_and_never_chosen(monkeypatch):
    class Broken(Planted):
        def encode_on(self, name, texts):
            if name == "onnx-float32":
                raise RuntimeError("no such kernel")
            return super().encode_on(name, texts)

    monkeypatch.setattr(fidelity, "onnxruntime_available", lambda: True)
    monkeypatch.setattr(fidelity, "openvino_available", lambda: False)
    monkeypatch.setattr(paths, "has_fast_bf16", lambda flags=None: False)
    verdict = fidelity.check(Broken(), [_dataset()], [f"good {i}" for i in range(30)] + [f"bad {i}" for i in range(30)],
                             speed_texts=20)
    assert verdict.chosen == "torch-float32"
    assert "cannot run here: RuntimeError: no such kernel" in verdict.paths["onnx-float32"]["why"]


def test_a_float32_path_sharing_the_cache_must_compute_the_same_function(monkeypatch):
    """Scores, neighbours and validity are kept by a slightly different float32 path, but it would share
    PyTorch float32's cache entries, so it is rejected unless its vectors are the same to 0.99999."""
    class Drifting(Planted):
        def encode_on(self, name, texts):
            if name != "onnx-float32":
                return super().encode_on(name, texts)
            V = self._base(texts) * (1 + 0.01 * np.random.default_rng(2).normal(size=(len(texts), self.dim)))
            return (V / np.linalg.norm(V, axis=1, keepdims=True)).astype(np.float32)

    monkeypatch.setattr(fidelity, "onnxruntime_available", lambda: True)
    monkeypatch.setattr(fidelity, "openvino_available", lambda: False)
    monkeypatch.setattr(paths, "has_fast_bf16", lambda flags=None: False)
    texts = [f"{w} text number {i}" for i in range(120) for w in (("good", "bad", "plain")[i % 3],)]
    verdict = fidelity.check(Drifting(), [_dataset()], texts, speed_texts=40)
    drift = verdict.paths["onnx-float32"]
    assert drift["pearson"] > 0.999 and drift["overlap"] > 0.95 and drift["cosine"] < paths.SAME_FUNCTION
    assert not drift["passed"] and "shares float32's cache" in drift["why"]
    assert verdict.chosen == "torch-float32"


def test_the_float32_export_is_made_from_float32_weights_when_bfloat16_runs(tmp_path, monkeypatch):
    """With PyTorch bfloat16 loaded (the provisional path on bfloat16 CPUs), the ONNX export that every
    float32 runtime reads is made from float32 weights, not from the rounded ones."""
    pytest.importorskip("onnxruntime")
    monkeypatch.setenv("LATENT_CACHE_DIR", str(tmp_path))
    spec = registry.get_spec(registry.DEFAULT_MODEL)
    folder = registry.resolve_source(spec)
    bf16 = sbert.SentenceTransformerEncoder(spec, folder, precision="bfloat16", runtime="torch")
    plain = sbert.SentenceTransformerEncoder(spec, folder, precision="float32", runtime="torch")
    texts = list(sbert.CHECK_TEXTS)
    bf16.encode(texts[:1])
    exported = bf16.encode_on("onnx-float32", texts)
    assert float(np.min(np.sum(exported * plain.encode(texts), axis=1))) >= paths.SAME_FUNCTION
    assert next(bf16._model.parameters()).dtype == bf16._torch.bfloat16  # the running model is untouched


def test_forced_int8_runs_on_its_own_cache_and_the_check_is_skipped(monkeypatch):
    pytest.importorskip("onnxruntime")
    spec = registry.get_spec(registry.DEFAULT_MODEL)
    folder = registry.resolve_source(spec)
    int8 = sbert.SentenceTransformerEncoder(spec, folder, precision="int8")
    plain = sbert.SentenceTransformerEncoder(spec, folder, precision="float32", runtime="torch")
    assert (int8.path_name, int8.runtime, int8.precision) == ("onnx-int8", "onnx", "int8")
    assert int8.identity != plain.identity and int8.identity.split(":")[2] == "int8-onnx"
    a, b = int8.encode(["The museum opened a new wing."]), plain.encode(["The museum opened a new wing."])
    assert a.shape == b.shape == (1, 384) and float(a[0] @ b[0]) > 0.9
    monkeypatch.setenv("LATENT_PATH_CHECK", "on")
    monkeypatch.setenv("LATENT_PRECISION", "int8")
    assert not fidelity.needs_check(registry.DEFAULT_MODEL)  # forced: nothing to choose


@pytest.mark.slow
def test_choosing_a_path_for_the_real_model_remembers_it_and_reloads(tmp_path, monkeypatch):
    """The whole check on MiniLM with few texts, in a cache of its own; the reloaded encoder runs on the
    verdict's path, under that path's identity, and `python -m core models` prints it."""
    monkeypatch.setenv("LATENT_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("LATENT_PATH_CHECK", "on")
    monkeypatch.setattr(fidelity, "N_TEXTS", 60)
    monkeypatch.setattr(fidelity, "SPEED_TEXTS", 32)
    name = registry.DEFAULT_MODEL
    registry.unload(name)
    try:
        assert fidelity.needs_check(name)
        seen = []
        verdict = fidelity.choose_path(name, [_dataset()], progress=lambda f, label: seen.append(label), limit=60)
        assert seen[0].startswith("Reading 60 texts") and seen[-1].startswith("Chosen: ")
        assert verdict.paths[verdict.chosen]["passed"] and set(verdict.paths) >= {"torch-float32", "onnx-float32"}
        again = registry.get_encoder(name)
        assert again.verdict is not None and again.path_name == verdict.chosen
        assert again.identity.split(":")[2] == paths.PATHS[verdict.chosen].tag
        assert not fidelity.needs_check(name)
        E = get_embedder(name).embed(["A quiet street after the rain."])
        assert E.shape == (1, 384)
        fidelity._DONE.pop(name, None)
        assert cli(["models"]) == 0
    finally:
        fidelity._DONE.pop(name, None)
        registry.unload(name)


def test_openvino_reads_many_batches_side_by_side_in_input_order(tmp_path, monkeypatch):
    """Many batches go through the two-stream queue, one text through the single request; both give the
    rows in input order and the same vectors as ONNX Runtime float32 (one function, one cache)."""
    pytest.importorskip("openvino")
    pytest.importorskip("onnxruntime")
    monkeypatch.setenv("LATENT_CACHE_DIR", str(tmp_path))
    spec = registry.get_spec(registry.DEFAULT_MODEL)
    enc = sbert.SentenceTransformerEncoder(spec, registry.resolve_source(spec), precision="float32", runtime="torch")
    texts = [("word " * (i % 37)) + f"sentence {i}" for i in range(150)]
    ov, onnx = enc.make_runner("openvino-float32"), enc.make_runner("onnx-float32")
    ov.streams = 2
    many = ov.encode(texts, batch_size=16)
    assert ov._queue is not None  # ten batches went through the queue
    one = np.vstack([ov.encode([t]) for t in texts[::15]])
    assert float(np.min(np.sum(many[::15] * one, axis=1))) >= paths.SAME_FUNCTION
    assert float(np.min(np.sum(many * onnx.encode(texts), axis=1))) >= paths.SAME_FUNCTION
