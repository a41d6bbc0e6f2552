"""AppTest of pages/2_Directions.py telling the truth (issue 15, items 4 and 11): each direction's own pole
labels in the table, the import and the quality report; pasted lines that land where the user sees them;
the same p-value as the CLI, at its resolution; 'margin' explained; a History that reads forwards."""
import json

import pytest
from streamlit.testing.v1 import AppTest

from core.cli.main import main
from core.directions.datasets import load_dataset
from core.directions.quality import PERMUTATIONS, WRONG_SIDE_FORMATS
from core.directions.saving import save_dataset
from core.ui.messages import unescape_md
from tests.conftest import ROOT

PAGE = str(ROOT / "pages" / "2_Directions.py")
ART = ["other topics", "art", "neutral"]


@pytest.fixture
def folder(directions_copy):
    return directions_copy("art", "science", "length")


def start(choice: str) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=240)
    at.run()
    at.selectbox(key="dir_choice").set_value(choice).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def config(table) -> dict:
    return json.loads(table.proto.columns)


def unescaped(text: str) -> str:
    return text.replace("\\", "")


def test_art_examples_are_labelled_with_its_own_poles(folder):
    at = start("art")
    editor = at.dataframe[0]
    assert set(editor.value["pole"]) == {"other topics", "art"}  # not "negative" / "positive"
    assert config(editor)["pole"]["type_config"]["options"] == ART
    assert at.radio(key="paste_pole").options == ART
    assert any(c.value.startswith("86 other topics · 86 art") for c in at.caption)
    assert not at.warning and not any("no pole" in i.value for i in at.info)  # the labels map back to poles
    at.button(key="save").click().run()
    assert not at.error and not at.exception
    assert load_dataset(folder / "art.yaml") == load_dataset(ROOT / "directions" / "art.yaml")


def test_pasted_lines_clear_the_box_and_are_listed_under_the_button(folder):
    at = start("art")
    at.radio(key="paste_pole").set_value("positive")
    lines = ["The choir sang Bach's motets in the old chapel.", "Her etchings hang in a tiny gallery in Leith."]
    at.text_area(key="paste_lines").input("\n".join([*lines, lines[0]])).run()
    at.button(key="add_lines").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.text_area(key="paste_lines").value == ""  # the box is emptied
    assert [unescape_md(s.value) for s in at.success] == [
        "Added 2 examples to art; 1 duplicate (already in the table) left out."]
    added = at.dataframe[1]  # right under the button, not at the bottom of the 172-row table
    assert added.value.to_dict("records") == [{"text": t, "pole": "art"} for t in lines]
    assert any(c.value.startswith("86 other topics · 88 art") for c in at.caption)
    at.button(key="add_lines").click().run()  # once more, with the box empty
    assert any("Nothing to add: the box is empty." in unescape_md(w.value) for w in at.warning)
    at.button(key="save").click().run()
    assert load_dataset(folder / "art.yaml").positive[-2:] == tuple(lines)


def test_renamed_poles_keep_the_edits_and_the_paste_target(folder):
    at = start("length")
    at.radio(key="paste_pole").set_value("positive")
    at.text_area(key="paste_lines").input("A sentence that keeps going, clause after clause, well past its end.").run()
    at.button(key="add_lines").click().run()
    at.text_input(key="f_positive_label").input("lengthy").run()
    assert not at.exception, [e.message for e in at.exception]
    editor = at.dataframe[0]
    assert config(editor)["pole"]["type_config"]["options"] == ["short", "lengthy", "neutral"]
    assert editor.value["pole"].iloc[-1] == "lengthy"  # the pasted row survived the new labels
    assert at.radio(key="paste_pole").options == ["short", "lengthy", "neutral"]
    assert at.radio(key="paste_pole").value == "positive"
    at.text_area(key="paste_lines").input("Another one that rambles on and on without any end in sight.").run()
    at.button(key="add_lines").click().run()
    assert [unescape_md(s.value) for s in at.success] == ["Added 1 example to lengthy."]
    at.button(key="save").click().run()
    saved = load_dataset(folder / "length.yaml")
    assert saved.positive_label == "lengthy"
    assert saved.positive[-2:] == ("A sentence that keeps going, clause after clause, well past its end.",
                                   "Another one that rambles on and on without any end in sight.")


def test_quality_report_gives_the_clis_p_value_explains_margin_and_labels_wrong_sides(folder, capsys):
    at = start("art")
    at.button(key="compute_quality").click().run()
    assert not at.exception, [e.message for e in at.exception]
    metrics = {m.label: m.value for m in at.metric}
    label = f"p-value ({PERMUTATIONS} permutations)"
    assert metrics[label] == "< 0.01"  # 1/101: the smallest p 100 permutations can give
    assert main(["build", "art"]) == 0
    out = capsys.readouterr().out
    assert f"{label:<30} {metrics[label]}" in out  # the same count and the same p-value in the CLI
    assert f"{'margin':<30} {metrics['margin']}" in out
    margin = next(m for m in at.metric if m.label == "margin")
    assert "calibrated score units" in unescaped(margin.proto.help)
    assert any("Margin: The lowest art example's score minus the highest other topics example's"
               in unescaped(c.value) for c in at.caption)
    wrong = next(t for t in at.dataframe if "labelled as" in t.value.columns)
    assert set(wrong.value["labelled as"]) <= {"other topics", "art"}
    formats = {col: spec["type_config"]["format"] for col, spec in config(wrong).items() if col in WRONG_SIDE_FORMATS}
    assert formats == {"held-out score (calibrated)": "%.2f", "score with all examples (calibrated)": "%.2f",
                       "raw projection (all examples)": "%.4f"}
    assert "on the wrong side when left out" in out
    assert all(line.strip().startswith(("other topics, ", "art, ")) for line in
               out.split("on the wrong side when left out")[1].splitlines()[1:] if line.strip())


def test_history_says_what_restoring_each_of_two_versions_would_do(folder):
    original = load_dataset(folder / "length.yaml")
    first = save_dataset(original.with_changes(positive=original.positive + ("first added",)),
                         original.file_hash, folder)
    save_dataset(first.with_changes(positive=first.positive + ("second added",), title="Length v2"),
                 first.file_hash, folder)
    at = start("length")
    picker = at.selectbox(key="version")
    assert len(picker.options) == 2 and all(o.startswith("in use until ") for o in picker.options)
    shown = "\n".join(t.value for t in at.text)
    assert "remove from long (positive): 'second added'" in shown
    assert "change title back to 'Length' (now 'Length v2')" in shown
    assert "first added" not in shown and "add to" not in shown  # the newest version already had it
    assert any("Restoring this version would" in m.value for m in at.markdown)
    picker.set_value(1).run()  # the original file: restoring it removes both additions
    shown = "\n".join(t.value for t in at.text)
    assert "remove from long (positive): 'first added'" in shown
    assert "remove from long (positive): 'second added'" in shown
    picker.set_value(0).run()
    at.button(key="restore").click().run()
    assert not at.exception
    restored = load_dataset(folder / "length.yaml")  # it did what it said
    assert restored.positive == first.positive and restored.title == first.title
