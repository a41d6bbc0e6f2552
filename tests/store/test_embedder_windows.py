"""The embedder says how many windows each text is read in, and how, asking the encoder's tokenizer only."""
import numpy as np

from core.store.embedder import Embedder
from tests.conftest import FakeEncoder


class WindowingEncoder(FakeEncoder):
    """A fake that 'reads' three words per window (a stand-in for a tokenizer) and counts what it embeds."""

    window, pooling = 3, "mean of overlapping 3-word windows"
    counted = 0

    def windows(self, texts):
        self.counted += len(texts)
        return np.array([max(1, len(t.split()) - 1) for t in texts])


def test_encoders_without_windows_count_one_each(cache_root):
    emb = Embedder(FakeEncoder(), cache_root)
    assert emb.windows(["a", "b c d e f", ""]).tolist() == [1, 1, 1]
    assert emb.windows([]).shape == (0,)
    assert emb.window is None and emb.pooling == "as the model reads it (no windows)"


def test_windows_come_from_the_encoder_without_embedding(cache_root):
    enc = WindowingEncoder()
    emb = Embedder(enc, cache_root)
    counts = emb.windows(["one two three", "one two three four five", "x"])
    assert counts.tolist() == [2, 4, 1] and counts.dtype == np.int64
    assert enc.texts_seen == 0 and emb.encoded == 0  # counting is not embedding
    assert emb.window == 3 and emb.pooling == "mean of overlapping 3-word windows"


def test_counts_are_remembered_so_only_new_texts_are_counted(cache_root, monkeypatch):
    import core.store.embedder as embedder_module

    enc = WindowingEncoder()
    emb = Embedder(enc, cache_root)
    assert emb.windows(["a b c d", "x"]).tolist() == [3, 1] and enc.counted == 2
    assert emb.windows(["x", "a b c d", "p q r", "x"]).tolist() == [1, 3, 2, 1]
    assert enc.counted == 3  # only "p q r" was new
    monkeypatch.setattr(embedder_module, "COUNTS_KEPT", 2)
    assert emb.windows(["s t u v w"]).tolist() == [4] and len(emb._counts) == 2  # the oldest count goes


def test_the_real_embedder_counts_from_its_cache_without_the_model(monkeypatch, tmp_path):
    from core.models import registry as encoders
    from core.models import sbert

    monkeypatch.setenv("LATENT_CACHE_DIR", str(tmp_path))
    spec = encoders.get_spec(encoders.DEFAULT_MODEL)
    path = encoders.resolve_source(spec)
    first = sbert.SentenceTransformerEncoder(spec, path, precision="float32", runtime="torch")
    long = "The tide came in over the flat sand and the children ran back to the dunes. " * 40
    emb = Embedder(first, tmp_path)
    E = emb.embed([long, "short"])
    # a later process: the facts and the vectors are cached, so neither counting nor embedding loads the model
    def refuse(self):
        raise AssertionError("the model was loaded")

    monkeypatch.setattr(sbert.SentenceTransformerEncoder, "_load_torch", refuse)
    later = Embedder(sbert.SentenceTransformerEncoder(spec, path, precision="float32", runtime="torch"), tmp_path)
    assert later.windows([long, "short"]).tolist() == [5, 1]  # 680 word pieces
    np.testing.assert_array_equal(later.embed([long, "short"]), E)
    assert not later.encoder.loaded and later.encoded == 0
    assert later.window == 254 and "254-piece windows" in later.pooling
