"""ONNX Runtime for sentence-transformers models: export the transformer once, run it without torch.

Only plain Transformer -> Pooling (-> Normalize) models with mean or CLS pooling qualify (`pooling_mode`);
the export goes to the cache folder atomically, and `OnnxRunner` tokenises with the model's own
tokenizer.json (`load_tokenizer`, which core.models.sbert also cuts long texts into windows with) and pools
as the model does; a long text reaches it as window strings, as it reaches PyTorch. The caller
(core.models.sbert) checks that the result matches PyTorch before trusting it. onnxruntime and tokenizers
are imported only when a tokenizer or a runner is made.
"""
from __future__ import annotations

import json
import logging
import os
import warnings
from pathlib import Path

import numpy as np

from core.files import atomic_path
from core.vectors import unit_rows

log = logging.getLogger(__name__)

BATCH = 64
POOLING_MODES = {"pooling_mode_mean_tokens": "mean", "pooling_mode_cls_token": "cls"}


def onnxruntime_available() -> bool:
    try:
        import onnxruntime  # noqa: F401

        return True
    except ImportError:
        return False


def pooling_mode(path: Path) -> str | None:
    """'mean' or 'cls' for a plain Transformer -> Pooling (-> Normalize) model folder; None otherwise."""
    try:
        modules = json.loads((Path(path) / "modules.json").read_text(encoding="utf-8"))
        kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
        if kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
            return None
        pool_dir = Path(path) / next(m["path"] for m in modules if m["type"].endswith("Pooling"))
        cfg = json.loads((pool_dir / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError, AttributeError, StopIteration) as exc:
        log.info("%s is not a plain Transformer + Pooling model (%s); it stays on PyTorch", path, exc)
        return None
    modes = [k for k, v in cfg.items() if k.startswith("pooling_mode") and v]
    return POOLING_MODES.get(modes[0]) if len(modes) == 1 else None


def threads() -> int:
    """The cores this process may use (its CPU affinity), for the runtimes' thread pools."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def load_tokenizer(model_dir: Path, max_length: int | None = None):
    """The model's fast tokenizer from its tokenizer.json, without the file's own padding; truncated at
    `max_length` tokens, or not at all (None: core.models.windows reads long texts in windows)."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(Path(model_dir) / "tokenizer.json"))
    tokenizer.no_padding()
    if max_length is None:
        tokenizer.no_truncation()
    else:
        tokenizer.enable_truncation(max_length=max_length)
    return tokenizer


class TokenRunner:
    """Tokenise with the model's fast tokenizer in one batch call, bucket by length (sorted, so a batch pads
    to its own longest text), run a transformer graph (`_hidden`, from a subclass) and pool as the model does."""

    def __init__(self, model_dir: Path, max_length: int, pooling: str):
        self.tokenizer = load_tokenizer(model_dir, max_length)
        self.pooling = pooling
        self.inputs = ["input_ids", "attention_mask", "token_type_ids"]

    def _hidden(self, feed: dict[str, np.ndarray]) -> np.ndarray:
        raise NotImplementedError

    def _batches(self, texts: list[str], batch_size: int):
        """(row indices, feed) per batch: texts sorted by token count, each batch padded to its longest."""
        encodings = self.tokenizer.encode_batch(list(texts))
        order = np.argsort([len(e.ids) for e in encodings], kind="stable")
        single = len(order) <= batch_size
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            width = self._width(max(len(encodings[i].ids) for i in idx), single)
            ids = np.zeros((len(idx), width), np.int64)
            mask = np.zeros((len(idx), width), np.int64)
            types = np.zeros((len(idx), width), np.int64)
            for r, i in enumerate(idx):
                e = encodings[i]
                ids[r, : len(e.ids)] = e.ids
                mask[r, : len(e.ids)] = 1
                types[r, : len(e.ids)] = e.type_ids
            feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
            yield idx, {k: feed[k] for k in self.inputs}, mask

    def _width(self, width: int, single: bool) -> int:
        """Tokens a batch is padded to (its longest text; a subclass may round up: padding is masked)."""
        return width

    def _pool(self, hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
        hidden = np.asarray(hidden, dtype=np.float32)
        if self.pooling == "cls":
            return hidden[:, 0]
        m = mask[..., None].astype(np.float32)
        return (hidden * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)

    def _run(self, batches):
        """(row indices, pooled vectors) per batch; a subclass may run batches side by side."""
        for idx, feed, mask in batches:
            yield idx, self._pool(self._hidden(feed), mask)

    def encode(self, texts: list[str], batch_size: int = BATCH) -> np.ndarray:
        out = None
        for idx, pooled in self._run(self._batches(texts, batch_size)):
            if out is None:
                out = np.zeros((len(texts), pooled.shape[1]), np.float32)
            out[idx] = pooled
        return unit_rows(out if out is not None else np.zeros((0, 0), np.float32))


class OnnxRunner(TokenRunner):
    """A transformer exported to ONNX (float32, or int8 from `quantize_int8`), run by ONNX Runtime."""

    def __init__(self, model_dir: Path, onnx_path: Path, max_length: int, pooling: str):
        import onnxruntime as ort

        super().__init__(model_dir, max_length, pooling)
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = threads()
        self.session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        self.inputs = [i.name for i in self.session.get_inputs()]

    def _hidden(self, feed):
        return self.session.run(None, feed)[0]


def quantize_int8(onnx_path: Path, int8_path: Path) -> None:
    """Dynamic int8 (per-channel weights, activations quantised per batch at run time) of the float32 export's
    matrix products, written atomically. Only MatMul nodes: embeddings, layer norms and softmax stay float32."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with atomic_path(Path(int8_path)) as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        quantize_dynamic(str(onnx_path), str(tmp), per_channel=True, weight_type=QuantType.QInt8,
                         op_types_to_quantize=["MatMul"])


def export_onnx(model, onnx_path: Path) -> None:
    """Export the Hugging Face transformer inside a SentenceTransformer to ONNX (atomically)."""
    import torch

    transformer = model[0].auto_model.float().eval()

    class Wrapped(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    sample = torch.ones((2, 8), dtype=torch.long)
    names = ("input_ids", "attention_mask", "token_type_ids")
    with atomic_path(Path(onnx_path)) as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Wrapped(transformer), (sample, sample, torch.zeros_like(sample)), str(tmp),
            input_names=list(names), output_names=["hidden"],
            dynamic_axes={n: {0: "batch", 1: "tokens"} for n in (*names, "hidden")},
            opset_version=17, dynamo=False,
        )
