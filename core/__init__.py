"""Core of the latent-space dashboard: models, caches, directions and scores.

Everything here is importable and testable without Streamlit; `core.app` is the
one module that imports it.
"""
