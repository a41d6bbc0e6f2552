"""Project and Compare show what they use: pickers follow the texts, a widget a stop hid comes back showing the
value the page uses, whole texts are a click away, charts fit their texts. (A bad upload's lone error:
tests/pages/test_pages.py.)"""
import json

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

CSV = b"id,review\n1,An utterly delightful evening.\n2,NA\n3,A miserable waste of money.\n"
LONG = ("The committee, having considered at great length the many letters it received over the winter, "
        "resolved to postpone the harbour works until the engineers had surveyed the granite outcrop again, "
        "and to publish their findings in full before the spring meeting of the council.")


def run(page: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / page), default_timeout=300)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def rerun(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def shown(widget):
    """What the browser shows for a widget that has just been drawn again: the value the server sends with
    `set_value`, else the widget's default (a browser that had no such widget has no value of its own)."""
    proto = widget.proto
    if widget.type == "toggle":
        return proto.value if proto.set_value else proto.default
    return proto.raw_value if proto.set_value else proto.options[proto.default]


def figure(at: AppTest, index: int) -> dict:
    return json.loads(at.get("plotly_chart")[index].proto.spec)


def test_compare_pickers_show_the_new_texts_after_the_texts_change():
    browser = {}  # what the browser shows in each picker: it keeps its own label unless the server sends one

    def shows(key):
        proto = at.selectbox(key=key).proto
        browser[key] = proto.raw_value if proto.set_value else browser.get(key, proto.options[proto.default])
        return browser[key]

    at = run("3_Compare.py")
    assert shows("a").startswith("A: The lighthouse, built in 1874")
    assert shows("b").startswith("B: The lighthouse, a crumbling relic")
    at.text_area(key="compare_texts").input("I love this city.\nI hate this city.\nThe city has two bridges.")
    rerun(at)
    assert at.selectbox(key="a").options == ["A: I love this city.", "B: I hate this city.", "C: The city has two bridges."]
    assert (shows("a"), shows("b")) == ("A: I love this city.", "B: I hate this city.")  # not the lighthouse texts
    at.selectbox(key="b").set_value(2)
    browser["b"] = "C: The city has two bridges."
    rerun(at)
    at.text_area(key="compare_texts").input("I adore this city.\nI hate this city.\nThe town has one bridge.")
    rerun(at)  # same number of texts, new words: B stays the third text, with its new label
    assert shows("b") == "C: The town has one bridge." and at.selectbox(key="b").value == 2
    assert shows("a") == "A: I adore this city."
    assert "C" in at.info[0].value
    at.text_area(key="compare_texts").input("Cats sleep a lot.\nDogs bark at night.")
    rerun(at)  # the third text is gone: B moves to the last one
    assert (at.selectbox(key="a").value, at.selectbox(key="b").value) == (0, 1)
    assert (shows("a"), shows("b")) == ("A: Cats sleep a lot.", "B: Dogs bark at night.")
    assert at.info[0].value.replace("\\", "").startswith("B ") and "than A" in at.info[0].value


def test_compare_whole_texts_columns_and_similarity_size():
    at = run("3_Compare.py")
    at.text_area(key="compare_texts").input(f"{LONG}\nA short one.")
    rerun(at)
    assert any("Select a row" in c.value for c in at.caption)
    config = json.loads(at.dataframe[0].proto.columns)
    assert config["text"]["width"] <= 200  # narrow, so the score columns fit beside it
    assert config["sentiment"]["label"] == "Sentiment" and not any(c.endswith("_raw") for c in config)
    at.session_state["compare_table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    rerun(at)
    assert LONG in [t.value for t in at.text]  # the whole text, not cut at 25 or 70 characters
    detail = at.dataframe[1].value
    scored = [c["label"] for c in config.values() if c.get("type_config", {}).get("type") == "number"]
    assert detail["title"].tolist() == scored  # every direction of the table, titled
    heat = figure(at, 0)
    assert heat["data"][0]["type"] == "heatmap" and heat["layout"]["width"] <= 700
    assert heat["layout"]["height"] <= 400


def test_project_raw_toggle_and_axes_come_back_as_they_are_used_after_an_upload(link_of):
    at = run("1_Project.py")
    at.toggle(key="raw").set_value(True)
    at.selectbox(key="y").set_value("sentiment")
    rerun(at)
    at.radio(key="src").set_value("Upload a file")
    rerun(at)
    at.file_uploader(key="upload").set_value(("reviews.csv", CSV, "text/csv"))
    rerun(at)
    raw = at.toggle(key="raw")
    columns = list(at.dataframe[0].value.columns)
    assert raw.value is True and shown(raw) is True  # drawn on, as the table uses it
    assert "sentiment_raw" in columns
    assert shown(at.selectbox(key="y")) == "Sentiment" and at.selectbox(key="y").value == "sentiment"
    assert link_of(at).get("raw") == "true"
    at.toggle(key="raw").set_value(False)
    rerun(at)
    assert not any(c.endswith("_raw") for c in at.dataframe[0].value.columns)


def test_project_whole_text_and_its_scores_on_selecting_a_row():
    at = run("1_Project.py")
    at.text_area(key="paste").input(f"I adore this little cafe.\n{LONG}")
    rerun(at)
    assert any("Select a row" in c.value for c in at.caption)
    assert LONG not in [t.value for t in at.text]
    at.session_state["scores_table"] = {"selection": {"rows": [1], "columns": [], "cells": []}}
    rerun(at)
    assert LONG in [t.value for t in at.text]
    detail = at.dataframe[1].value
    assert detail.columns.tolist() == ["title", "score", "raw"] and "Sentiment" in detail["title"].tolist()
    assert json.loads(at.dataframe[1].proto.columns)["raw"]["type_config"]["format"] == "%.4f"


def test_project_scatter_defaults_to_the_most_varied_pair():
    at = run("1_Project.py")
    wide = at.dataframe[0].value
    names = [c for c in wide.columns if c not in ("text", "windows")]
    spread = wide[names].std(ddof=0).sort_values(ascending=False, kind="stable")
    assert (at.selectbox(key="x").value, at.selectbox(key="y").value) == tuple(spread.index[:2])
    scatter = figure(at, 2)
    assert scatter["data"][0]["mode"] == "markers+text"  # 6 points: numbered


def test_project_many_texts_keep_charts_readable():
    at = run("1_Project.py")
    at.text_area(key="paste").input("\n".join(f"Review number {i}: the soup was {'good' if i % 2 else 'cold'}."
                                              for i in range(120)))
    rerun(at)
    heat, bars, scatter = figure(at, 0), figure(at, 1), figure(at, 2)
    assert len(heat["data"][0]["y"]) == 50 and heat["layout"]["height"] <= 900
    assert bars["layout"]["height"] <= 900
    assert any("Texts 1\u201350 of 120" in c.value for c in at.caption)
    assert scatter["data"][0]["mode"] == "markers" and "text" not in scatter["data"][0]  # hover only
    assert len(scatter["data"][0]["hovertext"]) == 120
