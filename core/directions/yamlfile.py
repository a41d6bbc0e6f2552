"""The project's YAML for direction files: reading a file's text strictly, and writing a data set laid out
for review in git (one example per line).

Reading (`load_text`) refuses what a hand edit gets silently wrong elsewhere: a key given twice (YAML keeps
the last), anchors and aliases (a small file expanding without limit), more items in a list or more
characters in a text than the caps, and nesting deeper than a direction file has. A plain scalar is read as
the text it is (`0x10`, `012`, `1:20`, `1_000`, `.inf`, `yes`, `null` stay as written), except the value
of `paired`, which is true or false, and a top-level `null`/`~`, which is nothing.

Writing (`dump_dataset`) escapes every character YAML cannot hold raw (controls, C1, U+FFFE, U+2028 ...),
so any text reads back the same (checked on every write), and comment lines a reviewer wrote above an
example stay above it when the file is saved again.
"""
from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

import yaml

if TYPE_CHECKING:
    from core.directions.datasets import DirectionDataset

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the safe loader; the C parser is ten times faster
STR = "tag:yaml.org,2002:str"
NULL = "tag:yaml.org,2002:null"
TYPED_KEYS = ("paired",)  # values read as YAML types (true/false); every other plain scalar is a text
MAX_DEPTH = 4  # a direction file is a mapping of texts and lists of texts: depth 2
# what YAML may hold raw: the printable set, less the characters it reads as line breaks or a byte-order mark
_UNSAFE = re.compile("[^\x09\x0a\x0d\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")


class YamlRefused(ValueError):
    """The text is not a direction file's YAML; the message says why and at which line."""


def _line(mark) -> str:
    return f"line {mark.line + 1}" if mark is not None else "line ?"


def _scan(text: str, max_items: int, max_chars: int) -> None:
    """One streaming pass over the events, before anything is built: aliases, depth, and the caps on texts per
    list (`max_items`, and four times that in the whole file) and characters per text in a list (`max_chars`)."""
    depth, key, expect_key, items, total = 0, None, True, 0, 0
    for event in yaml.parse(text, Loader=LOADER):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise YamlRefused(f"YAML anchors and aliases (& and *) are not allowed ({_line(event.start_mark)}); "
                              "write each example out.")
        if isinstance(event, yaml.CollectionStartEvent):
            depth, items = depth + 1, 0 if depth == 1 else items
            if depth > MAX_DEPTH:
                raise YamlRefused(f"nested deeper than a direction file is ({_line(event.start_mark)}).")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
            expect_key = expect_key or depth == 1
        elif isinstance(event, yaml.ScalarEvent):
            total += 1
            if depth == 1:
                key, expect_key = (event.value, False) if expect_key else (key, True)
            else:
                items += 1
            where = f"'{key}'" if depth > 1 else "the file"
            if items > max_items or total > 4 * max_items:
                raise YamlRefused(f"{where} lists more than {max_items:,} texts ({_line(event.start_mark)}); that "
                                  "is the limit per list, far beyond any real direction: split the file or sample.")
            if depth > 1 and len(event.value) > max_chars:
                raise YamlRefused(f"{where} holds a text of {len(event.value):,} characters "
                                  f"({_line(event.start_mark)}); the limit is {max_chars:,} per text, far beyond "
                                  "any real example.")


def _as_written(node, resolve, role: str = "item") -> None:
    """Refuse a key given twice; make each plain scalar the text it is. `role`: "top" (the file's mapping),
    "value" (a value in it: an empty or null one stays None), "typed" (keeps YAML's type), "item" (all else)."""
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                if key.value in seen:
                    raise YamlRefused(f"the key {key.value!r} is given twice (lines {seen[key.value]} and "
                                      f"{key.start_mark.line + 1}); YAML would keep only the last: keep one.")
                seen[key.value] = key.start_mark.line + 1
            _as_written(key, resolve)
            typed = isinstance(key, yaml.ScalarNode) and key.value in TYPED_KEYS
            _as_written(value, resolve, ("typed" if typed else "value") if role == "top" else "item")
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _as_written(item, resolve)
    elif not node.style and node.value and role != "typed":  # plain (the C composer says "", Python None)
        implicit = resolve(yaml.ScalarNode, node.value, (True, False))
        if node.tag == implicit and not (role == "value" and implicit == NULL):
            node.tag = STR


def load_text(text: str, max_items: int, max_chars: int):
    """The file's data, read strictly (see the module's docstring); YamlRefused says what is wrong and where.

    `max_items` caps the texts in one list and `max_chars` the characters of one of them; both are checked in a
    streaming pass before anything is built, so a file of half a million short lines costs no memory."""
    try:
        _scan(text, max_items, max_chars)
        loader = LOADER(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            _as_written(node, loader.resolve, "top")
            return loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        raise YamlRefused(f"not valid YAML{at}: {getattr(exc, 'problem', exc)}.") from None


def _escape(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _q(text: str) -> str:
    """A YAML double-quoted scalar: a JSON string (valid YAML), with what YAML cannot hold raw escaped."""
    return _UNSAFE.sub(lambda m: _escape(m.group()), json.dumps(text, ensure_ascii=False))


def _plain(text: str) -> str:
    """A plain YAML scalar where that reads back as the same string, else a quoted one."""
    simple = text and text == text.strip() and ": " not in text and " #" not in text and "\n" not in text \
        and text[0] not in "-?:,[]{}#&*!|>'\"%@`"
    if simple:
        try:
            if load_text(f"k: {text}", 1, len(text)) == {"k": text}:
                return text
        except YamlRefused:
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
                value = load_text(f"- {stripped[2:]}", 1, len(stripped))
                value = value[0] if isinstance(value, list) and value else None
            except YamlRefused:
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
    if notes and not _UNSAFE.search(notes) and "\r" not in notes \
            and all(line == line.rstrip() and "\t" not in line for line in notes.split("\n")):
        lines.append("notes: |")
        lines += [f"  {line}" if line else "" for line in notes.split("\n")]
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
    from core.directions.datasets import parse_dataset  # datasets reads files with load_text above

    if parse_dataset(text, ds.name) != ds:  # never write what would not read back the same
        text = yaml.safe_dump(ds.record(), sort_keys=False, allow_unicode=True)
    return text
