"""OpenVINO for sentence-transformers models: the float32 ONNX export, compiled by OpenVINO for this CPU.

OpenVINO reads the ONNX file core.models.onnx exported, so nothing else is converted or stored. Its CPU plugin
runs in float32, or in bfloat16 where the CPU has native bfloat16 (AVX-512 BF16, AMX): the precision is asked
for explicitly (`INFERENCE_PRECISION_HINT`), never left to the plugin's default, so a path's name says what it
computes. Tokenising, bucketing by length and pooling are core.models.onnx.TokenRunner's. openvino is
imported only when a runner is made.

Two compilations of the same graph at the same precision: one request using every core for a single batch
(one text or a few: the latency a page feels), and, made on first need, one stream per core fed by an
asynchronous queue for many batches (throughput: streams of one thread each waste less time in barriers than
one request split over the cores). Both compute the same function; only the order of work differs.

OpenVINO prepares its kernels for each input shape the first time it meets it (about 20 ms here), so a
single batch is padded to one of a few widths (`BUCKETS`; padded tokens are masked, so the vectors do not
change), and those shapes are prepared for one text when the runner is made: a typed sentence never waits
for a new shape.
"""
from __future__ import annotations

from itertools import chain
from pathlib import Path

import numpy as np

from core.models.onnx import TokenRunner, threads

PRECISIONS = {"float32": "f32", "bfloat16": "bf16"}
BUCKETS = (16, 32, 64, 128, 256, 512)


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
        self._ov, self.precision, self.streams = ov, precision, threads()
        self._core = ov.Core()
        self._model = self._core.read_model(str(onnx_path))
        self.inputs = [p.get_any_name() for p in self._model.inputs]
        compiled = self._core.compile_model(self._model, "CPU", self._config("LATENCY", threads()))
        self.request = compiled.create_infer_request()
        self._queue = None
        self._limit = max_length
        for width in sorted({min(b, max_length) for b in BUCKETS}):  # one text of every padded width
            feed = {k: np.zeros((1, width), np.int64) for k in self.inputs}
            feed["attention_mask"] = np.ones((1, width), np.int64)
            self.request.infer({k: feed[k] for k in self.inputs})

    def _width(self, width: int, single: bool) -> int:
        if not single:
            return width  # sorted batches of many texts: their own longest, least padding
        return min(next((b for b in BUCKETS if b >= width), width), max(width, self._limit))

    def _config(self, hint: str, threads_: int) -> dict:
        config = {"INFERENCE_PRECISION_HINT": PRECISIONS[self.precision], "PERFORMANCE_HINT": hint,
                  "INFERENCE_NUM_THREADS": threads_}
        return config | ({"NUM_STREAMS": self.streams} if hint == "THROUGHPUT" else {})

    def _hidden(self, feed):
        return self.request.infer(feed)[0]

    def _run(self, batches):
        batches = iter(batches)
        head = [b for b in (next(batches, None), next(batches, None)) if b is not None]
        if len(head) < 2 or self.streams < 2:
            yield from super()._run(chain(head, batches))
            return
        if self._queue is None:
            compiled = self._core.compile_model(self._model, "CPU", self._config("THROUGHPUT", self.streams))
            self._queue = self._ov.AsyncInferQueue(compiled, self.streams)
        results, failures = [], []

        def done(request, userdata):
            idx, mask = userdata
            try:
                results.append((idx, self._pool(request.get_output_tensor(0).data, mask)))
            except Exception as exc:  # raised again below, in the caller's thread
                failures.append(exc)

        self._queue.set_callback(done)
        for idx, feed, mask in chain(head, batches):
            self._queue.start_async(feed, (idx, mask))
        self._queue.wait_all()
        if failures:
            raise failures[0]
        yield from results
