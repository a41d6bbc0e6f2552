"""OpenVINO for sentence-transformers models: the float32 ONNX export, compiled by OpenVINO for this CPU.

OpenVINO reads the ONNX file core.models.onnx exported, so nothing else is converted or stored. Its CPU plugin
runs in float32, or in bfloat16 where the CPU has native bfloat16 (AVX-512 BF16, AMX): the precision is asked
for explicitly (`INFERENCE_PRECISION_HINT`), never left to the plugin's default, so a path's name says what it
computes. Tokenising, bucketing by length and pooling are core.models.onnx.TokenRunner's. openvino is
imported only when a runner is made.
"""
from __future__ import annotations

from pathlib import Path

from core.models.onnx import TokenRunner, threads

PRECISIONS = {"float32": "f32", "bfloat16": "bf16"}


def openvino_available() -> bool:
    try:
        import openvino  # noqa: F401

        return True
    except ImportError:
        return False


class OpenVinoRunner(TokenRunner):
    """The exported transformer compiled by OpenVINO's CPU plugin at `precision` (float32 or bfloat16)."""

    def __init__(self, model_dir: Path, onnx_path: Path, max_length: int, pooling: str, precision: str):
        import openvino as ov

        super().__init__(model_dir, max_length, pooling)
        core = ov.Core()
        model = core.read_model(str(onnx_path))
        self.inputs = [p.get_any_name() for p in model.inputs]
        config = {"INFERENCE_PRECISION_HINT": PRECISIONS[precision], "PERFORMANCE_HINT": "LATENCY",
                  "INFERENCE_NUM_THREADS": threads()}
        self.compiled = core.compile_model(model, "CPU", config)
        self.request = self.compiled.create_infer_request()
        self.precision = precision

    def _hidden(self, feed):
        return self.request.infer(feed)[0]
