"""What the benchmarks print about the machine they ran on (core.models.paths reads /proc/cpuinfo once for all)."""
from __future__ import annotations

from core.models.paths import cpu_model

__all__ = ["cpu_model"]
