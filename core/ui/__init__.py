"""The Streamlit layer: page set-up, shared widgets, downloads, sharing, sign-in and charts.

The only package in `core` that imports Streamlit. Pages use it as `from core import ui`; the names
below are its public surface.
"""
from core.ui.downloads import chart, download_chart, download_table
from core.ui.loaders import (
                             PROGRESS_FROM,
                             directions_for,
                             embed,
                             embed_corpus,
                             embedder_or_stop,
                             load_datasets,
                             sample_corpus,
)
from core.ui.map_corpus import map_corpus
from core.ui.map_discover import discover_panel
from core.ui.map_selection import selection_panel
from core.ui.messages import (
                             error,
                             escape_md,
                             input_error,
                             show_dataset_errors,
                             show_notes,
                             warning,
)
from core.ui.page import setup
from core.ui.pickers import (
                             direction_label,
                             direction_picker,
                             model_picker,
                             reference_choice,
)
from core.ui.project_texts import project_texts
from core.ui.sharing import (
                             Linked,
                             link_corpus,
                             link_texts,
                             publish_corpus,
                             publish_texts,
                             source_radio,
)
from core.ui.signin import (
                             access_settings,
                             can_edit,
                             edit_refusal,
                             login_buttons,
                             sign_in_panel,
                             signed_in,
)
from core.ui.uploads import corpus_upload, texts_upload

__all__ = [
    "PROGRESS_FROM", "Linked", "access_settings", "can_edit", "chart", "corpus_upload", "direction_label",
    "direction_picker", "directions_for", "discover_panel", "download_chart", "download_table", "edit_refusal",
    "embed", "embed_corpus", "embedder_or_stop", "error", "escape_md", "input_error", "link_corpus", "link_texts",
    "load_datasets", "login_buttons", "map_corpus", "model_picker", "project_texts", "publish_corpus",
    "publish_texts", "reference_choice", "sample_corpus", "selection_panel", "setup",
    "show_dataset_errors", "show_notes", "sign_in_panel", "signed_in", "source_radio", "texts_upload", "warning",
]
