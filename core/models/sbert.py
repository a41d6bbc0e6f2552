"""Sentence-transformers models, on the fastest faithful path this machine has.

Paths, chosen automatically when a model is first used and remembered per model fingerprint:

- bfloat16 PyTorch, on CPUs with native bfloat16 (AVX-512 BF16 or AMX), when it matches float32
  (minimum cosine >= 0.999 on a check set);
- float32 ONNX Runtime, exported once from the local model into the cache, when onnxruntime is
  installed and the model is a plain transformer with mean or CLS pooling, and it matches PyTorch
  (minimum cosine >= 0.99999): same function, less overhead, and no torch import at all later;
- float32 PyTorch otherwise (the safe fallback).

A text longer than the model's window (max_seq_length less the special tokens) is read whole: cut into
overlapping windows at the tokenizer's offsets, each embedded in the same batch as the other texts, and pooled
(core.models.windows; `pooling` names the method, `windows(texts)` counts windows without loading the model,
and the identity carries the method's tag). A model folder without tokenizer.json keeps the old cut.

`LATENT_PRECISION` (auto, float32, bfloat16) and `LATENT_RUNTIME` (auto, torch, onnx) override.
The model loads on the first `encode`; the cache's facts (dimension, precision) are remembered,
so texts already cached are scored without loading anything.
"""
from __future__ import annotations

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
from core.models.onnx import (
    BATCH,
    OnnxRunner,
    export_onnx,
    load_tokenizer,
    onnxruntime_available,
    pooling_mode,
)
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
LONG_TOKENS = 128  # above this many tokens PyTorch's fused attention beats the exported graph


def cpu_has_fast_bf16() -> bool:
    """True where the CPU has native bfloat16 arithmetic (AVX-512 BF16 or AMX)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.startswith("flags"):
                    return bool(set(line.split(":", 1)[1].split()) & {"avx512_bf16", "amx_bf16"})
    except OSError:
        pass
    return False


class SentenceTransformerEncoder:
    """A sentence-transformers model behind a lock, on the fastest path that matches float32."""

    MIN_COSINE = 0.999  # bfloat16 against float32
    SAME_FUNCTION = 0.99999  # ONNX Runtime against PyTorch, both float32

    def __init__(self, spec: ModelSpec, path: Path, precision: str | None = None, runtime: str | None = None):
        self.name = spec.name
        self.path = Path(path)
        self._lock = threading.Lock()
        self._model = None
        self._runner: OnnxRunner | None = None
        self.fingerprint = folder_fingerprint(self.path)
        wanted = (precision or os.environ.get("LATENT_PRECISION") or "auto").lower()
        runtime = (runtime or os.environ.get("LATENT_RUNTIME") or "auto").lower()
        if wanted not in ("auto", "float32", "bfloat16") or runtime not in ("auto", "torch", "onnx"):
            raise ModelUnavailable("LATENT_PRECISION must be auto, float32 or bfloat16, and LATENT_RUNTIME "
                                   "auto, torch or onnx.")
        self._wanted = wanted if wanted != "auto" else ("check" if cpu_has_fast_bf16() else "float32")
        self._runtime_wanted = runtime
        meta = self._read_meta()
        if meta is None:
            with self._lock:
                self._load()
            self._write_meta()
        else:
            self.dim, self.precision, self.fidelity, self.runtime = (
                meta["dim"], meta["precision"], meta["fidelity"], meta["runtime"])
        self._settle_windows()
        self.identity = f"{self.name}:{self.fingerprint}:{self.precision}" + (
            f":{windows.tag(self.window, self.stride)}" if self._pieces is not None else "")

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
        return config.cache_dir() / "models" / f"{self.fingerprint}-{self._wanted}-{self._runtime_wanted}.json"

    def _onnx_path(self) -> Path:
        return config.cache_dir() / "onnx" / f"{self.fingerprint}.onnx"

    def _read_meta(self) -> dict | None:
        def parse(data: bytes) -> dict | None:
            meta = json.loads(data)
            fits = isinstance(meta, dict) and isinstance(meta.get("dim"), int) \
                and meta.get("precision") in ("float32", "bfloat16") and meta.get("runtime") in ("torch", "onnx") \
                and (meta["runtime"] == "torch" or self._onnx_path().exists())
            return meta if fits else None

        return read_cached(self._meta_path(), parse)

    def _write_meta(self) -> None:
        record = {"dim": self.dim, "precision": self.precision, "fidelity": self.fidelity,
                  "runtime": self.runtime, "model": self.name}
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
        """Load the model and settle the path: precision first, then the runtime."""
        model = self._load_torch()
        self.dim = int(model.get_embedding_dimension())
        self.precision, self.fidelity, self.runtime = "float32", None, "torch"
        if self._wanted == "bfloat16":
            model.to(self._torch.bfloat16)
            self.precision = "bfloat16"
        elif self._wanted == "check":
            reference = self._torch_encode(model, CHECK_TEXTS)
            candidate = copy.deepcopy(model).to(self._torch.bfloat16)
            self.fidelity = float(np.min(np.sum(reference * self._torch_encode(candidate, CHECK_TEXTS), axis=1)))
            if self.fidelity >= self.MIN_COSINE:
                self.precision, model = "bfloat16", candidate
        self._model = model
        if self.precision == "float32" and self._runtime_wanted != "torch":
            self._try_onnx(model)

    def _try_onnx(self, model) -> None:
        pooling = pooling_mode(self.path)
        missing = [why for why, bad in (("onnxruntime", not onnxruntime_available()),
                                        ("a tokenizer.json", not (self.path / "tokenizer.json").exists()),
                                        ("plain mean or CLS pooling", pooling is None)) if bad]
        if missing:
            if self._runtime_wanted == "onnx":
                raise ModelUnavailable(f"Model {self.name!r} cannot run on ONNX Runtime here (needs onnxruntime, "
                                       "a tokenizer.json and plain mean or CLS pooling).")
            log.info("model %s stays on PyTorch: ONNX Runtime needs %s", self.name, ", ".join(missing))
            return
        try:
            if not self._onnx_path().exists():
                export_onnx(model, self._onnx_path())
            runner = OnnxRunner(self.path, self._onnx_path(), int(model.max_seq_length or 512), pooling)
            reference = self._torch_encode(model, CHECK_TEXTS)
            fidelity = float(np.min(np.sum(reference * runner.encode(CHECK_TEXTS), axis=1)))
        except Exception as exc:  # torch.onnx and onnxruntime raise their own types (not OSError/ValueError)
            log.warning("model %s stays on PyTorch: the ONNX export or its check failed (%s: %s)",
                        self.name, type(exc).__name__, exc)
            self._onnx_path().unlink(missing_ok=True)
            return
        if fidelity >= self.SAME_FUNCTION:
            self._runner, self._model, self.runtime, self.fidelity = runner, model, "onnx", fidelity
        else:
            log.warning("model %s stays on PyTorch: on ONNX Runtime its minimum cosine to PyTorch is %.6f (< %s)",
                        self.name, fidelity, self.SAME_FUNCTION)

    def _ensure_loaded(self) -> None:
        if self._model is not None or self._runner is not None:
            return
        if self.runtime == "onnx":
            try:
                self._runner = OnnxRunner(self.path, self._onnx_path(), self._max_length(), pooling_mode(self.path))
                return
            except Exception as exc:  # onnxruntime's errors derive from Exception only
                log.warning("model %s: the ONNX export in the cache cannot be loaded (%s: %s); redoing it",
                            self.name, type(exc).__name__, exc)
                self._onnx_path().unlink(missing_ok=True)  # broken export: redo it on the torch path
        precision = self.precision
        self._load()
        if self.precision != precision:  # the remembered decision no longer holds
            self._write_meta()
            raise ModelUnavailable(f"Model {self.name!r} changed precision; reload the page.")

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
            if self._runner is None:
                return self._torch_encode(self._model, texts)
            lengths = np.array([len(e.ids) for e in self._runner.tokenizer.encode_batch(texts)])
            long = lengths > LONG_TOKENS
            if not long.any():
                return self._runner.encode(texts)
            # long texts: the same float32 function on PyTorch, whose fused attention is faster there
            if self._model is None:
                self._model = self._load_torch()
            out = np.zeros((len(texts), self.dim), np.float32)
            idx_long, idx_short = np.nonzero(long)[0], np.nonzero(~long)[0]
            out[idx_long] = self._torch_encode(self._model, [texts[i] for i in idx_long])
            if len(idx_short):
                out[idx_short] = self._runner.encode([texts[i] for i in idx_short])
            return out


register_backend("sentence-transformers", SentenceTransformerEncoder)
