"""Every page runs under AppTest without an exception, and reacts to its widgets."""
import json

import pytest
from streamlit.testing.v1 import AppTest

from core.ui.messages import unescape_md
from tests.conftest import ROOT

TIMEOUT = 240


def run(page: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / page), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def table(at: AppTest):
    return at.dataframe[0].value


def test_home_lists_models_and_directions():
    at = run("Home.py")
    frames = [d.value for d in at.dataframe]
    models, directions = frames[0], frames[1]
    assert "all-MiniLM-L6-v2" in models["model"].tolist()
    assert {"sentiment", "length", "art", "science"} <= set(directions["direction"])


def test_home_add_model_form_reports_missing_model(tmp_path, monkeypatch):
    monkeypatch.setenv("LATENT_MODELS_FILE", str(tmp_path / "models.yaml"))
    at = run("Home.py")
    at.text_input[0].input("mpnet")
    at.text_input[1].input("sentence-transformers/all-mpnet-base-v2")
    at.button[0].click().run()
    assert not at.exception
    assert any("hf download sentence-transformers/all-mpnet-base-v2" in w.value for w in at.warning)
    at.text_input[0].input("bad name!")
    at.button[0].click().run()
    assert any("Invalid model name" in e.value for e in at.error)


def test_project_page_scores_the_default_texts():
    at = run("pages/1_Project.py")
    wide = table(at)
    assert len(wide) == 6
    assert {"sentiment", "length", "formality"} <= set(wide.columns)
    assert len(at.get("plotly_chart")) >= 1


def test_project_page_changing_texts_changes_the_table():
    at = run("pages/1_Project.py")
    at.text_area(key="paste").input("I adore this wonderful little cafe.\nThe service was rude and the food was cold.").run()
    assert not at.exception
    wide = table(at)
    assert wide["text"].tolist() == ["I adore this wonderful little cafe.", "The service was rude and the food was cold."]
    assert wide["sentiment"].iloc[0] > 0 > wide["sentiment"].iloc[1]


def test_project_page_direction_choice_and_raw_toggle():
    at = run("pages/1_Project.py")
    at.multiselect(key="dirs").set_value(["sentiment", "art"]).run()
    assert list(table(at).columns) == ["text", "sentiment", "art"]
    at.toggle(key="raw").set_value(True).run()
    assert list(table(at).columns) == ["text", "sentiment", "art", "sentiment_raw", "art_raw"]
    config = json.loads(at.dataframe[0].proto.columns)  # raw projections: titled, and precise enough to read
    assert config["art_raw"]["label"] == "Art (raw)" and config["art_raw"]["type_config"]["format"] == "%.4f"
    at.selectbox(key="y").set_value("sentiment").run()
    assert not at.exception


def test_project_page_sample_texts():
    at = run("pages/1_Project.py")
    at.radio(key="src").set_value("Sample texts").run()
    assert not at.exception
    assert len(table(at)) == 16


def test_project_page_empty_and_blank_input_gets_a_message():
    at = run("pages/1_Project.py")
    at.text_area(key="paste").input("\n   \n").run()
    assert not at.exception
    assert any("at least one text" in i.value for i in at.info)
    assert len(at.dataframe) == 0


def test_project_page_no_direction_chosen():
    at = run("pages/1_Project.py")
    at.multiselect(key="dirs").set_value([]).run()
    assert any("at least one direction" in i.value for i in at.info)


def test_project_page_duplicates_and_na_kept():
    at = run("pages/1_Project.py")
    at.text_area(key="paste").input("NA\nNone\nNA\n").run()
    assert table(at)["text"].tolist() == ["NA", "None", "NA"]
    assert any("duplicate" in i.value for i in at.info)


def test_project_page_missing_model_says_how_to_get_it(tmp_path, monkeypatch):
    models = tmp_path / "models.yaml"
    models.write_text("models:\n  - name: ghost\n    source: someone/ghost-model\n")
    monkeypatch.setenv("LATENT_MODELS_FILE", str(models))
    at = run("pages/1_Project.py")
    at.sidebar.selectbox(key="model").set_value("ghost").run()
    assert not at.exception
    assert any("hf download someone/ghost-model" in unescape_md(e.value) for e in at.error)


def test_project_page_malformed_direction_file_is_skipped_with_a_warning(directions_copy):
    folder = directions_copy()
    (folder / "broken.yaml").write_text("name: broken\ntitle: B\nnegative_label: a\npositive_label: b\nnegative: []\npositive: [x]\n")
    at = run("pages/1_Project.py")
    assert any("broken\\.yaml" in w.value and "no examples" in w.value for w in at.warning)  # markdown-escaped
    assert len(table(at)) == 6


def _upload_mode():
    at = run("pages/1_Project.py")
    at.radio(key="src").set_value("Upload a file").run()
    assert any("Upload a file" in i.value for i in at.info)
    return at


def test_project_page_upload_csv_and_pick_column():
    at = _upload_mode()
    csv = b"id,review\n1,An utterly delightful evening.\n2,NA\n3,A miserable waste of money.\n"
    at.file_uploader(key="upload").set_value(("reviews.csv", csv, "text/csv")).run()
    assert not at.exception
    assert at.selectbox(key="column").value == "review"
    wide = table(at)
    assert wide["text"].tolist() == ["An utterly delightful evening.", "NA", "A miserable waste of money."]
    at.selectbox(key="column").set_value("id").run()
    assert table(at)["text"].tolist() == ["1", "2", "3"]


@pytest.mark.parametrize("name,data,message", [
    ("bad.txt", "caf\u00e9\n".encode("latin-1"), "not UTF-8"),
    ("empty.csv", b"", "is empty"),
    ("bad.parquet", b"PAR1 nope", "not a readable Parquet"),
])
def test_project_page_bad_uploads_get_messages(name, data, message):
    at = _upload_mode()
    at.file_uploader(key="upload").set_value((name, data, "application/octet-stream")).run()
    assert not at.exception
    assert any(message in unescape_md(e.value) for e in at.error)  # markdown-escaped: it names the file
    assert not any("Upload a file" in i.value for i in at.info)  # the error alone: a file was given
