"""Stores: the embedding shards (`shards`), the cached embedder in front of a model (`embedder`), and the
image-embedding cache (`images`)."""
from core.store.embedder import Embedder, EmbeddingStore, get_embedder, text_key
from core.store.shards import VectorStore

__all__ = ["Embedder", "EmbeddingStore", "VectorStore", "get_embedder", "text_key"]
