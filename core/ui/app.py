"""The one module that imports Streamlit: cached wrappers and shared widgets for the pages.

Pages read widgets, call these and render. Logic stays in the rest of `core`.
"""
from __future__ import annotations

import os
from typing import Mapping

import numpy as np
import pandas as pd
import streamlit as st

from core.ui import access as auth
from core import config
from core.io import corpus, exports, inputs, links
from core.directions import datasets
from core.models import registry as encoders
from core.directions.build import Direction, build_directions
from core.directions.methods import MethodError
from core.directions.quality import QualityReport, direction_report
from core.store.embedder import Embedder, get_embedder

PROGRESS_FROM = 64  # show a progress bar when at least this many texts need the model


def setup(title: str, icon: str = ":material/explore:") -> None:
    st.set_page_config(page_title=f"{title} · Latent dashboard", page_icon=icon, layout="wide")
    settings = access_settings()
    if auth.needs_login(settings, signed_in()[0]):
        st.title("Latent dashboard")
        st.info("Sign in to use this dashboard.", icon=":material/lock:")
        _login_buttons("gate")
        st.stop()


def _folder_signature(folder) -> tuple:
    folder = config.directions_dir() if folder is None else folder
    return tuple(
        (p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(folder.glob(f"*{datasets.SUFFIX}"))
    )


@st.cache_data(show_spinner=False, max_entries=8)
def _load_all_cached(folder: str, signature: tuple):
    return datasets.load_all(folder)


def load_datasets() -> tuple[dict[str, datasets.DirectionDataset], dict[str, str]]:
    """All direction data sets (re-read only when a file changes) and the files that failed."""
    folder = config.directions_dir()
    return _load_all_cached(str(folder), _folder_signature(folder))


def show_dataset_errors(errors: dict[str, str]) -> None:
    for message in errors.values():
        st.warning(f"Skipped a direction file: {message}", icon=":material/warning:")


def model_picker(key: str = "model") -> str:
    """Sidebar choice of model; returns its name."""
    names = encoders.model_names()
    if st.session_state.get(key) not in names:
        st.session_state[key] = encoders.DEFAULT_MODEL
    return st.sidebar.selectbox("Model", names, key=key, help="Models are added on the Home page.")


def embedder_or_stop(model: str) -> Embedder:
    """The model's embedder; where it cannot be loaded, say why and how to get it, and stop the page."""
    try:
        with st.spinner(f"Loading {model}…"):
            return get_embedder(model)
    except encoders.ModelError as exc:
        st.error(str(exc), icon=":material/error:")
        st.info("Pick another model in the sidebar; the default model works offline.")
        st.stop()


class _Progress:
    """A progress bar that appears only when at least PROGRESS_FROM texts need the model."""

    def __init__(self, label: str):
        self.label, self.bar = label, None

    def __call__(self, done: int, total: int) -> None:
        if total < PROGRESS_FROM:
            return
        if self.bar is None:
            self.bar = st.progress(0.0, text=f"{self.label}: {total:,} new texts…")
        self.bar.progress(done / total, text=f"{self.label}: {done:,} of {total:,} new texts")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.empty()


def embed(embedder: Embedder, texts: list[str], label: str = "Embedding") -> np.ndarray:
    """Embed through the disk cache, with a progress bar when many texts are new."""
    progress = _Progress(label)
    try:
        return embedder.embed(texts, progress=progress)
    finally:
        progress.close()


def directions_for(embedder: Embedder, chosen: list[datasets.DirectionDataset],
                   library: dict[str, datasets.DirectionDataset] | None = None) -> list[Direction]:
    try:
        return build_directions(chosen, embedder, library=library)
    except (datasets.DatasetError, MethodError) as exc:
        st.error(str(exc), icon=":material/error:")
        st.stop()


def quality(ds: datasets.DirectionDataset, embedder: Embedder, library: dict) -> QualityReport:
    """The quality report (seeded, so the same examples give the same report)."""
    return direction_report(ds, embedder, {**library, ds.name: ds}, n_perm=50)


def direction_picker(found: dict[str, datasets.DirectionDataset], key: str = "directions",
                     default: list[str] | None = None) -> list[datasets.DirectionDataset]:
    names = list(found)
    if key not in st.session_state:
        st.session_state[key] = [n for n in (default or names) if n in names]
    else:
        st.session_state[key] = [n for n in st.session_state[key] if n in names]
    picked = st.multiselect(
        "Directions", names, key=key,
        format_func=lambda n: f"{found[n].title} ({found[n].negative_label} → {found[n].positive_label})",
    )
    return [found[n] for n in picked]


def download_table(frame: pd.DataFrame, file_stem: str, key: str) -> None:
    """CSV (safe for spreadsheets) and Parquet downloads of a table, made only when clicked."""
    frame = frame.copy()
    c1, c2, _ = st.columns([1, 1, 3])
    c1.download_button(
        "Download CSV", lambda: exports.csv_bytes(frame), file_name=f"{file_stem}.csv", mime="text/csv",
        key=key, icon=":material/download:", on_click="ignore",
    )
    c2.download_button(
        "Download Parquet", lambda: exports.parquet_bytes(frame), file_name=f"{file_stem}.parquet",
        mime="application/vnd.apache.parquet", key=f"{key}_parquet", icon=":material/download:",
        on_click="ignore",
    )


def chart(figure, key: str, file_stem: str | None = None, **kwargs):
    """A plotly chart with a download of it as a standalone HTML file that works offline."""
    event = st.plotly_chart(figure, width="stretch", key=key, **kwargs)
    download_chart(figure, file_stem or key, key=f"{key}_html")
    return event


def download_chart(figure, file_stem: str, key: str) -> None:
    st.download_button(
        "Chart as HTML", lambda: exports.chart_html(figure), file_name=f"{file_stem}.html", mime="text/html",
        key=key, icon=":material/download:", on_click="ignore", type="tertiary",
    )


def download_gallery(images, file_stem: str, key: str, label: str = "Gallery as PNG") -> None:
    """A row of images (PIL images or arrays) as one PNG strip."""
    images = list(images)
    st.download_button(label, lambda: exports.png_strip(images), file_name=f"{file_stem}.png", mime="image/png",
                       key=key, icon=":material/download:", on_click="ignore")


def show_notes(notes: list[str]) -> None:
    for note in notes:
        st.info(note, icon=":material/info:")


def input_error(exc: inputs.InputError) -> None:
    st.error(str(exc), icon=":material/error:")


@st.cache_data(show_spinner=False, max_entries=1)
def sample_corpus() -> corpus.Corpus:
    return corpus.sample_corpus()


def reference_choice(key: str = "reference") -> corpus.Corpus:
    """The reference corpus: the built-in sample, or the corpus last uploaded on the Map page."""
    uploaded = st.session_state.get("uploaded_corpus")
    options = ["sample"] + (["uploaded"] if uploaded is not None else [])
    pick = st.radio("Reference corpus", options, horizontal=True, key=key,
                    format_func=lambda o: "the built-in sample" if o == "sample" else f"uploaded: {uploaded.name}")
    return uploaded if pick == "uploaded" else sample_corpus()


def embed_corpus(embedder: Embedder, chosen: corpus.Corpus) -> np.ndarray:
    """A corpus's embeddings (kept in memory per process), with a progress bar for new texts."""
    progress = _Progress(f"Embedding {chosen.name}")
    try:
        return corpus.embed_corpus(chosen, embedder, progress)
    finally:
        progress.close()


def escape_md(text: str) -> str:
    """Text safe to show inside markdown (no formatting, links or HTML)."""
    return "".join("\\" + ch if ch in "\\`*_{}[]()#+-.!|<>~$" else ch for ch in str(text))


# ---- shareable links: a page's choices in the URL's query parameters


def restore_link(page: str) -> dict[str, str] | None:
    """The query parameters to apply on this run, or None.

    They are applied once, when the page opens with a link (a new session or a pasted URL); after
    that the page's own widgets rule and `publish_link` keeps the URL in step with them.
    """
    params = {k: links.first(v) for k, v in st.query_params.to_dict().items()}
    params = {k: v for k, v in params.items() if v is not None}
    if not params or st.session_state.get(f"_link_{page}") == params:
        return None
    st.session_state[f"_link_{page}"] = params
    return params


def apply(values: Mapping[str, object]) -> None:
    """Put values read from a link into session state (before their widgets are created)."""
    for key, value in values.items():
        if value is not None:
            st.session_state[key] = value


def publish_link(page: str, params: Mapping[str, str]) -> None:
    """Make the URL show this view, so a copied link opens the same view."""
    params = {k: str(v) for k, v in params.items() if v is not None and str(v) != ""}
    st.session_state[f"_link_{page}"] = params
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)


def link_texts(params: Mapping[str, str]) -> list[str] | None:
    """Texts a link carries, with a message on the page when its saved inputs are gone."""
    try:
        return links.texts_from_params(params)
    except links.LinkError as exc:
        st.warning(str(exc), icon=":material/link_off:")
        return None


def texts_link(texts: list[str]) -> dict[str, str]:
    """Link parameters for texts (inline or a saved input set); says so when they cannot be kept."""
    import hashlib

    digest = hashlib.sha256("\0".join(texts).encode("utf-8", "surrogatepass")).hexdigest()
    memo = st.session_state.setdefault("_link_texts", {})
    if digest not in memo:
        params, note = links.texts_params(texts)
        if note:  # not remembered: a later run tries again (the disk may have room by then)
            st.caption(note)
            return params
        memo.clear()  # one entry per session is enough
        memo[digest] = params
    return dict(memo[digest])


def _per_upload(kind: str, key: tuple, make):
    """A value derived from an uploaded file, computed once per file (not on every rerun)."""
    memo = st.session_state.setdefault(f"_upload_{kind}", {})
    if key not in memo:
        value = make()
        memo.clear()
        memo[key] = value
    return memo[key]


def uploaded_table(upload) -> pd.DataFrame:
    """The uploaded CSV/TSV/Parquet as a table, parsed once per file."""
    return _per_upload("table", (upload.file_id, upload.name),
                       lambda: inputs.read_table(upload.name, upload.getvalue()))


def uploaded_corpus(upload, column: str | None) -> corpus.Corpus:
    """The uploaded corpus for a text column, built once per file and column."""
    if column is None:
        return _per_upload("corpus", (upload.file_id, upload.name, None),
                           lambda: corpus.from_upload(upload.name, upload.getvalue()))
    return _per_upload("corpus", (upload.file_id, upload.name, column),
                       lambda: corpus.from_frame(uploaded_table(upload), column, upload.name))


def corpus_link(chosen: corpus.Corpus) -> str | None:
    """The id of a saved input set holding this corpus (texts and metadata), saved once per session."""
    memo = st.session_state.setdefault("_link_corpus", {})
    key = (chosen.name, chosen.key, tuple(chosen.metadata_columns))
    if key not in memo:
        try:
            columns = {c: [None if pd.isna(v) else (v.item() if hasattr(v, "item") else v) for v in chosen.frame[c]]
                       for c in chosen.metadata_columns}
            ident = links.save_set(chosen.texts, columns, chosen.name)
        except (links.LinkError, OSError, ValueError) as exc:
            st.caption(f"The link to this view does not include the corpus: it could not be saved ({exc}).")
            return None
        memo.clear()
        memo[key] = ident
    return memo[key]


# ---- sign-in and who may change shared files


def _secrets() -> dict:
    try:
        if st.secrets.load_if_toml_exists():
            return {k: st.secrets[k].to_dict() if hasattr(st.secrets[k], "to_dict") else st.secrets[k]
                    for k in ("auth", "access") if k in st.secrets}
    except Exception:  # a broken secrets file means no sign-in, never a crashed page
        pass
    return {}


def access_settings() -> auth.Settings:
    return auth.settings_from(_secrets(), os.environ)


def signed_in() -> tuple[bool, str | None]:
    try:
        if st.user.is_logged_in:
            return True, st.user.get("email")
    except Exception:
        pass
    return False, None


def can_edit() -> bool:
    logged_in, email = signed_in()
    return auth.can_edit(access_settings(), logged_in, email)


def edit_refusal() -> str:
    return auth.refusal(access_settings(), signed_in()[0])


def _providers() -> list[str | None]:
    section = _secrets().get("auth") or {}
    named = [k for k, v in section.items() if isinstance(v, Mapping)]
    return named if named else [None]


def _login_buttons(key: str) -> None:
    for provider in _providers():
        label = "Sign in" if provider is None else f"Sign in with {provider}"
        if st.button(label, key=f"login_{key}_{provider}", icon=":material/login:"):
            if provider:
                st.login(provider)
            else:
                st.login()


def sign_in_panel() -> None:
    """Sign-in status and buttons (only where an [auth] section is configured)."""
    settings = access_settings()
    if not settings.auth_configured:
        if settings.read_only:
            st.caption("This dashboard is read-only.")
        return
    logged_in, email = signed_in()
    if logged_in:
        name = st.user.get("name") or email or "signed in"
        st.caption(f"Signed in as {escape_md(name)}" + ("" if can_edit() else " (view only)"))
        if st.button("Sign out", key="logout", icon=":material/logout:"):
            st.logout()
    else:
        st.caption("You are viewing without signing in" + ("." if can_edit() else "; sign in to save changes."))
        _login_buttons("home")
