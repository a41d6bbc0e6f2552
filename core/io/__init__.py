"""Texts in and out: reading what people paste or upload (`inputs`), corpora and the built-in samples
(`corpus`), reference corpora to read back into (`reference`), spreadsheet-safe exports (`exports`),
shareable links (`links`)."""
from core.io.corpus import Corpus, embed_corpus, sample_corpus, sample_texts
from core.io.exports import chart_html, csv_bytes, parquet_bytes, spreadsheet_safe
from core.io.inputs import (
    InputError,
    TextBatch,
    no_column,
    require_columns,
    text_columns,
)
from core.io.reference import MissingReferencePackage, ReferenceCorpusError, reference_corpus

__all__ = ["Corpus", "InputError", "MissingReferencePackage", "ReferenceCorpusError", "TextBatch", "chart_html",
           "csv_bytes", "embed_corpus", "no_column", "parquet_bytes", "reference_corpus", "require_columns",
           "sample_corpus", "sample_texts", "spreadsheet_safe", "text_columns"]
