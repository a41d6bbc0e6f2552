"""Writing a direction data set as a YAML file laid out for review in git: one example per line.

The file reads back as the same data set (checked on every write), and comment lines a reviewer
wrote above an example stay above it when the file is saved again.
"""
from __future__ import annotations

import json

import yaml

from core.directions.datasets import LOADER, DirectionDataset, parse_dataset


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _plain(text: str) -> str:
    """A plain YAML scalar where that reads back as the same string, else a quoted one."""
    simple = text and text == text.strip() and ": " not in text and " #" not in text and "\n" not in text \
        and text[0] not in "-?:,[]{}#&*!|>'\"%@`"
    if simple:
        try:
            if yaml.load(f"k: {text}", Loader=LOADER) == {"k": text}:
                return text
        except yaml.YAMLError:
            pass
    return _q(text)


def example_comments(previous: str | None) -> dict[tuple[str, str], list[str]]:
    """Comment lines written above examples in a file, keyed by (pole, example), so a save keeps them."""
    found: dict[tuple[str, str], list[str]] = {}
    pole, pending = None, []
    for line in (previous or "").splitlines():
        stripped = line.strip()
        if line.startswith(("negative:", "positive:", "neutral:")):
            pole, pending = line.split(":", 1)[0], []
        elif pole and stripped.startswith("#"):
            pending.append(stripped)
        elif pole and stripped.startswith("- "):
            try:
                value = yaml.load(stripped[2:], Loader=LOADER)
            except yaml.YAMLError:
                value = None
            if pending and value is not None:
                found[(pole, str(value).strip())] = pending
            pending = []
        elif line and not line.startswith((" ", "\t")):
            pole, pending = None, []
    return found


def dump_dataset(ds: DirectionDataset, previous: str | None = None) -> str:
    """The file text, laid out for review in git: one example per line.

    Comments that stood above an example in `previous` (the file being replaced) stay above it.
    """
    comments = example_comments(previous)
    lines = [
        f"name: {ds.name}",
        f"title: {_plain(ds.title)}",
        f"description: {_plain(ds.description)}",
        f"negative_label: {_plain(ds.negative_label)}",
        f"positive_label: {_plain(ds.positive_label)}",
        f"method: {ds.method}",
        f"paired: {'true' if ds.paired else 'false'}",
    ]
    if ds.project_out:
        lines.append(f"project_out: [{', '.join(ds.project_out)}]")
    notes = ds.notes.strip()
    if notes and all(line == line.rstrip() and "\t" not in line for line in notes.splitlines()):
        lines.append("notes: |")
        lines += [f"  {line}" if line else "" for line in notes.splitlines()]
    else:
        lines.append(f"notes: {_q(notes)}")
    for pole in ("negative", "positive", "neutral"):
        if pole == "neutral" and not ds.neutral:
            continue
        lines.append(f"{pole}:")
        for t in getattr(ds, pole):
            lines += [f"  {c}" for c in comments.get((pole, t), [])]
            lines.append(f"  - {_q(t)}")
    text = "\n".join(lines) + "\n"
    if parse_dataset(text, ds.name) != ds:  # never write what would not read back the same
        text = yaml.safe_dump(ds.record(), sort_keys=False, allow_unicode=True)
    return text
