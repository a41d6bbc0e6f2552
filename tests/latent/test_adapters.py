"""Linear adapters: known maps recovered from synthetic data, safe files, carried directions; the TF-IDF encoder;
and a real adapter between MiniLM and TF-IDF on the sample corpus."""
import io
import zipfile

import numpy as np
import pytest

from core.latent import adapters
from core.latent.adapters import Adapter, AdapterError
from core.models import registry as encoders
from core.models import tfidf


def synthetic(n=400, d_in=10, d_out=6, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d_in))
    A = rng.normal(size=(d_in, d_out))
    b = rng.normal(size=d_out)
    return X, A, b


def test_ridge_recovers_a_known_linear_map():
    X, A, b = synthetic()
    W, c = adapters.fit_ridge(X, X @ A + b, alpha=1e-9)
    np.testing.assert_allclose(W, A, atol=1e-6)
    np.testing.assert_allclose(c, b, atol=1e-6)
    adapter = adapters.fit_adapter(X, X @ A + b, "ridge", alpha=1e-9)
    np.testing.assert_allclose(adapter.weight, A, atol=1e-6)
    assert adapter.report["cosine"] == pytest.approx(1.0, abs=1e-9)
    assert adapter.report["top1"] == 1.0 and adapter.report["n"] == 80 and adapter.report["n_train"] == 320
    # with noise, the penalty is chosen on held-out rows and the map still finds every text
    noisy = X @ A + b + 0.05 * np.random.default_rng(1).normal(size=(len(X), 6))
    auto = adapters.fit_adapter(X, noisy)
    assert auto.alpha in adapters.ALPHAS and auto.report["cosine"] > 0.99 and auto.report["top1"] > 0.9


def test_procrustes_recovers_a_rotation_and_needs_equal_dimensions():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(200, 8))
    Q, _ = np.linalg.qr(rng.normal(size=(8, 8)))
    W, c = adapters.fit_procrustes(X, X @ Q)
    np.testing.assert_allclose(W, Q, atol=1e-10)
    np.testing.assert_array_equal(c, np.zeros(8))
    adapter = adapters.fit_adapter(X, X @ Q, "procrustes")
    assert adapter.report["top1"] == 1.0 and adapter.alpha is None
    np.testing.assert_allclose(np.linalg.norm(adapter.map(X, unit=False), axis=1), np.linalg.norm(X, axis=1))
    with pytest.raises(AdapterError, match="equal dimension.*ridge"):
        adapters.fit_procrustes(X, X[:, :5])
    with pytest.raises(AdapterError, match="Unknown adapter method"):
        adapters.fit_adapter(X, X, "magic")
    with pytest.raises(AdapterError, match="too few"):
        adapters.fit_adapter(X[:4], X[:4])
    with pytest.raises(AdapterError, match="paired rows"):
        adapters.fit_ridge(X, X[:10])


def test_map_and_carry():
    X, A, b = synthetic(d_in=4, d_out=3)
    adapter = Adapter(A, b, "ridge", "src", "dst")
    np.testing.assert_allclose(adapter.map(X[:2], unit=False), X[:2] @ A + b)
    np.testing.assert_allclose(np.linalg.norm(adapter.map(X[:5]), axis=1), 1.0)
    d = np.array([1.0, 0, 0, 0])
    np.testing.assert_allclose(adapter.carry(d), A[0] / np.linalg.norm(A[0]))  # the bias cancels
    with pytest.raises(AdapterError, match="Incompatible dimensions: this adapter reads 4"):
        adapter.map(np.ones((1, 7)))
    with pytest.raises(AdapterError, match="cannot go through"):
        adapter.carry(np.ones(3))


def test_save_and_load_round_trip_without_pickle(tmp_path):
    X, A, b = synthetic()
    adapter = adapters.fit_adapter(X, X @ A + b, alpha=0.1, source="m1", target="m2", source_identity="m1:abc",
                                   target_identity="m2:def")
    path = adapters.save(adapter, tmp_path / "a.npz")
    back = adapters.load(path)
    np.testing.assert_array_equal(back.weight, adapter.weight)
    np.testing.assert_array_equal(back.bias, adapter.bias)
    assert (back.method, back.source, back.target, back.alpha) == ("ridge", "m1", "m2", 0.1)
    assert back.source_identity == "m1:abc" and back.report == pytest.approx(adapter.report)
    with np.load(path, allow_pickle=False) as data:  # plain arrays only
        assert all(data[k].dtype != object for k in data.files)
    assert adapters.load(path.read_bytes()).target_dim == 6
    assert not list(tmp_path.glob(".*tmp"))  # the atomic write left no temporary file


def _npz(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def test_corrupt_adapter_files_get_clear_messages(tmp_path):
    good = adapters.to_bytes(Adapter(np.eye(3), np.zeros(3), "ridge", "a", "b"))
    meta = np.array(adapters.json.dumps({"format": adapters.FORMAT, "method": "ridge"}))
    cases = {
        "garbage": b"this is not a zip file",
        "truncated": good[: len(good) // 2],
        "no meta": _npz(weight=np.eye(3), bias=np.zeros(3)),
        "pickled": _npz(weight=np.eye(3), bias=np.zeros(3), meta=np.array([{"format": 1}], dtype=object)),
        "bad shapes": _npz(weight=np.eye(3), bias=np.zeros(4), meta=meta),
        "nan": _npz(weight=np.full((3, 3), np.nan), bias=np.zeros(3), meta=meta),
        "wrong format": _npz(weight=np.eye(3), bias=np.zeros(3), meta=np.array('{"format": "other"}')),
    }
    for name, data in cases.items():
        with pytest.raises(AdapterError, match="is not a valid adapter file"):
            adapters.load(data, name)
    with pytest.raises(AdapterError, match="No adapter file"):
        adapters.load(tmp_path / "missing.npz")
    assert zipfile.is_zipfile(io.BytesIO(good))


def test_tfidf_encoder_is_deterministic_unit_and_registered():
    spec = encoders.get_spec(tfidf.TFIDF_NAME)
    assert spec.kind == "tfidf" and encoders.model_status(tfidf.TFIDF_NAME) in ("ready", "loaded")
    enc = encoders.get_encoder(tfidf.TFIDF_NAME)
    again = tfidf.TfidfEncoder(spec)
    assert enc.dim == 256 and enc.identity == again.identity and enc.identity.startswith("tfidf-svd-256:")
    texts = ["The orchestra played a symphony.", "qwzx vvrk", "", "The orchestra played a symphony."]
    E = enc.encode(texts)
    assert E.dtype == np.float32 and E.shape == (4, 256)
    np.testing.assert_allclose(np.linalg.norm(E, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(E, again.encode(texts), atol=1e-6)
    np.testing.assert_array_equal(E[1], E[2])  # no known word: the fixed fallback point
    other = tfidf.TfidfEncoder(texts=["cats and dogs", "dogs and birds", "birds and cats", "fish"])
    assert other.identity != enc.identity  # the identity follows the fitted state


def test_damaged_cache_entries_are_rebuilt(tmp_path, monkeypatch):
    import pandas as pd

    from core.io.corpus import Corpus
    from core.store.embedder import Embedder

    texts = ["cats and dogs", "dogs and birds", "birds and cats", "fish and cats", "dogs and fish"] * 3
    monkeypatch.setenv("LATENT_CACHE_DIR", str(tmp_path))
    fitted = tfidf.TfidfEncoder(texts=texts)
    (state,) = (tmp_path / "tfidf").glob("*.npz")
    state.write_bytes(b"not an npz")
    assert tfidf.TfidfEncoder(texts=texts).identity == fitted.identity  # refitted, the same state
    assert state.read_bytes()[:2] == b"PK"
    corpus = Corpus("tiny", pd.DataFrame({"text": [f"{t} {i}" for i, t in enumerate(texts)]}))
    emb = Embedder(fitted, tmp_path)
    first = adapters.between(emb, emb, corpus, method="procrustes")
    (cache,) = (tmp_path / "adapters").glob("*.npz")
    cache.write_bytes(b"damaged")
    again = adapters.between(emb, emb, corpus, method="procrustes")
    np.testing.assert_allclose(again.weight, first.weight)
    assert adapters.load(cache).source_identity == fitted.identity


@pytest.mark.slow
def test_real_adapter_minilm_to_tfidf_decodes_and_carries_directions(tmp_path):
    from core.directions import build as dirs
    from core.directions.datasets import load_all
    from core.io.corpus import Corpus, sample_corpus
    from core.latent.decoders import AdaptedDecoder, RetrievalDecoder
    from core.store.embedder import get_embedder

    mini, tfidf_emb = get_embedder(encoders.DEFAULT_MODEL), get_embedder(tfidf.TFIDF_NAME)
    sample = sample_corpus()
    corpus = Corpus("every fourth sample sentence", sample.frame.iloc[::4].reset_index(drop=True))  # keeps it fast
    adapter = adapters.between(mini, tfidf_emb, corpus)
    rep = adapter.report
    assert adapter.source_dim == 384 and adapter.target_dim == 256 and adapter.method == "ridge"
    assert rep["n"] == 105 and rep["top1"] > 10 * rep["chance"] and rep["cosine"] > 0.2
    again = adapters.between(mini, tfidf_emb, corpus)  # from the cache folder
    np.testing.assert_array_equal(again.weight, adapter.weight)

    decoder = AdaptedDecoder(adapter, RetrievalDecoder.from_corpus(corpus, tfidf_emb))
    query = mini.embed(["A string quartet performed Beethoven in the concert hall."])
    assert decoder.decode(query, n=1)[0]

    found = load_all()[0]
    # sentiment and formality: the length axis is an LDA direction now, which a bag of words barely has
    chosen = [found["sentiment"], found["formality"]]
    rows = adapters.carried_agreement(adapter, dirs.build_directions(chosen, mini, library=found),
                                      dirs.build_directions(chosen, tfidf_emb, library=found))
    assert [r["direction"] for r in rows] == ["sentiment", "formality"]
    assert all(r["cosine with the target's own"] > 0.2 for r in rows)


def test_cli_fits_and_describes_adapters(tmp_path, capsys):
    from core.cli.main import main

    out = tmp_path / "tfidf-self.npz"
    assert main(["adapter", "fit", "--source", tfidf.TFIDF_NAME, "--target", tfidf.TFIDF_NAME,
                 "--method", "procrustes", "--output", str(out)]) == 0
    assert "held-out cosine 1.000" in capsys.readouterr().out
    assert out.is_file()
    assert main(["adapter", "info", str(out)]) == 0
    (tmp_path / "bad.npz").write_bytes(b"nope")
    assert main(["adapter", "info", str(tmp_path / "bad.npz")]) == 1
    assert "not a valid adapter file" in capsys.readouterr().err
    assert main(["adapter", "fit", "--source", "no-such-model", "--target", tfidf.TFIDF_NAME,
                 "--output", str(out)]) == 1
    assert "Unknown model" in capsys.readouterr().err
