"""Clear-cut checks: per direction, texts any person would place, and whether the direction places them too.

A suite is `directions/checks/<direction>.yaml` with `negative:` and `positive:` lists (texts that belong
clearly on that side, so their score must have that sign) and an optional `neutral:` list (texts that are
neither pole, whose score must lie within +-NEUTRAL_BAND). Suites are written for the project, disjoint
from the direction's examples; they are checks, never used to build a direction. The subfolder is not read
as direction files (core.directions.datasets reads only `directions/*.yaml`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from core import config
from core.directions.build import build_directions
from core.directions.datasets import DatasetError
from core.directions.yamlfile import LOADER
from core.errors import LatentError, one_line

CHECKS = "checks"
NEUTRAL_BAND = 0.3
TARGETS = {"sentiment": 1.0}  # share of signs that must be right; DEFAULT_TARGET for the others
DEFAULT_TARGET = 0.95


@dataclass(frozen=True)
class Suite:
    direction: str
    negative: tuple[str, ...]
    positive: tuple[str, ...]
    neutral: tuple[str, ...] = ()
    path: Path | None = None

    @property
    def signed(self) -> int:
        return len(self.negative) + len(self.positive)


@dataclass(frozen=True)
class SuiteResult:
    direction: str
    signed: int
    correct: int
    neutral: int = 0
    neutral_within: int = 0
    wrong: tuple[tuple[str, str, float], ...] = field(default=())  # (expected side, text, score)
    off_neutral: tuple[tuple[str, float], ...] = field(default=())  # neutral texts outside the band

    @property
    def share(self) -> float:
        return self.correct / self.signed if self.signed else float("nan")

    @property
    def target(self) -> float:
        return TARGETS.get(self.direction, DEFAULT_TARGET)

    @property
    def passed(self) -> bool:
        return self.signed > 0 and self.share >= self.target and self.neutral_within == self.neutral

    def summary(self) -> str:
        text = f"{self.correct}/{self.signed} signs right ({self.share:.0%}, target {self.target:.0%})"
        if self.neutral:
            text += f"; {self.neutral_within}/{self.neutral} neutral texts within ±{NEUTRAL_BAND}"
        return text


def checks_dir(folder: Path | None = None) -> Path:
    return Path(folder or config.directions_dir()) / CHECKS


def _texts(data: dict, key: str, where: str) -> tuple[str, ...]:
    value = data.get(key) or []
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise DatasetError(f"{where}: '{key}' must be a list of texts.")
    return tuple(t.strip() for t in value if t.strip())


def load_suite(name: str, folder: Path | None = None) -> Suite | None:
    """The suite of direction `name`, or None when it has none; DatasetError when the file is malformed."""
    path = checks_dir(folder) / f"{name}.yaml"
    if not path.is_file():
        return None
    where = f"{CHECKS}/{path.name}"
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=LOADER)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise DatasetError(f"{where}: cannot be read: {exc}") from None
    if not isinstance(data, dict):
        raise DatasetError(f"{where}: expected a mapping with 'negative', 'positive' and optionally 'neutral'.")
    return Suite(name, _texts(data, "negative", where), _texts(data, "positive", where),
                 _texts(data, "neutral", where), path)


def check(suite: Suite, direction, embedder) -> SuiteResult:
    """Score the suite's texts on the built direction and count what it places right."""
    texts = [*suite.negative, *suite.positive, *suite.neutral]
    scores = direction.score(embedder.embed(texts)) if texts else np.zeros(0)
    n, p = len(suite.negative), len(suite.positive)
    wrong = [("negative", t, float(s)) for t, s in zip(suite.negative, scores[:n]) if not s < 0]
    wrong += [("positive", t, float(s)) for t, s in zip(suite.positive, scores[n : n + p]) if not s > 0]
    neutral = scores[n + p :]
    off = [(t, float(s)) for t, s in zip(suite.neutral, neutral) if abs(s) > NEUTRAL_BAND]
    return SuiteResult(suite.direction, n + p, n + p - len(wrong), len(suite.neutral),
                       len(suite.neutral) - len(off), tuple(wrong), tuple(off))


def check_all(datasets: dict, embedder, folder: Path | None = None) -> tuple[list[SuiteResult], dict[str, str]]:
    """Every direction's suite checked (those without one are left out), and a message per suite or direction
    that could not be read or built."""
    results, problems = [], {}
    for name, ds in datasets.items():
        try:
            suite = load_suite(name, folder)
            if suite is None:
                continue
            (direction,) = build_directions([ds], embedder, library=datasets)
        except LatentError as exc:
            problems[name] = one_line(exc)
            continue
        results.append(check(suite, direction, embedder))
    return results, problems


def table_text(results: list[SuiteResult]) -> str:
    """The results as a Markdown table: direction, signs right, neutral texts within the band, verdict."""
    lines = ["| direction | signs right | neutral within ±%.1f | target | result |" % NEUTRAL_BAND,
             "| --- | --- | --- | --- | --- |"]
    for r in results:
        neutral = f"{r.neutral_within}/{r.neutral}" if r.neutral else "-"
        lines.append(f"| {r.direction} | {r.correct}/{r.signed} ({r.share:.0%}) | {neutral} | {r.target:.0%} | "
                     f"{'pass' if r.passed else 'FAIL'} |")
    return "\n".join(lines)
