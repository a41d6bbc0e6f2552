"""Validity on the pages: the Directions page's Validity tab (the chosen direction on every available model side
by side, and every direction in an overview) and the compact badges beside direction pickers.

Figures come from the yardstick cache only (core.directions.yardsticks.cached_results): nothing is measured on
a rerun. Missing ones are measured when a button is pressed, with a progress bar, and kept in the cache.
"""
from __future__ import annotations

from typing import NamedTuple

import streamlit as st

from core.directions import clearcut
from core.directions import validity_view as vv
from core.directions.build import build_directions
from core.directions.benchmarks import BenchmarkError, benchmarks_root
from core.directions.datasets import DirectionDataset
from core.directions.yardsticks import Lookup, cached_results, measure
from core.errors import LatentError, one_line
from core.models import registry as encoders
from core.store.embedder import Embedder, get_embedder
from core.ui.messages import error, escape_md

CHEAP_KINDS = ("sentence-transformers", "tfidf")  # their identity is known without loading big weights
NOT_YET = "not measured yet (Directions page)"
FLASH = "_validity_flash"


class ModelSlot(NamedTuple):
    name: str
    embedder: Embedder | None  # None: not loaded yet (measuring loads it) or it cannot load (`note`)
    note: str = ""
    measurable: bool = True  # False where the model cannot load here


def _slot(name: str, status: str) -> ModelSlot:
    spec = encoders.get_spec(name)
    if status != "loaded" and spec.kind not in CHEAP_KINDS:
        if encoders.backend(spec.kind) is None:
            return ModelSlot(name, None, f"no backend handles its kind ({spec.kind})", False)
        return ModelSlot(name, None, "not loaded yet: measuring loads it")
    try:
        if status == "loaded":
            return ModelSlot(name, get_embedder(name))
        with st.spinner(f"Loading {name}…"):  # a sentence-transformers model added lately loads once here
            return ModelSlot(name, get_embedder(name))
    except encoders.ModelError as exc:
        return ModelSlot(name, None, one_line(exc), False)


def model_slots() -> tuple[list[ModelSlot], list[str]]:
    """The models whose files are on this machine (the default first), and the names of those that are not."""
    slots, absent = [], []
    for name in encoders.model_names():
        status = encoders.model_status(name)
        if status in ("loaded", "ready"):
            slots.append(_slot(name, status))
        else:
            absent.append(name)
    slots.sort(key=lambda s: s.name != encoders.DEFAULT_MODEL)
    return slots, absent


def lookups(datasets: list[DirectionDataset], slots: list[ModelSlot], library: dict) -> dict[str, Lookup | None]:
    """What the cache holds for these directions in each model (None for a model not loaded). BenchmarkError."""
    return {s.name: cached_results(datasets, s.embedder, library=library) if s.embedder else None for s in slots}


def _missing(datasets: list[DirectionDataset], looked: dict[str, Lookup | None],
             slots: list[ModelSlot]) -> dict[str, list[DirectionDataset]]:
    """model -> the data sets with a figure still to measure in it (models that can load here only)."""
    out = {}
    measurable = {s.name for s in slots if s.measurable}
    for model, lookup in looked.items():
        if model not in measurable:
            continue
        names = {d for d, _ in lookup.missing} if lookup else {d.name for d in datasets if vv.sets_of(d.name)}
        todo = [d for d in datasets if d.name in names]
        if todo:
            out[model] = todo
    return out


def _count(todo: dict[str, list[DirectionDataset]]) -> int:
    return sum(len(vv.sets_of(d.name)) for sets in todo.values() for d in sets)


def _measure(todo: dict[str, list[DirectionDataset]], library: dict) -> None:
    """Measure what is missing, model by model, with one progress bar; then rerun to show it from the cache."""
    bar = st.progress(0.0, text="Measuring…")
    problems, done = [], 0
    for i, (model, datasets) in enumerate(todo.items()):
        def step(fraction: float, label: str, i=i, model=model) -> None:
            bar.progress(min(1.0, (i + fraction) / len(todo)), text=f"{model}: {label}")

        try:
            results = measure(datasets, get_embedder(model), library=library, progress=step)
        except (encoders.ModelError, BenchmarkError) as exc:
            problems.append(f"{model}: {one_line(exc)}")
            continue
        done += sum(r.value is not None for r in results)
        problems += [f"{model}: {r.direction} on {r.yardstick}: {r.note}" for r in results
                     if r.yardstick and r.value is None and r.note]
    bar.empty()
    st.session_state[FLASH] = (done, problems)
    st.rerun()


def _flash() -> None:
    done, problems = st.session_state.pop(FLASH, (None, []))
    if done is not None:
        st.success(f"Measured; {done} figures are in the cache now.", icon=":material/check:")
    for line in problems:
        st.warning(escape_md(line), icon=":material/warning:")


def _card(ds: DirectionDataset, slot: ModelSlot, lookup: Lookup | None) -> None:
    st.markdown(f"**{escape_md(slot.name)}**")
    if lookup is None:
        st.caption(escape_md(slot.note))
        return
    head = vv.headline(ds.name, lookup)
    target = vv.TARGETS.get(ds.name)
    delta = None
    if head.value is not None and target is not None and head.measured == head.total:
        delta = f"{head.value - target.threshold:+.2f} against the target {target.threshold:.2f}"
    st.metric(head.label, "—" if head.value is None else f"{head.value:.2f}", delta=delta,
              help=escape_md(head.interval) or None)
    st.caption(escape_md(vv.summary(ds.name, lookup)))
    check = vv.check_target(ds.name, lookup)
    if check is not None and check.met is not None:
        (st.success if check.met else st.warning)(escape_md(check.line),
                                                  icon=":material/check:" if check.met else ":material/flag:")
    elif check is not None:
        st.caption(escape_md(check.line))


def _clear_cut(ds: DirectionDataset, slot: ModelSlot, library: dict) -> None:
    """The direction's clear-cut check (directions/checks/) in this model: a line, and what it misplaces."""
    if slot.embedder is None:
        return
    try:
        suite = clearcut.load_suite(ds.name)
        if suite is None:
            return
        (direction,) = build_directions([ds], slot.embedder, library=library)
        result = clearcut.check(suite, direction, slot.embedder)
    except LatentError as exc:
        st.caption(f"Clear-cut check not run: {escape_md(one_line(exc))}")
        return
    (st.caption if result.passed else st.warning)(f"Clear-cut check: {escape_md(result.summary())}")
    if direction.zero_note:
        st.caption(escape_md(f"Zero: {direction.zero_note}."))
    misplaced = [f"expected {side}, scored {score:+.2f}: {text}" for side, text, score in result.wrong]
    misplaced += [f"neutral, scored {score:+.2f}: {text}" for text, score in result.off_neutral]
    if misplaced:
        with st.expander(f"{len(misplaced)} misplaced"):
            st.markdown("\n".join(f"- {escape_md(line)}" for line in misplaced))


def _direction(ds: DirectionDataset, slots: list[ModelSlot], library: dict) -> None:
    st.markdown(f"#### {escape_md(ds.title)} on every model")
    if not vv.sets_of(ds.name):
        st.info(f"No outside yardstick for {escape_md(ds.name)}: the benchmarks hold no human-made data that rates "
                "it. Its quality report and your own rated texts (Validate against ratings) are the checks.",
                icon=":material/info:")
        return
    target = vv.target_text(ds.name)
    if target:
        st.caption(f"Target (set for the default model, {escape_md(encoders.DEFAULT_MODEL)}): {escape_md(target)}.")
    looked = lookups([ds], slots, library)
    for col, slot in zip(st.columns(len(slots)), slots):
        with col.container(border=True):
            _card(ds, slot, looked[slot.name])
            _clear_cut(ds, slot, library)
    st.dataframe(vv.detail_frame(ds.name, looked), hide_index=True, width="stretch")
    st.caption("Each figure with its 95% bootstrap interval; the baseline is measured on the same texts.")
    todo = _missing([ds], looked, slots)
    if todo and st.button(f"Measure {escape_md(ds.title)} on {len(todo)} model(s) ({_count(todo)} figures missing)",
                          key="measure_direction", icon=":material/play_arrow:"):
        _measure(todo, library)


def _overview(found: dict[str, DirectionDataset], slots: list[ModelSlot]) -> None:
    st.markdown("#### Every direction on every model")
    looked = lookups(list(found.values()), slots, found)
    default = encoders.DEFAULT_MODEL if encoders.DEFAULT_MODEL in looked else None
    frame = vv.overview_frame({n: d.title for n, d in found.items()}, looked, default)
    st.dataframe(frame.drop(columns="name"), hide_index=True, width="stretch",
                 column_config={"target": st.column_config.TextColumn("target", width="large"),
                                "target met": st.column_config.TextColumn(
                                    "target met", help=f"by the default model, {escape_md(default)}, for which the "
                                                       "targets were set"),
                                **{s.name: st.column_config.TextColumn(s.name, help=f"validity in {escape_md(s.name)}",
                                                                       width="medium") for s in slots}})
    todo = _missing(list(found.values()), looked, slots)
    if todo:
        cols = st.columns(len(todo) + 1)
        if cols[0].button(f"Measure every missing figure ({_count(todo)})", key="measure_all", type="primary"):
            _measure(todo, found)
        for col, model in zip(cols[1:], todo):
            with col:
                measure_button(model, todo[model], found)
        st.caption("The first measurement embeds the yardsticks' texts (about 25,000, some a page long) and can "
                   "take minutes on a CPU; the figures are then kept in the cache.")


def measure_button(model: str, datasets: list[DirectionDataset], library: dict) -> None:
    """A button that measures these directions' missing figures in one model (a model just added, say), with a
    progress bar; the key is derived from the model's name, so there is one per model on a page."""
    if st.button(f"Measure on {escape_md(model)}", key=f"measure_model_{model}",
                 help=f"Build every direction listed here in {escape_md(model)} and measure it against its "
                      "yardsticks."):
        _measure({model: datasets}, library)


def validity_tab(working: DirectionDataset | None, saved: DirectionDataset | None,
                 found: dict[str, DirectionDataset]) -> None:
    """The chosen direction (the working copy, else the saved one) on every available model side by side, then
    the overview of every direction."""
    st.caption("How well each direction measures what its name says, against human-made data (outside "
               "yardsticks), next to a simple baseline on the same texts.")
    _flash()
    try:
        benchmarks_root()
    except BenchmarkError as exc:
        error(exc, prefix="Validity figures need the benchmarks folder. ")
        return
    slots, absent = model_slots()
    if absent:
        st.caption(f"{len(absent)} more model(s) are not on this machine ({escape_md(', '.join(absent))}); the Home "
                   "page says how to add one.")
    ds = working or saved
    try:
        if ds is not None:
            if saved is not None and ds.build_hash != saved.build_hash:
                st.caption("These are the figures of the direction as edited here (not saved yet).")
            _direction(ds, slots, {**found, ds.name: ds})
        _overview(found, slots)
    except BenchmarkError as exc:  # a set file went missing
        error(exc)


# ---------------------------------------------------------------- badges beside pickers

def badges(model: str, datasets: list[DirectionDataset], library: dict | None = None) -> dict[str, str]:
    """name -> a compact validity badge in `model`, from the cache only (`library` resolves `project_out`)."""
    try:
        spec = encoders.get_spec(model)
        if model not in encoders.loaded_encoders() and spec.kind not in CHEAP_KINDS:
            return {d.name: NOT_YET if vv.sets_of(d.name) else vv.NO_YARDSTICK for d in datasets}
        lookup = cached_results(datasets, get_embedder(model), library=library)
    except BenchmarkError:
        return {d.name: "no benchmarks folder (Directions page)" if vv.sets_of(d.name) else vv.NO_YARDSTICK
                for d in datasets}
    except encoders.ModelError:  # the page itself says what is wrong with the model
        return {}
    return {d.name: (NOT_YET if text == vv.NOT_MEASURED else text)
            for d in datasets for text in [vv.badge(d.name, lookup)]}


def badge_row(model: str, datasets: list[DirectionDataset], library: dict | None = None) -> None:
    """One caption under a direction picker: each chosen direction's validity badge in `model`."""
    texts = badges(model, datasets, library)
    if texts:
        st.caption(f"Validity in {escape_md(model)}: " + ";  ".join(
            f"**{escape_md(d.title)}** {escape_md(texts[d.name])}" for d in datasets if d.name in texts))
