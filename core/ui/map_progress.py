"""Progress of the Map's slow steps (a UMAP layout, clustering): a status box that appears only when a step
reports its first phase, shows each phase with its share done, and folds up with the time it took."""
from __future__ import annotations

import time

import streamlit as st


class Phases:
    """`progress(message, share)` for core functions; use as a context manager around the slow call."""

    def __init__(self, title: str):
        self.title, self.box, self.bar, self.started = title, None, None, 0.0

    def __call__(self, message: str, share: float) -> None:
        if self.box is None:
            self.started = time.perf_counter()
            self.box = st.status(self.title, expanded=True)
            self.bar = self.box.progress(0.0)
        self.bar.progress(min(1.0, max(0.0, float(share))), text=message)

    def __enter__(self) -> "Phases":
        return self

    def __exit__(self, kind, exc, tb) -> None:
        if self.box is None:
            return
        seconds = time.perf_counter() - self.started
        if kind is None:
            self.box.update(label=f"{self.title}: done in {seconds:.1f} s", state="complete", expanded=False)
        else:
            self.box.update(label=f"{self.title}: stopped", state="error")
