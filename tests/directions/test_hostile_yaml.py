"""Hand-edited and hostile direction YAML (issue 17, items 4 and 16): duplicate keys, plain scalars YAML would
turn into numbers or booleans, texts a save could not write, and files with more examples than any real
direction. Each case gets one clear line naming the file and the line, never a silent change or a traceback."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.directions.datasets import MAX_EXAMPLES, DatasetError, load_dataset, parse_dataset
from core.directions.yamlfile import dump_dataset
from tests.fixtures.limits import load_dataset_limited

HEAD = "name: toy\ntitle: Toy\ndescription: d\nnegative_label: left\npositive_label: right\nmethod: mean_difference\n"
POLES = "negative:\n  - a left thing\npositive:\n  - a right thing\n"


def test_a_key_given_twice_is_refused_naming_the_file_the_lines_and_the_key(tmp_path):
    path = tmp_path / "toy.yaml"
    path.write_text(HEAD + "title: Another\n" + POLES, encoding="utf-8")
    with pytest.raises(DatasetError, match=r"toy.yaml: the key 'title' is given twice \(lines 2 and 7\)"):
        load_dataset(path)
    twice = HEAD + POLES + "negative:\n  - more\n"  # a pole given twice would silently drop the first list
    with pytest.raises(DatasetError, match=r"the key 'negative' is given twice \(lines 7 and 11\)"):
        parse_dataset(twice, "toy.yaml")


AS_WRITTEN = ["0x10", "012", "1:20", "1_000", ".inf", "-.inf", ".nan", "1e3", "+1", "0o17", "0b101", "3.0",
              "true", "yes", "No", "off", "null", "~", "Null", "2024-01-01", "2001-12-14t21:59:43.10-05:00", "="]


def test_unquoted_examples_are_read_as_the_text_written():
    body = HEAD + "negative:\n" + "".join(f"  - {t}\n" for t in AS_WRITTEN) + "positive:\n  - a right thing\n"
    ds = parse_dataset(body, "toy.yaml")
    assert ds.negative == tuple(AS_WRITTEN)
    assert parse_dataset(dump_dataset(ds)) == ds


def test_unquoted_fields_are_texts_and_paired_stays_a_boolean():
    body = HEAD.replace("title: Toy", "title: yes").replace("description: d", "description: 1_000")
    body = body.replace("negative_label: left", "negative_label: 012") + "paired: yes\n" + POLES
    ds = parse_dataset(body, "toy.yaml")
    assert (ds.title, ds.description, ds.negative_label, ds.paired) == ("yes", "1_000", "012", True)
    assert parse_dataset(HEAD + "notes: ~\n" + POLES).notes == ""  # a top-level null is still nothing


NASTY = ["\x7f", "C1 \x92 quote", "\x85next line", "U+FFFE \ufffe", "\uffff", "line\u2028sep", "para\u2029sep",
         "bom \ufeff inside", "nul \x00 byte", "bell \x07 \x1b[31m", "tab\tin", "cr\rlf\r\n", "\x1c\x1d\x1e file",
         "astral \U0001f600 \U0010fffd", "'single' \"double\" \\back", "- dash", "# hash", "key: value", "&a *a",
         "!!python/object:os.system", "{[]}", "%TAG", "@at `tick`", "   padded   ", "\u200b zero width",
         "\U000e0001 tag", "\ud7ff\ue000", "a\x9fb"]


def _with(text: str):
    base = parse_dataset(HEAD + POLES)
    return base.with_changes(title=f"T {text} T", description=text, negative_label=f"L{text}",
                             positive_label=f"R{text}", notes=f"n{text}\nsecond {text}",
                             negative=(text, f"x{text}x"), positive=(f"{text} y", "y"))


@pytest.mark.parametrize("text", NASTY)
def test_nasty_texts_are_saved_and_read_back_identical(tmp_path, text):
    from core.directions.saving import save_dataset

    ds = _with(text)
    saved = save_dataset(ds, None, tmp_path)
    again = load_dataset(tmp_path / "toy.yaml")
    assert again == ds == saved
    assert "  - " in (tmp_path / "toy.yaml").read_text(encoding="utf-8")  # the git layout, not the fallback


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=30))
def test_any_text_dumps_and_reads_back_identical(text):
    if not text.strip():
        return
    ds = _with(text)
    dumped = dump_dataset(ds)
    assert parse_dataset(dumped) == ds
    assert dumped.startswith("name: toy\ntitle: ")


def test_a_lone_surrogate_is_refused_with_a_message():
    with pytest.raises(DatasetError, match="lone surrogate"):
        _with("a\ud800b")


def _many(n: int) -> str:
    return HEAD + "negative:\n" + "".join(f"- n{i}\n" for i in range(n)) + POLES.replace("negative:\n  - a left thing\n", "")


def test_more_examples_than_the_cap_are_refused_naming_the_line():
    body = _many(MAX_EXAMPLES + 1)
    with pytest.raises(DatasetError, match=rf"toy.yaml: 'negative' lists more than 50,000 texts \(line "
                                           rf"{7 + MAX_EXAMPLES + 1}\).*far beyond any real direction"):
        parse_dataset(body, "toy.yaml")
    assert len(parse_dataset(_many(MAX_EXAMPLES), "toy.yaml").negative) == MAX_EXAMPLES  # the cap itself is fine
    with pytest.raises(DatasetError, match="the file lists more than"):  # a list at the top does not escape it
        parse_dataset("".join(f"- n{i}\n" for i in range(4 * MAX_EXAMPLES + 1)), "toy.yaml")


def test_caps_hold_for_data_sets_made_in_the_dashboard_and_for_long_texts():
    ds = parse_dataset(HEAD + POLES)
    with pytest.raises(DatasetError, match="the negative list has 50,001 texts; the limit is 50,000"):
        ds.with_changes(negative=tuple(f"t{i}" for i in range(MAX_EXAMPLES + 1)))
    with pytest.raises(DatasetError, match="a text in 'title' has 20,001 characters"):
        ds.with_changes(title="x" * 20_001)
    with pytest.raises(DatasetError, match=r"'positive' holds a text of 30,000 characters \(line 11\)"):
        parse_dataset(HEAD + POLES + "  - " + "y" * 30_000 + "\n", "toy.yaml")
    with pytest.raises(DatasetError, match=r"nested deeper than a direction file is \(line 7\)"):
        parse_dataset(HEAD + "negative: " + "[" * 60 + "]" * 60 + "\n" + POLES[POLES.index("positive"):])


def test_half_a_million_short_examples_are_refused_before_they_cost_memory(tmp_path):
    path = tmp_path / "toy.yaml"
    path.write_text(_many(500_000), encoding="utf-8")
    assert path.stat().st_size < 5 * 1024 * 1024  # under the file limit: only the example cap stops it
    # the limit: what the process holds once imported, plus 100 MB (the file alone took 230 MB to load)
    out = load_dataset_limited(path, 100_000_000, headroom=True)
    assert out.startswith("toy.yaml: 'negative' lists more than 50,000 texts"), out
