"""Bad input, tried on purpose: properties of the core math and of file import, checked by hypothesis.

Every generated input must end in a result or a clear error (InputError, DatasetError, LinkError),
never another exception or a hang (each example runs under a deadline).
"""
from __future__ import annotations

import csv
import io
import string
import tempfile
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
from hypothesis.extra.numpy import arrays

from core.directions.build import direction_from_embeddings
from core.directions.datasets import DatasetError, DirectionDataset, parse_dataset
from core.directions.methods import MethodError, mean_difference
from core.explore.scores import score_frame, wide_scores
from core.io import corpus, inputs, links
from core.io.inputs import InputError
from core.latent import ops as latent
from core.store.embedder import Embedder
from tests.conftest import FakeEncoder

set_hypothesis_home_dir(tempfile.mkdtemp(prefix="hypothesis-"))  # nothing written into the repository
MATH = settings(database=None, max_examples=60, deadline=timedelta(seconds=5), suppress_health_check=[HealthCheck.too_slow])
FILES = settings(database=None, max_examples=80, deadline=timedelta(seconds=10),
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

finite = st.floats(-10, 10, allow_nan=False, allow_infinity=False, width=32)


def vectors(dim):
    return arrays(np.float64, dim, elements=finite)


def matrices(rows, dim):
    return arrays(np.float64, (rows, dim), elements=finite)


DS = DirectionDataset(name="p", title="P", negative_label="n", positive_label="p", negative=("a",), positive=("b",))


@st.composite
def poles(draw, dim=6):
    n_neg = draw(st.integers(1, 6))
    n_pos = draw(st.integers(1, 6))
    neg = draw(matrices(n_neg, dim))
    pos = draw(matrices(n_pos, dim))
    gap = np.linalg.norm(pos.mean(0) - neg.mean(0))
    assume(gap > 0.5)  # poles that define a direction (identical centroids are refused; tested below)
    return neg, pos


# ---- projection and calibration


@MATH
@given(poles(), vectors(6), vectors(6), finite, finite)
def test_projection_is_linear(p, x, y, a, b):
    d = direction_from_embeddings(DS, *p, "hand")
    lhs = d.raw((a * x + b * y)[None, :])[0]
    rhs = a * d.raw(x[None, :])[0] + b * d.raw(y[None, :])[0]
    assert lhs == pytest.approx(rhs, abs=1e-3 * (1 + abs(a) * np.abs(x).sum() + abs(b) * np.abs(y).sum()))


@MATH
@given(poles())
def test_calibrated_scores_are_exact_at_the_poles_and_the_midpoint(p):
    neg, pos = p
    d = direction_from_embeddings(DS, neg, pos, "hand")
    assert np.linalg.norm(d.vector) == pytest.approx(1.0, abs=1e-5)
    cn, cp = neg.mean(0), pos.mean(0)
    scores = d.score(np.stack([cn, cp, (cn + cp) / 2]))
    tol = 1e-4 * (1 + np.abs(np.stack([cn, cp])).max()) / d.half_span
    np.testing.assert_allclose(scores, [-1.0, 1.0, 0.0], atol=max(tol, 1e-5))


@MATH
@given(poles(), st.permutations(range(6)), st.permutations(range(6)))
def test_direction_does_not_depend_on_example_order(p, perm_n, perm_p):
    neg, pos = p
    order_n = [i for i in perm_n if i < len(neg)]
    order_p = [i for i in perm_p if i < len(pos)]
    a = direction_from_embeddings(DS, neg, pos, "hand")
    b = direction_from_embeddings(DS, neg[order_n], pos[order_p], "hand")
    np.testing.assert_allclose(a.vector, b.vector, atol=1e-5)
    assert a.midpoint == pytest.approx(b.midpoint, abs=1e-5)


@MATH
@given(poles(), matrices(5, 6), st.permutations(range(5)))
def test_scores_do_not_depend_on_text_order(p, E, perm):
    d = direction_from_embeddings(DS, *p, "hand")
    texts = [f"t{i}" for i in range(5)]
    wide = wide_scores(score_frame(texts, E.astype(np.float32), [d])).set_index("text")
    shuffled = wide_scores(score_frame([texts[i] for i in perm], E[list(perm)].astype(np.float32), [d]))
    pd.testing.assert_series_equal(shuffled.set_index("text")["p"].loc[texts], wide["p"], check_exact=False,
                                   atol=1e-6)


def test_identical_pole_centroids_are_a_clear_error():
    m = np.eye(3)
    with pytest.raises(MethodError):
        mean_difference(m, m[::-1])


# ---- vector operations


@MATH
@given(vectors(8), vectors(8), st.integers(2, 12))
def test_slerp_endpoints_and_norms(a, b, steps):
    assume(np.linalg.norm(a) > 1e-3 and np.linalg.norm(b) > 1e-3)
    path = latent.slerp(a, b, steps)
    np.testing.assert_allclose(path[0], a, atol=1e-6 * (1 + np.abs(a).max()))
    np.testing.assert_allclose(path[-1], b, atol=1e-6 * (1 + np.abs(b).max()))
    expected = np.linspace(np.linalg.norm(a), np.linalg.norm(b), steps)
    np.testing.assert_allclose(np.linalg.norm(path, axis=1), expected, rtol=1e-6, atol=1e-9)
    unit = latent.slerp(a, b, steps, norm=1.0)
    np.testing.assert_allclose(np.linalg.norm(unit, axis=1), 1.0, atol=1e-9)


@MATH
@given(vectors(8), vectors(8), finite, st.integers(1, 6), st.floats(0, 2))
def test_operations_keep_unit_norms(a, b, amount, n, radius):
    assume(np.linalg.norm(a) > 1e-3 and np.linalg.norm(b) > 1e-3)
    np.testing.assert_allclose(np.linalg.norm(latent.normalize(a)), 1.0, atol=1e-9)
    try:
        out = latent.steer(a, b, amount)
    except ValueError as exc:  # the move cancelled the vector exactly (a = -b, amount = 1): a clear error
        assert "zero vector" in str(exc)
    else:
        if np.all(np.isfinite(out)):
            assert np.linalg.norm(out) == pytest.approx(1.0, abs=1e-9)
    np.testing.assert_allclose(np.linalg.norm(latent.blur(a, radius, n, seed=1), axis=1), 1.0, atol=1e-9)


def test_normalising_zero_is_a_clear_error():
    with pytest.raises(ValueError, match="zero vector"):
        latent.normalize(np.zeros(4))


@settings(database=None, max_examples=30, deadline=timedelta(seconds=10), suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(min_size=0, max_size=30), min_size=1, max_size=12), st.randoms(use_true_random=False))
def test_embeddings_are_unit_and_order_independent(tmp_path_factory, texts, rnd):
    emb = Embedder(FakeEncoder(), tmp_path_factory.mktemp("props"))
    first = emb.embed(texts)
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)
    order = list(range(len(texts)))
    rnd.shuffle(order)
    again = emb.embed([texts[i] for i in order])  # now served from the cache
    np.testing.assert_allclose(again, first[order], atol=1e-6)


# ---- file import: every input ends in a result or a clear error

SUFFIXES = ["a.txt", "a.csv", "a.tsv", "a.parquet"]


def _imports(name: str, data: bytes):
    """Run every reader on the bytes; only InputError may come out."""
    results = []
    for reader in (lambda: inputs.from_upload(name, data), lambda: corpus.from_upload(name, data)):
        try:
            results.append(reader())
        except InputError as exc:
            assert str(exc)  # a message a person can act on
    return results


@FILES
@given(st.sampled_from(SUFFIXES), st.binary(max_size=4096))
def test_random_bytes_give_a_result_or_a_clear_error(name, data):
    _imports(name, data)


@FILES
@given(st.sampled_from(SUFFIXES), st.binary(max_size=512))
def test_random_bytes_after_a_parquet_or_csv_header(name, tail):
    head = b"PAR1" if name.endswith(".parquet") else b"text,label\n"
    _imports(name, head + tail)


cells = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)


@FILES
@given(st.lists(st.lists(cells, min_size=2, max_size=2), min_size=1, max_size=30), st.sampled_from([",", "\t"]))
def test_random_csvs_round_trip_their_texts(rows, sep):
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=sep)  # the Excel dialect: \r\n rows, any \r or \n in a cell quoted
    writer.writerow(["text", "other"])
    writer.writerows(rows)
    name = "f.csv" if sep == "," else "f.tsv"
    expected = [r[0].strip() for r in rows if r[0].strip()]
    try:
        batch = inputs.from_upload(name, buf.getvalue().encode("utf-8"), "text")
    except InputError as exc:
        assert not expected or "well-formed" in str(exc), exc
        return
    assert batch.texts == expected


@settings(database=None, max_examples=5, deadline=timedelta(seconds=30))
@given(st.integers(1, 4), st.sampled_from(["x", "é", "😀", "=1+1,\"q\""]))
def test_huge_cells(megabytes, unit):
    cell = unit * (megabytes * 2**20 // len(unit.encode("utf-8")))
    quoted = '"' + cell.replace('"', '""') + '"'
    data = f"text,n\n{quoted},1\nsmall,2\n".encode("utf-8")
    batch = inputs.from_upload("big.csv", data, "text")
    assert batch.texts == [cell.strip(), "small"]
    mapped = corpus.from_upload("big.csv", data, "text")
    assert len(mapped.texts[0]) == corpus.MAX_TEXT_CHARS  # cut for display and embedding
    assert inputs.from_upload("big.txt", cell.encode("utf-8")).texts == [cell.strip()]


@FILES
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=200),
       st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "latin-1", "cp1252", "shift_jis", "koi8-r"]))
def test_odd_encodings_are_read_or_refused_clearly(text, encoding):
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        assume(False)
    for name in ("a.txt", "a.csv"):
        try:
            batch = inputs.from_upload(name, data)
        except InputError as exc:
            assert "UTF-8" in str(exc) or "empty" in str(exc) or "no text" in str(exc) \
                or "well-formed" in str(exc) or "fields but the header" in str(exc) or "or more" in str(exc), exc
            continue
        if encoding.startswith("utf-8") and name == "a.txt":
            assert batch.texts == [line.strip() for line in inputs.split_lines(text.lstrip("\ufeff")) if line.strip()]


@FILES
@given(st.text(max_size=400))
def test_random_direction_files_are_read_or_refused_clearly(text):
    try:
        parse_dataset(text, "random.yaml")
    except DatasetError as exc:
        assert "random.yaml" in str(exc)


yaml_keys = st.sampled_from(["name", "title", "negative_label", "positive_label", "negative", "positive",
                             "method", "paired", "project_out", "notes", "description", "other"])
yaml_values = st.one_of(st.text(string.printable, max_size=20), st.integers(), st.booleans(), st.none(),
                        st.lists(st.text(max_size=10), max_size=4))


@FILES
@given(st.dictionaries(yaml_keys, yaml_values, max_size=12))
def test_random_direction_mappings_are_read_or_refused_clearly(mapping):
    import yaml

    try:
        parse_dataset(yaml.safe_dump(mapping), "random.yaml")
    except DatasetError:
        pass


@FILES
@given(st.dictionaries(st.sampled_from(["text", "set", "src", "dirs", "x", "k", "raw"]),
                       st.one_of(st.text(max_size=60), st.lists(st.text(max_size=10), max_size=3))))
def test_random_link_parameters_never_raise_anything_else(params):
    flat = {k: links.first(v) for k, v in params.items()}
    try:
        links.texts_from_params({k: v for k, v in flat.items() if v is not None})
    except links.LinkError:
        pass


@settings(database=None, max_examples=40, deadline=timedelta(seconds=5), suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=300))
def test_random_input_set_files_are_refused_clearly(tmp_path, data):
    ident = links.set_id(data)
    (tmp_path / f"{ident}.json").write_bytes(data)
    try:
        got = links.load_set(ident, tmp_path)
    except links.LinkError:
        return
    assert isinstance(got.texts, list)
