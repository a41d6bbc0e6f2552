"""The Latent lab's read-back panels: the points table, the decoder choice, generation with progress and Stop,
and the decoded texts."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from core.latent import adapters, decoders, directional, lab, readback
from core.latent import trail as trails
from core.latent.directional import TOLERANCE
from core.latent.generation import generative
from core.models import registry as encoders
from core.store.embedder import get_embedder
from core.ui.downloads import download_table
from core.ui.loaders import directions_for, embed, embed_corpus, sample_corpus
from core.ui.messages import error, escape_md
from core.ui.pickers import reference_choice


def _score_columns(directions, raw: bool = False) -> dict:
    """Calibrated scores titled by their directions at 2 decimals; raw projections as '<Title> (raw)' at 4 (they
    are cosines, mostly within ±0.1)."""
    columns = {d.name: st.column_config.NumberColumn(d.title, format="%.2f", help=escape_md(d.axis_title))
               for d in directions}
    if raw:
        columns.update({f"{d.name}_raw": st.column_config.NumberColumn(
            f"{d.title} (raw)", format="%.4f", help=escape_md(f"Projection on the unit {d.title} vector (cosine units), "
                                                             "before calibration")) for d in directions})
    return columns


def points_table(labels, latents, start, directions) -> bool:
    """Each new point's cosine with the start and its scores on the directions (raw projections too, on
    request); whether raw projections are shown."""
    raw = st.toggle("Show raw projections too", key="lab_raw", disabled=not directions)
    points = decoders.points_frame(labels, latents, start, directions)
    if raw:
        points = lab.with_raw(points, latents, directions)
    st.dataframe(points, hide_index=True, width="stretch", column_config={
        "similarity to start": st.column_config.NumberColumn(format="%.3f"), **_score_columns(directions, raw)})
    download_table(points, "latent-points", key="lab_points_download")
    return raw


def _adapter_panel(model: str, embedder, found: dict, chosen: list, directions: list, reference):
    """The target model and the adapter into it (uploaded or fitted), its report and the carried directions;
    the adapted decoder, or None when the target cannot load."""
    others = [m for m in encoders.model_names() if m != model]
    target_name = st.selectbox("Into model", others, key="lab_target", index=readback.default_target(others))
    try:
        target = get_embedder(target_name)
    except encoders.ModelError as exc:
        st.warning(str(exc), icon=":material/warning:")
        return None
    method = st.radio("Fit by", readback.adapter_methods(embedder, target), key="lab_adapter_method",
                      horizontal=True, help="Procrustes (a rotation) needs spaces of equal dimension.")
    upload = st.file_uploader("Or use a saved adapter (.npz)", type=["npz"], key="lab_adapter_file")
    adapter = None
    if upload is not None:
        try:
            adapter = readback.uploaded_adapter(upload.getvalue(), upload.name, embedder, target)
        except adapters.AdapterError as exc:
            st.error(escape_md(str(exc)), icon=":material/error:")
    if adapter is None:  # fitted on the sample corpus (embedded here with a progress bar, then read from memory)
        sample = sample_corpus()
        embed_corpus(embedder, sample)
        embed_corpus(target, sample)
        adapter = adapters.between(embedder, target, sample, method=method)
    if rep := adapter.report:
        st.caption(f"Adapter {escape_md(adapter.source)} → {escape_md(adapter.target)} ({adapter.method}): "
                   f"held-out cosine {rep['cosine']:.3f}, top-1 retrieval {rep['top1']:.1%} of {rep['n']} held-out "
                   f"texts (chance {rep['chance']:.2%}).")
    st.download_button("Download adapter (.npz)", adapters.to_bytes(adapter), key="lab_adapter_download",
                       file_name=f"adapter-{model}-to-{target_name}.npz", mime="application/octet-stream")
    if chosen:
        theirs = directions_for(target, chosen, library=found)
        carried = pd.DataFrame(adapters.carried_agreement(adapter, directions, theirs))
        titles = {d.name: d.title for d in directions}
        st.dataframe(carried.assign(direction=carried["direction"].map(titles)) if len(carried) else carried,
                     hide_index=True,
                     column_config={"cosine with the target's own": st.column_config.NumberColumn(format="%.3f")})
        st.caption(f"Directions carried through the adapter, against the same directions built in {target_name}.")
    if generative(target.encoder) is None:
        embed_corpus(target, reference)  # with a progress bar; the decoder reads them from memory
    return readback.read_back("adapter", embedder, reference, target=target, adapter=adapter)


def _along_choice(op: str, steered, directions: list):
    """The direction to read along: the steered one for a steer move, else one of the chosen directions (None,
    with a note, when no direction is chosen)."""
    if op == "steer" and steered is not None:
        return steered
    if not directions:
        st.info("The direction-aware read-back needs a direction: pick one under Directions above, or choose "
                "another decoder.", icon=":material/info:")
        return None
    names = [d.name for d in directions]
    pick = st.selectbox("Read along", names, key="lab_along", format_func=lambda n: directions[names.index(n)].title)
    return directions[names.index(pick)]


def _decoder(mode: str, model: str, embedder, found: dict, chosen: list, directions: list, reference,
             along=None, start=None, tolerance: float = TOLERANCE):
    """The Readout of `mode` (None where the adapter's target cannot load); DecodeError for bad input."""
    if mode in ("direction", "nearest") and reference.texts:
        embed_corpus(embedder, reference)  # with a progress bar; the decoder reads them from memory
    if mode == "direction":
        return readback.along(embedder, reference, along, start, tolerance)
    if mode == "nearest":
        return readback.read_back(mode, embedder, reference)
    if mode == "generate":
        return readback.generation(embedder)
    return _adapter_panel(model, embedder, found, chosen, directions, reference)


def _sampling(decoder) -> tuple[int, float, int]:
    """Texts per point, temperature and seed, for a decoder that reads them (so never where nothing can
    generate); the seed only counts once the temperature is above 0."""
    r1, r2, r3 = st.columns(3)
    n = r1.slider("Texts per point", 1, 5, 2, key="lab_n")
    temperature = r2.slider("Temperature", 0.0, 1.5, 0.0, 0.05, key="lab_temperature", help=(
        "0: the most likely text (greedy); higher: more varied samples" if decoder.generative else
        "0: the nearest texts; higher: more varied picks among the near ones"))
    seed = int(r3.number_input("Seed", 0, 1_000_000, 0, key="lab_seed", disabled=temperature == 0,
                               help="Used when the temperature is above 0: the same seed gives the same samples."))
    return n, temperature, seed


def readback_panel(model: str, embedder, found: dict, chosen: list, directions: list, op: str = "steer",
                   steered=None, start=None):
    """The decoder choice and its settings: (decoder, (texts per point, temperature, seed)), or (None, None)
    where this choice cannot read back (then no settings are shown, only what it needs).

    Along the direction (the steered one, or one of the chosen directions for other moves) is the default for a
    steer move, nearest texts for the others (`readback.default_mode`)."""
    st.session_state["lab_decoder"] = readback.default_mode(op, st.session_state.get("lab_last_op"),
                                                            st.session_state.get("lab_decoder"))
    st.session_state["lab_last_op"] = op
    mode = st.radio("Decoder", list(readback.MODES), key="lab_decoder", format_func=readback.MODES.get,
                    horizontal=True)
    along, tolerance = None, TOLERANCE
    if mode == "direction":
        along = _along_choice(op, steered, directions)
        if along is None:
            return None, None
        tolerance = st.slider("Score tolerance, in calibrated units", 0.05, 1.0, TOLERANCE, 0.05, key="lab_tolerance",
                              help="How far a text's score on the direction may lie from the point's own; the "
                                   "texts most like the point in every other respect are picked among those.")
    reference = reference_choice(key="lab_reference") if mode in ("direction", "nearest", "adapter") else None
    try:
        out = _decoder(mode, model, embedder, found, chosen, directions, reference, along, start, tolerance)
    except decoders.DecodeError as exc:
        error(exc)
        return None, None
    if out is None:
        return None, None
    if out.decoder is None:
        for note in out.notes:
            st.info(note, icon=":material/info:")
    else:
        for note in out.notes:
            st.caption(escape_md(note))
    for name, status in out.needs.items():
        with st.expander(f"{name}: {'ready' if status is None else 'not ready'}"):
            st.markdown(status or "Ready: pick it in the sidebar.")
    return (None, None) if out.decoder is None else (out.decoder, _sampling(out.decoder))


def generate(decoder, latents, n: int, temperature: float, seed: int):
    """Generated texts for the points, on request, with progress; clicking Stop ends the run (Streamlit stops
    the script at the next progress update) and keeps what was made."""
    key = lab.generation_key(latents, decoder.name, n, temperature, seed)
    store = st.session_state.setdefault("lab_generated", {})
    entry = store.get(key)
    g1, g2 = st.columns([1, 4])
    go = g1.button("Generate", key="lab_generate", type="primary", disabled=bool(entry and entry["done"]))
    g2.button("Stop", key="lab_stop", help="Stop generating; the texts made so far stay.")
    if go:
        entry = lab.new_generation(store, key)
        bar = st.progress(0.0, text="Generating…")

        def progress(done: int, total: int) -> None:
            bar.progress(done / total, text=f"Generated texts for {done} of {total} points")

        _, entry["done"] = decoders.decode_all(decoder, latents, n, temperature, seed, chunk=2, progress=progress,
                                               partial=entry["texts"])
        bar.empty()
    if entry is None:
        st.info("Press Generate to decode these points (a few seconds per point on a CPU).")
        return None
    if not entry["done"]:
        st.warning(f"Stopped after {len(entry['texts'])} of {len(latents)} points; press Generate to start again.")
    return entry["texts"]


def _full_texts(grid: pd.DataFrame, selected) -> None:
    """The rows selected in the grid (row positions), with their texts in full."""
    rows = [i for i in selected if 0 <= i < len(grid)]
    if not rows:
        st.caption("Select rows to read their texts in full.")
    for i in rows:
        st.text(f"{grid['point'].iloc[i]}, text {grid['rank'].iloc[i]}: {grid['text'].iloc[i]}")


def decoded_panel(decoder, labels, latents, settings: tuple, embedder, start, directions, raw: bool = False) -> None:
    """The decoded texts of every point (generated on request), with their similarities and scores (raw
    projections too with `raw`); read along a direction, also each point's target score and the texts' similarity
    to the start apart from that direction. Selected rows show their texts in full."""
    n, temperature, seed = settings
    try:
        decoded = generate(decoder, latents, n, temperature, seed) if decoder.generative \
            else decoder.decode(latents, n, temperature, seed)
    except (decoders.DecodeError, ValueError) as exc:
        st.error(str(exc), icon=":material/error:")
        return
    if not decoded:
        return
    texts = [t for row in decoded for t in row]
    vectors = embed(embedder, texts, "Embedding decoded texts")
    along = getattr(decoder, "direction", None)
    columns = {"text": st.column_config.TextColumn("text", width="large"),
               "similarity to point": st.column_config.NumberColumn(format="%.3f"),
               "similarity to start": st.column_config.NumberColumn(format="%.3f"), **_score_columns(directions, raw)}
    if along is not None:
        grid = directional.directional_frame(labels, decoded, vectors, latents[:len(decoded)], start, along,
                                             directions)
        columns.update(_score_columns([along], raw))
        columns[directional.TARGET] = st.column_config.NumberColumn(
            f"target ({along.title})", format="%.2f", help=escape_md(f"The point's own score on {along.title}: what its "
                                                                     "texts should score"))
        columns[directional.COMPLEMENT] = st.column_config.NumberColumn(
            format="%.3f", help=escape_md(f"Cosine with the start once the {along.title} component is taken out of "
                                          "both: how alike they are in everything else"))
    else:
        grid = decoders.decoded_frame(labels, decoded, vectors, latents[:len(decoded)], start, directions)
    if raw:
        grid = lab.with_raw(grid, vectors, directions if along is None else
                            [along, *(d for d in directions if d.name != along.name)])
    st.caption(f"Decoded with {escape_md(decoder.name)}; similarities and scores are measured in {embedder.name}.")
    key = f"lab_decoded_{trails.outputs_key('decoded', [f'{p}|{t}' for p, t in zip(grid['point'], grid['text'])])}"
    event = st.dataframe(grid, hide_index=True, width="stretch", column_config=columns, key=key,
                         on_select="rerun", selection_mode="multi-row")
    _full_texts(grid, event.selection.rows)
    download_table(grid, "decoded", key="lab_decoded_download")
