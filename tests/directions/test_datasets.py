"""Direction data set files: the shipped ones are valid and clean; bad files get clear messages."""
import re

import pytest

from core import config
from core.directions.datasets import (
    DatasetError,
    get_dataset,
    load_all,
    load_dataset,
    parse_dataset,
)
from core.directions.yamlfile import dump_dataset
from tests.fixtures.benchmarks import normalised, shared_benchmark_texts

SHIPPED = ["sentiment", "length", "formality", "subjectivity", "concreteness", "elaborateness", "art", "science"]

GOOD = """\
name: toy
title: Toy
negative_label: left
positive_label: right
negative:
  - "NA"
  - None
  - 42
positive:
  - "a right thing"
"""


def test_shipped_data_sets_load_with_enough_examples():
    found, errors = load_all(config.directions_dir())
    assert errors == {}
    for name in SHIPPED:
        ds = found[name]
        assert len(ds.negative) >= 30 and len(ds.positive) >= 30, name
        assert ds.title and ds.description and ds.notes, name
        assert len(set(ds.negative) & set(ds.positive)) == 0, name


def test_shipped_examples_are_disjoint_from_the_benchmarks():
    bench = shared_benchmark_texts()
    if not bench:
        pytest.skip("../shared/benchmarks is not present")
    found, _ = load_all(config.directions_dir())
    overlap = [t for ds in found.values() for t in ds.negative + ds.positive if normalised(t) in bench]
    assert overlap == []


def test_na_and_none_stay_texts_and_numbers_become_texts():
    ds = parse_dataset(GOOD)
    assert ds.negative == ("NA", "None", "42")


def test_dump_reads_back_identically():
    ds = get_dataset("sentiment")
    assert parse_dataset(dump_dataset(ds)) == ds
    odd = parse_dataset(GOOD).with_changes(notes="line one\n  indented\ttab  ", positive=('quote " and \\ back',))
    assert parse_dataset(dump_dataset(odd)) == odd


@pytest.mark.parametrize("text,message", [
    ("name: [unclosed", "not valid YAML at line"),
    ("- just\n- a list\n", "expected a mapping"),
    (GOOD.replace("title: Toy\n", ""), "missing title"),
    (GOOD.replace("positive:\n  - \"a right thing\"\n", "positive: []\n"), "positive pole ('right') has no examples"),
    (GOOD.replace("positive:\n  - \"a right thing\"\n", "positive:\n  - \"\"\n"), "has no examples"),
    (GOOD + "colour: red\n", "unknown keys colour"),
    (GOOD.replace("name: toy", "name: ../../etc"), "must be 1-64 letters"),
    (GOOD + "method: magic\n", "unknown method 'magic'"),
    (GOOD.replace("positive:\n", "positive: 7\n").replace('  - "a right thing"\n', ""), "must be a list"),
    (GOOD + "paired: true\n", "as many negative as positive"),
])
def test_malformed_data_sets_get_clear_messages(text, message):
    with pytest.raises(DatasetError, match=re.escape(message)):
        parse_dataset(text)


def test_bad_file_does_not_hide_the_others(tmp_path):
    (tmp_path / "toy.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "broken.yaml").write_bytes(b"name: broken\n\xff\xfe")
    (tmp_path / "wrongname.yaml").write_text(GOOD, encoding="utf-8")
    found, errors = load_all(tmp_path)
    assert list(found) == ["toy"]
    assert "not UTF-8" in errors["broken.yaml"]
    assert "differs from the file name" in errors["wrongname.yaml"]
    with pytest.raises(DatasetError, match="Unknown direction 'nope'. Known directions: toy"):
        get_dataset("nope", tmp_path)
    assert load_dataset(tmp_path / "toy.yaml").path == tmp_path / "toy.yaml"


def test_shipped_files_are_in_the_form_a_save_writes():
    """A save from the dashboard changes only what was edited: every shipped file dumps back byte for byte."""
    for path in sorted(config.directions_dir().glob("*.yaml")):
        raw = path.read_text(encoding="utf-8")
        assert dump_dataset(load_dataset(path), raw) == raw, path.name


def test_comments_above_examples_survive_a_save(tmp_path):
    from core.directions.saving import save_dataset

    text = GOOD.replace('positive:\n  - "a right thing"\n',
                        'positive:\n  # group one\n  - "a right thing"\n  # group two\n  - "another"\n')
    path = tmp_path / "toy.yaml"
    path.write_text(text, encoding="utf-8")
    ds = load_dataset(path)
    save_dataset(ds.with_changes(positive=ds.positive + ("a third",)), ds.file_hash, tmp_path)
    saved = path.read_text(encoding="utf-8")
    assert '  # group one\n  - "a right thing"\n  # group two\n  - "another"\n  - "a third"\n' in saved
