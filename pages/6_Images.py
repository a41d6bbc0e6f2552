"""Images: interpolation galleries, text arithmetic and scores on directions in CLIP's joint space."""
import numpy as np
import pandas as pd
import streamlit as st

from core.models import clip
from core.images import clip_space
from core import ui
from core.ui import charts
from core.models import registry as encoders
from core.images import galleries, loading as imgs, unclip
from core.io import inputs
from core.directions.datasets import DatasetError
from core.directions.methods import MethodError
from core.explore.scores import score_frame, wide_scores

ui.setup("Images", ":material/image:")
st.title("Images in CLIP space")
st.caption("Interpolate between images in CLIP's embedding space, add and subtract text vectors, decode the results "
           "with an unCLIP model into a gallery, and score images on directions next to texts.")

READY = ("ready", "loaded")
POLES = "a photograph | a cartoon drawing\na photo of a sad person | a photo of a happy person"


def pick(label: str, names: list[str], status: dict, key: str) -> str:
    """A sidebar choice that starts on the first model whose files are on this machine."""
    if st.session_state.get(key) not in names:
        st.session_state[key] = next((n for n in names if status[n] in READY), names[0])
    return st.sidebar.selectbox(label, names, key=key,
                                format_func=lambda n: n if status[n] in READY else f"{n} (not on this machine)")


def seconds(s: float) -> str:
    return f"{s:.0f} s" if s < 120 else f"{s / 60:.1f} min"


clip_status = {n: encoders.model_status(n) for n in clip.clip_models()}
clip_name = pick("CLIP model", list(clip_status), clip_status, "clip_model")
decoder_status = {n: unclip.decoder_status(n) for n in unclip.decoder_names()}
decoder_name = pick("Decoder", list(decoder_status), decoder_status, "decoder")
st.sidebar.caption(unclip.get_decoder_spec(decoder_name).title)
have_clip, have_decoder = clip_status[clip_name] in READY, decoder_status[decoder_name] in READY

if not (have_clip and have_decoder):
    with st.container(border=True):
        st.subheader("Models needed")
        rows = unclip.requirements(decoder_name, clip_name)
        st.markdown("This page needs these models in the Hugging Face cache (or a local folder registered on the "
                    "Home page). Nothing is downloaded from here: fetch them once on a machine with network access, "
                    "then restart the dashboard. Sizes are approximate.")
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
        st.code("\n".join(r["fetch command"] for r in rows if r["status"] not in READY), language="bash")
        st.caption("The rest of the dashboard does not use these models and keeps working without them."
                   + ("" if have_clip else " Scoring images needs only the CLIP model; galleries need both."))
if not have_clip:
    st.stop()

embedder = ui.embedder_or_stop(clip_name)
model = clip.get_clip(clip_name)

# ---------------------------------------------------------------- the images to work with
st.subheader("Images")
uploads = st.file_uploader("Upload images", type=list(imgs.SUFFIXES), accept_multiple_files=True, key="uploads")
c1, c2 = st.columns(2)
use_samples = c1.toggle("Include three drawn sample images", value=True, key="samples")
saved = galleries.list_galleries()
from_gallery = c2.selectbox("Add the frames of a saved gallery", [""] + [g["address"] for g in saved], key="from_gallery",
                            format_func=lambda a: "(none)" if not a else next(
                                f"{g['kind']}, {g['count']} images, {g['created'][:16]}" for g in saved if g["address"] == a))
pool, problems = imgs.load_many([(f.name, f.getvalue()) for f in uploads or []])
for problem in problems:
    st.error(ui.escape_md(problem), icon=":material/error:")
pool += (imgs.sample_images() if use_samples else []) + (galleries.frames_as_images(from_gallery) if from_gallery else [])
if not pool:
    st.info("Upload images or include the samples.")
    st.stop()
st.image([p.image for p in pool], caption=[p.name for p in pool], width=96)
names = {i: p.name for i, p in enumerate(pool)}


# ---------------------------------------------------------------- generating a gallery
def generate(key: str, plan: galleries.Plan, settings: dict):
    try:
        with st.spinner("Loading the decoder (once per server)…"):
            decoder = unclip.get_decoder(decoder_name)
    except encoders.ModelError as exc:
        st.error(ui.escape_md(str(exc)), icon=":material/error:")
        return None
    overall, current = st.progress(0.0), st.progress(0.0)
    done = st.session_state[f"{key}_partial"] = []

    def progress(i, n, step, steps):
        overall.progress((i + step / steps) / n, text=f"Image {i + 1} of {n}")
        current.progress(step / steps, text=f"Denoising step {step} of {steps}")

    try:
        gallery, _ = galleries.make_gallery(plan, model, decoder, progress=progress,
                                            on_image=lambda i, im: done.append(im), **settings)
    except ValueError as exc:
        st.error(ui.escape_md(str(exc)), icon=":material/error:")
        return None
    except Exception as exc:  # out of memory, a broken model folder, a full disk: say so, keep the page
        st.error(ui.escape_md(f"Generation failed: {exc}"), icon=":material/error:")
        return None
    finally:
        overall.empty()
        current.empty()
    st.session_state.pop(f"{key}_partial", None)
    return gallery


def gallery_panel(key: str, plan: galleries.Plan) -> None:
    if not have_decoder:
        st.info("Decoding these embeddings needs the unCLIP decoder listed under Models needed.")
        return
    spec = unclip.get_decoder_spec(decoder_name)
    c1, c2, c3, c4 = st.columns(4)
    seed = c1.number_input("Seed", 0, 2**31 - 1, 0, key=f"{key}_seed", help="One seed for the whole gallery")
    steps = c2.number_input("Denoising steps", 1, 200, spec.steps, key=f"{key}_steps")
    guidance = c3.slider("Guidance", 1.0, 20.0, float(spec.guidance), 0.5, key=f"{key}_guidance")
    noise = c4.slider("Noise level", 0, 1000, 0, 50, key=f"{key}_noise", disabled=spec.kind != unclip.STABLE,
                      help="Noise added to the embeddings (Stable unCLIP): more gives looser variations")
    settings = dict(seed=int(seed), steps=int(steps), guidance=guidance, noise_level=int(noise))
    decoder = unclip.loaded(decoder_name)
    device = decoder.device if decoder else unclip.choose_device()[0]
    each = decoder.estimate(int(steps)) if decoder else unclip.estimate_seconds(spec, int(steps), device)
    how = "measured here" if decoder and decoder.measured_step_s else "a rough estimate until the first image"
    st.caption(f"{len(plan.embeddings)} images on {device}: about {seconds(each)} each, "
               f"{seconds(each * len(plan.embeddings))} in all ({how}).")
    gallery = None
    if decoder is not None:  # a gallery made before opens at once, without pressing anything
        gallery = galleries.open_gallery(galleries.address(galleries.recipe(plan, model, decoder, **settings)))
    if gallery:
        st.success("Opened from disk: made before from these inputs, seed and model.", icon=":material/history:")
    else:
        c1, c2 = st.columns(2)
        go = c1.button("Generate", type="primary", key=f"{key}_go", icon=":material/play_arrow:")
        stop = c2.button("Stop", key=f"{key}_stop", icon=":material/stop:", help="Stops after the current step")
        if go:
            gallery = generate(key, plan, settings)
        elif stop:
            partial = st.session_state.pop(f"{key}_partial", None) or []
            st.warning(f"Stopped after {len(partial)} of {len(plan.embeddings)} images; "
                       "an unfinished gallery is not saved.")
            if partial:
                st.image(partial, caption=plan.labels[: len(partial)], width=160)
    if gallery:
        st.image(gallery.images, caption=gallery.labels, width=160)
        d1, d2 = st.columns(2)
        stem = f"gallery-{gallery.address[:12]}"
        d1.download_button("Download PNG strip", gallery.strip_png, file_name=f"{stem}.png", mime="image/png",
                           key=f"{key}_png", icon=":material/download:")
        d2.download_button("Download zip with manifest", gallery.zip_bytes, file_name=f"{stem}.zip",
                           mime="application/zip", key=f"{key}_zip", icon=":material/download:")
        with st.expander("Manifest: how this gallery was made"):
            st.json(gallery.manifest, expanded=False)


def chooser(label: str, key: str, default: int = 0) -> int:
    return st.selectbox(label, list(names), index=min(default, len(names) - 1), format_func=names.get, key=key)


@st.fragment
def interpolation_tab() -> None:
    chosen = st.multiselect("Images, in order (two or more)", list(names), default=list(names)[:2],
                            format_func=names.get, key="interp_images")
    steps = st.slider("Images per leg, both ends included", 2, 12, 5, key="interp_per_leg")
    try:
        plan = galleries.plan_interpolation(model, [pool[i] for i in chosen], steps)
    except ValueError as exc:
        st.info(ui.escape_md(str(exc)))
        return
    gallery_panel("interp", plan)


@st.fragment
def arithmetic_tab() -> None:
    base = chooser("Image", "arith_base", 1)
    st.caption("Weights are relative to the image's own vector; texts need small ones (0.1–0.4) to keep the picture.")
    defaults = [("a photo of a smiling man", -0.25), ("a photo of a very sad, crying man", 0.25), ("", 0.0)]
    terms = []
    for j, (text, weight) in enumerate(defaults):
        c1, c2 = st.columns([3, 1])
        terms.append((c2.slider("Weight", -1.0, 1.0, weight, 0.05, key=f"arith_w{j}"),
                      c1.text_input(f"Text {j + 1}", text, key=f"arith_t{j}")))
    frames = st.slider("Images: the weights ramp from 0 to their values", 1, 8, 4, key="arith_frames")
    try:
        plan = galleries.plan_arithmetic(model, pool[base], [(w, t) for w, t in terms], frames, embedder=embedder)
    except ValueError as exc:
        st.info(ui.escape_md(str(exc)))
        return
    gallery_panel("arith", plan)


@st.fragment
def style_tab() -> None:
    subject = chooser("Subject image", "style_subject", 1)
    source = st.radio("Style from", ["an image", "a text"], horizontal=True, key="style_source")
    style = (pool[chooser("Style image", "style_image", 0)] if source == "an image"
             else st.text_input("Style text", "an oil painting in the style of Van Gogh", key="style_text"))
    weight = st.slider("Style weight", 0.0, 1.0, 0.4, 0.05, key="style_weight")
    frames = st.slider("Images: the style weight ramps from 0", 1, 8, 3, key="style_frames")
    try:
        plan = galleries.plan_arithmetic(model, pool[subject], [(weight, style)], frames, embedder=embedder, kind="style")
    except ValueError as exc:
        st.info(ui.escape_md(str(exc)))
        return
    gallery_panel("style", plan)


@st.fragment
def score_tab(found: dict) -> None:
    poles = st.text_area("Directions from text poles, one per line: negative | positive (';' between prompts)",
                         POLES, key="score_poles")
    with st.expander("A direction from labelled example images"):
        c1, c2 = st.columns(2)
        neg = c1.multiselect("Negative examples", list(names), format_func=names.get, key="score_neg")
        pos = c2.multiselect("Positive examples", list(names), format_func=names.get, key="score_pos")
        neg_label = c1.text_input("Negative label", "negative examples", key="score_neg_label")
        pos_label = c2.text_input("Positive label", "positive examples", key="score_pos_label")
    st.session_state.setdefault("score_library", [])
    library = ui.direction_picker(found, key="score_library")
    st.caption("Curated directions are built from their example texts in CLIP's text space.")
    chosen = st.multiselect("Images to score", list(names), default=list(names), format_func=names.get, key="score_images")
    batch = inputs.from_paste(st.text_area("Texts to score beside them", "a photograph of a dog\na cartoon drawing of a dog",
                                           key="score_texts"))
    try:
        directions = clip_space.text_directions(embedder, poles)
        if neg and pos:
            directions.append(clip_space.image_direction(model, "example-images", [pool[i] for i in neg],
                                                   [pool[i] for i in pos], neg_label.strip() or "negative examples",
                                                   pos_label.strip() or "positive examples"))
    except (DatasetError, MethodError, ValueError) as exc:
        st.error(ui.escape_md(str(exc)), icon=":material/error:")
        return
    directions += ui.directions_for(embedder, library, library=found) if library else []
    if not directions or not (chosen or batch.texts):
        st.info("Give at least one direction and one image or text.")
        return
    labels = [f"image: {pool[i].name}" for i in chosen] + batch.texts
    E = np.vstack([clip_space.unit_images(model, [pool[i] for i in chosen]), ui.embed(embedder, batch.texts)])
    frame = score_frame(labels, E, directions)
    table = wide_scores(frame)
    st.dataframe(table, hide_index=True, width="stretch",
                 column_config={d.name: st.column_config.NumberColumn(d.title, format="%.3f") for d in directions})
    ui.download_table(table, "image-scores", key="score_download")
    st.caption("Images sit further from text poles than texts do (CLIP's modality gap), so their calibrated scores are "
               "smaller; compare images with images, and read the sign.")
    ui.chart(charts.heatmap(frame), key="score_heatmap", file_stem="image-scores")


found, errors = ui.load_datasets()
t1, t2, t3, t4 = st.tabs(["Interpolation", "Text arithmetic", "Style + subject", "Score on directions"])
with t1:
    interpolation_tab()
with t2:
    arithmetic_tab()
with t3:
    style_tab()
with t4:
    score_tab(found)
