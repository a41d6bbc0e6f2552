"""Direction files that load but cannot be built, and damaged history (issue 17, items 3 and 9).

Each case: the bad file is skipped with one line naming it (directions/NAME.yaml) and why, the others keep
working, and a save refuses what cannot be built; a damaged earlier version is listed as unreadable while
the others stay restorable.
"""
from __future__ import annotations

import shutil

import pytest

from core.cli.main import main
from core.directions.build import build_directions, build_each
from core.directions.datasets import DatasetError, DirectionDataset, load_all
from core.directions.methods import MethodError
from core.directions.saving import list_versions, read_version, restore_version, save_dataset
from core.store.embedder import Embedder
from tests.conftest import ROOT, FakeEncoder

GOOD = DirectionDataset(name="mood", title="Mood", negative_label="sad", positive_label="happy",
                        negative=("sad day", "grim news", "awful food"), positive=("happy day", "great news",
                                                                                 "lovely food"))

# the three files of the issue: each loads (validate passes) and cannot be built in any model
BAD = {
    "same": ("name: same\ntitle: Same\nnegative_label: a\npositive_label: b\nmethod: mean_difference\n"
             "negative:\n  - the same text\npositive:\n  - the same text\n",
             "both poles hold the same examples"),
    "onelda": ("name: onelda\ntitle: One LDA\nnegative_label: cold\npositive_label: hot\nmethod: lda\n"
               "negative:\n  - cold\npositive:\n  - hot\n",
               "LDA with shrinkage needs at least 2 examples per pole"),
    "ghost": ("name: ghost\ntitle: Ghost\nnegative_label: cold\npositive_label: hot\nproject_out: [nothere]\n"
              "negative:\n  - cold\npositive:\n  - hot\n",
              "'project_out' names 'nothere', which is not a direction here"),
}


def write_bad(folder, name):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.yaml").write_text(BAD[name][0])
    return folder / f"{name}.yaml"


@pytest.fixture
def library(tmp_path):
    """Every bad file plus the good data set, loaded as the pages load them."""
    folder = tmp_path / "lib"
    for name in BAD:
        write_bad(folder, name)
    found, errors = load_all(folder)
    assert not errors and set(found) == set(BAD)  # they all load: only building shows what is wrong
    return {**found, "mood": GOOD}


@pytest.mark.parametrize("name", list(BAD))
def test_one_unbuildable_file_is_skipped_with_a_line_naming_it(library, name, cache_root):
    emb = Embedder(FakeEncoder(), cache_root)
    built, failed = build_each([GOOD, library[name]], emb, library=library)
    assert [d.name for d in built] == ["mood"]  # the good direction is built all the same
    assert list(failed) == [name]
    assert failed[name].startswith(f"directions/{name}.yaml: ") and BAD[name][1] in failed[name]
    assert "\n" not in failed[name]


def test_all_at_once_and_a_direction_that_removes_an_unbuildable_one(library, cache_root):
    emb = Embedder(FakeEncoder(), cache_root)
    leaning = GOOD.with_changes(name="leaning", project_out=("same",))
    built, failed = build_each([*library.values(), leaning], emb, library=library)
    assert [d.name for d in built] == ["mood"]
    assert set(failed) == {"same", "onelda", "ghost", "leaning"}
    assert failed["leaning"].startswith("directions/leaning.yaml: 'project_out' names 'same', which cannot be built")


def test_build_directions_keeps_its_all_or_error_contract(library, cache_root):
    emb = Embedder(FakeEncoder(), cache_root)
    with pytest.raises(MethodError, match="both poles hold the same examples"):
        build_directions([GOOD, library["same"]], emb, library=library)
    with pytest.raises(DatasetError, match="not a direction here"):
        build_directions([library["ghost"]], emb, library=library)
    (d,) = build_directions([GOOD], emb, library=library)
    assert d.name == "mood"


def test_a_failure_only_a_model_shows_is_skipped_too(cache_root):
    """Different texts that embed alike in this model: no model-free check sees it; building skips it."""
    emb = Embedder(FakeEncoder(), cache_root)
    alike = DirectionDataset(name="alike", title="Alike", negative_label="a", positive_label="b",
                             negative=("day",), positive=("DAY",))  # the fake encoder lower-cases words
    built, failed = build_each([alike, GOOD], emb)
    assert [d.name for d in built] == ["mood"]
    assert failed["alike"] == "directions/alike.yaml: the two poles have the same centroid, so they define no direction"


# ---------------------------------------------------------------- the command line

@pytest.mark.parametrize("name", list(BAD))
def test_score_without_directions_skips_the_bad_file_and_scores_the_rest(tmp_path, monkeypatch, capsys, name):
    folder = write_bad(tmp_path / "directions", name).parent
    shutil.copy(ROOT / "directions" / "length.yaml", folder)
    monkeypatch.setenv("LATENT_DIRECTIONS_DIR", str(folder))
    src = tmp_path / "in.txt"
    src.write_text("a short text\na much longer text with many more words in it\n")
    assert main(["score", "--input", str(src), "--quiet"]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines()[0] == "text,length"  # the rest is scored
    assert len(out.splitlines()) == 3
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    assert warnings == [f"warning: skipped directions/{name}.yaml: " + warnings[0].split(".yaml: ", 1)[1]]
    assert BAD[name][1] in warnings[0] and "Traceback" not in err


def test_score_naming_the_bad_file_or_with_nothing_left_is_one_error_line(tmp_path, monkeypatch, capsys):
    folder = write_bad(tmp_path / "directions", "same").parent
    shutil.copy(ROOT / "directions" / "length.yaml", folder)
    monkeypatch.setenv("LATENT_DIRECTIONS_DIR", str(folder))
    src = tmp_path / "in.txt"
    src.write_text("a text\n")
    assert main(["score", "--input", str(src), "--quiet", "--directions", "same"]) == 2
    out, err = capsys.readouterr()
    assert err.strip() == ("error: cannot build directions/same.yaml: both poles hold the same examples, "
                           "so they define no direction") and out == ""
    (folder / "length.yaml").unlink()  # only the bad file is left
    assert main(["score", "--input", str(src), "--quiet"]) == 2
    assert capsys.readouterr().err.strip().startswith("error: cannot build directions/same.yaml: ")


# ---------------------------------------------------------------- saving and the history

@pytest.mark.parametrize("name", list(BAD))
def test_a_save_refuses_what_cannot_be_built_and_writes_nothing(tmp_path, library, name):
    folder = tmp_path / "saved"
    with pytest.raises(DatasetError, match=f"{name}.yaml cannot be built: .*{BAD[name][1][:20]}"):
        save_dataset(library[name], None, folder)
    assert not (folder / f"{name}.yaml").exists()
    saved = save_dataset(GOOD, None, folder)  # a buildable one saves as before
    with pytest.raises(DatasetError, match="cannot be built"):  # and cannot be edited into a bad one
        save_dataset(saved.with_changes(positive=saved.negative), saved.file_hash, folder)
    assert (folder / "mood.yaml").read_bytes() == saved.path.read_bytes() and not list_versions("mood", folder)


@pytest.mark.parametrize("damage", [b"name: [unclosed\n", b"\xff\xfe not utf-8 \x92\n", b""])
def test_a_damaged_version_is_listed_unreadable_and_the_others_stay_restorable(tmp_path, damage):
    first = save_dataset(GOOD, None, tmp_path)
    second = save_dataset(first.with_changes(title="Mood 2"), first.file_hash, tmp_path)
    third = save_dataset(second.with_changes(title="Mood 3"), second.file_hash, tmp_path)
    versions = list_versions("mood", tmp_path)
    assert len(versions) == 2
    versions[0].path.write_bytes(damage)  # the newest archived version is damaged on disk
    versions = list_versions("mood", tmp_path)
    assert len(versions) == 2 and versions[0].problem and not versions[1].problem
    assert versions[0].label.startswith("unreadable: ") and "\n" not in versions[0].label
    with pytest.raises(DatasetError, match="unreadable"):
        read_version(versions[0])
    with pytest.raises(DatasetError, match="unreadable"):
        restore_version(versions[0], third.file_hash, tmp_path)
    assert read_version(versions[1]).title == "Mood"
    restored = restore_version(versions[1], third.file_hash, tmp_path)
    assert restored.title == "Mood"
