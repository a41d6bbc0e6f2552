"""Decoders: retrieval on a fake encoder, adapted decoding, stepping with progress and stop, result tables."""
import threading

import numpy as np
import pytest

from core.directions.build import Direction
from core.io.corpus import Corpus
from core.latent import decoders
from core.latent.adapters import Adapter
from core.store.embedder import Embedder

TEXTS = [
    "a happy great day", "a lovely happy morning", "a sad awful day", "a grim sad evening",
    "a huge house", "a tiny house", "the river in spring", "the river in winter", "a happy great day",
]


@pytest.fixture
def reference(fake_encoder):
    return TEXTS, fake_encoder.encode(TEXTS)


def test_each_text_decodes_to_itself_first(reference):
    texts, E = reference
    dec = decoders.RetrievalDecoder(texts, E)
    assert len(dec.texts) == len(set(TEXTS))  # the duplicate is one answer
    found = dec.search(E, n=3)
    for i, row in enumerate(found):
        assert row[0][0] == texts[i]
        assert row[0][1] == pytest.approx(1.0, abs=1e-5)
        sims = [s for _, s in row]
        assert sims == sorted(sims, reverse=True) and len({t for t, _ in row}) == 3
    assert dec.decode(E[:2], n=1) == [[texts[0]], [texts[1]]]


def test_planted_direction_reads_back_as_the_right_pole(reference, fake_encoder):
    texts, E = reference
    dec = decoders.RetrievalDecoder(texts, E)
    query = fake_encoder.encode(["lovely"])  # positive on the planted sentiment axis
    assert set(dec.decode(query, n=2)[0]) <= {"a happy great day", "a lovely happy morning"}
    sad = fake_encoder.encode(["awful grim"])
    assert set(dec.decode(sad, n=2)[0]) == {"a sad awful day", "a grim sad evening"}


def test_sampling_is_seeded_distinct_and_capped(reference):
    texts, E = reference
    dec = decoders.RetrievalDecoder(texts, E)
    a = dec.decode(E[:3], n=4, temperature=0.5, seed=7)
    assert a == dec.decode(E[:3], n=4, temperature=0.5, seed=7)
    assert any(dec.decode(E[:3], n=4, temperature=0.5, seed=s) != a for s in range(1, 6))
    assert all(len(set(row)) == 4 for row in a)
    assert len(dec.decode(E[0], n=50)[0]) == len(dec.texts)  # never more than the corpus holds
    # a very low temperature is the nearest-first answer
    assert dec.decode(E[:3], n=2, temperature=1e-4, seed=3) == dec.decode(E[:3], n=2)


def test_bad_latents_and_requests_get_clear_errors(reference):
    texts, E = reference
    dec = decoders.RetrievalDecoder(texts, E)
    with pytest.raises(decoders.DecodeError, match="Incompatible dimensions: the latents have 5"):
        dec.decode(np.ones(5))
    with pytest.raises(decoders.DecodeError, match="zero vector"):
        dec.decode(np.zeros(E.shape[1]))
    with pytest.raises(decoders.DecodeError, match="NaN"):
        dec.decode(np.full(E.shape[1], np.nan))
    with pytest.raises(decoders.DecodeError, match="at least one"):
        dec.decode(E[0], n=0)
    with pytest.raises(decoders.DecodeError, match="temperature"):
        dec.decode(E[0], temperature=-1)
    with pytest.raises(decoders.DecodeError, match="empty"):
        decoders.RetrievalDecoder([], np.zeros((0, 4)))
    with pytest.raises(decoders.DecodeError, match="embeddings of shape"):
        decoders.RetrievalDecoder(["a", "b"], np.zeros((3, 4)))


def test_from_corpus_embeds_through_the_cache(fake_encoder, cache_root):
    import pandas as pd

    emb = Embedder(fake_encoder, root=cache_root)
    corpus = Corpus("tiny corpus", pd.DataFrame({"text": TEXTS}))
    dec = decoders.RetrievalDecoder.from_corpus(corpus, emb)
    assert dec.name == "nearest texts in tiny corpus"
    assert dec.decode(fake_encoder.encode(["a huge house"]))[0] == ["a huge house"]


def test_adapted_decoder_maps_then_decodes(reference):
    texts, E = reference
    rng = np.random.default_rng(0)
    Q, _ = np.linalg.qr(rng.normal(size=(E.shape[1], E.shape[1])))
    source = E @ Q.T  # another "model": the same texts, rotated
    adapter = Adapter(Q, np.zeros(E.shape[1]), "procrustes", "rotated", "fake")
    dec = decoders.AdaptedDecoder(adapter, decoders.RetrievalDecoder(texts, E))
    assert dec.dim == E.shape[1] and not dec.generative
    assert [row[0] for row in dec.decode(source[:4])] == texts[:4]
    narrow = Adapter(np.zeros((3, 2)), np.zeros(2), "ridge", "a", "b")
    with pytest.raises(decoders.DecodeError, match="maps into 2 dimensions"):
        decoders.AdaptedDecoder(narrow, decoders.RetrievalDecoder(texts, E))


class CountingDecoder:
    """Records the seeds and batch sizes it was asked for."""

    name, dim, generative = "counting", 3, True

    def __init__(self):
        self.calls = []

    def decode(self, latents, n=1, temperature=0.0, seed=0):
        self.calls.append((len(latents), seed))
        return [[f"seed {seed} row {i}"] * n for i in range(len(latents))]


def test_decode_steps_reports_progress_and_can_stop():
    latents = np.eye(3)[[0, 1, 2, 0, 1]]
    dec = CountingDecoder()
    steps = list(decoders.decode_steps(dec, latents, n=2, seed=10, chunk=2))
    assert [(d, t) for d, t, _ in steps] == [(2, 5), (4, 5), (5, 5)]
    assert dec.calls == [(2, 10), (2, 12), (1, 14)]  # the step starting at row i uses seed + i
    assert len(steps[-1][2]) == 5 and all(len(r) == 2 for r in steps[-1][2])

    seen, stop = [], threading.Event()

    def progress(done, total):
        seen.append(done)
        stop.set()

    results, finished = decoders.decode_all(CountingDecoder(), latents, chunk=2, progress=progress, stop=stop)
    assert not finished and len(results) == 2 and seen == [2]
    results, finished = decoders.decode_all(CountingDecoder(), latents, chunk=2)
    assert finished and len(results) == 5


def test_decode_all_fills_the_partial_list_before_each_progress_call():
    """A page's Stop interrupts the run inside progress(): what was decoded by then is already kept."""
    latents = np.eye(3)[[0, 1, 2, 0, 1]]
    partial, seen = [], []

    def progress(done, total):
        seen.append((done, len(partial)))
        if done == 4:
            raise KeyboardInterrupt  # stands in for Streamlit stopping the script

    with pytest.raises(KeyboardInterrupt):
        decoders.decode_all(CountingDecoder(), latents, chunk=2, progress=progress, partial=partial)
    assert seen == [(2, 2), (4, 4)] and partial[0] == ["seed 0 row 0"] and len(partial) == 4
    results, finished = decoders.decode_all(CountingDecoder(), latents, chunk=2, partial=partial)
    assert finished and partial == results and len(partial) == 5


def test_points_and_decoded_frames_by_hand():
    d = Direction(name="x", title="X", negative_label="lo", positive_label="hi", vector=np.array([1.0, 0, 0]),
                  negative_projection=-0.5, positive_projection=0.5, model="m", method="mean", dataset_hash="h")
    start = np.array([1.0, 0.0, 0.0])
    latents = np.array([[1.0, 0.0, 0.0], [0.0, 2.0, 0.0]])
    points = decoders.points_frame(["a", "b"], latents, start, [d])
    assert points["similarity to start"].tolist() == pytest.approx([1.0, 0.0])
    assert points["x"].tolist() == pytest.approx([2.0, 0.0])  # raw 1 with half-span 0.5
    decoded = [["t1", "t2"], ["t3"]]
    E = np.array([[0.6, 0.8, 0], [0, 1.0, 0], [0, 0, 1.0]])
    frame = decoders.decoded_frame(["a", "b"], decoded, E, latents, start, [d])
    assert frame["point"].tolist() == ["a", "a", "b"] and frame["rank"].tolist() == [1, 2, 1]
    assert frame["similarity to point"].tolist() == pytest.approx([0.6, 0.0, 0.0])
    assert frame["similarity to start"].tolist() == pytest.approx([0.6, 0.0, 0.0])
    assert frame["x"].tolist() == pytest.approx([1.2, 0.0, 0.0])
