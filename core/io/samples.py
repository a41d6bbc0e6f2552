"""Kept for pages/1_Project.py until it calls `core.io.corpus.sample_texts` (the built-in samples live there)."""
from core.io.corpus import sample_texts

__all__ = ["sample_texts"]
