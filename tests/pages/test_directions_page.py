"""AppTest of pages/2_Directions.py: edit, import, save, conflict, quality, validation, history."""

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core.directions.datasets import load_dataset
from core.directions.saving import save_dataset
from core.ui.messages import unescape_md
from tests.conftest import ROOT

PAGE = str(ROOT / "pages" / "2_Directions.py")


@pytest.fixture
def folder(directions_copy):
    return directions_copy("sentiment", "length", "formality")


def start(choice=None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=240)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    if choice:
        at.selectbox(key="dir_choice").set_value(choice).run()
        assert not at.exception
    return at



def test_page_loads_and_shows_examples(folder):
    at = start("sentiment")
    assert at.text_input(key="f_title").value == "Sentiment"
    assert any("negative" in c.value and "positive" in c.value for c in at.caption)


def test_edit_title_and_save_keeps_a_version(folder):
    at = start("length")
    at.text_input(key="f_title").input("Length of text").run()
    at.button(key="save").click().run()
    assert not at.exception
    assert load_dataset(folder / "length.yaml").title == "Length of text"
    assert len(list((folder / ".history" / "length").glob("*.yaml"))) == 1
    # the History tab lists it and restores it
    assert at.selectbox(key="version").options
    at.button(key="restore").click().run()
    assert not at.exception
    assert load_dataset(folder / "length.yaml").title == "Length"


def test_save_refused_when_another_session_saved(folder):
    at = start("formality")
    other = load_dataset(folder / "formality.yaml")
    save_dataset(other.with_changes(negative=other.negative + ("yo wassup",)), other.file_hash, folder)
    at.text_input(key="f_title").input("Register").run()
    at.button(key="save").click().run()
    assert not at.exception
    assert any("changed on disk" in e.value for e in at.error)
    assert any("casual (negative): added 'yo wassup'" in t.value for t in at.text)
    assert at.text_input(key="f_title").value == "Register"  # the user's edit is still there
    assert load_dataset(folder / "formality.yaml").title == "Formality"


def test_new_direction_from_pasted_lines(folder):
    at = start("➕ New direction")
    assert not at.warning  # nothing typed yet: guidance, not a warning
    assert any("Give the new direction a name" in c.value for c in at.caption)
    at.text_input(key="f_name").input("weather")
    at.text_input(key="f_title").input("Weather")
    at.text_input(key="f_negative_label").input("stormy")
    at.text_input(key="f_positive_label").input("sunny").run()
    at.button(key="save").click().run()
    assert any("no examples" in e.value for e in at.error)  # empty poles: a clear message, nothing written
    assert not (folder / "weather.yaml").exists()
    at.text_area(key="paste_lines").input("Thunder and hail all night.\nA gale tore the roof off.").run()
    at.button(key="add_lines").click().run()
    at.radio(key="paste_pole").set_value("positive")
    at.text_area(key="paste_lines").input("Clear blue skies all day.\nWarm sunshine on the beach.").run()
    at.button(key="add_lines").click().run()
    assert not at.exception
    at.button(key="save").click().run()
    assert not at.exception, [e.message for e in at.exception]
    saved = load_dataset(folder / "weather.yaml")
    assert saved.negative == ("Thunder and hail all night.", "A gale tore the roof off.")
    assert saved.positive == ("Clear blue skies all day.", "Warm sunshine on the beach.")


def test_import_examples_from_csv(folder):
    at = start("length")
    csv = b"sentence,label\nOk.,short\nThis one goes on and on for a good while before it stops.,long\n"
    at.file_uploader(key="examples_upload").set_value(("more.csv", csv, "text/csv")).run()
    assert at.selectbox(key="imp_text").value == "sentence"
    assert at.selectbox(key="imp_neg").value == "short" and at.selectbox(key="imp_pos").value == "long"
    before = load_dataset(folder / "length.yaml")
    at.button(key="add_file").click().run()
    assert not at.exception
    at.button(key="save").click().run()
    after = load_dataset(folder / "length.yaml")
    assert after.negative == before.negative + ("Ok.",)
    assert len(after.positive) == len(before.positive) + 1


def test_quality_report_and_method_choice(folder):
    at = start("sentiment")
    at.button(key="compute_quality").click().run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert float(metrics["held-out AUC"]) > 0.9
    at.selectbox(key="f_method").set_value("logistic_regression").run()
    assert any("changed since the last report" in i.value for i in at.info)
    at.selectbox(key="f_method").set_value("pca_pairs").run()
    at.button(key="compute_quality").click().run()
    assert not at.exception
    assert any("paired" in e.value for e in at.error)


def test_validation_tab_computes_correlations(folder):
    at = start("sentiment")
    csv = pd.DataFrame({"text": ["What a glorious, happy day!", "Pretty nice overall.", "Meh.",
                                 "Quite a letdown.", "Absolutely dreadful and cruel."],
                        "rating": [4, 2, 0, -2, -4]}).to_csv(index=False).encode()
    at.file_uploader(key="ratings_upload").set_value(("rated.csv", csv, "text/csv")).run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert float(metrics["Pearson r"]) > 0.8 and metrics["rated texts"] == "5"
    bad = b"text,rating\nhello,abc\nworld,def\n"
    at.file_uploader(key="ratings_upload").set_value(("bad.csv", bad, "text/csv")).run()
    assert any("numeric ratings" in e.value for e in at.error)


def test_neutral_texts_are_shown_added_and_saved(folder):
    at = start("sentiment")
    shipped = load_dataset(folder / "sentiment.yaml")
    assert any(f"{len(shipped.neutral)} neutral (they mark 0)" in unescape_md(c.value) for c in at.caption)
    at.radio(key="paste_pole").set_value("neutral")
    at.text_area(key="paste_lines").input("The meeting room is on the second floor.\nThe bus leaves at 8.").run()
    at.button(key="add_lines").click().run()
    assert not at.exception
    assert any(f"{len(shipped.neutral) + 2} neutral (they mark 0)" in unescape_md(c.value) for c in at.caption)
    at.button(key="save").click().run()
    assert not at.exception, [e.message for e in at.exception]
    saved = load_dataset(folder / "sentiment.yaml")
    assert saved.neutral == shipped.neutral + ("The meeting room is on the second floor.", "The bus leaves at 8.")
    assert saved.negative == shipped.negative and saved.positive == shipped.positive
