"""Exploring texts on directions: scores as tidy frames, comparing texts, and 2-D maps of a corpus.

Modules: scores (long and wide score tables, the interchange with charts), compare (similarity,
differences, a one-line reading, neighbours, percentiles), layout (PCA, UMAP and direction axes,
with layouts cached in memory and in the cache folder, and numba's compiled code kept), clusters
(clusters of a layout named by their distinctive words). The cached layout function is `core.explore.layout.layout`: re-exporting
it here would hide the `layout` module that `from core.explore import layout` imports.
"""
from core.explore.clusters import (
                                   NOISE,
                                   Clusters,
                                   adjusted_rand,
                                   cluster_map,
                                   distinctive_words,
                                   find_clusters,
)
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
                                 cosine_knn,
                                 direction_axes,
                                 embedding_hash,
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
    "LONG_COLUMNS", "NOISE", "UMAP_FIT_MAX", "Clusters", "LayoutError", "adjusted_rand", "as_percentiles",
    "clear_layouts", "cluster_map", "cosine_knn", "differences", "direction_axes", "distinctive_words",
    "embedding_hash", "find_clusters", "map_frame", "neighbours", "pca_2d", "percentiles", "reading",
    "score_frame", "score_grid", "score_matrix", "score_pairs", "selected_rows", "similarity_matrix", "umap_2d",
    "wide_scores", "wide_table",
]
