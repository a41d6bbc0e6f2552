"""Saving data sets: atomic, versioned, conflict-checked; importing and exporting examples."""
import threading

import pandas as pd
import pytest

from core.directions import examples
from core.directions.datasets import DirectionDataset, load_dataset
from core.directions.saving import (
    SaveConflict,
    delete_dataset,
    describe_restore,
    list_versions,
    read_version,
    restore_version,
    save_dataset,
)
from core.io.inputs import InputError

BASE = DirectionDataset(name="toy", title="Toy", negative_label="cold", positive_label="warm",
                        negative=("ice", "snow"), positive=("sun", "fire"))


def test_new_then_edit_keeps_history_and_restores(tmp_path):
    first = save_dataset(BASE, None, tmp_path)
    assert first.file_hash and (tmp_path / "toy.yaml").exists()
    second = save_dataset(first.with_changes(positive=("sun", "fire", "oven")), first.file_hash, tmp_path)
    assert second.positive == ("sun", "fire", "oven")
    versions = list_versions("toy", tmp_path)
    assert len(versions) == 1 and read_version(versions[0]) == BASE
    restored = restore_version(versions[0], second.file_hash, tmp_path)
    assert restored == BASE
    assert len(list_versions("toy", tmp_path)) == 2  # the restored-over version is kept too
    assert load_dataset(tmp_path / "toy.yaml") == BASE


def test_saving_unchanged_content_adds_no_version(tmp_path):
    first = save_dataset(BASE, None, tmp_path)
    save_dataset(BASE, first.file_hash, tmp_path)
    assert list_versions("toy", tmp_path) == []


def test_stale_save_is_refused_with_what_changed(tmp_path):
    loaded = save_dataset(BASE, None, tmp_path)
    # session B saves first
    save_dataset(loaded.with_changes(negative=("ice", "snow", "hail")), loaded.file_hash, tmp_path)
    # session A, still holding the old hash, tries to save its own edit
    mine = loaded.with_changes(title="Temperature")
    with pytest.raises(SaveConflict) as info:
        save_dataset(mine, loaded.file_hash, tmp_path)
    assert "changed on disk" in str(info.value)
    assert "cold (negative): added 'hail'" in info.value.changes  # what B did, under the pole's label
    on_disk = load_dataset(tmp_path / "toy.yaml")
    assert on_disk.negative == ("ice", "snow", "hail") and on_disk.title == "Toy"  # B's save is intact


def test_creating_an_existing_name_is_refused(tmp_path):
    save_dataset(BASE, None, tmp_path)
    with pytest.raises(SaveConflict, match="already exists"):
        save_dataset(BASE.with_changes(title="Other"), None, tmp_path)


def test_racing_saves_lose_nothing(tmp_path):
    loaded = save_dataset(BASE, None, tmp_path)
    results, barrier = [], threading.Barrier(8)

    def worker(i):
        barrier.wait()
        try:
            save_dataset(loaded.with_changes(positive=loaded.positive + (f"edit {i}",)), loaded.file_hash, tmp_path)
            results.append(("saved", i))
        except SaveConflict:
            results.append(("conflict", i))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    saved = [i for kind, i in results if kind == "saved"]
    assert len(saved) == 1 and len(results) == 8  # exactly one wins, the rest are told
    assert load_dataset(tmp_path / "toy.yaml").positive[-1] == f"edit {saved[0]}"
    assert [read_version(v) for v in list_versions("toy", tmp_path)] == [BASE]
    assert not list(tmp_path.glob(".toy.yaml.*.tmp"))  # no temporary files left behind


def test_delete_keeps_a_restorable_version(tmp_path):
    loaded = save_dataset(BASE, None, tmp_path)
    delete_dataset("toy", loaded.file_hash, tmp_path)
    assert not (tmp_path / "toy.yaml").exists()
    (version,) = list_versions("toy", tmp_path)
    assert restore_version(version, None, tmp_path) == BASE


def test_invalid_names_are_refused(tmp_path):
    with pytest.raises(ValueError):
        save_dataset(BASE.__class__(**{**BASE.__dict__, "name": "../evil"}), None, tmp_path)


def test_examples_round_trip_and_edits():
    frame = examples.to_frame(BASE)
    assert frame.to_dict("records")[0] == {"text": "ice", "pole": "negative"}
    frame.loc[0, "pole"] = "positive"  # move between poles
    frame.loc[len(frame)] = ["  ", "negative"]  # a blank added row
    frame.loc[len(frame)] = ["sun", "positive"]  # a duplicate
    neg, pos, _, notes = examples.from_frame(frame)
    assert neg == ("snow",) and pos == ("ice", "sun", "fire")
    assert any("duplicate" in n for n in notes)


def test_import_from_labelled_table():
    table = pd.DataFrame({"sentence": ["a", "b", "c", "", "e"], "label": ["pos", "neg", "other", "pos", "neg"]})
    values = examples.label_values(table, "label")
    assert examples.guess_poles(values) == ("neg", "pos")
    out = examples.from_table(table, "sentence", "label", "neg", "pos")
    assert out.to_dict("records") == [{"text": "a", "pole": "positive"}, {"text": "b", "pole": "negative"},
                                      {"text": "e", "pole": "negative"}]
    with pytest.raises(InputError, match="no column 'text'"):
        examples.from_table(table, "text", "label", "neg", "pos")
    with pytest.raises(InputError, match="must differ"):
        examples.from_table(table, "sentence", "label", "neg", "neg")
    assert examples.guess_poles(["0", "1"]) == ("0", "1")
    assert examples.from_lines("x\n\ny\n", "negative")["text"].tolist() == ["x", "y"]


def test_history_says_what_restoring_each_version_would_do(tmp_path):
    first = save_dataset(BASE, None, tmp_path)
    second = save_dataset(first.with_changes(positive=("sun", "fire", "oven")), first.file_hash, tmp_path)
    third = save_dataset(second.with_changes(positive=("sun", "oven", "stove"), title="Heat"), second.file_hash,
                         tmp_path)
    newest, oldest = list_versions("toy", tmp_path)
    assert newest.label.startswith("in use until ") and newest.label.endswith(" UTC · " + newest.file_hash[:8])
    # the newest version is `second`: restoring it takes back what the last save did
    assert describe_restore(third, read_version(newest)) == [
        "change title back to 'Toy' (now 'Heat')",
        "remove from warm (positive): 'stove'",
        "add to warm (positive): 'fire'",
    ]
    # the oldest is BASE: restoring it also takes out 'oven', which the save before added
    assert describe_restore(third, read_version(oldest)) == [
        "change title back to 'Toy' (now 'Heat')",
        "remove from warm (positive): 'oven'",
        "remove from warm (positive): 'stove'",
        "add to warm (positive): 'fire'",
    ]
    assert describe_restore(third, third) == []
    neutral = describe_restore(third.with_changes(neutral=("tepid", "mild", "room temperature")),
                               third.with_changes(neutral=("tepid", "mild", "lukewarm")))
    assert neutral == ["remove from the neutral texts: 'room temperature'", "add to the neutral texts: 'lukewarm'"]


def test_examples_table_speaks_in_the_pole_labels():
    names = examples.pole_names("other topics", "art")
    assert names == {"negative": "other topics", "positive": "art", "neutral": "neutral"}
    assert examples.pole_names("same", "Same") == {"negative": "same (negative)", "positive": "Same (positive)",
                                                   "neutral": "neutral"}
    assert examples.pole_names("", "neutral")["neutral"] == "neutral (neither pole)"
    frame = examples.to_frame(BASE)
    shown = examples.labelled(frame, examples.pole_names("cold", "warm"))
    assert shown["pole"].tolist() == ["cold", "cold", "warm", "warm"]
    shown.loc[len(shown)] = ["lukewarm", "negative"]  # not a label of this table: no pole
    back = examples.unlabelled(shown, examples.pole_names("cold", "warm"))
    assert back["pole"].tolist()[:4] == frame["pole"].tolist() and pd.isna(back["pole"].iloc[4])
    _, _, _, notes = examples.from_frame(back, examples.pole_names("cold", "warm"))
    assert notes == ["Row 'lukewarm' has no pole; pick cold, warm or neutral."]


def test_added_rows_skip_duplicates_and_are_summed_up_in_the_pole_labels():
    names = examples.pole_names("cold", "warm")
    table = examples.to_frame(BASE)
    new, skipped = examples.new_rows(table, examples.from_lines("sun\nlava\nlava\nember", "positive"))
    assert new.to_dict("records") == [{"text": "lava", "pole": "positive"}, {"text": "ember", "pole": "positive"}]
    assert skipped == 2
    assert examples.added_summary(new, skipped, names) == ("Added 2 examples to warm; 2 duplicates (already in "
                                                           "the table) left out.")
    mixed = pd.DataFrame({"text": ["hail", "lava"], "pole": ["negative", "positive"]})
    assert examples.added_summary(mixed, 0, names) == "Added 2 examples: 1 to cold, 1 to warm."
    assert examples.added_summary(new.iloc[:0], 1, names) == ("Nothing added; 1 duplicate (already in the table) "
                                                              "left out.")
