"""Models: the registry and the Encoder contract (`registry`), the user's model list (`models_file`), and the
backends: sentence-transformers (`sbert`, with `onnx`), TF-IDF (`tfidf`), CLIP (`clip`), bottleneck-T5
(`bottleneck`). Importing this package is light: torch and transformers load with the first model.

(The registry function itself is `core.models.registry.registry()`; it is not re-exported here, so that
`from core.models import registry` keeps naming the module.)
"""
from core.models.models_file import ModelsFileError
from core.models.registry import (
    DEFAULT_MODEL,
    Encoder,
    ModelError,
    ModelSpec,
    ModelUnavailable,
    UnknownModel,
    add_model,
    forget,
    get_encoder,
    get_spec,
    loaded_encoders,
    model_names,
    model_status,
    register_backend,
    register_spec,
    remove_model,
    resolve_source,
    user_entry,
)

__all__ = ["DEFAULT_MODEL", "Encoder", "ModelError", "ModelSpec", "ModelUnavailable", "ModelsFileError",
           "UnknownModel", "add_model", "forget", "get_encoder", "get_spec", "loaded_encoders", "model_names",
           "model_status", "register_backend", "register_spec", "remove_model", "resolve_source", "user_entry"]
