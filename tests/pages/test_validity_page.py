"""AppTest of the validity views: the Directions page's Validity tab (figures from a pre-filled cache, the
measure button, a missing benchmarks folder, a direction without a yardstick) and the badges on Project and
Compare. A tiny benchmarks folder keeps measuring fast; each test has its own cache folder."""
import json

import pytest
from streamlit.testing.v1 import AppTest

from core.directions import clearcut
from core.directions.build import clear_memory
from core.directions.datasets import load_all
from core.directions.yardsticks import cached_results, measure
from core.models.registry import DEFAULT_MODEL
from core.store.embedder import get_embedder
from core.ui.messages import unescape_md
from core.ui.pickers import direction_label
from tests.conftest import ROOT

TFIDF = "tfidf-svd-256"


@pytest.fixture
def app(directions_copy, tiny_benchmarks, tmp_path, monkeypatch):
    """Three shipped directions, the tiny benchmarks and a cache folder of this test only."""
    monkeypatch.setenv("LATENT_CACHE_DIR", str(tmp_path / "cache"))
    clear_memory()
    directions_copy("sentiment", "formality", "art")
    yield load_all()[0]
    clear_memory()


def page(name: str, choice: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / name), default_timeout=240)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    if choice:
        at.selectbox(key="dir_choice").set_value(choice).run()
        assert not at.exception, [e.message for e in at.exception]
    return at


def frame_with(at: AppTest, column: str):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_validity_tab_shows_figures_from_the_cache(app):
    embedder = get_embedder(DEFAULT_MODEL)
    (formality,) = measure([app["formality"]], embedder, library=app)
    clearcut.check_all({"formality": app["formality"]}, embedder)  # its clear-cut texts are embedded once
    encoded = embedder.encoded
    at = page("2_Directions.py", "formality")
    assert embedder.encoded == encoded  # the page measured nothing
    card = next(m for m in at.metric if m.label == "Pearson r")
    assert card.value == f"{formality.value:.2f}"
    detail = frame_with(at, "set")
    row = detail[detail["set"] == "pavlick_formality"].iloc[0]
    assert row[DEFAULT_MODEL] == f"{formality.value:.3f} [{formality.low:.3f}, {formality.high:.3f}]"
    assert row[TFIDF] == "not measured" and row["n"] == formality.n and row["baseline"].startswith("readability ")
    captions = [c.value.replace("\\", "") for c in at.caption]  # markdown-escaped
    assert any("Target (set for the default model" in c and "r ≥ 0.60" in c for c in captions)
    target_line = [w.value.replace("\\", "") for w in [*at.warning, *at.success] if "target" in w.value]
    assert target_line and ("Below its target" in target_line[0]) == (formality.value < 0.60)
    overview = frame_with(at, "direction")
    by = overview.set_index("direction")
    assert by.loc["Formality", DEFAULT_MODEL].startswith(f"r {formality.value:.2f} · ")
    assert by.loc["Sentiment", DEFAULT_MODEL] == "not measured" and by.loc["Art", TFIDF] == "no yardstick"
    label = at.button(key="measure_direction").label  # tfidf (and any model other tests registered) to measure
    assert label.startswith("Measure Formality on ") and "model(s)" in label


def test_measure_button_measures_every_model_and_keeps_it(app):
    at = page("2_Directions.py", "sentiment")
    assert all(m.value == "—" for m in at.metric if m.label.startswith("Pearson r"))
    at.button(key="measure_direction").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert any("Measured" in s.value for s in at.success)
    for model in (DEFAULT_MODEL, TFIDF):
        assert cached_results([app["sentiment"]], get_embedder(model)).missing == []
    detail = frame_with(at, "set")
    assert len(detail) == 3 and not (detail[[DEFAULT_MODEL, TFIDF]] == "not measured").any().any()
    cards = [m for m in at.metric if m.label == "Pearson r (mean of 3 sets)"]
    assert len(cards) >= 2 and all(m.value != "—" for m in cards)  # one per available model
    assert not any(b.key == "measure_direction" for b in at.button)  # nothing left to measure here
    at.button(key="measure_all").click().run()  # formality is still missing in the overview
    assert not at.exception
    assert not any(b.key == "measure_all" for b in at.button)
    assert cached_results([app["formality"]], get_embedder(TFIDF)).missing == []


def test_missing_benchmarks_folder_is_a_message(app, tmp_path, monkeypatch):
    monkeypatch.setenv("LATENT_BENCHMARKS_DIR", str(tmp_path / "nowhere"))
    at = page("2_Directions.py", "formality")
    assert any("Benchmark folder not found" in e.value and "LATENT" in e.value for e in at.error)
    assert not any(b.key == "measure_direction" for b in at.button)


def test_a_direction_without_a_yardstick_says_so(app):
    at = page("2_Directions.py", "art")
    assert any("No outside yardstick for art" in i.value for i in at.info)
    assert not any(b.key == "measure_direction" for b in at.button)


@pytest.mark.parametrize("name", ["1_Project.py", "3_Compare.py"])
def test_project_and_compare_show_badges_from_the_cache(app, name):
    embedder = get_embedder(DEFAULT_MODEL)
    results = measure([app["sentiment"]], embedder, library=app)
    mean = sum(r.value for r in results) / 3
    at = page(name)
    row = next(c.value for c in at.caption if c.value.startswith("Validity in"))
    assert f"**Sentiment** r {mean:.2f} mean".replace(".", "\\.") in row
    assert "**Formality** not measured yet \\(Directions page\\)" in row
    assert "**Art** no yardstick" in row
    help_texts = {k: unescape_md(v.get("help", "")) for k, v in json.loads(at.dataframe[0].proto.columns).items()}
    assert f"Validity: r {mean:.2f} mean" in help_texts["sentiment"] and "Validity: no yardstick" in help_texts["art"]
    picker = at.multiselect(key="dirs")
    assert list(picker.options) == [direction_label(d) for d in app.values()]  # link labels unchanged
    picker.set_value(["art"]).run()
    assert not at.exception
    row = next(c.value for c in at.caption if c.value.startswith("Validity in"))
    assert "Sentiment" not in row and "**Art** no yardstick" in row
    assert embedder.cached_count(["lol ok", "see u"]) == 0  # formality's yardstick texts: never measured here


def test_adding_a_model_offers_to_measure_its_validity(app, tmp_path, monkeypatch):
    """A sentence-transformers model added from any local folder gets its directions rebuilt and measured in
    one click from Home, and then stands beside the others on the Directions page."""
    from core.models import registry

    monkeypatch.setenv("LATENT_MODELS_FILE", str(tmp_path / "models.yaml"))
    folder = get_embedder(DEFAULT_MODEL).encoder.path  # a real model folder on this machine
    at = AppTest.from_file(str(ROOT / "Home.py"), default_timeout=240)
    at.run()
    assert not any(b.key == "measure_model_copy" for b in at.button)
    at.text_input[0].input("copy")
    at.text_input[1].input(str(folder))
    at.button[0].click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert any("Added 'copy'" in s.value for s in at.success)
    at.button(key="measure_model_copy").click().run()
    assert not at.exception, [e.message for e in at.exception]
    lookup = cached_results([app["sentiment"], app["formality"]], get_embedder("copy"))
    assert lookup.missing == [] and len(lookup.results) == 4
    assert "copy" in registry.model_names()
    at = page("2_Directions.py", "formality")
    assert "copy" in frame_with(at, "set").columns


def test_validity_cards_show_the_clear_cut_check(app):
    at = page("2_Directions.py", "formality")
    lines = [c.value for c in [*at.caption, *at.warning] if "Clear-cut check" in c.value]
    assert len(lines) >= 2 and all("signs right" in line for line in lines)  # one per model card
    at = page("2_Directions.py", "art")  # no yardstick: no cards, so no check either
    assert not any("Clear-cut check" in c.value for c in at.caption)
