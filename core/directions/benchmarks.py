"""The human-made yardstick sets in the benchmarks folder, and the simple baselines measured beside a direction.

Each set is a tab-separated file (see the README in its folder). The `length` yardstick is built here from
the formality and subjectivity sentences: prefixes and runs of consecutive sentences, 1 to 1,500 words long,
log-uniformly spread, with a fixed seed. Baselines: VADER's compound score for sentiment (the optional
`vaderSentiment` package) and the Flesch-Kincaid grade, a readability formula, for formality.
"""
from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from core import config
from core.errors import LatentError

log = logging.getLogger(__name__)

LENGTH_SOURCES = ("formality-pavlick/pavlick_formality.tsv", "subjectivity-subj/subj_2000.tsv")
LENGTH_TEXTS, LENGTH_MAX_WORDS, LENGTH_RECIPE = 240, 1500, "length-v2"

_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
_VOWELS = re.compile(r"[aeiouy]+")
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)")


class BenchmarkError(LatentError, FileNotFoundError):
    """The benchmarks folder or one of its set files is missing or unreadable."""


@dataclass(frozen=True)
class YardstickSet:
    """One human-made set: the direction it measures, where it lives, how to read it and what to report."""

    direction: str
    name: str
    file: str  # relative to the benchmarks folder; "" for the built length set
    text_column: str
    target_column: str
    metric: str  # a core.directions.validation.STATISTICS name
    baseline: str = ""  # a BASELINES name, or "" for none
    baseline_note: str = "none"


def _sentiment(name: str) -> YardstickSet:
    return YardstickSet("sentiment", name, f"sentiment-vader/{name}.tsv", "text", "mean_rating", "pearson", "VADER")


SETS = (
    _sentiment("tweets"), _sentiment("nyt_editorials"), _sentiment("movie_reviews"),
    YardstickSet("formality", "pavlick_formality", "formality-pavlick/pavlick_formality.tsv", "text", "formality",
                 "pearson", "readability"),
    YardstickSet("subjectivity", "subj_2000", "subjectivity-subj/subj_2000.tsv", "text", "subjective", "auc",
                 baseline_note="none (README: supervised linear probes reach 0.92-0.95 accuracy)"),
    YardstickSet("concreteness", "glasgow_concreteness", "concreteness-glasgow/glasgow_concreteness.tsv", "word",
                 "concreteness", "spearman"),
    YardstickSet("length", "word_count", "", "text", "words", "spearman"),
)


def benchmarks_root(root: Path | None = None) -> Path:
    """The benchmarks folder (`root`, else config.benchmarks_dir()); BenchmarkError when it is not there."""
    folder = Path(root) if root is not None else config.benchmarks_dir()
    if not folder.is_dir():
        raise BenchmarkError(f"Benchmark folder not found: {folder}. Set LATENT_BENCHMARKS_DIR to the folder "
                             "holding sentiment-vader/, formality-pavlick/, subjectivity-subj/ and "
                             "concreteness-glasgow/.")
    return folder


def _files(spec: YardstickSet, root: Path) -> list[Path]:
    paths = [root / f for f in ((spec.file,) if spec.file else LENGTH_SOURCES)]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise BenchmarkError(f"Yardstick file not found: {', '.join(missing)} (in the benchmarks folder {root}).")
    return paths


def set_hash(spec: YardstickSet, root: Path) -> str:
    """A hash of the set's file contents (and, for the built length set, of its recipe)."""
    h = hashlib.sha256(LENGTH_RECIPE.encode() if not spec.file else b"")
    for path in _files(spec, root):
        h.update(path.read_bytes())
    return h.hexdigest()


def _read(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise BenchmarkError(f"Cannot read yardstick file {path}: {exc}") from exc
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise BenchmarkError(f"Yardstick file {path} has no column {', '.join(map(repr, missing))}.")
    return frame


def length_texts(sentences: list[str], n: int = LENGTH_TEXTS, max_words: int = LENGTH_MAX_WORDS,
                 seed: int = 0) -> tuple[list[str], np.ndarray]:
    """`n` real texts with word counts log-uniform in [1, max_words]: runs of consecutive sentences, cut to length."""
    words = [w for s in sentences for w in s.split()]
    if not words:
        return [], np.zeros(0)
    rng = np.random.default_rng(seed)
    counts = np.sort(np.rint(np.exp(rng.uniform(0, np.log(max_words), n))).astype(int))
    counts = np.minimum(counts, len(words))
    starts = np.cumsum([0] + [len(s.split()) for s in sentences])[:-1]  # each sentence's first word
    texts = []
    for c in counts:
        at = int(starts[rng.integers(len(starts))])
        at = min(at, len(words) - c)
        texts.append(" ".join(words[at : at + c]))
    return texts, counts.astype(float)


def read_set(spec: YardstickSet, root: Path, limit: int | None = None, seed: int = 0) -> tuple[list[str], np.ndarray]:
    """(texts, targets) of a set; rows without a text or a numeric target are left out; `limit` subsamples."""
    paths = _files(spec, root)
    if not spec.file:
        sentences = [t for p in paths for t in _read(p, ("text",))["text"].str.strip() if t]
        return length_texts(sentences, n=min(limit, LENGTH_TEXTS) if limit else LENGTH_TEXTS, seed=seed)
    frame = _read(paths[0], (spec.text_column, spec.target_column))
    texts = frame[spec.text_column].str.strip()
    targets = pd.to_numeric(frame[spec.target_column].str.strip(), errors="coerce")
    keep = (texts != "") & targets.notna()
    if (~keep).any():
        log.info("%s: left out %d rows without a text or a numeric %s", paths[0], int((~keep).sum()),
                 spec.target_column)
    frame = pd.DataFrame({"text": texts[keep], "target": targets[keep].astype(float)}).reset_index(drop=True)
    if limit and limit < len(frame):
        frame = frame.sample(n=limit, random_state=seed).reset_index(drop=True)
    return frame["text"].tolist(), frame["target"].to_numpy(float)


def syllables(word: str) -> int:
    """A simple syllable count: vowel groups, a final silent e dropped, at least one."""
    w = word.lower()
    n = len(_VOWELS.findall(w))
    if n > 1 and w.endswith("e") and not w.endswith(("le", "ee", "ye")):
        n -= 1
    return max(1, n)


def readability_grade(text: str) -> float:
    """Flesch-Kincaid grade level: 0.39 words per sentence + 11.8 syllables per word - 15.59 (higher = harder)."""
    words = _WORD.findall(text)
    if not words:
        return float("nan")
    sentences = max(1, len(_SENTENCE_END.findall(text.strip())))
    return 0.39 * len(words) / sentences + 11.8 * sum(map(syllables, words)) / len(words) - 15.59


def vader_available() -> bool:
    try:
        import vaderSentiment  # noqa: F401
    except ImportError:
        return False
    return True


def vader_scores(texts: list[str]) -> np.ndarray:
    """VADER's compound score per text (needs the `vaderSentiment` package, in requirements-dev)."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    sia = SentimentIntensityAnalyzer()
    return np.array([sia.polarity_scores(t)["compound"] for t in texts], dtype=float)


# name -> (label shown beside the figure, scores of the texts or None when the baseline cannot run here)
BASELINES = {
    "VADER": ("VADER", lambda texts: vader_scores(texts) if vader_available() else None),
    "readability": ("a readability formula (Flesch-Kincaid grade)",
                    lambda texts: np.array([readability_grade(t) for t in texts])),
}
