"""Validity figures as people read them: a compact badge per direction and model, a headline and a summary in
plain words, the issue's targets, and the tables the Directions page shows (the figures themselves come from
core.directions.yardsticks: `cached_results` or `measure`).

Every function here takes a `Lookup` (what the cache holds for one model, and what is missing) or None for a
model whose figures cannot be looked up yet, and computes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from core.directions import benchmarks as bm
from core.directions.yardsticks import (
    METRIC_NAMES,
    Lookup,
    YardstickResult,
    against_baseline,
    strength,
    verdict,
)

SHORT_METRIC = {"pearson": "r", "spearman": "ρ", "auc": "AUC"}
NO_YARDSTICK = "no yardstick"
NOT_MEASURED = "not measured"
_SPECS = {(s.direction, s.name): s for s in bm.SETS}


def sets_of(direction: str) -> list[bm.YardstickSet]:
    """The yardstick sets that measure a direction (by its name); empty when it has none."""
    return [s for s in bm.SETS if s.direction == direction]


def baseline_short(result: YardstickResult) -> str:
    """The baseline's short name ('VADER', 'readability'), or '' for a set without one."""
    spec = _SPECS.get((result.direction, result.yardstick))
    return spec.baseline if spec is not None else ""


class Headline(NamedTuple):
    label: str  # "Pearson r" or "Pearson r (mean of 3 sets)"
    value: float | None  # the figure, or the mean over the sets measured; None when none is
    interval: str  # "95% interval 0.58 to 0.64", one per set
    measured: int  # sets with a figure
    total: int  # sets of this direction


def _measured(direction: str, lookup: Lookup | None) -> list[YardstickResult]:
    if lookup is None:
        return []
    return [r for r in lookup.results if r.direction == direction and r.yardstick and r.value is not None]


def headline(direction: str, lookup: Lookup | None) -> Headline:
    """The direction's one figure in a model: the set's figure, or the mean over its sets (as the targets use)."""
    specs = sets_of(direction)
    measured = _measured(direction, lookup)
    metric = measured[0].metric if measured else (specs[0].metric if specs else "")
    label = METRIC_NAMES.get(metric, metric) + (f" (mean of {len(specs)} sets)" if len(specs) > 1 else "")
    value = float(np.mean([r.value for r in measured])) if measured else None
    interval = "; ".join(f"{r.yardstick}: {r.value:.3f}, 95% interval {r.low:.3f} to {r.high:.3f}"
                         if r.low is not None and r.high is not None else f"{r.yardstick}: {r.value:.3f}"
                         for r in measured)
    return Headline(label, value, interval, len(measured), len(specs))


def _comparison(measured: list[YardstickResult]) -> str | None:
    """'> VADER', '≈ readability', '> VADER on 2/3' ...; None when no baseline figure is there."""
    marks = [against_baseline(r) for r in measured]
    if not measured or None in marks:
        return None
    base = baseline_short(measured[0]) or measured[0].baseline
    if len(set(marks)) == 1:
        return f"{marks[0]} {base}"
    best = max(set(marks), key=lambda m: (marks.count(m), m == ">"))
    return f"{best} {base} on {marks.count(best)}/{len(marks)}"


def badge(direction: str, lookup: Lookup | None) -> str:
    """A compact reading of a direction's validity in one model: 'r 0.61 · ≈ readability', 'AUC 0.81 · moderate',
    'r 0.62 mean · > VADER', 'no yardstick' or 'not measured' (with '· 2/3 sets' when some sets are missing)."""
    specs = sets_of(direction)
    if not specs:
        return NO_YARDSTICK
    measured = _measured(direction, lookup)
    if not measured:
        return NOT_MEASURED
    value = float(np.mean([r.value for r in measured]))
    text = f"{SHORT_METRIC.get(measured[0].metric, measured[0].metric)} {value:.2f}" + (" mean" if len(specs) > 1 else "")
    text += " · " + (_comparison(measured) or strength(measured[0].metric, value))
    if len(measured) < len(specs):
        text += f" · {len(measured)}/{len(specs)} sets"
    return text


def summary(direction: str, lookup: Lookup | None) -> str:
    """The direction's validity in one model in plain words, such as 'measures formality about as well as a
    readability formula (Flesch-Kincaid grade) on pavlick_formality (moderate agreement)'."""
    specs = sets_of(direction)
    if not specs:
        return "no outside yardstick for this direction"
    measured = _measured(direction, lookup)
    if not measured:
        notes = [r.note for r in (lookup.results if lookup else []) if r.direction == direction and r.note]
        return "not measured yet" + (f" ({notes[0]})" if notes else "")
    missing = len(specs) - len(measured)
    tail = f"; {missing} of {len(specs)} sets not measured yet" if missing else ""
    if len(measured) == 1:
        return verdict(measured[0]) + tail
    value = float(np.mean([r.value for r in measured]))
    size = strength(measured[0].metric, value)
    mean = f"mean {SHORT_METRIC.get(measured[0].metric)} {value:.2f}, {size} agreement"
    marks = [against_baseline(r) for r in measured]
    if None in marks:
        return f"{size} agreement on {len(measured)} sets ({mean}){tail}"
    words = {">": "clearly better than", "≈": "about as well as", "<": "weaker than"}
    base = measured[0].baseline
    if len(set(marks)) == 1:
        return f"measures {direction} {words[marks[0]]} {base} on all {len(measured)} sets ({mean}){tail}"
    parts = [f"{words[m]} {base} on {', '.join(r.yardstick for r, k in zip(measured, marks) if k == m)}"
             for m in (">", "≈", "<") if m in marks]
    return f"measures {direction} " + "; ".join(parts) + f" ({mean}){tail}"


# ---------------------------------------------------------------- the targets (set on the default model)

@dataclass(frozen=True)
class Target:
    metric: str
    threshold: float
    beat: tuple[str, ...] = ()  # sets on which the figure must be above the baseline's

    def text(self, direction: str, short: bool = False) -> str:
        """'mean r ≥ 0.66 over the 3 sets, and above VADER on nyt_editorials and movie_reviews'; `short`:
        'mean r ≥ 0.66, above VADER on nyt, movie'."""
        n = len(sets_of(direction))
        what = f"{'mean ' if n > 1 else ''}{SHORT_METRIC.get(self.metric, self.metric)} ≥ {self.threshold:.2f}"
        if n > 1 and not short:
            what += f" over the {n} sets"
        if self.beat:
            base = _SPECS[(direction, self.beat[0])].baseline
            where = ", ".join(b.split("_")[0] for b in self.beat) if short else " and ".join(self.beat)
            what += f", {'' if short else 'and '}above {base} on {where}"
        return what


TARGETS = {
    "sentiment": Target("pearson", 0.66, ("nyt_editorials", "movie_reviews")),
    "formality": Target("pearson", 0.60),
    "subjectivity": Target("auc", 0.90),
    "concreteness": Target("spearman", 0.70),
    "length": Target("spearman", 0.90),
}


class TargetCheck(NamedTuple):
    met: bool | None  # None: not every figure it needs is there
    line: str


def target_text(direction: str, short: bool = False) -> str | None:
    target = TARGETS.get(direction)
    return target.text(direction, short) if target else None


def check_target(direction: str, lookup: Lookup | None) -> TargetCheck | None:
    """Whether the figures meet the direction's target, with one honest line; None for a direction without one."""
    target = TARGETS.get(direction)
    if target is None:
        return None
    text = target.text(direction)
    measured = {r.yardstick: r for r in _measured(direction, lookup)}
    if len(measured) < len(sets_of(direction)):
        return TargetCheck(None, f"Target ({text}): not measured yet.")
    value = float(np.mean([r.value for r in measured.values()]))
    name = ("mean " if len(measured) > 1 else "") + SHORT_METRIC.get(target.metric, target.metric)
    short, unknown = [], []
    if value < target.threshold:
        short.append(f"{name} {value:.2f} is under {target.threshold:.2f}")
    for set_name in target.beat:
        r = measured[set_name]
        if r.baseline_value is None:
            unknown.append(set_name)
        elif r.value <= r.baseline_value:
            short.append(f"{baseline_short(r)} is ahead on {set_name} ({r.baseline_value:.2f} against {r.value:.2f})")
    if short:
        return TargetCheck(False, f"Below its target ({text}): " + "; ".join(short) + ".")
    if unknown:
        return TargetCheck(None, f"{name} {value:.2f} meets the figure of its target ({text}); the baseline "
                                 f"cannot run here to compare on {' and '.join(unknown)}.")
    return TargetCheck(True, f"Meets its target ({text}): {name} {value:.2f}.")


# ---------------------------------------------------------------- tables

def _figure(r: YardstickResult | None) -> str:
    if r is None:
        return NOT_MEASURED
    if r.value is None:
        return "n/a" + (f" ({r.note})" if r.note else "")
    if r.low is None or r.high is None:
        return f"{r.value:.3f}"
    return f"{r.value:.3f} [{r.low:.3f}, {r.high:.3f}]"


def detail_frame(direction: str, lookups: dict[str, Lookup | None]) -> pd.DataFrame:
    """One row per yardstick set of the direction: its metric, each model's figure with its 95% interval side by
    side, the baseline and its figure on the same texts, and n."""
    rows = []
    for spec in sets_of(direction):
        found = {model: next((r for r in (lk.results if lk else []) if r.direction == direction
                              and r.yardstick == spec.name), None) for model, lk in lookups.items()}
        any_result = next((r for r in found.values() if r is not None), None)
        base = "-"
        if any_result is not None and not any_result.baseline.startswith("none"):
            b = any_result.baseline_value
            base = f"{baseline_short(any_result) or any_result.baseline} {'n/a' if b is None else f'{b:.3f}'}"
        rows.append({"set": spec.name, "metric": METRIC_NAMES.get(spec.metric, spec.metric),
                     **{model: _figure(r) for model, r in found.items()},
                     "baseline": base, "n": any_result.n if any_result is not None else None})
    frame = pd.DataFrame(rows, columns=["set", "metric", *lookups, "baseline", "n"])
    return frame.astype({"n": "Int64"})  # empty where no model has measured the set


def target_status(direction: str, lookup: Lookup | None) -> str:
    """'met', 'below', 'not measured', 'no baseline here' or '-' (no target): the target check in a word or two."""
    check = check_target(direction, lookup)
    if check is None:
        return "-"
    if check.met is None:
        return NOT_MEASURED if check.line.endswith("not measured yet.") else "no baseline here"
    return "met" if check.met else "below"


def overview_frame(titles: dict[str, str], lookups: dict[str, Lookup | None], default: str | None = None
                   ) -> pd.DataFrame:
    """Every direction (`titles`: name -> title) by every model: the badge, the direction's target, and (with
    `default`, the model the targets were set for) whether that model meets it ('target met')."""
    status = "target met"
    rows = [{"direction": title, "name": name, **{model: badge(name, lk) for model, lk in lookups.items()},
             "target": target_text(name, short=True) or "-",
             **({status: target_status(name, lookups.get(default))} if default else {})}
            for name, title in titles.items()]
    return pd.DataFrame(rows, columns=["direction", "name", *lookups, "target", *([status] if default else [])])
