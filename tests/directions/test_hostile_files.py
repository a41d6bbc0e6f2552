"""Hostile and broken direction files (issue 17): each case gets one clear line, never a traceback."""
from __future__ import annotations

import os

import pytest

from core import config
from core.directions.datasets import DatasetError, load_all, load_dataset
from tests.fixtures.limits import load_dataset_limited


def test_symlink_to_dev_zero_is_refused_without_reading_it(tmp_path):
    link = tmp_path / "zero.yaml"
    os.symlink("/dev/zero", link)
    with pytest.raises(DatasetError, match="zero.yaml: not a regular file"):
        load_dataset(link)
    (tmp_path / "ok.yaml").write_text("not: a data set\n")
    found, errors = load_all(tmp_path)  # the folder still loads; the link is one message naming it
    assert "zero.yaml" in errors and errors["zero.yaml"].startswith("zero.yaml: not a regular file")


def test_file_over_the_limit_is_refused(tmp_path, monkeypatch):
    import core.directions.datasets as datasets

    monkeypatch.setattr(datasets, "MAX_FILE_BYTES", 10)
    big = tmp_path / "big.yaml"
    big.write_text("name: big\n" + "#" * 100)
    with pytest.raises(DatasetError, match="big.yaml: larger than"):
        load_dataset(big)


@pytest.mark.parametrize("name", ["good\n", "good\r\n", "a b", "", "-x"])
def test_names_with_a_trailing_newline_or_junk_are_not_valid(name):
    assert not config.valid_name(name)
    assert config.valid_name("good_name-1")


def test_alias_is_refused_with_a_line_naming_the_file():
    from core.directions.datasets import parse_dataset

    text = ("name: bomb\ntitle: t\ndescription: d\nnegative_label: n\npositive_label: p\nmethod: mean\n"
            "negative:\n  - &a \"x\"\n  - *a\npositive:\n  - y\n  - z\n")
    with pytest.raises(DatasetError, match=r"bomb.yaml: YAML anchors and aliases .* \(line 8\)"):
        parse_dataset(text, "bomb.yaml")


def test_alias_bomb_is_refused_under_a_memory_limit(tmp_path):
    bomb = tmp_path / "bomb.yaml"
    body = "name: bomb\ntitle: t\ndescription: d\nnegative_label: n\npositive_label: p\nmethod: mean\n"
    body += "negative:\n  - &a \"" + "x" * 1_000_000 + "\"\n" + "  - *a\n" * 500_000 + "positive:\n  - y\n  - z\n"
    bomb.write_text(body)
    out = load_dataset_limited(bomb, 1_500_000_000)
    assert out.startswith("bomb.yaml: YAML anchors and aliases")
