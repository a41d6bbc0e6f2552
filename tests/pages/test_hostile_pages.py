"""Pages under direction files that load but cannot be built, and under a damaged history (issue 17, items 3, 9).

Project, Compare and Map skip the bad direction with one warning naming its file and show the rest; the
Directions page says why such a set cannot be saved and saves nothing; a damaged earlier version is listed
as unreadable while the others stay restorable.
"""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core.directions.datasets import load_dataset
from core.directions.saving import list_versions, save_dataset
from core.ui.messages import unescape_md
from tests.conftest import ROOT
from tests.directions.test_hostile_build import BAD, write_bad

TIMEOUT = 300


def run(page: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / page), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def plain(element) -> str:
    """An element's text as a reader sees it (markdown escapes removed)."""
    return unescape_md(element.value)


def skipped(at: AppTest, name: str) -> list[str]:
    return [plain(w) for w in at.warning if f"directions/{name}.yaml" in plain(w)]


@pytest.fixture
def with_bad(directions_copy):
    def make(name: str):
        folder = directions_copy("sentiment", "length")
        write_bad(folder, name)
        return folder
    return make


@pytest.mark.parametrize("name", list(BAD))
def test_project_page_skips_the_bad_direction_and_scores_the_rest(with_bad, name):
    with_bad(name)
    at = run("1_Project.py")
    assert not at.error
    (line,) = skipped(at, name)
    assert line.startswith(f"Skipped a direction that cannot be built: directions/{name}.yaml: ")
    assert BAD[name][1] in line
    columns = at.dataframe[0].value.columns
    assert "sentiment" in columns and "length" in columns and name not in columns


@pytest.mark.parametrize("name", list(BAD))
def test_compare_page_skips_the_bad_direction_and_compares_the_rest(with_bad, name):
    with_bad(name)
    at = run("3_Compare.py")
    assert not at.error and len(skipped(at, name)) == 1
    table = at.dataframe[0].value
    assert "sentiment" in table.columns and name not in table.columns


@pytest.mark.parametrize("name", list(BAD))
def test_map_page_stays_usable(with_bad, name):
    with_bad(name)
    at = run("4_Map.py")
    assert not at.error and len(skipped(at, name)) == 1
    assert at.get("plotly_chart")
    at.radio(key="layout").set_value("directions").run()  # two good directions as axes
    assert not at.exception and at.get("plotly_chart")
    assert name not in at.selectbox(key="x").options + at.selectbox(key="y").options  # never an axis


def test_latent_lab_steering_along_a_direction_that_cannot_be_built_says_so(with_bad):
    with_bad("same")
    at = run("5_Latent_lab.py")
    at.radio(key="lab_op").set_value("steer").run()
    at.selectbox(key="lab_direction").set_value("same").run()
    assert not at.exception, [e.message for e in at.exception]
    assert len(skipped(at, "same")) == 1 and any("another direction" in i.value for i in at.info)
    at.selectbox(key="lab_direction").set_value("sentiment").run()  # another one steers as before
    assert not at.exception and not skipped(at, "same") and at.dataframe


def test_project_page_with_only_bad_directions_chosen_says_so(with_bad):
    with_bad("same")
    at = run("1_Project.py")
    at.multiselect(key="dirs").set_value(["same"]).run()
    assert not at.exception
    assert len(skipped(at, "same")) == 1
    assert any("None of the chosen directions can be built" in e.value for e in at.error)


def start_directions(choice: str) -> AppTest:
    at = run("2_Directions.py")
    at.selectbox(key="dir_choice").set_value(choice).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


@pytest.mark.parametrize("name", ["same", "onelda"])  # ghost: see the next test
def test_directions_page_refuses_to_save_what_cannot_be_built(with_bad, name):
    folder = with_bad(name)
    before = (folder / f"{name}.yaml").read_bytes()
    at = start_directions(name)
    assert any(f"{name}.yaml cannot be built" in plain(w) and BAD[name][1] in plain(w) for w in at.warning)
    at.text_input(key="f_title").input("Edited title").run()
    at.button(key="save").click().run()
    assert not at.exception
    assert any(plain(e).startswith(f"Not saved: {name}.yaml cannot be built: ") for e in at.error)
    assert (folder / f"{name}.yaml").read_bytes() == before  # nothing saved, no version archived
    assert not list_versions(name, folder)
    assert at.text_input(key="f_title").value == "Edited title"  # the edit stays on the page


def _save_panel_script():
    import streamlit as st

    from core.directions.datasets import load_dataset as load
    from core.ui import direction_saving

    working = load(st.session_state["path"]).with_changes(project_out=("nothere",))
    st.session_state.setdefault("dir_hash", working.file_hash)
    direction_saving.save_panel(working, None, editable=True)


def test_save_panel_refuses_a_project_out_naming_a_missing_direction(with_bad):
    """The page's picker offers only existing directions (it drops 'nothere' from ghost.yaml), so the save
    panel is driven with such a working copy directly."""
    folder = with_bad("ghost")
    before = (folder / "sentiment.yaml").read_bytes()
    at = AppTest.from_function(_save_panel_script, default_timeout=TIMEOUT)
    at.session_state["path"] = str(folder / "sentiment.yaml")
    at.run()
    assert not at.exception
    why = "sentiment.yaml cannot be built: 'project_out' names 'nothere', which is not a direction here."
    assert [plain(w) for w in at.warning] == [why]
    at.button(key="save").click().run()
    assert not at.exception and [plain(e) for e in at.error] == ["Not saved: " + why]
    assert (folder / "sentiment.yaml").read_bytes() == before


def test_directions_page_other_directions_still_save_beside_a_bad_file(with_bad):
    folder = with_bad("same")
    at = start_directions("length")
    at.text_input(key="f_title").input("Length of text").run()
    at.button(key="save").click().run()
    assert not at.exception and not at.error
    assert load_dataset(folder / "length.yaml").title == "Length of text"


@pytest.mark.parametrize("damage", [b"title: [unclosed\n", b"\xff\xfe\x92 not utf-8\n"])
def test_history_lists_a_damaged_version_as_unreadable_and_restores_the_others(directions_copy, damage):
    folder = directions_copy("length")
    first = load_dataset(folder / "length.yaml")
    second = save_dataset(first.with_changes(title="Length 2"), first.file_hash, folder)
    save_dataset(second.with_changes(title="Length 3"), second.file_hash, folder)
    newest, older = list_versions("length", folder)
    newest.path.write_bytes(damage)
    at = start_directions("length")
    labels = at.selectbox(key="version").options  # as shown: each version's label
    assert labels[0].startswith("unreadable: ") and not labels[1].startswith("unreadable")
    assert any("cannot be read, so it cannot be restored" in plain(w) for w in at.warning)
    assert not any(b.key == "restore" for b in at.button)  # no restore for the damaged one
    at.selectbox(key="version").set_value(1).run()
    assert not at.exception
    at.button(key="restore").click().run()
    assert not at.exception
    assert load_dataset(folder / "length.yaml").title == "Length"


def test_an_unreadable_version_with_markdown_in_its_problem_is_shown_escaped(directions_copy):
    folder = directions_copy("length")
    first = load_dataset(folder / "length.yaml")
    save_dataset(first.with_changes(title="Length 2"), first.file_hash, folder)
    (version,) = list_versions("length", folder)
    version.path.write_bytes(version.path.read_bytes() + b"'![x](http://evil.example/a.png)': 1\n")
    at = start_directions("length")
    (warning,) = [w for w in at.warning if "cannot be read" in w.value]
    assert "unknown keys" in warning.value
    assert "evil" in warning.value and "![" not in warning.value and "](" not in warning.value  # no image fetched
    assert "evil.example/a.png" in plain(warning)  # still readable as written
