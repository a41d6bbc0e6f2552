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
                             quality,
                             sample_corpus,
)
from core.ui.messages import (
                             error,
                             escape_md,
                             input_error,
                             show_dataset_errors,
                             show_notes,
)
from core.ui.page import setup
from core.ui.pickers import direction_picker, model_picker, reference_choice
from core.ui.sharing import (
                             apply,
                             corpus_link,
                             link_texts,
                             publish_link,
                             restore_link,
                             texts_link,
)
from core.ui.signin import (
                             access_settings,
                             can_edit,
                             edit_refusal,
                             sign_in_panel,
                             signed_in,
)
from core.ui.uploads import uploaded_corpus, uploaded_table

__all__ = [
    "PROGRESS_FROM", "access_settings", "apply", "can_edit", "chart", "corpus_link", "direction_picker",
    "directions_for", "download_chart", "download_table", "edit_refusal", "embed", "embed_corpus",
    "embedder_or_stop", "error", "escape_md", "input_error", "link_texts", "load_datasets", "model_picker",
    "publish_link", "quality", "reference_choice", "restore_link", "sample_corpus", "setup",
    "show_dataset_errors", "show_notes", "sign_in_panel", "signed_in", "texts_link", "uploaded_corpus",
    "uploaded_table",
]
