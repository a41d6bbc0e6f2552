"""Built-in sample texts, so a first-time user can try the dashboard at once."""
from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data"


def sample_texts() -> list[str]:
    lines = (DATA / "sample_texts.txt").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip()]
