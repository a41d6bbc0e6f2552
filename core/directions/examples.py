"""A data set's examples as a table (text, pole): for editing, importing and exporting.

The pole is 'negative', 'positive' or 'neutral' (a text that is neither pole: the neutral texts mark 0).
What a person reads are the direction's own pole labels ("other topics" / "art", and "neutral"):
`pole_names` gives them, `labelled` and `from_frame(..., names)` translate a table to them and back.
"""
from __future__ import annotations

import pandas as pd

from core.directions.datasets import DirectionDataset
from core.io.inputs import InputError, require_columns, split_lines

NEGATIVE, POSITIVE, NEUTRAL = "negative", "positive", "neutral"
POLES = (NEGATIVE, POSITIVE, NEUTRAL)


def pole_names(negative_label: str = "", positive_label: str = "") -> dict[str, str]:
    """What each pole is called where people read it: the direction's labels and "neutral", made distinct
    (two equal labels get their pole in brackets; a blank label is the pole's own name)."""
    neg = (negative_label or "").strip() or NEGATIVE
    pos = (positive_label or "").strip() or POSITIVE
    if neg.lower() == pos.lower():
        neg, pos = f"{neg} ({NEGATIVE})", f"{pos} ({POSITIVE})"
    neutral = "neutral (neither pole)" if NEUTRAL in (neg.lower(), pos.lower()) else NEUTRAL
    return {NEGATIVE: neg, POSITIVE: pos, NEUTRAL: neutral}


def labelled(frame: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """The table with each pole shown by its name in `names` (see `pole_names`)."""
    return frame.assign(pole=frame["pole"].map(lambda p: names.get(p, p)))


def unlabelled(frame: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """`labelled`'s inverse: the poles back to 'negative', 'positive', 'neutral' (missing for any other value)."""
    pole_of = {name: pole for pole, name in names.items()}
    return frame.assign(pole=frame["pole"].map(lambda name: pole_of.get(name)))


def to_frame(ds: DirectionDataset | None) -> pd.DataFrame:
    """One row per example: text, pole ('negative', 'positive' or 'neutral'); an empty table for None."""
    if ds is None:
        return pd.DataFrame({"text": pd.Series(dtype=object), "pole": pd.Series(dtype=object)})
    rows = [(t, pole) for pole in POLES for t in getattr(ds, pole)]
    return pd.DataFrame(rows, columns=["text", "pole"], dtype=object)


def from_frame(frame: pd.DataFrame, names: dict[str, str] | None = None
               ) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], list[str]]:
    """(negative, positive, neutral, notes) from an edited table; blank rows are dropped, duplicates noted
    (in the poles' `names`, see `pole_names`, when given)."""
    notes = []
    names = names or {p: p for p in POLES}
    found: dict[str, list[str]] = {pole: [] for pole in POLES}
    for text, pole in zip(frame.get("text", []), frame.get("pole", [])):
        text = "" if text is None or (isinstance(text, float) and pd.isna(text)) else str(text).strip()
        if not text:
            continue
        if pole in found:
            found[pole].append(text)
        else:
            notes.append(f"Row {text[:40]!r} has no pole; pick {names[NEGATIVE]}, {names[POSITIVE]} or "
                         f"{names[NEUTRAL]}.")
    for pole, texts in found.items():
        dups = len(texts) - len(set(texts))
        if dups:
            where = "neutral texts" if pole == NEUTRAL else f"{names[pole]} pole"
            notes.append(f"{dups} duplicate example{'s' * (dups != 1)} in the {where} were merged.")
    for a, b in ((NEGATIVE, POSITIVE), (NEGATIVE, NEUTRAL), (POSITIVE, NEUTRAL)):
        both = set(found[a]) & set(found[b])
        if both:
            notes.append(f"{len(both)} example{'s' * (len(both) != 1)} appear as both {names[a]} and {names[b]}: "
                         + "; ".join(repr(t[:40]) for t in list(both)[:3]))
    neg, pos, neu = (tuple(dict.fromkeys(found[p])) for p in POLES)
    return neg, pos, neu, notes


def _strings(column: pd.Series) -> pd.Series:
    """A column as stripped strings, a missing value (a Parquet null) as ""."""
    return column.where(column.notna(), "").astype(str).str.strip()


def label_values(table: pd.DataFrame, label_column: str) -> list[str]:
    require_columns(table, [label_column])
    return sorted(set(_strings(table[label_column])) - {""})


def guess_poles(values: list[str], negative_label: str = "", positive_label: str = "") -> tuple[str | None, str | None]:
    """Which label value means the negative pole and which the positive one, when it is obvious."""
    lowered = {v.lower(): v for v in values}
    pairs = [("0", "1"), ("-1", "1"), ("neg", "pos"), (NEGATIVE, POSITIVE), ("false", "true"), ("no", "yes")]
    if negative_label and positive_label:
        pairs.insert(0, (negative_label.lower(), positive_label.lower()))
    for a, b in pairs:
        if a in lowered and b in lowered:
            return lowered[a], lowered[b]
    if len(values) == 2:
        return values[0], values[1]
    return None, None


def from_table(table: pd.DataFrame, text_column: str, label_column: str, negative_value: str,
               positive_value: str) -> pd.DataFrame:
    """Examples (text, pole) from a labelled table; rows with other labels are left out, and rows with a missing
    text or label are counted in the result's `attrs["notes"]`."""
    require_columns(table, [text_column, label_column])
    if negative_value == positive_value:
        raise InputError("The negative and the positive label must differ.")
    labels, texts = _strings(table[label_column]), _strings(table[text_column])
    pole = labels.map({negative_value: NEGATIVE, positive_value: POSITIVE})
    keep = pole.notna() & (texts != "")
    if not keep.any():
        raise InputError(f"No rows have the label {negative_value!r} or {positive_value!r} and a text.")
    frame = pd.DataFrame({"text": texts[keep].tolist(), "pole": pole[keep].tolist()})
    nulls = int((table[label_column].isna() | table[text_column].isna()).sum())
    frame.attrs["notes"] = [f"Skipped {nulls} row{'s' * (nulls != 1)} with a missing text or label."] if nulls else []
    return frame


def from_lines(text: str, pole: str) -> pd.DataFrame:
    lines = [line.strip() for line in split_lines(text) if line.strip()]
    return pd.DataFrame({"text": lines, "pole": [pole] * len(lines)})


def new_rows(table: pd.DataFrame, add: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """(the rows of `add` the table lacks, once each; how many were left out as already there or repeated)."""
    held = set(zip(table["text"].astype(str).str.strip(), table["pole"]))
    keep = [(t, p) for t, p in dict.fromkeys(zip(add["text"], add["pole"])) if (t, p) not in held]
    return pd.DataFrame(keep, columns=["text", "pole"], dtype=object), len(add) - len(keep)


def added_summary(added: pd.DataFrame, skipped: int, names: dict[str, str]) -> str:
    """What an import did, in the poles' names: "Added 3 examples to art.", and how many duplicates it left out."""
    counts = added["pole"].value_counts()
    parts = [f"{counts[p]} to {names[p]}" for p in POLES if p in counts]
    n = len(added)
    if not n:
        text = "Nothing added"
    elif len(parts) == 1:
        text = f"Added {n} example{'s' * (n != 1)} to {names[added['pole'].iloc[0]]}"
    else:
        text = f"Added {n} examples: " + ", ".join(parts)
    if skipped:
        text += f"; {skipped} duplicate{'s' * (skipped != 1)} (already in the table) left out"
    return text + "."
