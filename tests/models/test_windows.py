"""Long texts read whole: window spans and pooling by hand, then on the packaged MiniLM.

The long texts here were written for this test; none is in a direction data set or a benchmark.
"""
from types import SimpleNamespace

import numpy as np
import pytest

from core.models import registry as encoders
from core.models import sbert, windows

STORY = ("The ferry left the harbour late because fog had settled over the bay. Gulls followed the wake while "
         "a child counted the buoys aloud. On the far shore a baker was already loading warm loaves into a van, "
         "and the lighthouse keeper wrote the morning's weather into a battered notebook. ")
LONG = STORY * 12  # 708 word pieces: five windows of 254 at a stride of 127


def covered(spans, n):
    seen = np.zeros(n, dtype=int)
    for b, e in spans:
        seen[b:e] += 1
    return seen


# ------------------------------------------------------------------ spans, cut, plan (no model)

def test_a_text_that_fits_is_one_window_and_an_empty_text_too():
    assert windows.spans([True] * 254, 254, 127) == [(0, 254)]
    assert windows.spans([], 254, 127) == [(0, 0)]
    assert windows.spans([True] * 255, 254, 127) == [(0, 254), (127, 255)]


def test_windows_overlap_by_the_stride_and_cover_every_piece():
    assert windows.spans([True] * 10, 4, 2) == [(0, 4), (2, 6), (4, 8), (6, 10)]
    n, size, stride = 1000, 254, 127
    starts = np.random.default_rng(0).random(n) < 0.7  # words of one to a few pieces
    starts[0] = True
    spans = windows.spans(starts, size, stride)
    assert spans[0][0] == 0 and spans[-1][1] == n
    assert (covered(spans, n) >= 1).all()
    for (b0, e0), (b1, e1) in zip(spans, spans[1:]):
        assert b0 < b1 < e0 <= e1  # each window starts inside the one before: they overlap
        assert b1 - b0 <= stride
    assert all(0 < e - b <= size for b, e in spans)
    assert all(starts[b] for b, _ in spans)  # windows begin at a word
    assert all(e == n or starts[e] for _, e in spans)  # and end where the next word begins


def test_word_boundaries_move_the_cut_back():
    # words of three pieces: 0 1 2 | 3 4 5 | 6 7 8 | 9 10 11
    starts = [i % 3 == 0 for i in range(12)]
    assert windows.spans(starts, 5, 3) == [(0, 3), (3, 6), (6, 9), (9, 12)]
    assert windows.spans(starts, 7, 3) == [(0, 6), (3, 9), (6, 12)]


def test_a_word_longer_than_the_window_is_cut_inside():
    spans = windows.spans([True] + [False] * 9, 4, 2)
    assert spans == [(0, 4), (2, 6), (4, 8), (6, 10)]
    with pytest.raises(ValueError):
        windows.spans([True] * 5, 4, 0)
    with pytest.raises(ValueError):
        windows.spans([True] * 5, 4, 5)


def test_word_starts_and_cut_at_offsets():
    assert windows.word_starts([0, 1, 1, 2, 2, 2, 3]).tolist() == [True, True, False, True, False, False, True]
    text = "  one two three  "
    offsets = [(2, 5), (6, 9), (10, 15)]
    assert windows.cut(text, offsets, [(0, 3)]) == [text]  # one window: the string itself, spaces and all
    assert windows.cut(text, offsets, [(0, 2), (1, 3)]) == ["one two", "two three"]


def test_plan_flattens_windows_and_counts_them():
    class Encoding(SimpleNamespace):  # what tokenizers gives: a length, character offsets, word ids
        def __len__(self):
            return len(self.offsets)

    def enc(n):
        return Encoding(offsets=[(2 * i, 2 * i + 1) for i in range(n)], word_ids=list(range(n)))

    texts = ["a b c d e f", "", "x y"]
    plan = windows.plan(texts, [enc(6), enc(0), enc(2)], size=4, stride=2)
    assert plan.counts.tolist() == [2, 1, 1] and plan.windowed
    assert plan.pieces == ["a b c d", "c d e f", "", "x y"]
    assert plan.owner.tolist() == [0, 0, 1, 2]
    assert plan.weight.tolist() == [4, 4, 1, 2]  # an empty text still weighs one
    assert not windows.plan(["x y"], [enc(2)], 4, 2).windowed


# ------------------------------------------------------------------ pooling (no model)

def test_pooling_is_the_length_weighted_mean_of_unit_window_vectors():
    vectors = np.array([[2.0, 0.0], [0.0, 5.0], [0.6, 0.8]], dtype=np.float32)  # not unit: made unit first
    out = windows.pool(vectors, np.array([0, 0, 1]), np.array([3.0, 1.0, 7.0]), 2)
    np.testing.assert_allclose(out[0], np.array([3.0, 1.0]) / np.sqrt(10.0), atol=1e-7)
    np.testing.assert_array_equal(out[1], vectors[2])
    assert out.dtype == np.float32


def test_a_single_window_keeps_its_vector_bit_for_bit():
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(5, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    out = windows.pool(vectors, np.array([0, 1, 1, 1, 2]), np.ones(5), 3)
    np.testing.assert_array_equal(out[0], vectors[0])
    np.testing.assert_array_equal(out[2], vectors[4])
    np.testing.assert_array_equal(windows.pool(vectors[:3], np.arange(3), np.ones(3), 3), vectors[:3])
    with pytest.raises(ValueError):
        windows.pool(vectors[:2], np.array([0, 0]), np.ones(2), 2)  # text 1 has no window


def test_tags_and_names():
    assert windows.tag(254, 127) == "win254/127"
    assert windows.method(254, 127) == "mean of overlapping 254-piece windows (stride 127), weighted by length"
    assert windows.describe(SimpleNamespace(pooling="whole text")) == "whole text"
    assert windows.describe(SimpleNamespace(max_tokens=77)) == "first 77 tokens"
    assert "no windows" in windows.describe(SimpleNamespace())
    assert windows.note(0, 254, "x") is None
    assert windows.note(1, 254, "x") == ("1 text is longer than the model's window (254 word pieces): read in "
                                         "overlapping windows and pooled (x).")
    assert windows.note(1200, None, "x").startswith("1,200 texts are longer than the model's window: read")


# ------------------------------------------------------------------ the packaged MiniLM

@pytest.fixture(scope="module")
def minilm():
    spec = encoders.get_spec(encoders.DEFAULT_MODEL)
    return sbert.SentenceTransformerEncoder(spec, encoders.resolve_source(spec), precision="float32",
                                            runtime="torch")


@pytest.fixture(scope="module")
def stock(minilm):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(minilm.path), device="cpu", local_files_only=True)


def test_the_encoder_names_its_method_in_its_identity(minilm):
    assert minilm.window == 254 and minilm.stride == 127
    assert minilm.identity.endswith(":float32:win254/127")
    assert minilm.pooling == "mean of overlapping 254-piece windows (stride 127), weighted by length"


def test_windows_count_pieces_of_the_text(minilm):
    assert len(minilm._pieces.encode(LONG, add_special_tokens=False).ids) == 708
    # 708 pieces: windows begin near 0, 127, 254, 381, 508 (508 + 254 >= 708 ends it)
    counts = minilm.windows([LONG, "A short one.", "", "word " * 254, "word " * 255])
    assert counts.tolist() == [5, 1, 1, 1, 2]
    assert counts.dtype == np.int64


def test_each_window_is_read_whole_by_the_model(minilm):
    plan = minilm._plan([LONG])
    for piece, weight in zip(plan.pieces, plan.weight):
        assert len(minilm._pieces.encode(piece, add_special_tokens=False).ids) == weight <= 254
    assert "".join(plan.pieces[:1]) == LONG[: len(plan.pieces[0])]  # cut from the original string


def test_a_long_text_is_pooled_from_its_windows_not_cut(minilm, stock):
    vector = minilm.encode([LONG, "A short one."])[0]
    cut = stock.encode([LONG], normalize_embeddings=True)[0]  # what sentence-transformers alone reads
    plan = minilm._plan([LONG])
    parts = stock.encode(plan.pieces, normalize_embeddings=True)
    mean = (parts * plan.weight[:, None]).sum(axis=0)
    mean /= np.linalg.norm(mean)
    assert abs(np.linalg.norm(vector) - 1.0) < 1e-5
    assert float(vector @ mean) > 0.99999
    assert float(vector @ cut) < 0.999  # the end of the text counts now


def test_a_text_that_fits_gives_what_sentence_transformers_gives(minilm, stock):
    texts = ["The lighthouse keeper wrote the weather into a notebook.", "ok", STORY]
    mine = minilm.encode(texts)
    theirs = stock.encode(texts, normalize_embeddings=True)
    np.testing.assert_allclose(mine, theirs, atol=1e-6)
    np.testing.assert_array_equal(minilm.encode(texts[:1]), minilm._encode_strings(texts[:1]))


def test_counting_windows_does_not_load_the_model(minilm, monkeypatch):
    def refuse(self):
        raise AssertionError("the model was loaded")

    monkeypatch.setattr(sbert.SentenceTransformerEncoder, "_load_torch", refuse)
    spec = encoders.get_spec(encoders.DEFAULT_MODEL)  # its facts are cached by the `minilm` fixture
    again = sbert.SentenceTransformerEncoder(spec, minilm.path, precision="float32", runtime="torch")
    assert again.windows([LONG, "short"]).tolist() == [5, 1]
    assert not again.loaded and again.identity == minilm.identity


@pytest.mark.slow
def test_counting_windows_in_a_fresh_process_imports_no_torch(minilm):
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    code = ("import sys\n"
            "from core.models import registry as r, sbert\n"
            "spec = r.get_spec(r.DEFAULT_MODEL)\n"
            "enc = sbert.SentenceTransformerEncoder(spec, r.resolve_source(spec), precision='float32',\n"
            "                                       runtime='torch')\n"
            f"print(enc.windows([{LONG!r}, 'short']).tolist(), 'torch' in sys.modules, enc.loaded)\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout.decode().split() == ["[5,", "1]", "False", "False"]
