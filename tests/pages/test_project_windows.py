"""The Project page marks texts longer than the model's window: a windows column and a caption.

The long text was written for this test; it is in no direction data set or benchmark.
"""
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

LONG = ("Every spring the orchard behind the school filled with blossom, and the older pupils kept a diary of "
        "which tree flowered first, how many bees visited it and when the petals fell. ") * 20


def test_a_long_text_gets_a_windows_count_and_a_caption():
    at = AppTest.from_file(str(ROOT / "pages/1_Project.py"), default_timeout=240)
    at.run()
    at.text_area(key="paste").input(f"A short sunny note.\n{LONG.strip()}").run()
    assert not at.exception, [e.message for e in at.exception]
    table = at.dataframe[0].value
    assert "windows" in table.columns
    assert table["windows"].tolist()[0] == 1 and table["windows"].tolist()[1] > 1
    captions = [c.value for c in at.caption]
    assert any(c.startswith("1 text is longer than the model's window (254 word pieces): read in overlapping "
                            "windows and pooled (mean of overlapping 254-piece windows") for c in captions), captions
    at.text_area(key="paste").input("A short sunny note.\nAnother short one.").run()
    assert "windows" not in at.dataframe[0].value.columns
    assert not any("longer than the model's window" in c.value for c in at.caption)
