"""Zero means neutral: a data set's optional `neutral:` list marks where 0 sits, the poles stay at -1 and +1."""
import re

import numpy as np
import pytest

from core.directions import build_directions, cache_path, clear_memory, examples
from core.directions.build import Direction, direction_from_embeddings
from core.directions.datasets import DatasetError, DirectionDataset, load_all, parse_dataset
from core.directions.form import working_dataset, form_values
from core.directions.methods import MethodError
from core.directions.saving import describe_changes
from core.directions.yamlfile import dump_dataset
from core.store.embedder import Embedder
from core.vectors import calibrate
from tests.conftest import FakeEncoder
from tests.fixtures.directions import TOPICS, planted_dataset

BASE = """\
name: toy
title: Toy
negative_label: left
positive_label: right
negative:
  - "a left thing"
positive:
  - "a right thing"
"""
NEUTRAL = BASE + 'neutral:\n  - "a middle thing"\n  - "another one"\n  - "a third one"\n'


def test_calibration_puts_zero_at_the_neutral_projection_and_the_poles_at_one():
    raw = np.array([-1.0, 0.2, 0.5, 1.0, 3.0])
    out = calibrate(raw, -1.0, 1.0, 0.2)
    np.testing.assert_allclose(out, [-1.0, 0.0, 0.375, 1.0, 3.5])
    assert np.all(np.diff(out) > 0)  # the order of texts never changes
    np.testing.assert_allclose(calibrate(raw, -1.0, 1.0), calibrate(raw, -1.0, 1.0, np.nan))  # NaN: midpoint
    grid = calibrate(np.array([[0.2, 0.0]]), np.array([-1.0, -1.0]), np.array([1.0, 1.0]), np.array([0.2, np.nan]))
    np.testing.assert_allclose(grid, [[0.0, 0.0]])


def test_direction_with_neutral_texts_scores_them_zero():
    ds = DirectionDataset(name="toy", title="Toy", negative_label="l", positive_label="r",
                          negative=("a", "b"), positive=("c", "d"), neutral=("e", "f", "g"))
    neg = np.array([[1.0, 0.0], [1.0, 0.0]])
    pos = np.array([[0.0, 1.0], [0.0, 1.0]])
    mid = np.array([[0.9, 0.5], [0.8, 0.4], [0.7, 0.3]])  # neither pole, but nearer the negative one
    d = direction_from_embeddings(ds, neg, pos, "hand", neutral=mid)
    assert d.neutral_projection < d.midpoint
    assert d.calibrate(d.raw(mid).mean()) == pytest.approx(0.0, abs=1e-6)
    np.testing.assert_allclose(d.score(np.vstack([neg[:1], pos[:1]])), [-1.0, 1.0], atol=1e-6)
    beyond = pos * 2.0  # further out than the positive pole's centroid: in this model they cannot mark 0
    leaning = direction_from_embeddings(ds, neg, pos, "hand", neutral=beyond)
    assert leaning.neutral_projection is None and leaning.zero == pytest.approx(leaning.midpoint)
    assert "do not sit between the poles in hand (they lean positive)" in leaning.zero_note
    with pytest.raises(MethodError, match="neutral texts do not sit between the poles"):
        Direction(**{**vars(leaning), "neutral_projection": 5.0})


def test_neutral_list_is_read_written_and_hashed():
    ds = parse_dataset(NEUTRAL)
    assert ds.neutral == ("a middle thing", "another one", "a third one")
    assert parse_dataset(dump_dataset(ds)) == ds
    plain = parse_dataset(BASE)
    assert plain.neutral == () and "neutral" not in dump_dataset(plain)
    assert ds.build_hash != plain.build_hash  # the zero is part of what is built and cached
    assert describe_changes(plain, ds)[0] == "neutral: added 'a middle thing'"


@pytest.mark.parametrize("tail,message", [
    ("neutral: []\n", "'neutral' is empty"),
    ("neutral:\n", "'neutral' is empty"),
    ('neutral:\n  - ""\n', "'neutral' is empty"),
    ("neutral: a single text\n", "'neutral' must be a list of texts"),
    ("neutral:\n  - [1, 2]\n", "example 1 of 'neutral' is not a text"),
    ('neutral:\n  - "one"\n  - "two"\n', "has 2 text(s); give at least 3"),
    ('neutral:\n  - "a left thing"\n  - "two"\n  - "three"\n', "is also a pole example"),
])
def test_malformed_neutral_lists_get_clear_messages(tail, message):
    with pytest.raises(DatasetError, match=re.escape(message)):
        parse_dataset(BASE + tail)


def test_a_file_with_a_bad_neutral_list_is_skipped_and_the_others_work(tmp_path):
    (tmp_path / "toy.yaml").write_text(NEUTRAL, encoding="utf-8")
    (tmp_path / "bad.yaml").write_text(BASE.replace("name: toy", "name: bad") + "neutral: []\n", encoding="utf-8")
    found, errors = load_all(tmp_path)
    assert list(found) == ["toy"] and found["toy"].neutral
    assert list(errors) == ["bad.yaml"] and "'neutral' is empty" in errors["bad.yaml"]


def test_the_examples_table_carries_neutral_texts_through_the_form():
    ds = parse_dataset(NEUTRAL)
    frame = examples.to_frame(ds)
    assert list(frame["pole"]) == ["negative", "positive", "neutral", "neutral", "neutral"]
    frame.loc[len(frame)] = ["a right thing", "neutral"]  # also a positive example
    neg, pos, neu, notes = examples.from_frame(frame)
    assert neu == ("a middle thing", "another one", "a third one", "a right thing")
    assert any("both positive and neutral" in n for n in notes)
    working, problem = working_dataset(form_values(ds), neg, pos, neu[:3])
    assert problem is None and working == ds
    _, problem = working_dataset(form_values(ds), neg, pos, neu)
    assert "also a pole example" in str(problem)


def test_neutral_projection_is_cached_and_read_back(cache_root, monkeypatch):
    monkeypatch.setenv("LATENT_CACHE_DIR", str(cache_root))
    clear_memory()
    enc = FakeEncoder()
    emb = Embedder(enc, cache_root)
    ds = planted_dataset().with_changes(neutral=tuple(f"{t} was fine" for t in TOPICS))
    (d1,) = build_directions([ds], emb)
    assert d1.neutral_projection is not None and d1.zero == d1.neutral_projection
    assert d1.calibrate(d1.raw(emb.embed(list(ds.neutral))).mean()) == pytest.approx(0.0, abs=1e-5)
    assert cache_path(enc.identity, ds).exists()
    clear_memory()
    before = emb.encoded
    (d2,) = build_directions([ds], emb)
    assert emb.encoded == before and d2.neutral_projection == pytest.approx(d1.neutral_projection)
    (plain,) = build_directions([planted_dataset()], emb)
    assert plain.neutral_projection is None and plain.zero == pytest.approx(plain.midpoint)


def test_score_tables_use_the_neutral_zero():
    from core.explore.scores import score_frame

    ds = DirectionDataset(name="toy", title="Toy", negative_label="l", positive_label="r",
                          negative=("a", "b"), positive=("c", "d"), neutral=("e", "f", "g"))
    neg, pos = np.array([[1.0, 0.0]] * 2), np.array([[0.0, 1.0]] * 2)
    mid = np.array([[0.9, 0.5], [0.8, 0.4], [0.7, 0.3]])
    d = direction_from_embeddings(ds, neg, pos, "hand", neutral=mid)
    E = np.vstack([mid, neg[:1], pos[:1]])
    frame = score_frame(["e", "f", "g", "a", "c"], E, [d])
    np.testing.assert_allclose(frame["score"], d.score(E), atol=1e-6)
    assert frame["score"].iloc[3] == pytest.approx(-1.0, abs=1e-6) and frame["score"].iloc[4] == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize("name", ["windows", "text", "Row"])
def test_names_of_score_table_columns_are_refused(name):
    with pytest.raises(DatasetError, match="taken by a column of the score tables"):
        parse_dataset(BASE.replace("name: toy", f"name: {name}"))
