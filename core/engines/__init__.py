"""Engines for scoring files at scale: `batch` (local, in this process) and `ray` (Ray Data actors). They
share the job (`job`) and its resumable parts folder (`parts`) and never import each other; the command
line (core.cli) chooses one."""
from core.engines.job import DEFAULT_CHUNK, ChunkScorer, Job, read_chunks
from core.engines.parts import PartsFolder

__all__ = ["DEFAULT_CHUNK", "ChunkScorer", "Job", "PartsFolder", "read_chunks"]
