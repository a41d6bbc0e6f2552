"""The Images page's gallery panel: settings, time estimate, Generate and Stop with progress, the finished
gallery with its downloads and manifest."""
from __future__ import annotations

import logging
from typing import NamedTuple

import streamlit as st

from core.images import galleries, unclip, unclip_specs
from core.models import registry as encoders
from core.ui.messages import error

log = logging.getLogger(__name__)


class Workbench(NamedTuple):
    """What every tab of the Images page works with."""

    model: object  # the CLIP model (core.models.clip.ClipModel)
    embedder: object  # its disk-cached text embedder
    pool: list  # the LoadedImages to pick from
    decoder_name: str
    have_decoder: bool

    @property
    def names(self) -> dict[int, str]:
        return {i: p.name for i, p in enumerate(self.pool)}


def seconds(s: float) -> str:
    return f"{s:.0f} s" if s < 120 else f"{s / 60:.1f} min"


def _generate(bench: Workbench, key: str, plan: galleries.Plan, settings: dict):
    """Decode the plan with progress per image and per step; the gallery, or None after saying what failed."""
    try:
        with st.spinner("Loading the decoder (once per server)…"):
            decoder = unclip.get_decoder(bench.decoder_name)
    except encoders.ModelError as exc:
        error(exc)
        return None
    overall, current = st.progress(0.0), st.progress(0.0)
    done = st.session_state[f"{key}_partial"] = []

    def progress(i, n, step, steps):
        overall.progress((i + step / steps) / n, text=f"Image {i + 1} of {n}")
        current.progress(step / steps, text=f"Denoising step {step} of {steps}")

    try:
        gallery, _ = galleries.make_gallery(plan, bench.model, decoder, progress=progress,
                                            on_image=lambda i, im: done.append(im), **settings)
    except ValueError as exc:
        error(exc)
        return None
    except Exception as exc:  # torch and diffusers can raise anything (out of memory, a broken model folder)
        log.warning("generating gallery %s with %s failed", key, bench.decoder_name, exc_info=True)
        error(exc, prefix="Generation failed: ")
        return None
    finally:
        overall.empty()
        current.empty()
    st.session_state.pop(f"{key}_partial", None)
    return gallery


def _show(gallery: galleries.Gallery, key: str) -> None:
    st.image(gallery.images, caption=gallery.labels, width=160)
    d1, d2 = st.columns(2)
    stem = f"gallery-{gallery.address[:12]}"
    d1.download_button("Download PNG strip", gallery.strip_png, file_name=f"{stem}.png", mime="image/png",
                       key=f"{key}_png", icon=":material/download:")
    d2.download_button("Download zip with manifest", gallery.zip_bytes, file_name=f"{stem}.zip",
                       mime="application/zip", key=f"{key}_zip", icon=":material/download:")
    with st.expander("Manifest: how this gallery was made"):
        st.json(gallery.manifest, expanded=False)


def gallery_panel(bench: Workbench, key: str, plan: galleries.Plan) -> None:
    """Settings for decoding `plan`; the saved gallery when it was made before, else Generate and Stop."""
    if not bench.have_decoder:
        st.info("Decoding these embeddings needs the unCLIP decoder listed under Models needed.")
        return
    spec = unclip_specs.get_decoder_spec(bench.decoder_name)
    c1, c2, c3, c4 = st.columns(4)
    seed = c1.number_input("Seed", 0, 2**31 - 1, 0, key=f"{key}_seed", help="One seed for the whole gallery")
    steps = c2.number_input("Denoising steps", 1, 200, spec.steps, key=f"{key}_steps")
    guidance = c3.slider("Guidance", 1.0, 20.0, float(spec.guidance), 0.5, key=f"{key}_guidance")
    noise = c4.slider("Noise level", 0, 1000, 0, 50, key=f"{key}_noise", disabled=spec.kind != unclip_specs.STABLE,
                      help="Noise added to the embeddings (Stable unCLIP): more gives looser variations")
    settings = dict(seed=int(seed), steps=int(steps), guidance=guidance, noise_level=int(noise))
    decoder = unclip_specs.loaded(bench.decoder_name)
    device = decoder.device if decoder else unclip_specs.choose_device()[0]
    each = decoder.estimate(int(steps)) if decoder else unclip_specs.estimate_seconds(spec, int(steps), device)
    how = "measured here" if decoder and decoder.measured_step_s else "a rough estimate until the first image"
    st.caption(f"{len(plan.embeddings)} images on {device}: about {seconds(each)} each, "
               f"{seconds(each * len(plan.embeddings))} in all ({how}).")
    gallery = None
    if decoder is not None:  # a gallery made before opens at once, without pressing anything
        gallery = galleries.open_gallery(galleries.address(galleries.recipe(plan, bench.model, decoder, **settings)))
    if gallery:
        st.success("Opened from disk: made before from these inputs, seed and model.", icon=":material/history:")
    else:
        c1, c2 = st.columns(2)
        go = c1.button("Generate", type="primary", key=f"{key}_go", icon=":material/play_arrow:")
        stop = c2.button("Stop", key=f"{key}_stop", icon=":material/stop:", help="Stops after the current step")
        if go:
            gallery = _generate(bench, key, plan, settings)
        elif stop:
            partial = st.session_state.pop(f"{key}_partial", None) or []
            st.warning(f"Stopped after {len(partial)} of {len(plan.embeddings)} images; "
                       "an unfinished gallery is not saved.")
            if partial:
                st.image(partial, caption=plan.labels[: len(partial)], width=160)
    if gallery:
        _show(gallery, key)
