"""AppTest of pages/3_Compare.py and pages/4_Map.py."""
import io

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core.directions.datasets import load_dataset
from tests.conftest import ROOT


def run(page):
    at = AppTest.from_file(str(ROOT / "pages" / page), default_timeout=300)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_compare_default_case_reads_well():
    at = run("3_Compare.py")
    reading = at.info[0].value.replace("\\", "")
    assert reading.startswith("B sits") and "toward negative than A" in reading
    scores = at.dataframe[0].value
    assert list(scores[""]) == ["A", "B"] and "sentiment" in scores.columns
    neighbours = at.dataframe[-1].value
    assert len(neighbours) == 5 and neighbours["similarity"].is_monotonic_decreasing


def test_compare_interactions():
    at = run("3_Compare.py")
    at.text_area(key="compare_texts").input("I love this city.\nI hate this city.\nThe city has two bridges.").run()
    assert not at.exception
    at.selectbox(key="b").set_value(2).run()
    assert "C" in at.info[0].value
    at.toggle(key="pct").set_value(True).run()
    table = at.dataframe[0].value
    assert table["sentiment"].between(0, 100).all()
    at.slider(key="k").set_value(3).run()
    assert len(at.dataframe[-1].value) == 3
    at.text_area(key="compare_texts").input("only one text").run()
    assert any("at least two texts" in i.value for i in at.info)


def test_map_pca_search_colour_and_export():
    at = run("4_Map.py")
    assert at.get("plotly_chart")
    at.selectbox(key="color").set_value("topic").run()
    assert not at.exception
    at.text_input(key="q").input("a painting in a gallery").run()
    hits = at.dataframe[0].value
    assert len(hits) == 10 and hits["similarity"].is_monotonic_decreasing
    at.radio(key="layout").set_value("directions").run()
    assert not at.exception
    at.selectbox(key="y").set_value("formality").run()
    assert not at.exception
    assert at.get("download_button")


def test_map_adds_search_hits_to_a_direction(directions_copy):
    folder = directions_copy("art", "science", "length")
    at = run("4_Map.py")
    at.text_input(key="q").input("a concert of classical music").run()
    at.slider(key="hits").set_value(3).run()
    at.checkbox(key="use_hits").check().run()
    at.selectbox(key="target").set_value("art").run()
    at.radio(key="target_pole").set_value("positive").run()
    before = load_dataset(folder / "art.yaml")
    at.button(key="add_selection").click().run()
    assert not at.exception
    after = load_dataset(folder / "art.yaml")
    assert len(after.positive) > len(before.positive)
    assert after.negative == before.negative
    assert any("Added" in s.value for s in at.success)


def test_map_upload_bad_and_good_corpora():
    at = run("4_Map.py")
    at.radio(key="src").set_value("Upload a corpus").run()
    assert any("Upload a corpus" in i.value for i in at.info)
    at.file_uploader(key="map_upload").set_value(("c.csv", b"", "text/csv")).run()
    assert any("is empty" in e.value for e in at.error)
    frame = pd.DataFrame({"body": ["apples and pears", "", "apples and pears", "a storm at sea", "tax law"],
                          "group": ["fruit", "x", 3, None, 4.5]})
    buf = io.BytesIO()
    frame.astype(str).to_parquet(buf)
    at.file_uploader(key="map_upload").set_value(("c.parquet", buf.getvalue(), "application/octet-stream")).run()
    assert not at.exception
    assert at.selectbox(key="map_column").value == "body"
    assert any("empty text" in i.value for i in at.info)
    at.selectbox(key="color").set_value("group").run()
    assert not at.exception


@pytest.mark.slow
def test_map_discovers_features_measures_them_and_saves_one(directions_copy):
    folder = directions_copy("art")
    at = run("4_Map.py")
    at.slider(key="n_features").set_value(8).run()
    charts_before = len(at.get("plotly_chart"))
    at.button(key="learn").click().run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert 0.0 < float(metrics["Explained variance"].rstrip("%")) <= 100.0
    assert float(metrics["Features per text"]) == pytest.approx(4.0, abs=0.01)  # the default: 4 per text
    assert metrics["Dead features"].endswith("of 8") and metrics["Rare features"].endswith("of 8")
    assert len(at.get("plotly_chart")) == charts_before + 1  # the feature-frequency histogram
    table = at.dataframe[-4].value  # features, strongest, nearest where zero, weakest
    assert list(table["feature"]) == sorted(range(8), key=lambda k: -int(table.set_index("feature").at[k, "active in"]))
    assert table["frequency"].between(0, 1).all() and set(table["status"]) <= {"alive", "rare", "dead"}
    pick = at.selectbox(key="feature").value
    strongest, zero = at.dataframe[-3].value, at.dataframe[-2].value
    assert len(strongest) == 10 and strongest["activation"].is_monotonic_decreasing
    assert (strongest["activation"] > 0).all()
    assert len(zero) == 10 and zero["similarity"].is_monotonic_decreasing
    assert not set(zero["text"]) & set(strongest["text"])
    at.select_slider(key="rare_below").set_value(0.03).run()
    assert not at.exception
    at.text_input(key="feature_name").input("found-1")
    at.text_input(key="feature_title").input("Found one")
    at.text_input(key="feature_pos").input("strong").run()
    assert at.selectbox(key="feature").value == pick
    at.button(key="save_feature").click().run()
    assert not at.exception
    saved = load_dataset(folder / "found-1.yaml")
    assert len(saved.positive) == 30 and len(saved.negative) == 30
    assert set(strongest["text"]) <= set(saved.positive)
    assert any("Saved found-1.yaml" in s.value for s in at.success)
