"""Directions: the curated data set files, the build methods, built directions and their validity.

Modules: datasets (the data set and reading its file), yamlfile (writing it for git), methods, build
(the one calibration, the direction caches), quality, validation (against human ratings), saving
(atomic, versioned, conflict-checked), benchmarks
(the human-made yardstick sets and baselines), yardsticks (each direction measured against them), examples (examples as a table), form (the editing form's
values), discover (features without labels). The names below are the package's public surface.
"""
from core.directions.benchmarks import (
                                   SETS,
                                   BenchmarkError,
                                   YardstickSet,
                                   readability_grade,
)
from core.directions.build import (
                                   Direction,
                                   build_direction,
                                   build_directions,
                                   cache_path,
                                   clear_memory,
                                   direction_from_embeddings,
)
from core.directions.datasets import (
                                   SUFFIX,
                                   DatasetError,
                                   DirectionDataset,
                                   get_dataset,
                                   load_all,
                                   load_dataset,
                                   parse_dataset,
                                   validate,
)
from core.directions.discover import FeatureError, Features, learn_features
from core.directions.form import dataset_from_form, form_values, working_dataset
from core.directions.methods import (
                                   METHODS,
                                   Method,
                                   MethodError,
                                   build_vector,
                                   remove_components,
)
from core.directions.quality import (
                                   QualityReport,
                                   direction_report,
                                   format_metric,
                                   quality_report,
                                   wrong_side,
)
from core.directions.saving import (
                                   SaveConflict,
                                   Version,
                                   add_examples,
                                   delete_dataset,
                                   describe_changes,
                                   list_versions,
                                   read_version,
                                   restore_version,
                                   save_dataset,
)
from core.directions.validation import (
                                   STATISTICS,
                                   Correlation,
                                   bootstrap_interval,
                                   correlate,
                                   rated_points,
                                   rating_columns,
                                   ratings_from_table,
                                   statistic,
)
from core.directions.yamlfile import dump_dataset, example_comments
from core.directions.yardsticks import (
                                   YardstickResult,
                                   measure,
                                   results_table,
                                   table_text,
                                   verdict,
)

__all__ = [
    "METHODS", "SETS", "STATISTICS", "SUFFIX", "BenchmarkError", "YardstickResult", "YardstickSet",
    "bootstrap_interval", "measure", "readability_grade", "results_table", "statistic", "table_text", "verdict", "Correlation", "DatasetError", "Direction", "DirectionDataset", "FeatureError",
    "Features", "Method", "MethodError", "QualityReport", "SaveConflict", "Version", "add_examples",
    "build_direction", "build_directions", "build_vector", "cache_path", "clear_memory", "correlate",
    "dataset_from_form", "delete_dataset", "describe_changes", "direction_from_embeddings", "direction_report",
    "dump_dataset", "example_comments", "form_values", "format_metric", "get_dataset", "learn_features",
    "list_versions", "load_all", "load_dataset", "parse_dataset", "quality_report", "rated_points",
    "rating_columns", "ratings_from_table", "read_version", "remove_components", "restore_version",
    "save_dataset", "validate", "working_dataset", "wrong_side",
]
