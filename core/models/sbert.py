"""Sentence-transformers models, on the fastest faithful path this machine has.

A path is a runtime and a precision (core.models.paths). Where the full check has run for this model on this
CPU (core.directions.fidelity: speed, direction scores, neighbours and a validity figure against float32), its
verdict is used: the fastest path that keeps what users see. Until then, a provisional path, chosen when the
model is first used and remembered per model fingerprint:

- bfloat16 PyTorch, on CPUs with native bfloat16 (AVX-512 BF16 or AMX), when it matches float32
  (minimum cosine >= 0.999 on a check set);
- float32 ONNX Runtime, exported once from the local model into the cache, when onnxruntime is
  installed and the model is a plain transformer with mean or CLS pooling, and it matches PyTorch
  (minimum cosine >= 0.99999): same function, less overhead;
- float32 PyTorch otherwise (the safe fallback).

A text longer than the model's window (max_seq_length less the special tokens) is read whole: cut into
overlapping windows at the tokenizer's offsets, each embedded in the same batch as the other texts, and pooled
(core.models.windows; `pooling` names the method, `windows(texts)` counts windows without loading the model,
and the identity carries the method's tag). A model folder without tokenizer.json keeps the old cut.

`LATENT_PRECISION` (auto, float32, bfloat16, int8) and `LATENT_RUNTIME` (auto, torch, onnx, openvino) force a
path (and skip the verdict).
The model loads on the first `encode`; the cache's facts (dimension, precision) are remembered,
so texts already cached are scored without loading anything.
"""
from __future__ import annotations

import contextlib
import copy
import json
import logging
import os
import threading
from pathlib import Path

import numpy as np

from core import config
from core.files import read_cached, write_cached
from core.models import windows
from core.models import paths
from core.models.onnx import BATCH, load_tokenizer
from core.models.sbert_paths import PathRunners
from core.models.registry import (
    ModelSpec,
    ModelUnavailable,
    folder_fingerprint,
    register_backend,
)
from core.vectors import unit_rows

log = logging.getLogger(__name__)

CHECK_TEXTS = [
    "The committee postponed its decision until the spring.",
    "lol that was the worst pizza ever",
    "Photosynthesis turns light into chemical energy.",
    "She painted the harbour at dawn in thick strokes of blue.",
    "I can't believe how kind everyone was to us.",
    "Quarterly revenue fell by four percent.",
    "ok",
    "A long walk along the river, past the old mill and the bakery, cleared his head before the exam.",
]


def cpu_has_fast_bf16() -> bool:
    """True where the CPU has native bfloat16 arithmetic (AVX-512 BF16 or AMX)."""
    return paths.has_fast_bf16()


class SentenceTransformerEncoder(PathRunners):
    """A sentence-transformers model behind a lock, on the fastest path that matches float32."""

    CHECK_TEXTS = CHECK_TEXTS
    MIN_COSINE = 0.999  # bfloat16 against float32
    SAME_FUNCTION = paths.SAME_FUNCTION  # ONNX Runtime against PyTorch, both float32

    def __init__(self, spec: ModelSpec, path: Path, precision: str | None = None, runtime: str | None = None):
        self.name = spec.name
        self.path = Path(path)
        self._lock = threading.Lock()
        self._model = None
        self._runner = None  # the chosen path's runner (None: PyTorch, self._model)
        self._check_runners: dict = {}  # the other paths, made while core.directions.fidelity measures them
        self.fingerprint = folder_fingerprint(self.path)
        wanted = (precision or os.environ.get("LATENT_PRECISION") or "auto").lower()
        runtime = (runtime or os.environ.get("LATENT_RUNTIME") or "auto").lower()
        if wanted not in ("auto", *paths.PRECISIONS) or runtime not in ("auto", *paths.RUNTIMES):
            raise ModelUnavailable("LATENT_PRECISION must be auto, float32, bfloat16 or int8, and LATENT_RUNTIME "
                                   "auto, torch, onnx or openvino.")
        self.forced = (wanted, runtime) != ("auto", "auto")
        self._wanted = wanted if wanted != "auto" else ("check" if cpu_has_fast_bf16() else "float32")
        self._runtime_wanted = runtime
        self._settle_windows()
        self.verdict = None if self.forced else paths.read_verdict(self.fingerprint)
        if self.verdict is not None:  # measured on this CPU: the fastest path that keeps what users see
            self.dim, self.fidelity = self.verdict.dim, None
            self._set_path(self.verdict.chosen)
        else:
            meta = self._read_meta()
            if meta is None:
                with self._lock:
                    self._load()
                self._write_meta()
            else:
                self.dim, self.fidelity = meta["dim"], meta["fidelity"]
                self._set_path(meta["path"])
        self.identity = f"{self.name}:{self.fingerprint}:{paths.PATHS[self.path_name].tag}" + (
            f":{windows.tag(self.window, self.stride)}" if self._pieces is not None else "")

    def _set_path(self, name: str) -> None:
        self.path_name = name
        self.runtime, self.precision = paths.PATHS[name].runtime, paths.PATHS[name].precision

    # -- long texts: windows of word pieces (tokenizer only; the model is not needed to count them)
    def _settle_windows(self) -> None:
        limit = self._max_length()
        self._pieces = None
        try:
            if (self.path / "tokenizer.json").exists():
                self._pieces = load_tokenizer(self.path)
        except Exception as exc:  # tokenizers raises its own exception type for a bad file
            log.warning("model %s: tokenizer.json cannot be read (%s); long texts are cut", self.name, exc)
        specials = self._pieces.num_special_tokens_to_add(False) if self._pieces is not None else 2
        self.window = max(1, limit - specials)  # word pieces of text read in one pass
        self.stride = max(1, self.window // 2)
        self.pooling = windows.method(self.window, self.stride) if self._pieces is not None else \
            f"first {limit} tokens (longer texts are cut)"

    def _plan(self, texts: list[str]) -> windows.Plan | None:
        if self._pieces is None:
            return None
        encodings = self._pieces.encode_batch(texts, add_special_tokens=False)
        return windows.plan(texts, encodings, self.window, self.stride)

    def windows(self, texts: list[str]) -> np.ndarray:
        """How many windows each text is read in (1: whole in one pass); loads no model."""
        plan = self._plan(list(texts)) if len(texts) else None
        return plan.counts if plan is not None else np.ones(len(texts), dtype=np.int64)

    # -- remembered facts about this model folder (disposable, like every cache)
    def _meta_path(self) -> Path:
        machine = "bf16" if cpu_has_fast_bf16() else "nobf16"
        return config.cache_dir() / "models" / f"{self.fingerprint}-{self._wanted}-{self._runtime_wanted}-{machine}.json"

    def _onnx_path(self, precision: str = "float32") -> Path:
        suffix = "" if precision == "float32" else f"-{precision}"  # e2: exported from float32 weights
        return config.cache_dir() / "onnx" / f"{self.fingerprint}{suffix}-e2.onnx"

    def _read_meta(self) -> dict | None:
        def parse(data: bytes) -> dict | None:
            meta = json.loads(data)
            fits = isinstance(meta, dict) and isinstance(meta.get("dim"), int) and meta.get("path") in paths.PATHS \
                and (paths.PATHS[meta["path"]].runtime == "torch" or self._onnx_path().exists())
            return meta if fits else None

        return read_cached(self._meta_path(), parse)

    def _write_meta(self) -> None:
        record = {"dim": self.dim, "path": self.path_name, "fidelity": self.fidelity, "model": self.name}
        write_cached(self._meta_path(), json.dumps(record).encode("utf-8"))

    # -- loading (the caller holds the lock)
    def _load_torch(self):
        import torch
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        self._torch = torch
        model = SentenceTransformer(str(self.path), device="cpu", local_files_only=True)
        model.eval()
        if int(model.max_seq_length or 0) != self._max_length():
            log.warning("model %s reads %s tokens, not the %s its windows assume", self.name,
                        model.max_seq_length, self._max_length())
        return model

    def _torch_encode(self, model, texts: list[str]) -> np.ndarray:
        with self._torch.inference_mode():
            out = model.encode(list(texts), batch_size=BATCH, convert_to_tensor=True, show_progress_bar=False)
        return unit_rows(out.float().cpu().numpy())

    def _load(self) -> None:
        """Load the model and settle a path without the full check: precision first, then the runtime. A
        forced runtime or precision is taken as asked; otherwise bfloat16 must match float32 (min cosine) and
        ONNX Runtime must compute the same function as PyTorch."""
        model = self._load_torch()
        self.dim = int(model.get_embedding_dimension())
        self._set_path("torch-float32")
        self.fidelity = None
        self._model = model
        if self._wanted == "int8" or self._runtime_wanted == "openvino":
            precision = {"check": "bfloat16", "auto": "float32"}.get(self._wanted, self._wanted)
            allowed = [n for n in paths.forced(self._runtime_wanted, precision) if paths.PATHS[n].runtime != "torch"]
            if not allowed:
                raise ModelUnavailable(f"Model {self.name!r}: no path runs {self._runtime_wanted} in {precision}.")
            name = allowed[0]
            self._runner = self.make_runner(name)
            self._set_path(name)
            return
        if self._wanted == "bfloat16":
            model.to(self._torch.bfloat16)
            self._set_path("torch-bfloat16")
        elif self._wanted == "check":
            reference = self._torch_encode(model, CHECK_TEXTS)
            candidate = copy.deepcopy(model).to(self._torch.bfloat16)
            self.fidelity = float(np.min(np.sum(reference * self._torch_encode(candidate, CHECK_TEXTS), axis=1)))
            if self.fidelity >= self.MIN_COSINE:
                self._model = candidate
                self._set_path("torch-bfloat16")
        if self.precision == "float32" and self._runtime_wanted != "torch":
            self._try_onnx(model)

    def _ensure_loaded(self) -> None:
        if self._model is not None or self._runner is not None:
            return
        if self.runtime != "torch":
            try:
                self._runner = self.make_runner(self.path_name)
                return
            except Exception as exc:  # onnxruntime's and openvino's errors derive from Exception only
                log.warning("model %s: the %s export in the cache cannot be loaded (%s: %s); redoing it",
                            self.name, self.path_name, type(exc).__name__, exc)
                with contextlib.suppress(OSError):  # the export folder may be a file, or read-only
                    self._onnx_path(self.precision if self.runtime == "onnx" else "float32").unlink(missing_ok=True)
                self._runner = self.make_runner(self.path_name)
                return
        model = self._load_torch()
        if self.precision == "bfloat16":
            model.to(self._torch.bfloat16)
        self._model = model

    def _max_length(self) -> int:
        """Tokens per pass, as sentence-transformers settles it: sentence_bert_config.json's max_seq_length,
        else the smaller of the model's positions and the tokenizer's limit, else 512."""
        def read(name: str, key: str):
            try:
                value = json.loads((self.path / name).read_text(encoding="utf-8")).get(key)
                return int(value) if value and 0 < int(value) < 1_000_000 else None
            except (OSError, ValueError, TypeError, AttributeError, OverflowError):
                return None

        limits = [read("config.json", "max_position_embeddings"), read("tokenizer_config.json", "model_max_length")]
        return read("sentence_bert_config.json", "max_seq_length") or min([v for v in limits if v] or [512])

    @property
    def loaded(self) -> bool:
        return self._model is not None or self._runner is not None

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        texts = list(texts)
        plan = self._plan(texts)
        if plan is None or not plan.windowed:
            return self._encode_strings(texts)
        return windows.pool(self._encode_strings(plan.pieces), plan.owner, plan.weight, len(texts))

    def _encode_strings(self, texts: list[str]) -> np.ndarray:
        """Each string as the model reads it (in one pass), on the path chosen for this model."""
        with self._lock:
            self._ensure_loaded()
            return self._on_path(self.path_name, self._runner, texts)

register_backend("sentence-transformers", SentenceTransformerEncoder)
