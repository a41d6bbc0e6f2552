"""Exploring texts on directions: scores as tidy frames, comparing texts, and 2-D maps of a corpus.

Modules: scores (long and wide score tables, the interchange with charts), compare (similarity,
differences, a one-line reading, neighbours, percentiles), layout (PCA, UMAP and direction axes,
with a bounded layout cache). The cached layout function is `core.explore.layout.layout`: re-exporting
it here would hide the `layout` module that `from core.explore import layout` imports.
"""
from core.explore.compare import (
                                  as_percentiles,
                                  differences,
                                  neighbours,
                                  percentiles,
                                  reading,
                                  similarity_matrix,
)
from core.explore.layout import (
                                 UMAP_FIT_MAX,
                                 LayoutError,
                                 clear_layouts,
                                 direction_axes,
                                 map_frame,
                                 pca_2d,
                                 selected_rows,
                                 umap_2d,
)
from core.explore.scores import (
                                 LONG_COLUMNS,
                                 score_frame,
                                 score_grid,
                                 score_matrix,
                                 score_pairs,
                                 wide_scores,
                                 wide_table,
)

__all__ = [
    "LONG_COLUMNS", "UMAP_FIT_MAX", "LayoutError", "as_percentiles", "clear_layouts", "differences",
    "direction_axes", "map_frame", "neighbours", "pca_2d", "percentiles", "reading", "score_frame",
    "score_grid", "score_matrix", "score_pairs", "selected_rows", "similarity_matrix", "umap_2d",
    "wide_scores", "wide_table",
]
