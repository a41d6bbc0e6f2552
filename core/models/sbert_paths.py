"""The runtime paths of a sentence-transformers model (core.models.paths): making each path's runner, reading
texts on any path (so core.directions.fidelity can measure every candidate against float32), and the float32
ONNX Runtime path's own check (the same function as PyTorch, minimum cosine >= 0.99999).

`PathRunners` is a mixin of core.models.sbert.SentenceTransformerEncoder, which holds the model folder, the
lock, the tokenizer windows and the loaded model; it lives apart so that each file reads in one sitting.
"""
from __future__ import annotations

import contextlib
import logging

import numpy as np

from core.models import paths, windows
from core.models.onnx import OnnxRunner, export_onnx, onnxruntime_available, pooling_mode, quantize_int8
from core.models.registry import ModelUnavailable

log = logging.getLogger("core.models.sbert")

LONG_TOKENS = 128  # above this many tokens PyTorch's fused attention beats the exported float32 graph


class PathRunners:
    """Runners for every path of one model; see core.models.sbert for the attributes it relies on."""

    def _onnx_missing(self) -> list[str]:
        return [why for why, bad in (("onnxruntime", not onnxruntime_available()),
                                     ("a tokenizer.json", not (self.path / "tokenizer.json").exists()),
                                     ("plain mean or CLS pooling", pooling_mode(self.path) is None)) if bad]

    def _try_onnx(self, model) -> None:
        missing = self._onnx_missing()
        if missing:
            if self._runtime_wanted == "onnx":
                raise ModelUnavailable(f"Model {self.name!r} cannot run on ONNX Runtime here (needs onnxruntime, "
                                       "a tokenizer.json and plain mean or CLS pooling).")
            log.info("model %s stays on PyTorch: ONNX Runtime needs %s", self.name, ", ".join(missing))
            return
        try:
            runner = self.make_runner("onnx-float32")
            reference = self._torch_encode(model, self.CHECK_TEXTS)
            fidelity = float(np.min(np.sum(reference * runner.encode(self.CHECK_TEXTS), axis=1)))
        except Exception as exc:  # torch.onnx and onnxruntime raise their own types (not OSError/ValueError)
            log.warning("model %s stays on PyTorch: the ONNX export or its check failed (%s: %s)",
                        self.name, type(exc).__name__, exc)
            with contextlib.suppress(OSError):  # the export folder may be a file, or read-only
                self._onnx_path().unlink(missing_ok=True)
            return
        if fidelity >= self.SAME_FUNCTION:
            self._runner, self.fidelity = runner, fidelity
            self._set_path("onnx-float32")
        else:
            log.warning("model %s stays on PyTorch: on ONNX Runtime its minimum cosine to PyTorch is %.6f (< %s)",
                        self.name, fidelity, self.SAME_FUNCTION)

    def make_runner(self, name: str):
        """A runner (`.encode(strings)`) for the path `name`; None for PyTorch paths (they use a model).
        Exports (float32 ONNX, its int8 quantisation) are made once into the cache."""
        path = paths.PATHS[name]
        if path.runtime == "torch":
            return None
        if self._onnx_missing():
            raise ModelUnavailable(f"Model {self.name!r} cannot be exported to ONNX here: needs "
                                   f"{', '.join(self._onnx_missing())}.")
        if not self._onnx_path().exists():
            export_onnx(self._float32_model(), self._onnx_path())
        pooling, limit = pooling_mode(self.path), self._max_length()
        if path.runtime == "openvino":
            from core.models.openvino import OpenVinoRunner

            return OpenVinoRunner(self.path, self._onnx_path(), limit, pooling, path.precision)
        source = self._onnx_path(path.precision)
        if path.precision == "int8" and not source.exists():
            quantize_int8(self._onnx_path(), source)
        return OnnxRunner(self.path, source, limit, pooling)

    def _float32_model(self):
        """The loaded model if it computes in float32, else a fresh float32 copy: an export made from a
        bfloat16 model would carry its rounded weights into every path read from the export."""
        model = self._model
        if model is None or next(model.parameters()).dtype != self._torch.float32:
            model = self._load_torch()
        return model

    def _on_path(self, name: str, runner, texts: list[str]) -> np.ndarray:
        if runner is None:
            model = self._model if name == self.path_name else self._check_model(name)
            return self._torch_encode(model, texts)
        if name != "onnx-float32":
            return runner.encode(texts)
        lengths = np.array([len(e.ids) for e in runner.tokenizer.encode_batch(texts)])
        long = lengths > LONG_TOKENS
        if not long.any():
            return runner.encode(texts)
        # long texts: the same float32 function on PyTorch, whose fused attention is faster there
        torch_model = self._model if self.path_name == "onnx-float32" else self._check_model("torch-float32")
        if torch_model is None:
            torch_model = self._model = self._load_torch()
        out = np.zeros((len(texts), self.dim), np.float32)
        idx_long, idx_short = np.nonzero(long)[0], np.nonzero(~long)[0]
        out[idx_long] = self._torch_encode(torch_model, [texts[i] for i in idx_long])
        if len(idx_short):
            out[idx_short] = runner.encode([texts[i] for i in idx_short])
        return out

    # -- measuring other paths (core.directions.fidelity): each one read exactly as it would be if chosen
    def _check_model(self, name: str):
        key = f"model:{name}"
        if key not in self._check_runners:
            model = self._load_torch()
            self._check_runners[key] = model.to(self._torch.bfloat16) if name == "torch-bfloat16" else model
        return self._check_runners[key]

    def encode_on(self, name: str, texts: list[str]) -> np.ndarray:
        """`texts` embedded on the path `name` (long texts in windows, as `encode` reads them), whichever path
        is chosen; for measuring paths against each other. Raises what making the path raises."""
        texts = list(texts)
        with self._lock:
            if self._model is None and self._runner is None:
                self._ensure_loaded()
            if name not in self._check_runners:
                self._check_runners[name] = self.make_runner(name)
            runner = self._check_runners[name]
            plan = self._plan(texts)
            if plan is None or not plan.windowed:
                return self._on_path(name, runner, texts)
            return windows.pool(self._on_path(name, runner, plan.pieces), plan.owner, plan.weight, len(texts))

    def release_checks(self) -> None:
        """Drop the runners and models made for measuring."""
        with self._lock:
            self._check_runners.clear()
